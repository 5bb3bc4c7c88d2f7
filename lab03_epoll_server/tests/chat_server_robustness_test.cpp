// Black-box tests of chat_server: what clients do to a server (vanish, never read, send garbage)
// and what the server must not do (leak fds, spin while idle). Each test runs as ".../Lt" and
// ".../Et", and again under the short-I/O injector (".UnderShortIO").
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "lab03_epoll_server/tests/chat_test_support.h"
#include "testkit/run_context.h"

using namespace lab03;

namespace {

class Disconnects : public ModeTest {};
class SlowReceivers : public ModeTest {};
class BadInput : public ModeTest {};
class Resources : public ModeTest {};
LAB03_BOTH_MODES(Disconnects);
LAB03_BOTH_MODES(SlowReceivers);
LAB03_BOTH_MODES(BadInput);
LAB03_BOTH_MODES(Resources);

// Read from @p sock until @p expected bytes came (or the deadline passed); returns the count.
std::size_t read_bytes(int sock, std::size_t expected, Duration timeout)
{
    const testkit::Deadline deadline(timeout);
    std::size_t got = 0;
    char chunk[65536];
    while (got < expected && !deadline.expired()) {
        pollfd pfd{sock, POLLIN, 0};
        if (::poll(&pfd, 1, deadline.poll_timeout_ms()) <= 0) continue;
        const ssize_t n = ::recv(sock, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n == 0) break;
        if (n > 0) got += static_cast<std::size_t>(n);
    }
    return got;
}

// For the floods of the SlowReceivers tests, which must queue more than the bound (256 KiB) plus
// what a slow client's kernel takes (~100 KB) and so move 600 KB through the server: under the
// short-I/O injector, pieces of at most 256 bytes instead of 7. A 4000-byte line is still cut into
// many pieces and calls still fail with EINTR/EAGAIN, but the flood takes some ten thousand calls
// instead of over 300,000 (seconds on a busy machine, against a 20 s budget per test).
testkit::SpawnOptions flood_options()
{
    testkit::SpawnOptions options;
    options.env.push_back("SHORTIO_MAX_BYTES=256");
    return options;
}

// Wait until the server has written @p written bytes to its sockets in all, or has met EAGAIN
// more than @p would_block times (the counters say which): after each line a test sends, so that
// it stops at the line whose rest the server had to queue.
void wait_until_written_or_eagain(const testkit::SyscallCounts& counts, std::uint64_t written,
                                  std::uint64_t would_block)
{
    testkit::eventually(
        [&] {
            const shortio_counts now = counts.snapshot();
            return now.writes_would_block > would_block || now.socket_write_bytes >= written;
        },
        Duration(5000), Duration(1));
}

// A chat_server whose system calls are counted, client #1 joined to talk and client #2 connected
// but not reading (it reads only later): the opening of the tests that fill a receiver's queue,
// as `auto [counts, server, talker, slow] = TalkerAndSlowReader(mode());`. The clients close
// before the server stops, being declared after it.
struct TalkerAndSlowReader {
    explicit TalkerAndSlowReader(const std::string& mode)
        : server(mode, counts.spawn_options()),
          talker(join(server, 1)),
          slow(connect_non_reader(server.port))
    {
    }
    testkit::SyscallCounts counts;
    ChatServerProcess server;
    LineClient talker;
    kit::Fd slow;
};

}  // namespace

GRADED_TEST_P(
    Disconnects, SurviveAReceiverResetMidBroadcast, 6,
    "a send to a vanished client fails with ECONNRESET/EPIPE: drop that client, never exit "
    "(README §5.2, mistake 6)")
{
    // Client #2 never reads again: its unread bytes make its close send RST.
    auto [server, talker, rude, bystander] = Room<3>(mode());
    const std::vector<std::string> lines = numbered_lines("msg", 100, 1000);
    for (std::size_t i = 0; i < 50; ++i) {
        talker.send_line(lines[i]);
        ASSERT_EQ(bystander.expect_line(), said(1, lines[i]));
    }
    // Stop the server, so that the next line is waiting *before* it learns of the reset: it then
    // broadcasts to a connection the peer has already reset.
    server.pause();
    talker.send_line("while you slept");
    rude.close_with_rst();
    server.resume();
    EXPECT_EQ(bystander.expect_line(), said(1, "while you slept"));
    for (std::size_t i = 50; i < lines.size(); ++i) {
        talker.send_line(lines[i]);
        ASSERT_EQ(bystander.expect_line(), said(1, lines[i]))
            << "after client #2 reset its connection mid-broadcast\n";
    }
    ASSERT_TRUE(server.process.running());
    LineClient newcomer = join(server, 4);
    talker.send_line("still here");
    EXPECT_EQ(newcomer.expect_line(), said(1, "still here"));
    EXPECT_EQ(bystander.expect_line(), said(1, "still here"));
}

GRADED_TEST_P(
    Disconnects, SurviveASenderThatResetsRightAfterTwoLines, 4,
    "answering a client that already reset raises SIGPIPE, which kills the process unless "
    "sends use MSG_NOSIGNAL (README §5.2, mistake 6)")
{
    ChatServerProcess server(mode());
    const std::size_t baseline = server.fd_count();
    {
        LineClient rude = join(server, 1);
        // While the server is stopped: two lines, then a reset. It reads both lines and the reset,
        // and its answers ("you are alone") go to a connection that is already gone.
        server.pause();
        rude.send_raw("one\ntwo\n");
        rude.close_with_rst();
        server.resume();
    }
    ASSERT_TRUE(server.wait_until_fd_count(baseline))
        << "the server should have dropped client #1 after its reset\n";
    ASSERT_TRUE(server.process.running());
    LineClient next = join(server, 2);
    next.send_line("anyone?");
    EXPECT_EQ(next.expect_line(), kAlone);
}

GRADED_TEST_P(
    Disconnects, ALeaverThatSentALotHasEveryLineBroadcastAndIsDropped, 4,
    "read_from: a client's last lines and its EOF can arrive together; a short read is not the "
    "end of the data (in ET read until WouldBlock, which also finds the EOF), deliver every line, "
    "then drop the leaver (README §4.4, §4.6)")
{
    auto [server, leaver, stays] = Room<2>(mode());
    const std::size_t with_both = server.fd_count();
    const std::vector<std::string> lines = numbered_lines("last words", 40, 500);  // 20 KB
    std::string all;
    for (const std::string& line : lines)
        all += line + "\n";
    // While the server is stopped, the lines and the EOF all wait in its socket: when it runs
    // again, one event reports them together.
    server.pause();
    leaver.send_raw(all);
    leaver.shutdown_write();
    server.resume();
    for (std::size_t i = 0; i < lines.size(); ++i) {
        ASSERT_EQ(stays.expect_line(), said(1, lines[i]))
            << "line " << i << " of " << lines.size() << " sent just before an EOF\n";
    }
    EXPECT_EQ(leaver.expect_eof(), "")
        << "the server should close the connection of a client that sent EOF";
    EXPECT_TRUE(server.wait_until_fd_count(with_both - 1)) << "the leaver's socket is still open\n"
                                                           << server.describe_fds();
    stays.expect_silence(Duration(50));
}

GRADED_TEST_P(SlowReceivers, DoNotDelayOthers, 6,
              "a client that never reads must not stall the room: queue its output, arm EPOLLOUT, "
              "never block on one client (README §5, mistake 8)")
{
    auto [server, talker, fast] = Room<2>(mode(), flood_options());
    const kit::Fd slow = connect_non_reader(server.port);  // client #3: never reads a byte
    talker.send_line("hello");
    ASSERT_EQ(fast.expect_line(), said(1, "hello"));
    const int count = 150;  // 600 KB: far more than the ~100 KB the slow client's kernel takes
    const std::vector<std::string> lines = numbered_lines("flood", count, 4000);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        talker.send_line(lines[i]);
        std::string got;
        try {
            got = fast.expect_line();
        } catch (const testkit::Failure& e) {
            FAIL() << "line " << i << " of " << count
                   << " (4000 bytes each) did not reach a client that reads, "
                   << "while another client never reads: the room stalls behind it\n"
                   << e.what() << "\n";
        }
        ASSERT_EQ(got, said(1, lines[i])) << "line " << i;
    }
}

GRADED_TEST_P(SlowReceivers, AreDroppedPastTheBound, 4,
              "the output queued for a client that never reads is bounded: past the bound, drop it "
              "(README §5.3, mistake 8)")
{
    auto [server, talker, fast] = Room<2>(mode(), flood_options());
    kit::Fd slow = connect_non_reader(server.port);  // client #3
    const std::size_t fds_with_slow = server.fd_count();
    // How much the kernel takes for a client that never reads, before the server has to queue
    // anything, depends on send buffer autotuning (up to tcp_wmem's 4 MB) and so on timing: on a
    // busy machine 600 KB may all fit. So the flood goes on, line by line, until the server drops
    // the slow client (its socket closes: one fd fewer), up to the bound plus those 4 MB and more.
    const std::vector<std::string> lines = numbered_lines("flood", 1200, 4000);  // up to 4.8 MB
    std::size_t sent = 0;  // what the slow client would have received without a bound
    bool dropped = false;
    for (const std::string& line : lines) {
        talker.send_line(line);
        ASSERT_EQ(fast.expect_line(), said(1, line));
        sent += said(1, line).size() + 1;
        dropped = server.fd_count() < fds_with_slow;
        if (dropped) break;
    }
    std::size_t got = 0;
    const bool closed = read_until_closed(slow.get(), testkit::kDefaultWait, got);
    EXPECT_TRUE(dropped && closed)
        << sent << " bytes went to a client that never read; the server should have dropped it "
        << "(closed its connection) once its queue passed the bound. It read " << got
        << " bytes and the connection is still open\n";
    EXPECT_LT(got, sent) << "everything was queued for the slow client: no bound?";
    slow.reset();
    talker.send_line("after the drop");
    EXPECT_EQ(fast.expect_line(), said(1, "after the drop"));
}

GRADED_TEST_P(
    SlowReceivers, GetEveryQueuedLineOnceTheyReadAgain, 4,
    "flush: EAGAIN means the receiver's kernel buffer is full: keep the rest queued, arm "
    "EPOLLOUT, and send it when the socket is writable again; it is no error (README §5.2)")
{
    auto [counts, server, talker, slow] = TalkerAndSlowReader(mode());
    // Line by line until a send to the slow client meets EAGAIN (its kernel buffers take ~100 KB,
    // up to tcp_wmem's 4 MB with autotuning) and part of the line stays in the server's queue
    // (the counters show what the server wrote): that part can only go out on EPOLLOUT, and it
    // is far below the bound, so the slow client must get every byte once it reads.
    const std::vector<std::string> lines = numbered_lines("queued", 1200, 4000);  // up to 4.8 MB
    std::string expected;
    std::uint64_t written = welcome(1).size() + 1 + welcome(2).size() + 1;  // by the server, so far
    for (const std::string& line : lines) {
        const std::uint64_t would_block = counts.snapshot().writes_would_block;
        talker.send_line(line);
        expected += said(1, line) + "\n";
        written += said(1, line).size() + 1;
        wait_until_written_or_eagain(counts, written, would_block);
        if (counts.snapshot().socket_write_bytes < written) break;  // the rest waits in its queue
    }
    // Read it all, each piece within its own deadline: a stall fails within one wait.
    std::string got;
    char chunk[65536];
    while (got.size() < expected.size()) {
        pollfd pfd{slow.get(), POLLIN, 0};
        if (::poll(&pfd, 1, testkit::scaled(testkit::kDefaultWait).count()) <= 0) break;
        const ssize_t n = ::recv(slow.get(), chunk, sizeof chunk, MSG_DONTWAIT);
        if (n <= 0) break;
        got.append(chunk, static_cast<std::size_t>(n));
    }
    ASSERT_EQ(got.size(), expected.size())
        << "a client that stopped reading for a while (the server's send met EAGAIN) got only "
        << got.size() << " of the " << expected.size()
        << " bytes queued for it once it read again: "
        << (got.size() < expected.size() ? "dropped, or the rest never sent (EPOLLOUT?)" : "more");
    EXPECT_TRUE(got == expected) << "the bytes arrived, but not the lines in order";
}

GRADED_TEST_P(BadInput, OverLongLineGetsAnErrorAndIsNotBroadcast, 4,
              "a line over 4096 bytes gets 'error: ...' back, is not broadcast, and the sender "
              "stays; in ET a long line is read until EAGAIN (README §4.4-4.5, mistake 3)")
{
    auto [server, a, b] = Room<2>(mode());
    const std::string longest(4096, 'k');
    a.send_raw(longest + "\n");
    EXPECT_EQ(b.expect_line(), said(1, longest)) << "a line of exactly 4096 bytes is allowed";
    a.send_raw(std::string(5000, 'x') + "\n");
    const std::string reply = a.expect_line();
    EXPECT_EQ(reply.rfind("error: ", 0), 0u)
        << "the sender of a 5000-byte line got '" << testkit::printable(reply) << "'";
    a.send_line("still connected");
    EXPECT_EQ(b.expect_line(), said(1, "still connected"))
        << "the over-long line must not be broadcast, and the sender stays in the room";
    // A megabyte with no newline at all: the server keeps at most the limit of it. Under the
    // short-I/O injector, which reads at most 7 bytes per call, 64 KiB (16 times the limit) makes
    // the same point in a fraction of a second. Sent in pieces, each within its own deadline: a
    // slow machine only makes it take longer, a server that stops reading fails within one.
    const std::size_t endless = testkit::run_context().shortio ? 64 * 1024 : 1024 * 1024;
    const std::string piece(4096, 'y');
    for (std::size_t sent = 0; sent < endless; sent += piece.size())
        a.send_raw(piece);
    a.send_raw("\n");
    const std::string second = a.expect_line();
    EXPECT_EQ(second.rfind("error: ", 0), 0u) << testkit::printable(second);
    a.send_line("and now?");
    EXPECT_EQ(b.expect_line(), said(1, "and now?"));
}

GRADED_TEST_P(
    BadInput, PassesBinaryBytesThrough, 2,
    "a line is bytes up to '\\n': NUL and invalid UTF-8 pass through unchanged; sprintf's %s "
    "would cut at the NUL (README §4.4-4.5, mistake 5)")
{
    auto [server, a, b] = Room<2>(mode());
    static constexpr char kGarbage[] = "nul\0byte \xff\xfe bad \xc3\x28 utf-8 \x01\x7f end";
    const std::string garbage(kGarbage, sizeof kGarbage - 1);  // every byte, the NUL included
    a.send_raw(garbage + "\n");
    const std::string expected = said(1, garbage) + "\n";
    EXPECT_EQ(testkit::printable(b.read_exactly(expected.size())), testkit::printable(expected));
    b.expect_silence(Duration(100));
}

GRADED_TEST_P(Resources, NoFdLeakAfter1000ConnectDisconnectCycles, 4,
              "every departed client's socket is removed from epoll and closed (README §4.6)")
{
    raise_fd_limit(2048);
    ChatServerProcess server(mode());
    const std::size_t baseline = server.fd_count();
    LineClient stays = join(server, 1);
    for (int i = 0; i < 1000; ++i) {
        LineClient visitor = LineClient::connect(server.port);
        const std::string line = visitor.expect_line();
        ASSERT_EQ(line, welcome(i + 2)) << "cycle " << i << "\n";
    }
    EXPECT_TRUE(server.wait_until_fd_count(baseline + 1, Duration(10000)))
        << "after 1000 clients came and went, the server should hold its " << baseline
        << " fds plus one client's socket; it holds:\n"
        << server.describe_fds();
    LineClient last = join(server, 1002);
    last.send_line("done");
    EXPECT_EQ(stays.expect_line(), said(1002, "done"));
}

GRADED_TEST_P(
    Resources, WaitsInEpollAndDoesNotSpinWhileIdle, 4,
    "the server sleeps in epoll_wait with no timeout; an EPOLLOUT left armed after the queue "
    "drained wakes a level-triggered loop forever (README §4.2, §5.2)")
{
    auto [counts, server, talker, slow] = TalkerAndSlowReader(mode());
    // Make the server queue output for the slow client (its kernel buffers take ~100 KB, a little
    // more with the injector's tiny writes), so that it meets EAGAIN and arms EPOLLOUT; then let
    // the client read everything, so that the queue drains and EPOLLOUT must be disarmed.
    const std::vector<std::string> lines = numbered_lines("fill", 80, 4000);  // at most 320 KB
    std::size_t sent = 0;
    std::uint64_t written = welcome(1).size() + 1 + welcome(2).size() + 1;  // by the server, so far
    for (const std::string& line : lines) {
        talker.send_line(line);
        sent += said(1, line).size() + 1;
        written += said(1, line).size() + 1;
        // One line at a time, so that the queue stays far below the bound when EAGAIN comes.
        wait_until_written_or_eagain(counts, written, 0);
        if (counts.snapshot().writes_would_block > 0) break;
    }
    const std::size_t got = read_bytes(slow.get(), sent, Duration(10000));
    ASSERT_EQ(got, sent) << "the slow client, reading at last, should get every line\n";
    const shortio_counts before = counts.snapshot();
    const double cpu = testkit::cpu_share_while_idle(server.process.pid(), Duration(600));
    const shortio_counts after = counts.snapshot();
    EXPECT_GT(before.epoll_create, 0u)
        << "the server never created an epoll instance: " << testkit::describe(before);
    EXPECT_EQ(after.poll + after.ppoll + after.select + after.pselect, 0u)
        << "lab03 waits with epoll_wait, not poll/select: " << testkit::describe(after);
    const std::uint64_t waits =
        (after.epoll_wait + after.epoll_pwait) - (before.epoll_wait + before.epoll_pwait);
    EXPECT_LE(waits, 3u)
        << "with nothing happening, epoll_wait returned " << waits
        << " times in 600 ms: a busy loop (EPOLLOUT still armed with nothing to write?)";
    EXPECT_LT(cpu, 0.1) << "an idle server used " << cpu * 100 << "% of a CPU";
}

GRADED_TEST_P(Resources, RefusesClientsBeyondTheFdLimitWithoutHanging, 4,
              "out of fds (EMFILE), a connection left in the accept queue hangs its client (ET) or "
              "spins the loop (LT): refuse it, and stop when refuse_connection() says false "
              "(README §4.3, mistake 16)")
{
    ChatServerProcess server(mode());
    const pid_t pid = server.process.pid();
    const rlimit original = testkit::leave_free_fds(pid, 3);
    std::vector<LineClient> clients;
    for (int i = 0; i < 8; ++i)
        clients.push_back(LineClient::connect(server.port));
    std::vector<std::size_t> welcomed;
    int refused = 0;
    for (std::size_t i = 0; i < clients.size(); ++i) {
        try {
            const std::string line = clients[i].expect_line(Duration(3000));
            EXPECT_EQ(line.rfind("Welcome", 0), 0u) << testkit::printable(line);
            welcomed.push_back(i);
        } catch (const testkit::Failure& e) {
            ASSERT_TRUE(clients[i].closed_by_peer(Duration(10)))
                << "client " << i + 1
                << " of 8, connecting while the server is out of fds, was neither "
                << "welcomed nor refused: it hangs in the accept queue\n"
                << e.what() << "\n";
            ++refused;
        }
    }
    EXPECT_GE(welcomed.size(), 1u);
    EXPECT_GE(refused, 1) << "with room for 3 descriptors, 8 clients cannot all be welcomed";
    // Still at the limit, with nobody left to refuse: the room goes on. A server that retries a
    // refusal that found nobody (refuse_connection() said false) never leaves accept_clients.
    if (welcomed.size() >= 2) {
        clients[welcomed[0]].send_line("at the limit");
        const std::string line = clients[welcomed[1]].expect_line();
        EXPECT_EQ(line.rfind("ClientID ", 0), 0u)
            << "at the fd limit, the room should still carry lines between welcomed clients; got '"
            << testkit::printable(line) << "'";
    }
    clients.clear();
    testkit::restore_fd_limit(pid, original);
    ASSERT_TRUE(server.process.running());
    LineClient later = LineClient::connect(server.port);
    EXPECT_EQ(later.expect_line().rfind("Welcome", 0), 0u)
        << "once fds are free, clients are welcomed again";
}
