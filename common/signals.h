/// @file signals.h
/// @brief Process-wide signal settings the programs of the kit share.
#pragma once

namespace kit {

/// @brief Make SIGINT and SIGTERM end the program at once with exit status 0.
///
/// For the blocking servers of labs 01-02, which hold nothing that needs flushing: the kernel
/// closes every descriptor at exit, so "clean" needs no more than this. The handler only calls
/// async-signal-safe functions (write(2) and _exit(2)). The event-loop servers of later labs
/// handle these signals inside their loop instead (signalfd), to say goodbye to their clients.
void exit_cleanly_on_sigint_sigterm();

/// @brief Ignore SIGPIPE, so that writing to a closed connection fails with EPIPE instead of
/// killing the whole process. (Sending with MSG_NOSIGNAL does the same per call.)
void ignore_sigpipe();

}  // namespace kit
