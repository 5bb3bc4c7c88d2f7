/// @file fd_pair.h
/// @brief Two connected descriptors for unit tests: a \man{socketpair,2} or a pipe, and writing
/// all of a text into one end.
#pragma once

#include <string_view>

#include "common/fd.h"

namespace testkit {

/// @brief Two owned ends of one channel.
struct FdPair {
    kit::Fd first;   ///< socketpair: one end; pipe: the read end
    kit::Fd second;  ///< socketpair: the other end; pipe: the write end
};

/// @brief A connected AF_UNIX stream socketpair, close-on-exec, plus @p extra_flags (e.g.
/// SOCK_NONBLOCK): the fastest real "connection" for a unit test. @throws kit::SysError.
FdPair socket_pair(int extra_flags = 0);

/// @brief A pipe, close-on-exec, plus @p extra_flags (e.g. O_NONBLOCK): {read end, write end}.
/// @throws kit::SysError.
FdPair pipe_pair(int extra_flags = 0);

/// @brief Write all of @p data to @p fd, short writes continued (and EINTR): how a test plays the
/// other side of a pipe or a socket. On a nonblocking end a full buffer (EAGAIN) is a failure.
/// @throws testkit::Failure with errno's text if a write fails.
void write_fully(int fd, std::string_view data);

}  // namespace testkit
