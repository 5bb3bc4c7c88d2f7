/// @file client_loop.h
/// @brief lab04: the parent's event loop over the server's socket and the stdin reader's pipe
/// (you write it in client_loop.cpp).
///
/// One epoll instance watches two fds, both nonblocking, level-triggered:
///
///     socket  EPOLLIN   -> print_server_lines: the server's lines, printed whole
///     socket  EPOLLOUT  -> flush_to_server:    only while bytes wait to go out
///     pipe    EPOLLIN   -> take_user_lines:    the user's lines, queued for the server
///
/// Both directions are framed with nb::LineBuffer (lab02): TCP and pipes deliver bytes, not
/// lines, so a line may come in pieces, or several lines in one read (README §4).
///
/// watch() is given (client_loop_helpers.cpp); the other four functions are yours.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "common/fd.h"
#include "lab02_nonblocking/line_buffer.h"

namespace chat {

/// @brief The longest server line the client prints, in bytes. A longer one is dropped with a
/// note on stderr.
inline constexpr std::size_t kMaxServerLineBytes = 64 * 1024;

/// @brief How the conversation ended.
enum class ClientEnd {
    UserDone,      ///< the stdin reader closed the pipe (`exit` or end of input); all sent
    ServerClosed,  ///< the server closed or reset the connection
};

/// @brief Read what the server sent on the nonblocking socket @p server_fd, until it would block,
/// and print every complete line to @p out, each followed by "\n", flushing @p out once at the end.
///
/// A partial line stays in @p from_server until its "\n" arrives. When the server has closed the
/// connection, a last line without "\n" is printed too.
/// @return false when the server closed or reset the connection; true otherwise.
/// @throws kit::SysError on a read error that is not a network event (see nb::read_some).
bool print_server_lines(int server_fd, nb::LineBuffer& from_server, std::FILE* out);

/// @brief Read the stdin reader's lines from the nonblocking pipe @p pipe_fd, until it would
/// block, and append each complete line plus "\n" to @p to_server.
/// @return false at the end of the pipe (the child closed its end: the user is done).
bool take_user_lines(int pipe_fd, nb::LineBuffer& from_user, std::string& to_server);

/// @brief Write as much of @p to_server as the nonblocking socket @p server_fd takes right now,
/// and remove what was written from the front of @p to_server.
/// @return false if the server is gone (EPIPE, ECONNRESET); true otherwise, with the unsent
///         tail (if any) still in @p to_server.
bool flush_to_server(int server_fd, std::string& to_server);

/// @brief Make the epoll instance @p epoll watch @p fd for @p events, or not at all when @p events
/// is 0; @p current is what is registered now (0: not registered) and is updated. Given, in
/// client_loop_helpers.cpp.
///
/// An unchanged interest costs no system call. Not watching is EPOLL_CTL_DEL, not "MOD to no
/// events": epoll reports EPOLLHUP and EPOLLERR whatever was asked, so a pipe whose writer is gone
/// would wake a level-triggered loop for ever (README §4.3).
///
/// The event's key (data.fd) is @p fd itself. Here that is safe: the client watches exactly two
/// fds, and both live until the loop returns, so a number never comes back as somebody else's.
/// Lab 3's server keys by client id instead, because its fds are closed and reused as clients
/// come and go.
/// @throws kit::SysError naming \man{epoll_ctl,2} and @p fd if epoll_ctl fails.
void watch(const kit::Fd& epoll, int fd, std::uint32_t events, std::uint32_t& current);

/// @brief The client's life in the parent: make @p server and @p user_lines nonblocking, watch
/// both with epoll, print the server's lines to @p out and send the user's lines to the server,
/// until one side is done.
///
/// When the user is done, every queued line is sent before returning. The caller still owns both
/// fds (and closes the socket afterwards).
/// @return why the conversation ended.
/// @throws kit::SysError if \man{epoll_create1,2}, epoll_ctl or \man{epoll_wait,2} fails (see
///         \man{epoll,7}).
ClientEnd run_client_loop(const kit::Fd& server, const kit::Fd& user_lines, std::FILE* out);

}  // namespace chat
