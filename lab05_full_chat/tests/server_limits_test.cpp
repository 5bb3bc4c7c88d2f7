// Black-box tests of lab05's chat_server under pressure: a client that never reads, a client
// that floods, running out of file descriptors, many clients coming and going, and an idle server
// that must sleep. The ones where epoll's mode matters run as ".../Lt" and ".../Et"; all run again
// under the short-I/O injector (".UnderShortIO").
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <string>
#include <vector>

#include "lab05_full_chat/tests/server_test_support.h"
#include "testkit/syscall_counts.h"

using namespace lab05;

namespace {

/// "lt" or "et": the --mode a test runs the server in (test names end in /Lt or /Et).
class ModeTest : public ::testing::TestWithParam<std::string> {
protected:
    [[nodiscard]] std::vector<std::string> mode_flags() const { return {"--mode", GetParam()}; }
};

std::string mode_name(const ::testing::TestParamInfo<std::string>& info)
{
    return info.param == "lt" ? "Lt" : "Et";
}

class Fairness : public ModeTest {};
class OutOfFds : public ModeTest {};
class Idle : public ModeTest {};
INSTANTIATE_TEST_SUITE_P(Mode, Fairness, ::testing::Values("lt", "et"), mode_name);
INSTANTIATE_TEST_SUITE_P(Mode, OutOfFds, ::testing::Values("lt", "et"), mode_name);
INSTANTIATE_TEST_SUITE_P(Mode, Idle, ::testing::Values("lt", "et"), mode_name);

// What a client that just connected heard first: a line, or (arrived false) why none came.
struct FirstLine {
    bool arrived = false;
    std::string text;  // the line, or the failure's message
};

FirstLine first_line(LineClient& client)
{
    try {
        return {true, client.expect_line()};
    } catch (const testkit::Failure& e) {
        return {false, e.what()};
    }
}

// Floods move hundreds of kilobytes through the server: under the short-I/O injector, pieces of
// at most 256 bytes instead of 7 (still cut, still interrupted), so that they take thousands of
// calls, not hundreds of thousands.
testkit::SpawnOptions flood_options()
{
    testkit::SpawnOptions options;
    options.env.push_back("SHORTIO_MAX_BYTES=256");
    return options;
}

// A line of exactly @p bytes: "<prefix> <i> " then letters.
std::string numbered_line(const std::string& prefix, int i, std::size_t bytes)
{
    std::string line = prefix + " " + std::to_string(i) + " ";
    while (line.size() < bytes)
        line += static_cast<char>('a' + (line.size() * 7 + i) % 26);
    return line;
}

}  // namespace

GRADED_TEST(SlowConsumers, ANonReaderIsDroppedAndTheOthersCarryOn, 5,
            "Server::send, drop_dead: a client whose queued output passes 256 KiB does not read: "
            "drop it, tell the others it left, and let them chat on (README §3.4)")
{
    ServerProcess server({}, flood_options());
    auto [talker, fast] = join_two(server);
    kit::Fd slow = connect_non_reader(server.port);  // client #3
    EXPECT_EQ(talker.expect_line(), joined(3));
    EXPECT_EQ(fast.expect_line(), joined(3));
    // How much the kernel takes for a client that never reads depends on send-buffer autotuning
    // (up to 4 MB): flood on, line by line, until the others hear that #3 left.
    std::size_t sent = 0;
    bool dropped = false;
    for (int i = 0; i < 1500 && !dropped; ++i) {
        const std::string line = numbered_line("flood", i, 4000);
        talker.send_line(line);
        std::string got = fast.expect_line();
        if (got == left(3)) {
            dropped = true;
            got = fast.expect_line();
        }
        ASSERT_EQ(got, said(1, line)) << "line " << i << " of the flood";
        sent += said(1, line).size() + 1;
    }
    ASSERT_TRUE(dropped) << sent << " bytes went to a client that never reads, and the others "
                         << "never heard that it left: is the output limit checked?";
    EXPECT_EQ(talker.expect_line(), left(3));
    std::size_t got = 0;
    EXPECT_TRUE(testkit::read_until_closed(slow.get(), testkit::kDefaultWait, got))
        << "the dropped client's connection should be closed";
    EXPECT_LT(got, sent) << "everything was queued for the slow client: no bound?";
    talker.send_line("after the drop");
    EXPECT_EQ(fast.expect_line(), said(1, "after the drop"));
}

GRADED_TEST_P(Fairness, AFloodDoesNotHoldUpAnotherClientsLine, 5,
              "Server::read_from: a client that floods gets at most the read budget per turn: "
              "another client's line goes out while the flood is still being read. Without the "
              "budget, an edge-triggered server reads the flood to its end first; with it, "
              "call_again brings the server back for the rest (README §2.3-2.4)")
{
    ServerProcess server(mode_flags(), flood_options());
    // The flooder's send buffer is large, so that the whole flood is queued at once below.
    const int sndbuf = 1 << 20;
    LineClient flooder = join(server, 1);
    ::setsockopt(flooder.fd(), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    LineClient pinger = join(server, 2);
    EXPECT_EQ(flooder.expect_line(), joined(2));
    LineClient watcher = join(server, 3);
    EXPECT_EQ(flooder.expect_line(), joined(3));
    EXPECT_EQ(pinger.expect_line(), joined(3));
    // With the server stopped, queue 90 lines of 1000 bytes (as many as the kernel takes), then
    // the pinger's line. When the server runs again it finds both clients readable, the flooder
    // first. The watcher hears everyone, in the order the server read them: the ping must come
    // before the last line of the flood. (Under 256 KiB in all: nobody is dropped for it.)
    server.process.pause();  // returns once the server is stopped, not merely signalled
    // In one send, so that the kernel packs the flood into a few large segments: then it all
    // fits in the server's receive queue, where no later arrival makes a new edge for it.
    constexpr int kFloodLines = 90;
    std::string flood;
    for (int i = 0; i < kFloodLines; ++i)
        flood += numbered_line("flood", i, 999) + "\n";
    const ssize_t n = ::send(flooder.fd(), flood.data(), flood.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    const std::size_t taken = n > 0 ? static_cast<std::size_t>(n) : 0;
    const int queued = static_cast<int>((taken + 999) / 1000);  // lines begun before the ping
    pinger.send_line("ping");
    server.process.resume();
    if (taken < flood.size()) flooder.send_raw(flood.substr(taken));  // what the kernel left
    int flood_before_ping = 0;
    for (;;) {
        const std::string line = watcher.expect_line();
        if (line == said(2, "ping")) break;
        ASSERT_EQ(line, said(1, numbered_line("flood", flood_before_ping, 999)));
        ++flood_before_ping;
    }
    EXPECT_LT(flood_before_ping, queued)
        << "the server read all " << queued << " lines (" << queued * 1000 << " bytes) of the "
        << "flood before the other client's line, which was waiting all along";
    // The rest of the flood sits in the server's receive queue, where no new edge reports it:
    // in ET only call_again brings the server back to it.
    for (int i = flood_before_ping; i < kFloodLines; ++i) {
        std::string line;
        try {
            line = watcher.expect_line();
        } catch (const testkit::Failure& e) {
            FAIL() << "line " << i << " of the " << kFloodLines << " of the flood never came: the "
                   << "server stopped at its read budget and did not come back (call_again)\n"
                   << e.what();
        }
        ASSERT_EQ(line, said(1, numbered_line("flood", i, 999)));
    }
}

GRADED_TEST_P(OutOfFds, RefusesWhileAtTheLimitWithoutSpinningAndAcceptsAgain, 6,
              "Server::accept_clients: out of fds (EMFILE), a connection left in the accept queue "
              "hangs (ET) or spins the loop (LT): refuse it with the reserve fd, use no CPU "
              "meanwhile, and accept again once fds are free (README §3.1, mistake 16)")
{
    ServerProcess server(mode_flags());
    const pid_t pid = server.process.pid();
    testkit::leave_free_fds(pid, 3);
    std::vector<LineClient> welcomed;
    int refused = 0;
    for (int i = 0; i < 6; ++i) {
        LineClient client = LineClient::connect(server.port);
        // Each is either welcomed or closed at once: never left waiting in the accept queue.
        const FirstLine first = first_line(client);
        if (!first.arrived) {
            ASSERT_TRUE(client.closed_by_peer(Duration(10)))
                << "client " << i + 1 << ", connecting while the server is out of fds, was "
                << "neither welcomed nor refused: it hangs in the accept queue\n"
                << first.text;
            ++refused;
            continue;
        }
        ASSERT_EQ(first.text.rfind("Welcome", 0), 0u) << testkit::printable(first.text);
        welcomed.push_back(std::move(client));
    }
    EXPECT_EQ(welcomed.size(), 3u) << "room for 3 descriptors: 3 clients welcomed";
    EXPECT_EQ(refused, 3);
    const double cpu = testkit::cpu_share_while_idle(pid, Duration(500));
    EXPECT_LT(cpu, 0.1) << "at the fd limit with nothing to do, the server used " << cpu * 100
                        << "% of a CPU: a busy loop around accept?";
    welcomed.erase(welcomed.begin(), welcomed.begin() + 2);  // #1 and #2 leave: two fds free
    // Once #3 heard of both departures, the server has closed their sockets. Both closed at
    // once: epoll may report them in either order.
    std::vector<std::string> departures{welcomed.back().expect_line(),
                                        welcomed.back().expect_line()};
    std::sort(departures.begin(), departures.end());
    EXPECT_EQ(departures, (std::vector<std::string>{left(1), left(2)}));
    for (int i = 0; i < 2; ++i) {
        LineClient again = LineClient::connect(server.port);
        const FirstLine first = first_line(again);
        ASSERT_TRUE(first.arrived)
            << "after two clients left, a new one was not welcomed: the server stopped "
            << "accepting for good when it ran out of fds\n"
            << first.text;
        EXPECT_EQ(first.text.rfind("Welcome", 0), 0u) << testkit::printable(first.text);
        welcomed.push_back(std::move(again));
    }
    ASSERT_TRUE(server.process.running());
}

GRADED_TEST(Resources, NoFdLeakAfter500ClientsCameAndWent, 3,
            "Server::drop_dead: every departed client's socket is removed from the reactor and "
            "closed (README §3.4)")
{
    ServerProcess server;
    const std::size_t baseline = testkit::open_fds(server.process.pid()).size();
    LineClient stays = join(server, 1);
    for (int i = 0; i < 500; ++i) {
        LineClient visitor = join(server, static_cast<std::uint64_t>(i) + 2);
        ASSERT_EQ(stays.expect_line(), joined(static_cast<std::uint64_t>(i) + 2));
        visitor.close();
        ASSERT_EQ(stays.expect_line(), left(static_cast<std::uint64_t>(i) + 2));
    }
    EXPECT_TRUE(testkit::wait_until_fd_count(server.process.pid(), baseline + 1))
        << "after 500 clients came and went, the server should hold its " << baseline
        << " fds plus one client's socket; it holds:\n"
        << testkit::describe_fds(server.process.pid());
}

GRADED_TEST_P(
    Idle, SleepsInEpollWaitOnceTheQueuesDrained, 4,
    "Server::flush: an idle server sleeps in epoll_wait: EPOLLOUT armed only while bytes wait (a "
    "level-triggered loop wakes forever otherwise), no call_again left over (README §3.3)")
{
    testkit::SyscallCounts counts;
    ServerProcess server(mode_flags(), counts.spawn_options());
    LineClient talker = join(server, 1);
    kit::Fd slow = connect_non_reader(server.port);  // client #2, reads only later
    EXPECT_EQ(talker.expect_line(), joined(2));
    // Make the server meet EAGAIN on the slow client (so that it arms EPOLLOUT), then let the
    // client read everything, so that the queue drains and EPOLLOUT must be disarmed.
    std::size_t sent = 0;
    for (int i = 0; i < 60; ++i) {
        const std::string line = numbered_line("fill", i, 4000);
        talker.send_line(line);
        sent += said(1, line).size() + 1;
        testkit::eventually([&] { return counts.snapshot().writes_would_block > 0; }, Duration(50),
                            Duration(1));
        if (counts.snapshot().writes_would_block > 0) break;
    }
    ASSERT_GT(counts.snapshot().writes_would_block, 0u)
        << "test setup: the server never met a full socket";
    std::size_t got = 0;
    const testkit::Deadline deadline(Duration(10000));
    char chunk[65536];
    while (got < sent && !deadline.expired()) {
        pollfd pfd{slow.get(), POLLIN, 0};
        if (::poll(&pfd, 1, deadline.poll_timeout_ms()) <= 0) continue;
        const ssize_t n = ::recv(slow.get(), chunk, sizeof chunk, MSG_DONTWAIT);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    ASSERT_EQ(got, sent) << "the slow client, reading at last, should get every line";
    const shortio_counts before = counts.snapshot();
    const double cpu = testkit::cpu_share_while_idle(server.process.pid(), Duration(600));
    const shortio_counts after = counts.snapshot();
    const std::uint64_t waits = (after.epoll_wait + after.epoll_pwait + after.epoll_pwait2) -
                                (before.epoll_wait + before.epoll_pwait + before.epoll_pwait2);
    EXPECT_LE(waits, 3u) << "with nothing happening, epoll_wait returned " << waits
                         << " times in 600 ms: a busy loop (EPOLLOUT still armed?)";
    EXPECT_LT(cpu, 0.1) << "an idle server used " << cpu * 100 << "% of a CPU";
}
