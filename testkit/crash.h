/// @file crash.h
/// @brief What the test process says when it dies of a signal: `CRASH: the test process was
/// killed by SIGSEGV while running Suite.Name.` and the command to debug it.
#pragma once

#include <string>

#include "testkit/non_copyable.h"

namespace testkit {

/// @brief Prepare the crash message for test @p test_name (kit_main.cpp calls it when each test
/// starts). The handler itself only write()s this text: it must work even when the crash happened
/// inside \man{malloc,3}, so nothing in it allocates or locks.
void prepare_crash_report(const std::string& test_name);

/// @brief From now on, @p signal prints the crash message, kills every child process and ends the
/// test process with that signal.
void report_crash_on(int signal);

/// @brief While it lives, SIGPIPE ends the test process as it ends a real program that writes to a
/// closed connection without MSG_NOSIGNAL, with the crash message naming SIGPIPE. The testkit
/// otherwise ignores SIGPIPE, so that a server closing first does not kill the test.
///
/// For the unit tests of a send function: the function under test must return a status instead.
class FatalSigpipe : NonCopyable {
public:
    FatalSigpipe();
    ~FatalSigpipe() { restore(); }

    /// @brief Ignore SIGPIPE again (the destructor does it too).
    void restore();

private:
    bool active_ = true;
};

}  // namespace testkit
