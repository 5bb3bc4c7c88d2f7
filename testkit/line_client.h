/// @file line_client.h
/// @brief LineClient: the autograder's side of a TCP connection to a lab's server.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/fd.h"
#include "testkit/deadline.h"

namespace testkit {

/// @brief A test's TCP client: send bytes or lines, expect lines, silence or EOF, each within a
/// deadline. Every expectation that is not met throws Failure with a message that says what was
/// expected and what came instead.
///
/// The socket is nonblocking and every wait is a \man{poll,2} with a deadline, so a server that
/// never answers fails the test in bounded time instead of hanging it. The client itself handles
/// short reads and writes, so it works with any correct server.
class LineClient {
public:
    /// @brief Connect to @p host:@p port. @throws Failure if not connected within @p timeout.
    static LineClient connect(std::uint16_t port, const std::string& host = "127.0.0.1",
                              Duration timeout = kDefaultWait);

    LineClient(LineClient&&) noexcept = default;
    LineClient& operator=(LineClient&&) noexcept = default;

    /// @brief Send all of @p bytes (any bytes: NUL, invalid UTF-8, no newline).
    /// @throws Failure if the server does not take them within @p timeout or the connection broke.
    void send_raw(std::string_view bytes, Duration timeout = kDefaultWait);
    /// @brief Send @p text followed by "\n".
    void send_line(std::string_view text, Duration timeout = kDefaultWait);

    /// @brief The next line the server sends, without its "\n" (a trailing "\r" is kept).
    /// @throws Failure on EOF, reset or timeout, quoting whatever partial line had arrived.
    std::string expect_line(Duration timeout = kDefaultWait);
    /// @brief Exactly @p count bytes. @throws Failure on EOF, reset or timeout.
    std::string read_exactly(std::size_t count, Duration timeout = kDefaultWait);
    /// @brief Assert that no byte arrives for @p duration (and the connection stays open).
    void expect_silence(Duration duration);
    /// @brief Assert that the server closes the connection (EOF or reset) within @p timeout, with
    /// no more data first. Returns the data that came before the close when @p allow_data.
    std::string expect_eof(Duration timeout = kDefaultWait, bool allow_data = false);
    /// @brief True if the server has closed or reset the connection (drains pending data).
    bool closed_by_peer(Duration timeout);

    /// @brief Stop sending (shutdown SHUT_WR): the server reads EOF, and can still answer.
    void shutdown_write();
    /// @brief Close abruptly: SO_LINGER 0 makes \man{close,2} send RST instead of FIN.
    void close_with_rst();
    /// @brief Close normally (FIN).
    void close();

    /// @brief Bytes received but not yet returned by expect_line / read_exactly.
    [[nodiscard]] const std::string& pending() const { return buffer_; }
    /// @brief Every byte received so far on this connection, returned or not.
    [[nodiscard]] std::size_t bytes_received() const { return total_received_; }
    /// @brief The socket (for tests that need \man{setsockopt,2}, e.g. a small receive buffer).
    [[nodiscard]] int fd() const { return sock_.get(); }
    /// @brief This client's local port: tells clients apart in messages.
    [[nodiscard]] std::uint16_t local_port() const { return local_port_; }

private:
    explicit LineClient(kit::Fd sock);
    enum class Fill { Data, Eof, Reset, Timeout };
    Fill fill(const Deadline& deadline);
    std::string describe() const;

    kit::Fd sock_;
    std::string buffer_;
    std::size_t total_received_ = 0;
    std::uint16_t local_port_ = 0;
    bool eof_ = false;
};

}  // namespace testkit
