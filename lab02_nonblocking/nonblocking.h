/// @file nonblocking.h
/// @brief lab02: nonblocking file descriptors and I/O that says "would block" instead of waiting.
///
/// These work on any descriptor: sockets and pipes alike (lab04 uses them on both). Each call does
/// at most one read or write and never blocks once the fd is nonblocking; EAGAIN is reported as
/// IoStatus::WouldBlock — a normal event ("nothing now, wait for readiness"), never an error and
/// never 0 bytes (which would look like EOF).
#pragma once

#include <span>
#include <string_view>

#include "common/io_status.h"

namespace nb {

/// @brief Add O_NONBLOCK to the file status flags of @p fd, keeping every other status flag.
///
/// Read the current flags with fcntl(F_GETFL), add O_NONBLOCK, write them back with F_SETFL.
/// (F_GETFD reads the *descriptor* flags — only FD_CLOEXEC — and writing those back with F_SETFL
/// silently clears flags like O_APPEND: the tutorial's mistake 1.)
/// @throws kit::SysError if fcntl fails (a bad fd: a bug). See \man{fcntl,2}.
void set_nonblocking(int fd);

/// @brief True if O_NONBLOCK is set on @p fd. @throws kit::SysError if fcntl fails.
bool is_nonblocking(int fd);

/// @brief Read once from @p fd into @p buffer.
/// @return {Ok, n} with n > 0 bytes read; {WouldBlock, 0} if nothing is available now (EAGAIN);
///         {Eof, 0} if the writer finished (read returned 0); {PeerGone, 0} if the connection was
///         reset (ECONNRESET). EINTR is retried. An empty @p buffer reads nothing and returns
///         {Ok, 0} (a read of 0 bytes would return 0, which must not be mistaken for EOF).
/// @throws kit::SysError on any other \man{errno,3}. See \man{read,2}.
kit::IoResult read_some(int fd, std::span<char> buffer);

/// @brief Write once to @p fd from @p data (sockets: send with MSG_NOSIGNAL; other fds: write).
/// @return {Ok, n} with 0 < n <= data.size() — n may be less than all of it: keep the rest;
///         {WouldBlock, 0} if the kernel buffer is full (EAGAIN); {PeerGone, 0} if the reader is
///         gone (EPIPE, ECONNRESET). EINTR is retried. Writing empty @p data returns {Ok, 0}.
/// On a socket MSG_NOSIGNAL keeps a vanished peer from raising SIGPIPE. A pipe has no such flag:
/// a program that writes to pipes must ignore SIGPIPE (kit::ignore_sigpipe) to get PeerGone.
/// @throws kit::SysError on any other errno. See \man{send,2}, \man{write,2}.
kit::IoResult write_some(int fd, std::string_view data);

}  // namespace nb
