// Unit tests of net.cpp: each function alone, on real sockets (port 0, socketpairs).
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

#include "common/sys_error.h"
#include "lab01_blocking/net.h"
#include "testkit/crash.h"
#include "testkit/expect_sys_error.h"
#include "testkit/fd_pair.h"
#include "testkit/graded.h"
#include "testkit/interrupt.h"

namespace {

// Bytes that differ at every position, so a lost, repeated or reordered chunk shows.
std::string pattern(std::size_t size)
{
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<char>((i * 7 + i / 251) % 256);
    return bytes;
}

// Read everything until EOF from a blocking fd (test side, plain read loop).
std::string read_to_eof(int fd)
{
    std::string all;
    char chunk[65536];
    while (true) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n > 0) all.append(chunk, static_cast<std::size_t>(n));
        if (n == 0 || (n < 0 && errno != EINTR)) return all;
    }
}

// Fill the send buffer of a blocking socket until the kernel takes no more, leaving it blocking.
void fill_send_buffer(int fd)
{
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    const std::string chunk(4096, 'x');
    while (::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) > 0) {
    }
    ::fcntl(fd, F_SETFL, flags);
}

kit::Fd accept_one(const kit::Fd& listener)
{
    return kit::Fd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
}

}  // namespace

// --- listen_tcp and bound_port -------------------------------------------------------------------

GRADED_TEST(ListenTcp, AcceptsConnectionsOnKernelChosenPort, 6,
            "listen_tcp(host, 0) must bind and listen; bound_port must report the port the kernel "
            "chose (README §3.1-3.2)")
{
    const kit::Fd listener = net::listen_tcp("127.0.0.1", 0);
    ASSERT_TRUE(listener.valid());
    const std::uint16_t port = net::bound_port(listener);
    ASSERT_NE(port, 0) << "bound_port must return the real port, not the 0 we asked for";

    const kit::Fd client = net::connect_tcp("127.0.0.1", port);
    const kit::Fd accepted = accept_one(listener);
    EXPECT_TRUE(accepted.valid()) << "accept on the listening socket failed: "
                                  << std::strerror(errno);
}

GRADED_TEST(ListenTcp, SetsReuseAddrAndCloseOnExec, 4,
            "the listening socket needs SO_REUSEADDR (restarts) and close-on-exec (README §3.1, "
            "mistake 11)")
{
    const kit::Fd listener = net::listen_tcp("127.0.0.1", 0);
    int on = 0;
    socklen_t length = sizeof on;
    ASSERT_EQ(::getsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, &length), 0);
    EXPECT_NE(on, 0) << "SO_REUSEADDR is not set on the listening socket";
    EXPECT_TRUE(::fcntl(listener.get(), F_GETFD) & FD_CLOEXEC)
        << "create the socket with SOCK_CLOEXEC";
}

GRADED_TEST(ListenTcp, RebindsPortRightAfterServerClosedAConnection, 6,
            "a restarted server must bind its port while old connections sit in TIME_WAIT: "
            "SO_REUSEADDR (README §3.1, mistake 11)")
{
    std::uint16_t port = 0;
    {
        const kit::Fd listener = net::listen_tcp("127.0.0.1", 0);
        port = net::bound_port(listener);
        const kit::Fd client = net::connect_tcp("127.0.0.1", port);
        kit::Fd accepted = accept_one(listener);
        ASSERT_TRUE(accepted.valid());
        // The server side closes first, so its end of the connection enters TIME_WAIT on `port`.
        accepted.reset();
        char byte;
        ASSERT_EQ(::recv(client.get(), &byte, 1, 0), 0) << "the client should see the server's FIN";
    }
    // The "restart": same port, at once.
    try {
        const kit::Fd again = net::listen_tcp("127.0.0.1", port);
        EXPECT_EQ(net::bound_port(again), port);
    } catch (const kit::SysError& e) {
        FAIL() << "listening again on port " << port
               << " right after a connection closed failed: " << e.what()
               << " (is SO_REUSEADDR set before bind?)";
    }
}

GRADED_TEST(
    ListenTcp, ReportsPortInUseNamingTheCallAndPort, 6,
    "setup errors throw kit::SysError naming the call and the address (README §3.1, errors)")
{
    const kit::Fd first = net::listen_tcp("127.0.0.1", 0);
    const std::uint16_t port = net::bound_port(first);
    const std::string message = testkit::expect_sys_error(
        std::errc::address_in_use, "listen_tcp on a port that is already listening must throw",
        [&] { const kit::Fd second = net::listen_tcp("127.0.0.1", port); });
    EXPECT_NE(message.find("bind"), std::string::npos) << "name the call: " << message;
    EXPECT_NE(message.find(std::to_string(port)), std::string::npos)
        << "name the port: " << message;
}

// --- connect_tcp ---------------------------------------------------------------------------------

GRADED_TEST(ConnectTcp, ConnectsAndCarriesBytesBothWays, 4,
            "connect_tcp must return a connected socket (README §3.3)")
{
    const kit::Fd listener = net::listen_tcp("127.0.0.1", 0);
    const kit::Fd client = net::connect_tcp("127.0.0.1", net::bound_port(listener));
    const kit::Fd server = accept_one(listener);
    ASSERT_EQ(::send(client.get(), "ping", 4, 0), 4);
    char buffer[8];
    ASSERT_EQ(::recv(server.get(), buffer, sizeof buffer, 0), 4);
    EXPECT_EQ(std::string(buffer, 4), "ping");
    EXPECT_TRUE(::fcntl(client.get(), F_GETFD) & FD_CLOEXEC)
        << "create the socket with SOCK_CLOEXEC";
}

GRADED_TEST(ConnectTcp, ReportsConnectionRefusedNamingTheAddress, 4,
            "a refused connect throws kit::SysError naming connect and the address (README §3.3)")
{
    // A bound but not listening socket reserves a port on which every connect is refused.
    const kit::Fd reserved(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(reserved.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    const std::uint16_t port = net::bound_port(reserved);
    const std::string message = testkit::expect_sys_error(
        std::errc::connection_refused, "connect_tcp to a port nobody listens on must throw",
        [&] { const kit::Fd sock = net::connect_tcp("127.0.0.1", port); });
    EXPECT_NE(message.find("connect"), std::string::npos) << message;
    EXPECT_NE(message.find(std::to_string(port)), std::string::npos) << message;
}

// --- send_all ------------------------------------------------------------------------------------

GRADED_TEST(SendAll, Delivers8MiBIntactDespitePartialSends, 10,
            "send() may send only part of the data; send_all must loop until every byte is out "
            "(README §4, mistake 13)")
{
    testkit::FdPair pair = testkit::socket_pair();  // {ours, theirs}
    const int small =
        4096;  // a small send buffer: many blocking waits, many chances to be cut short
    ::setsockopt(pair.first.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    const std::string data = pattern(8 * 1024 * 1024);

    // The reader takes small bites and interrupts the sender after each one: a signal that arrives
    // while send() is blocked after moving some bytes makes it return that short count.
    const pthread_t sender = ::pthread_self();
    std::atomic<bool> sending{true};
    std::string received;
    std::thread reader([&] {
        char chunk[4096];
        while (true) {
            const ssize_t n = ::read(pair.second.get(), chunk, sizeof chunk);
            if (n > 0) received.append(chunk, static_cast<std::size_t>(n));
            if (n == 0 || (n < 0 && errno != EINTR)) break;
            if (sending.load()) testkit::poke_thread(sender);
        }
    });
    kit::IoStatus status = kit::IoStatus::PeerGone;
    try {
        status = net::send_all(pair.first, data);
    } catch (...) {
        sending = false;
        pair.first.reset();
        reader.join();
        throw;
    }
    sending = false;
    pair.first.reset();  // EOF for the reader
    reader.join();
    EXPECT_EQ(status, kit::IoStatus::Ok);
    ASSERT_EQ(received.size(), data.size())
        << "after send_all of 8 MiB while signals cut sends short";
    EXPECT_TRUE(received == data) << "the bytes arrived, but not in order or not the same";
}

GRADED_TEST(
    SendAll, RetriesWhenASignalInterruptsABlockedSend, 6,
    "EINTR means 'interrupted before anything was sent: try again', not an error (README §4)")
{
    testkit::FdPair pair = testkit::socket_pair();
    fill_send_buffer(pair.first.get());  // now send() blocks before moving a single byte
    kit::IoStatus status = kit::IoStatus::PeerGone;
    std::string error;
    const std::string message = "after the interruption";
    {
        std::jthread drain;  // drains the pair, so that a retried send can complete
        error = testkit::interrupt_blocked_call(
            [&] { status = net::send_all(pair.first, message); },
            [&] { drain = std::jthread([&] { read_to_eof(pair.second.get()); }); });
        ::shutdown(pair.first.get(), SHUT_WR);
    }
    ASSERT_TRUE(error.empty()) << "send_all threw after a signal interrupted send(): " << error;
    EXPECT_EQ(status, kit::IoStatus::Ok) << "send_all gave up after a signal interrupted send()";
}

GRADED_TEST(SendAll, ReportsPeerGoneInsteadOfDyingFromSigpipe, 4,
            "writing to a closed connection must return PeerGone (MSG_NOSIGNAL), not kill the "
            "process with SIGPIPE (README §4, mistake 6)")
{
    // The test binary ignores SIGPIPE; make it fatal again so that a missing MSG_NOSIGNAL shows
    // (as "CRASH: the test process was killed by SIGPIPE").
    testkit::FatalSigpipe fatal_sigpipe;
    testkit::FdPair pair = testkit::socket_pair();
    pair.second.reset();
    const kit::IoStatus status = net::send_all(pair.first, "anyone there?");
    fatal_sigpipe.restore();
    EXPECT_EQ(status, kit::IoStatus::PeerGone);
}

// --- recv_some -----------------------------------------------------------------------------------

GRADED_TEST(RecvSome, ReturnsTheBytesThatArrived, 4,
            "recv_some returns {Ok, n} with the bytes received (README §4)")
{
    testkit::FdPair pair = testkit::socket_pair();
    ASSERT_EQ(::write(pair.second.get(), "hello", 5), 5);
    char buffer[64];
    const kit::IoResult got = net::recv_some(pair.first, buffer);
    EXPECT_EQ(got.status, kit::IoStatus::Ok);
    ASSERT_EQ(got.bytes, 5u);
    EXPECT_EQ(std::string(buffer, 5), "hello");
}

GRADED_TEST(RecvSome, ReportsEofWhenThePeerCloses, 6,
            "recv() returning 0 means the peer finished: report Eof, never 'a message of 0 bytes' "
            "(README §4)")
{
    testkit::FdPair pair = testkit::socket_pair();
    pair.second.reset();
    char buffer[64];
    const kit::IoResult got = net::recv_some(pair.first, buffer);
    EXPECT_EQ(got, (kit::IoResult{kit::IoStatus::Eof, 0}));
}

GRADED_TEST(RecvSome, ReportsPeerGoneWhenTheConnectionIsReset, 4,
            "ECONNRESET is the peer vanishing: a status, not an exception (README §4)")
{
    const kit::Fd listener = net::listen_tcp("127.0.0.1", 0);
    kit::Fd client = net::connect_tcp("127.0.0.1", net::bound_port(listener));
    const kit::Fd server = accept_one(listener);
    const linger reset{1, 0};
    ::setsockopt(client.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    client.reset();  // RST
    char buffer[64];
    const kit::IoResult got = net::recv_some(server, buffer);
    EXPECT_EQ(got.status, kit::IoStatus::PeerGone);
}

GRADED_TEST(RecvSome, RetriesWhenASignalInterruptsABlockedRecv, 6,
            "a signal during a blocking recv() gives EINTR: retry, the connection is fine "
            "(README §4)")
{
    testkit::FdPair pair = testkit::socket_pair();
    const testkit::InterruptedRead read = testkit::read_across_interrupt(
        [&](std::span<char> buffer) { return net::recv_some(pair.first, buffer); },
        pair.second.get());
    EXPECT_TRUE(read.error.empty())
        << "recv_some threw after a signal interrupted recv(): " << read.error;
    EXPECT_EQ(read.result, (kit::IoResult{kit::IoStatus::Ok, 4}))
        << "the bytes sent after the signal were lost";
}
