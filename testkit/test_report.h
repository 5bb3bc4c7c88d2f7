/// @file test_report.h
/// @brief The failure report: what a failing test prints once, after its own failure messages.
///
/// Every test binary's main (kit_main.cpp) starts a new report when a test starts and, if the test
/// failed, prints it when the test ends, once, however many assertions failed. The lines that
/// tools/grade.py keys on are fixed; the block looks like this (sections without content are left
/// out):
///
///     --- the programs under test ---
///     nb_echo_server:
///       command: /path/to/nb_echo_server --port 0
///       process: exited with code 1
///       last lines of its stderr:
///         nb_echo_server: read(fd 4): Resource temporarily unavailable
///     --- transcript ---
///       client :41234 sent     6 bytes: 'hello\n'
///       client :41234 -- the server closed the connection (EOF)
///     --- how to rerun ---
///       run under the short-I/O injector with seed 123; replay exactly with:
///         KIT_SHORTIO=1 SHORTIO_SEED=123 build/tests/lab02/lab02-blackbox --gtest_filter=A.B
///       a deadline expired: if the machine is busy, try TIMEOUT_SCALE=3
///     --- end of the report ---
///
/// `process: ` is followed by ExitStatus::describe(): "exited with code 1", "was killed by signal
/// SIGPIPE (Broken pipe)", or "still running" (the test stopped it when it ended). The watchdog's
/// `TIMEOUT:` and the crash handler's `CRASH:` messages are printed instead when the test process
/// itself is stopped (see kit_main.cpp).
#pragma once

#include <string>

namespace testkit {

/// @brief Start the report of a new test: no programs, an empty transcript, no deadline expired.
void begin_test_report();

/// @brief Add how one program under test ended (ChildProcess does this when it is destroyed).
void add_program_report(const std::string& name, const std::string& report);

/// @brief Note that a testkit wait ran out of time: the report then suggests TIMEOUT_SCALE.
void note_deadline_expired();

/// @brief The hint every deadline failure carries.
inline constexpr const char* kTimeoutScaleHint = "if the machine is busy, try TIMEOUT_SCALE=3";

/// @brief The whole block described above, for the test running now.
std::string test_failure_report();

}  // namespace testkit
