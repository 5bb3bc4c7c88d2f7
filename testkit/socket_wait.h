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

/// @brief Wait (\man{poll,2}, EINTR retried) until @p fd has @p events or @p deadline passes.
/// @return true if the events came.
bool wait_ready(int fd, short events, const Deadline& deadline);

/// @brief Send all of @p bytes on the nonblocking socket @p fd (MSG_NOSIGNAL, EINTR retried),
/// waiting for room whenever the send buffer is full, and record what went out in the transcript
/// as @p who ("client :41234").
/// @throws Failure naming @p who and @p peer ("the server") with how many bytes went out: a
/// deadline_failure if @p peer took too few within @p timeout, else the \man{errno,3} text.
void send_all_within(int fd, std::string_view bytes, Duration timeout, const std::string& who,
                     const std::string& peer);

}  // namespace testkit
