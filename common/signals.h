/// @file signals.h
/// @brief Process-wide signal settings the programs of the kit share.
#pragma once

#include "common/fd.h"

namespace kit {

/// @brief Make SIGINT and SIGTERM end the program at once with exit status 0.
///
/// For the blocking servers of labs 01-02, which hold nothing that needs flushing: the kernel
/// closes every descriptor at exit, so "clean" needs no more than this. The handler only calls
/// async-signal-safe functions (\man{write,2} and \man{_exit,2}). The event-loop servers of later
/// labs handle these signals inside their loop instead (\man{signalfd,2}), to say goodbye to their
/// clients.
void exit_cleanly_on_sigint_sigterm();

/// @brief Ignore SIGPIPE, so that writing to a closed connection fails with EPIPE instead of
/// killing the whole process. (Sending with MSG_NOSIGNAL does the same per call.)
void ignore_sigpipe();

/// @brief Block SIGINT and SIGTERM and return a signalfd (nonblocking, close-on-exec) that becomes
/// readable when one arrives: the event-loop servers (labs 3 and 5) watch it like any socket, so
/// no handler runs in the middle of the loop and the loop ends normally, saying goodbye. Blocked
/// first, the signals are never delivered the usual way: they wait in the descriptor.
/// @throws kit::SysError naming \man{sigprocmask,2} or signalfd if either fails.
Fd stop_on_sigint_sigterm();

}  // namespace kit
