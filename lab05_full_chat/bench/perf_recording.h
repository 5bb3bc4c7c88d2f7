/// @file perf_recording.h
/// @brief chat_bench: `perf record` on the server, for the measured part of one run only.
///
/// perf attaches to the running server (`-p PID`) disabled (`-D -1`), and the bench switches it on
/// when the crowd is ready and off when the run ends, through perf's control pipe
/// (`--control fd:CTL,ACK`): perf answers each command with "ack", so the bench knows that sampling
/// has started instead of guessing how long perf takes to attach. Connecting 5,000 clients (and
/// lab05's join notices) is then not in the profile, only the chat.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/fd.h"

namespace bench {

/// @brief One `perf record -g` of process @p pid into @p file, off until enable().
class PerfRecording {
public:
    /// @throws std::runtime_error when perf cannot be started or does not answer.
    PerfRecording(pid_t pid, const std::string& file);
    /// @brief Stops perf (SIGINT: it writes its file) and reaps it.
    ~PerfRecording();
    PerfRecording(const PerfRecording&) = delete;
    PerfRecording& operator=(const PerfRecording&) = delete;

    /// @brief Start sampling; returns once perf said "ack".
    void enable() { command("enable"); }
    /// @brief Stop sampling; returns once perf said "ack".
    void disable() { command("disable"); }

private:
    void command(const std::string& what);

    pid_t perf_ = -1;
    kit::Fd control_;  // we write commands here
    kit::Fd ack_;      // perf writes "ack" here
};

}  // namespace bench
