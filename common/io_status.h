/// @file io_status.h
/// @brief IoStatus and IoResult: what one read or write on a connection did.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string_view>

namespace kit {

/// @brief The outcome of one I/O call on a connection. Never an error code to decode.
///
/// "Would block" is its own value: it is never 0 bytes (which looks like EOF) and never -1 plus
/// \man{errno,3} (which looks like a failure).
enum class IoStatus {
    Ok,          ///< bytes moved (IoResult::bytes > 0).
    WouldBlock,  ///< nonblocking fd, nothing can move now (EAGAIN/EWOULDBLOCK): wait for readiness.
    Eof,         ///< the peer finished sending (read returned 0). Writing may still work.
    PeerGone,    ///< the connection is broken (ECONNRESET, EPIPE, ...): drop it.
};

/// @brief Status plus the number of bytes moved (non-zero only with IoStatus::Ok).
struct IoResult {
    IoStatus status = IoStatus::Ok;
    std::size_t bytes = 0;

    friend bool operator==(const IoResult&, const IoResult&) = default;
};

/// @brief "Ok", "WouldBlock", "Eof" or "PeerGone": for messages and test output.
std::string_view to_string(IoStatus status) noexcept;

/// @brief Prints to_string(status) (so test failures show names, not numbers).
std::ostream& operator<<(std::ostream& out, IoStatus status);

/// @brief Prints `{Ok, 5}`.
std::ostream& operator<<(std::ostream& out, const IoResult& result);

/// @brief GoogleTest's printer for IoStatus: its name, as operator<< prints it.
void PrintTo(IoStatus status, std::ostream* out);

/// @brief GoogleTest's printer for IoResult: `{Ok, 5}`.
void PrintTo(const IoResult& result, std::ostream* out);

}  // namespace kit
