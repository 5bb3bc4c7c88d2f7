/// @file echo.h
/// @brief lab01: the iterative echo server's logic (you write it in echo.cpp).
#pragma once

#include <cstddef>

#include "common/fd.h"

namespace echo {

/// @brief Send every byte received on @p client straight back, until the client finishes.
///
/// Uses net::recv_some and net::send_all. Returns when the client sent EOF or vanished; the caller
/// still owns (and closes) @p client.
/// @return the number of bytes echoed.
std::size_t echo_session(const kit::Fd& client);

/// @brief Accept clients on @p listener one at a time, forever, echoing each until it leaves.
///
/// Iterative: while one client is served, the next waits in the kernel's accept queue — the limit
/// lab02 and lab03 remove. A client that misbehaves (resets, vanishes) ends only its own session.
/// \man{accept,2} interrupted by a signal or aborted by the peer is retried.
/// @throws kit::SysError only if accept fails in a way that means a bug (EBADF, EINVAL, ...).
[[noreturn]] void serve_forever(const kit::Fd& listener);

}  // namespace echo
