// Unit tests of the bounds of lab02: what serve_client keeps in memory for a client that never
// reads, what it still owes a slow reader that half-closes, how many clients one
// accept_new_clients call takes, and what LineBuffer holds at the edge of its limit. Everything
// runs on socketpairs and loopback sockets in this process, one turn at a time, so every result
// is exact and no step waits on time.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "lab01_blocking/net.h"
#include "lab02_nonblocking/line_buffer.h"
#include "lab02_nonblocking/polling_echo.h"
#include "testkit/deadline.h"
#include "testkit/fd_pair.h"
#include "testkit/graded.h"
#include "testkit/proc.h"

namespace {

// A Client on one end of a nonblocking socketpair; the test plays the peer on the other end.
struct Connection {
    nbecho::Client client;
    kit::Fd peer;
};

Connection make_connection()
{
    testkit::FdPair ends = testkit::socket_pair(SOCK_NONBLOCK);
    Connection connection;
    connection.client.sock = std::move(ends.first);
    connection.client.name = "the test's peer";
    connection.peer = std::move(ends.second);
    return connection;
}

// Lines that differ from each other, so a lost, repeated or reordered line shows.
std::string numbered_lines(std::size_t total_bytes)
{
    std::string lines;
    char line[64];
    for (std::size_t i = 0; lines.size() < total_bytes; ++i) {
        std::snprintf(line, sizeof line, "line %07zu of the stream, with some padding\n", i);
        lines += line;
    }
    return lines;
}

}  // namespace

GRADED_TEST(ServeClient, StopsReadingWhileItsEchoesPileUp, 6,
            "serve_client must not read while kMaxPendingOutput bytes of echoes are queued: a "
            "client that sends but never reads must not grow the server's memory (README §4)")
{
    Connection c = make_connection();
    const std::string lines = numbered_lines(64 * 1024);
    // Far above what a correct serve_client holds (kMaxPendingOutput plus the echoes of one read),
    // far below what a server that keeps reading takes from this peer (it stops at 32 MiB).
    constexpr std::size_t kBound = 1024 * 1024;
    std::size_t sent = 0;
    std::size_t held = 0;
    int turns_without_progress = 0;
    for (int turn = 0; turns_without_progress < 3; ++turn) {
        ASSERT_LT(turn, 100000) << "the peer kept sending for 100000 turns";
        ASSERT_LT(sent, 32u * 1024 * 1024)
            << "serve_client took 32 MiB from a client that reads nothing";
        const ssize_t n = ::send(c.peer.get(), lines.data(), lines.size(), MSG_NOSIGNAL);
        ASSERT_TRUE(n > 0 || errno == EAGAIN) << "the peer's send failed: " << std::strerror(errno);
        if (n > 0) sent += static_cast<std::size_t>(n);
        ASSERT_TRUE(nbecho::serve_client(c.client)) << "serve_client dropped a healthy client";
        const std::size_t held_before = held;
        held = c.client.output.size() + c.client.input.buffered();
        ASSERT_LE(held, kBound) << "after the peer sent " << sent << " bytes and read none, "
                                << "the server holds " << held
                                << " bytes for it: stop reading while echoes pile up";
        // Done when nothing moves any more: the peer cannot send, the server holds the same.
        turns_without_progress = n > 0 || held != held_before ? 0 : turns_without_progress + 1;
    }
    // Flow control did its job: the server stopped reading, so the peer's sends stopped too.
    EXPECT_GE(c.client.output.size(), 1u) << "the echoes of " << sent << " bytes went nowhere";
}

GRADED_TEST(ServeClient, EchoesEverythingToASlowReaderThatHalfCloses, 6,
            "a client that sends a lot, then EOF, and reads slowly through a small buffer gets "
            "every echo: send what is queued before closing, and keep the part a send did not "
            "take (README §4)")
{
    Connection c = make_connection();
    const int small = 4096;  // the server's sends take little at a time
    ASSERT_EQ(::setsockopt(c.client.sock.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
    const std::string lines = numbered_lines(256 * 1024);
    std::size_t sent = 0;
    bool half_closed = false;
    std::string received;
    bool keep = true;
    int turns_without_progress = 0;
    while (keep) {
        const std::size_t progress_before = sent + received.size() + c.client.output.size();
        if (!half_closed) {
            const ssize_t n =
                ::send(c.peer.get(), lines.data() + sent, lines.size() - sent, MSG_NOSIGNAL);
            if (n > 0) sent += static_cast<std::size_t>(n);
            if (sent == lines.size()) {
                ::shutdown(c.peer.get(), SHUT_WR);  // EOF, after the last line
                half_closed = true;
            }
        }
        keep = nbecho::serve_client(c.client);
        char chunk[2048];  // a slow reader: a little per turn
        const ssize_t n = ::recv(c.peer.get(), chunk, sizeof chunk, 0);
        if (n > 0) received.append(chunk, static_cast<std::size_t>(n));
        const std::size_t progress_after = sent + received.size() + c.client.output.size();
        turns_without_progress = progress_after == progress_before ? turns_without_progress + 1 : 0;
        ASSERT_LT(turns_without_progress, 1000)
            << "nothing moved for 1000 turns: " << sent << " bytes sent, " << received.size()
            << " echoed, " << c.client.output.size() << " queued";
    }
    // serve_client says it is done: the server closes the socket; the rest is the peer's to read.
    c.client.sock.reset();
    char chunk[65536];
    ssize_t n = 0;
    while ((n = ::recv(c.peer.get(), chunk, sizeof chunk, 0)) > 0)
        received.append(chunk, static_cast<std::size_t>(n));
    EXPECT_TRUE(half_closed) << "serve_client gave up before the client finished sending";
    ASSERT_EQ(received.size(), lines.size())
        << "the client sent " << lines.size() << " bytes of lines, then EOF; it got "
        << received.size() << " bytes of echo before the server closed";
    EXPECT_TRUE(received == lines) << "the echoes arrived, but not the same or not in order";
}

GRADED_TEST(AcceptNewClients, TakesEveryWaitingClientNonblockingAndCloseOnExec, 4,
            "one accept_new_clients call accepts every waiting client (accept4 until EAGAIN), each "
            "socket nonblocking and close-on-exec (README §4)")
{
    constexpr std::size_t kWaiting = 3;
    const kit::Fd listener = net::listen_tcp("127.0.0.1", 0);
    ASSERT_EQ(::fcntl(listener.get(), F_SETFL, ::fcntl(listener.get(), F_GETFL) | O_NONBLOCK), 0);
    std::vector<kit::Fd> waiting;
    for (std::size_t i = 0; i < kWaiting; ++i)
        waiting.push_back(net::connect_tcp("127.0.0.1", net::bound_port(listener)));
    ASSERT_TRUE(testkit::eventually([&] {
        return testkit::listen_queue(listener.get()).queued == kWaiting;
    })) << "the kernel did not queue the "
        << kWaiting << " connections";

    std::vector<nbecho::Client> clients;
    nbecho::accept_new_clients(listener, clients);
    ASSERT_EQ(clients.size(), kWaiting)
        << "one call must accept every client waiting, until accept4 says EAGAIN";
    for (const nbecho::Client& client : clients) {
        EXPECT_TRUE(::fcntl(client.sock.get(), F_GETFL) & O_NONBLOCK)
            << client.name << ": accept4 needs SOCK_NONBLOCK";
        EXPECT_TRUE(::fcntl(client.sock.get(), F_GETFD) & FD_CLOEXEC)
            << client.name << ": accept4 needs SOCK_CLOEXEC";
    }
    nbecho::accept_new_clients(listener, clients);
    EXPECT_EQ(clients.size(), kWaiting) << "with nobody waiting, a call adds no client";
}

GRADED_TEST(LineBuffer, AcceptsALineOfTheLimitWhoseCrLfIsSplitBetweenReads, 2,
            "a line of exactly max_line bytes is accepted when its \"\\r\" and \"\\n\" arrive in "
            "different reads: the last byte kept may be the '\\r' (README §3)")
{
    const std::string line(16, 'x');
    for (const std::vector<std::string>& reads :
         {std::vector<std::string>{line + "\r", "\n"}, {line, "\r", "\n"}}) {
        nb::LineBuffer buffer(line.size());
        for (const std::string& bytes : reads)
            buffer.append(bytes);
        const nb::LineResult got = buffer.pop_line();
        EXPECT_EQ(got.status, nb::LineStatus::Line)
            << "a line of max_line bytes ending \"\\r\\n\", in " << reads.size() << " reads";
        EXPECT_EQ(got.line, line);
        EXPECT_EQ(buffer.pop_line().status, nb::LineStatus::Incomplete);
    }
}

GRADED_TEST(LineBuffer, BufferedCountsExactlyTheBytesHeld, 2,
            "buffered() is the bytes of the lines not yet popped plus the unfinished line: it "
            "goes down when pop_line hands a line out (README §3)")
{
    nb::LineBuffer buffer(8);
    buffer.append("abc\nde");
    EXPECT_EQ(buffer.buffered(), 5u) << "\"abc\" ready, \"de\" unfinished";
    EXPECT_EQ(buffer.pop_line().line, "abc");
    EXPECT_EQ(buffer.buffered(), 2u) << "after popping \"abc\", only \"de\" is held";
    buffer.append("f\r\n");
    EXPECT_EQ(buffer.buffered(), 3u) << "\"def\" ready (its \"\\r\\n\" removed)";
    EXPECT_EQ(buffer.pop_line().line, "def");
    EXPECT_EQ(buffer.buffered(), 0u);
    buffer.append(std::string(20, 'x'));  // too long: dropped, TooLong queued
    EXPECT_EQ(buffer.buffered(), 0u) << "a too-long line's bytes are dropped, not held";
    EXPECT_EQ(buffer.pop_line().status, nb::LineStatus::TooLong);
    EXPECT_EQ(buffer.buffered(), 0u);
}
