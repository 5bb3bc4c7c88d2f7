/// @file net.h
/// @brief lab01: the TCP building blocks every later lab uses (you write them in net.cpp).
///
/// The calls a TCP server and client make, in order (README.md, section 2):
///
///     server: socket -> setsockopt(SO_REUSEADDR) -> bind -> listen -> accept -> recv/send -> close
///     client: socket -> connect -> send/recv -> close
///
/// Errors follow the kit's three rules: setup calls throw kit::SysError naming the call and its
/// arguments; per-connection I/O returns a status and never throws for network events; EINTR is
/// retried inside the wrapper, never passed to the caller.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/fd.h"
#include "common/io_status.h"

namespace net {

/// @brief Open a TCP socket listening on @p host:@p port.
///
/// Sets SO_REUSEADDR before \man{bind,2}, so a restarted server can bind its port at once even
/// while connections of the previous run linger in TIME_WAIT. @p port 0 lets the kernel pick a free
/// port (see bound_port). The socket is created close-on-exec.
/// @param host a numeric IPv4/IPv6 address or a host name ("127.0.0.1", "::1", "localhost").
/// @param backlog the length of the queue of connections the kernel completes before
///         \man{accept,2}.
/// @return the listening socket.
/// @throws kit::SysError naming the failed call and the address, e.g.
///         `bind(127.0.0.1:8888): Address already in use`. See \man{socket,2}, \man{bind,2},
///         \man{listen,2}.
kit::Fd listen_tcp(const std::string& host, std::uint16_t port, int backlog = 128);

/// @brief The local port of a bound socket: the real one after listen_tcp(host, 0).
/// @throws kit::SysError if \man{getsockname,2} fails.
std::uint16_t bound_port(const kit::Fd& sock);

/// @brief Connect a new TCP socket to @p host:@p port (blocking until connected or refused).
/// @return the connected socket (close-on-exec).
/// @throws kit::SysError naming the address, e.g. `connect(127.0.0.1:9): Connection refused`.
///         See \man{connect,2}.
kit::Fd connect_tcp(const std::string& host, std::uint16_t port);

/// @brief Send every byte of @p data on the blocking socket @p sock.
///
/// \man{send,2} may take only part of the data (a signal arrives, the buffer is full): keep sending
/// the rest until all is out. Retries EINTR. Sends with MSG_NOSIGNAL, so a closed peer is a status,
/// not a SIGPIPE that kills the process.
/// @return IoStatus::Ok when everything was sent; IoStatus::PeerGone if the peer closed or reset
///         the connection (EPIPE, ECONNRESET) — some bytes may have been sent.
/// @throws kit::SysError on any other \man{errno,3} (EBADF, ENOTSOCK, ...: a bug, not a network
///         event).
kit::IoStatus send_all(const kit::Fd& sock, std::string_view data);

/// @brief Receive what is available on the blocking socket @p sock into @p buffer, waiting for at
/// least one byte.
///
/// Retries EINTR: a signal is not the end of the connection.
/// @return {Ok, n} with 1 <= n <= buffer.size(); {Eof, 0} when the peer finished sending
///         (recv returned 0); {PeerGone, 0} when the connection was reset (ECONNRESET).
/// @throws kit::SysError on any other errno. See \man{recv,2}.
kit::IoResult recv_some(const kit::Fd& sock, std::span<char> buffer);

}  // namespace net
