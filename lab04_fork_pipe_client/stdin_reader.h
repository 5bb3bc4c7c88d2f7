/// @file stdin_reader.h
/// @brief lab04: the client's second process, which reads the user's lines (you write it in
/// stdin_reader.cpp).
///
/// After start_stdin_reader() the client is two processes joined by one pipe:
///
///     keyboard -> stdin -> [ child: forward_stdin_lines ] -> pipe -> [ parent: run_client_loop ]
///                                                                          <-> socket <-> server
///
/// The child blocks in \man{read,2} on stdin and writes each complete line into the pipe; the
/// parent never reads stdin, so it can wait with epoll on the pipe and the socket at once
/// (README §2).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <span>
#include <string_view>

#include "common/fd.h"

namespace chat {

/// @brief The longest line the user may type, in bytes, without its "\n". A longer line is not
/// sent: the child says so on stderr and drops it, so its memory stays bounded.
inline constexpr std::size_t kMaxUserLineBytes = 1024 * 1024;

/// @brief The running stdin reader, as the parent sees it.
///
/// Owns the pipe's read end; the child process itself is owned in the sense that somebody must
/// reap it: stop_stdin_reader() does.
struct StdinReader {
    pid_t pid = -1;  ///< the child's process id (-1: no child)
    kit::Fd lines;   ///< the pipe's read end: the user's lines, each ending in "\n"
};

/// @brief How the child's loop ended.
enum class ReaderEnd {
    ExitTyped,   ///< the user typed `exit` (any case)
    EndOfInput,  ///< stdin reached its end (Ctrl-D on a terminal, the end of a piped file)
    ParentGone,  ///< the pipe has no reader any more (write failed with EPIPE)
};

/// @brief True if @p line is the quit command: `exit` in any case ("EXIT", "Exit"), and nothing
/// else — "exit now" and "exited" are chat messages.
bool is_exit_command(std::string_view line);

/// @brief The child's loop: read @p in_fd until its end and write every line into @p pipe_fd.
///
/// Lines of any length up to kMaxUserLineBytes are written whole, each followed by exactly one
/// "\n" — also the last line when the input ends without "\n". A "\r\n" ending becomes "\n".
/// Empty lines are not written (a chat message needs text). Stops at `exit` (which is not
/// written) or at the end of the input. Both fds are blocking; \man{read,2} and \man{write,2} may
/// move fewer bytes than asked, or fail with EINTR: neither loses or repeats a byte.
/// @return why it stopped.
/// @throws kit::SysError if reading stdin fails for a reason other than EINTR. See \man{read,2}.
ReaderEnd forward_stdin_lines(int in_fd, int pipe_fd);

/// @brief Create the pipe and fork the child that runs forward_stdin_lines(STDIN_FILENO, ...).
///
/// In the child: arrange to die with the parent (PR_SET_PDEATHSIG), close the pipe's read end and
/// every fd in @p close_in_child (the connected socket: the child must not hold the connection),
/// run the loop, and leave with \man{_exit,2} — never return into the parent's code. In the parent:
/// close the pipe's write end, so that the pipe reports EOF once the child is gone. See README §3.
/// @param close_in_child descriptors the parent holds that the child must not keep.
/// @return the child's pid and the pipe's read end.
/// @throws kit::SysError if \man{pipe2,2} or \man{fork,2} fails.
StdinReader start_stdin_reader(std::span<const int> close_in_child);

/// @brief End the child's life: if @p terminate, send it SIGTERM first (it may be blocked reading
/// stdin for ever); then wait for it with \man{waitpid,2}, so no zombie is left. Retries EINTR.
/// Safe to call when the child already exited by itself (the usual case after `exit`).
/// @return the child's wait status (as \man{waitpid,2} stores it), or -1 if there was no child.
/// @throws kit::SysError if waitpid fails for another reason (a bug: ECHILD).
int stop_stdin_reader(StdinReader& reader, bool terminate);

}  // namespace chat
