/// @file fake_server.h
/// @brief FakeServer: a scripted stand-in for a chat server, for testing clients.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/fd.h"
#include "testkit/deadline.h"
#include "testkit/non_copyable.h"

namespace testkit {

/// @brief A TCP server that accepts exactly one client, records every byte it receives, and sends
/// exactly what the test tells it to, when the test tells it to.
///
/// It owns its listening socket (127.0.0.1, a free port), the one connection, and a background
/// thread that reads the connection all the time into a record, so a client is never blocked
/// by a server that does not read. The test sends from its own thread: whole, in several lines
/// per segment, or in tiny pieces that the client must put back together. Every wait has a
/// deadline (unscaled, like all testkit waits) and throws Failure with a narrated message.
///
/// @code
/// testkit::FakeServer server;
/// testkit::ChildProcess client(testkit::lab_program("chat_client"), {"--port", server.port_arg()}, opts);
/// server.accept_client();
/// server.send("Welcome!\n");
/// client.write_stdin("hello\n");
/// client.close_stdin();
/// EXPECT_EQ(server.wait_for_eof(), "hello\n");  // exactly these bytes, then the client closed
/// @endcode
class FakeServer : NonCopyable {
public:
    /// @brief Listen on 127.0.0.1 on a free port. @throws Failure if that fails.
    FakeServer();
    /// @brief Stops the reader thread and closes everything (the client sees EOF or a reset).
    ~FakeServer();

    /// @brief The port clients connect to.
    [[nodiscard]] std::uint16_t port() const { return port_; }
    /// @brief port() as a command-line argument.
    [[nodiscard]] std::string port_arg() const { return std::to_string(port_); }

    /// @brief Wait for the client to connect and accept it; the listener is closed afterwards (a
    /// second client is refused). @throws Failure if nobody connects within @p timeout.
    void accept_client(Duration timeout = kDefaultWait);

    /// @brief Send all of @p bytes (one \man{send,2} call as far as the kernel allows: several
    /// lines given at once usually arrive in one segment). @throws Failure if the client does not
    /// take them within @p timeout or the connection is broken.
    void send(std::string_view bytes, Duration timeout = kDefaultWait);
    /// @brief Send @p bytes @p piece_bytes at a time, each piece its own TCP segment (TCP_NODELAY)
    /// with a pause of @p gap between pieces, so that the client's reads see the pieces apart.
    void send_in_pieces(std::string_view bytes, std::size_t piece_bytes,
                        Duration gap = Duration(2));
    /// @brief Close the connection for sending (FIN): the client reads EOF. Receiving goes on, so
    /// what the client sends afterwards is still recorded.
    void close_connection();

    /// @brief Every byte received from the client so far, in order.
    [[nodiscard]] std::string received() const;
    /// @brief Wait until at least @p count bytes have been received and return them all.
    /// @throws Failure (quoting what came) on timeout, or if the client closed first.
    std::string wait_for_bytes(std::size_t count, Duration timeout = kDefaultWait);
    /// @brief Wait until the client closes the connection (EOF or reset) and return every byte
    /// received. @throws Failure (quoting what came) if it is still open after @p timeout.
    std::string wait_for_eof(Duration timeout = kDefaultWait);
    /// @brief True once the client has closed the connection.
    [[nodiscard]] bool client_closed() const;

private:
    void read_all();
    std::string describe_received() const;  // caller holds mutex_
    std::string who() const;                // "fake server :PORT", in the transcript

    kit::Fd listener_;
    kit::Fd conn_;
    kit::Fd wake_;  // eventfd: tells the reader thread to stop
    std::uint16_t port_ = 0;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string received_;
    bool closed_ = false;
    std::string close_reason_;
    std::thread reader_;
};

}  // namespace testkit
