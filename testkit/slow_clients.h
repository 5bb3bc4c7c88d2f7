/// @file slow_clients.h
/// @brief Clients that push a server to its limits: one that never reads, the open-file limit a
/// crowd of clients needs, a server left a few descriptors short of its limit, and reading a
/// connection until the server closes it.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include "common/fd.h"
#include "testkit/deadline.h"

namespace testkit {

/// @brief Raise this process's open-file limit to at least @p wanted (up to the hard limit): the
/// test holds one socket per client, and the server it starts inherits the limit.
void raise_fd_limit(rlim_t wanted);

/// @brief Lower the open-file limit of the running process @p pid (prlimit) so that exactly
/// @p count more descriptors fit: new descriptors take the lowest free numbers, so the limit is
/// set just above the @p count-th free number. What an EMFILE test does to a server.
/// @return the limit the process had, to give back with restore_fd_limit().
/// @throws testkit::Failure if the limit cannot be read or set (with errno's text).
rlimit leave_free_fds(pid_t pid, int count);

/// @brief Give @p pid back the open-file limit @p limit (what leave_free_fds() returned).
/// @throws testkit::Failure if prlimit fails.
void restore_fd_limit(pid_t pid, const rlimit& limit);

/// @brief Connect a client that will never read, with tiny kernel buffers (SO_RCVBUF 4 KiB and a
/// 536-byte MSS, both set before connect, which also keeps the server's send buffer for it small)
/// so that the server's queue for it fills after about 100 KB. Returns once it has read its
/// welcome line (and nothing more): the server has then surely accepted it.
/// @throws testkit::Failure if the connection or the welcome line does not come.
kit::Fd connect_non_reader(std::uint16_t port);

/// @brief Read @p sock (blocking or not) until EOF or reset, for at most @p timeout (scaled).
/// @return true if the server closed the connection in time; the bytes read are added to @p got.
bool read_until_closed(int sock, Duration timeout, std::size_t& got);

}  // namespace testkit
