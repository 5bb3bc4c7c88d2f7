/// @file socket_wait.h
/// @brief The waits and the send loop the testkit's own sockets share (LineClient, FakeServer).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "testkit/deadline.h"

namespace testkit {

/// @brief "5000 ms": a duration as failure messages show it.
std::string ms(Duration duration);

/// @brief Wait (poll(2), EINTR retried) until @p fd has @p events or @p deadline passes.
/// @return true if the events came.
bool wait_ready(int fd, short events, const Deadline& deadline);

/// @brief How far send_within got.
struct SendProgress {
    std::size_t sent = 0;  ///< bytes the kernel took
    int error = 0;         ///< 0: all sent; ETIMEDOUT: the deadline passed; else send's errno
};

/// @brief Send all of @p bytes on the nonblocking socket @p fd (MSG_NOSIGNAL, EINTR retried),
/// waiting for room whenever the send buffer is full, until @p deadline.
SendProgress send_within(int fd, std::string_view bytes, const Deadline& deadline);

}  // namespace testkit
