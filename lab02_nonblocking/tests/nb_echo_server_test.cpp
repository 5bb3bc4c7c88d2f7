// Black-box tests of nb_echo_server: the real program, started on port 0, driven over real sockets.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "testkit/child_process.h"
#include "testkit/deadline.h"
#include "testkit/echoed_client.h"
#include "testkit/failure.h"
#include "testkit/fake_server.h"
#include "testkit/graded.h"
#include "testkit/lab.h"
#include "testkit/line_client.h"
#include "testkit/proc.h"
#include "testkit/run_context.h"

using testkit::ChildProcess;
using testkit::Duration;
using testkit::LineClient;

namespace {

const std::string kTooLongError = "error: line too long (max 4096 bytes)";

// A running nb_echo_server on a free port.
struct EchoServer {
    ChildProcess process{testkit::lab_program("nb_echo_server"), {"--port", "0"}};
    std::uint16_t port = process.wait_for_listening();
};

// A running nb_echo_server and one client connected to it: the opening of most tests, as
// `auto [server, client] = ServerAndClient();`. The client closes before the server stops.
struct ServerAndClient {
    EchoServer server;
    LineClient client = LineClient::connect(server.port);
};

// Send each small write as its own TCP segment at once (no Nagle delay), so the server really
// receives a line in the pieces the test sends it in.
void send_pieces_at_once(const LineClient& client)
{
    const int on = 1;
    ::setsockopt(client.fd(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

// The stderr of @p process, which has exited, once it holds @p expected (or after a short bound).
// ChildProcess::expect_exit() waits for the end of stdout only, so the last bytes of stderr may
// still be on their way to the reader thread when it returns.
std::string stderr_after_exit(const ChildProcess& process, const std::string& expected)
{
    const testkit::Deadline deadline(Duration(2000));
    while (process.stderr_text().find(expected) == std::string::npos && !deadline.expired()) {
        std::this_thread::yield();
    }
    return process.stderr_text();
}

// A client connected to the server on @p port that got the echo of a line, or nothing and @p why:
// the first line of the failure, which says what went wrong rather than guess which function is
// missing. A test of the given code that needs a working server skips with it. The connect is
// inside: a server whose loop is not written yet ends right after its listening line, so whether
// the connect is refused or the echo never comes is a race, and both are the same "not yet".
std::optional<LineClient> echoing_probe(std::uint16_t port, std::string& why)
{
    try {
        LineClient probe = LineClient::connect(port);
        probe.send_line("up?");
        probe.expect_line();
        return probe;
    } catch (const testkit::Failure& e) {
        const std::string what = e.what();
        why = what.substr(0, what.find('\n'));
        return std::nullopt;
    }
}

}  // namespace

GRADED_TEST(NbEchoServer, EchoesEachCompleteLine, 4,
            "the server echoes every complete line, \"\\r\\n\" or \"\\n\" ended, with \"\\n\" "
            "(README §4)")
{
    auto [server, client] = ServerAndClient();
    EXPECT_EQ(testkit::echo_of(client, "hello"), "hello");
    client.send_raw("crlf ended\r\nempty next\n\n");
    EXPECT_EQ(client.expect_line(), "crlf ended");
    EXPECT_EQ(client.expect_line(), "empty next");
    EXPECT_EQ(client.expect_line(), "");
}

GRADED_TEST(NbEchoServer, ServesASecondClientWhileTheFirstStaysConnected, 4,
            "one thread, many clients: an idle client must not hold up the others — the limit of "
            "lab01's blocking server (README §4)")
{
    EchoServer server;
    LineClient first = testkit::connect_echoed(server.port, "first");

    // The first client stays connected and says nothing; a blocking server would wait for it.
    LineClient second = LineClient::connect(server.port);
    EXPECT_EQ(testkit::echo_of(second, "second"), "second")
        << "while the first client was connected and silent\n";
    EXPECT_EQ(testkit::echo_of(first, "first again"), "first again");
}

GRADED_TEST(NbEchoServer, Serves50ConcurrentClientsEachTheirOwnLines, 8,
            "every client is served at once and gets exactly its own lines back, in order; "
            "EAGAIN means 'nothing now', not the end (README §2.3, §4)")
{
    EchoServer server;
    std::vector<LineClient> clients;
    for (int i = 0; i < 50; ++i)
        clients.push_back(LineClient::connect(server.port));
    // Every client speaks before any reads: nobody may wait for anybody.
    for (int round = 0; round < 3; ++round) {
        for (std::size_t i = 0; i < clients.size(); ++i) {
            clients[i].send_line("client " + std::to_string(i) + " line " + std::to_string(round));
        }
    }
    for (std::size_t i = 0; i < clients.size(); ++i) {
        for (int round = 0; round < 3; ++round) {
            EXPECT_EQ(clients[i].expect_line(),
                      "client " + std::to_string(i) + " line " + std::to_string(round))
                << "client " << i << " of 50, all connected at once, each sent 3 lines\n";
        }
    }
    for (LineClient& client : clients)
        client.expect_silence(Duration(20));  // and nothing else
}

GRADED_TEST(NbEchoServer, ALineSentOneByteAtATimeComesBackAsOneLine, 6,
            "TCP has no message boundaries: bytes that arrive without '\\n' are buffered until the "
            "line is complete, not echoed as lines (README §3, mistake 12)")
{
    auto [server, client] = ServerAndClient();
    send_pieces_at_once(client);
    const std::string line = "one byte at a time";
    for (const char byte : line)
        client.send_raw(std::string(1, byte));
    client.expect_silence(Duration(300));  // nothing comes back before the line is complete
    client.send_raw("\n");
    EXPECT_EQ(client.expect_line(), line);
    client.expect_silence(Duration(100));
}

GRADED_TEST(NbEchoServer, TwoLinesInOneSegmentComeBackAsTwo, 4,
            "one read may hold several lines and a part: each complete line is echoed, the part "
            "waits for its end (README §3, mistake 12)")
{
    auto [server, client] = ServerAndClient();
    send_pieces_at_once(client);
    client.send_raw("first\nsecond\nthi");
    EXPECT_EQ(client.expect_line(), "first");
    EXPECT_EQ(client.expect_line(), "second");
    client.expect_silence(Duration(200));
    client.send_raw("rd\n");
    EXPECT_EQ(client.expect_line(), "third");
}

GRADED_TEST(NbEchoServer, ClientThatDisconnectsMidLineDoesNotDisturbOthers, 6,
            "a client that leaves (FIN or RST) in the middle of a line is dropped and its socket "
            "closed; everyone else goes on (README §2.3, §4)")
{
    EchoServer server;
    LineClient quitter = LineClient::connect(server.port);
    LineClient vanisher = LineClient::connect(server.port);
    LineClient stayer = LineClient::connect(server.port);
    for (LineClient* client : {&quitter, &vanisher, &stayer}) {
        ASSERT_EQ(testkit::echo_of(*client, "hi"), "hi");
    }
    const std::size_t fds_with_three = testkit::open_fds(server.process.pid()).size();

    quitter.send_raw("half a li");
    vanisher.send_raw("another half");
    quitter.close();            // FIN in the middle of a line
    vanisher.close_with_rst();  // RST in the middle of a line
    EXPECT_TRUE(testkit::wait_until_fd_count(server.process.pid(), fds_with_three - 2))
        << "the server should close the sockets of the two clients that left; it has:\n"
        << testkit::describe_fds(server.process.pid());

    EXPECT_EQ(testkit::echo_of(stayer, "still here"), "still here");
    LineClient newcomer = LineClient::connect(server.port);
    EXPECT_EQ(testkit::echo_of(newcomer, "new"), "new");
}

GRADED_TEST(
    NbEchoServer, TooLongLineGetsAnErrorAndTheConnectionSurvives, 6,
    "a line over 4096 bytes gets one error line at once, the rest of it is dropped, and the "
    "client stays connected (README §3, §4)")
{
    auto [server, client] = ServerAndClient();
    const std::string longest(4096, 'a');
    client.send_line(longest);
    EXPECT_TRUE(client.expect_line() == longest) << "a line of exactly 4096 bytes is allowed\n";

    client.send_raw(std::string(4097, 'b'));  // no '\n' yet: the server knows it is too long
    EXPECT_EQ(client.expect_line(), kTooLongError) << "after 4097 bytes without a newline\n";
    // The rest of it, then a line. Under the short-I/O injector the server reads at most 7 bytes
    // per call, so the rest is shorter there: still four times the limit, read in a few thousand
    // calls instead of tens of thousands.
    const std::size_t rest = testkit::run_context().shortio ? 16 * 1000 : 100 * 1000;
    client.send_raw(std::string(rest, 'b') + "\nafter\n");
    EXPECT_EQ(client.expect_line(), "after")
        << "the rest of the long line is dropped, with no second error\n";
}

GRADED_TEST(NbEchoServer, EchoesAHalfClosedClientsLinesThenCloses, 2,
            "EOF (read returns 0) is the end of input, not 'nothing now': the lines before it are "
            "echoed, then the server closes the connection (README §2.3, §4)")
{
    auto [server, client] = ServerAndClient();
    client.send_raw("one\ntwo\nunfinished");
    client.shutdown_write();
    EXPECT_EQ(client.expect_line(), "one");
    EXPECT_EQ(client.expect_line(), "two");
    client.expect_eof();  // the unfinished line never ended: it is not echoed
}

// The command line and signal handling are given code (common/, nb_echo_server.cpp): these check
// the contract but carry no points.

TEST(NbEchoServerContract, ReportsPortInUseAndExits1)
{
    // The test itself holds the port, not a first nb_echo_server: that one would free the port as
    // soon as it ended, and one whose loop is not written yet ends right after its listening line.
    testkit::FakeServer holder;
    ChildProcess second(testkit::lab_program("nb_echo_server"), {"--port", holder.port_arg()});
    const testkit::ExitStatus status = second.expect_exit();
    EXPECT_TRUE(status.exited_with(1));
    stderr_after_exit(second, "in use");
    EXPECT_NE(second.stderr_text().find(holder.port_arg()), std::string::npos);
    EXPECT_NE(second.stderr_text().find("in use"), std::string::npos);
}

TEST(NbEchoServerContract, BadFlagPrintsUsageAndExits2)
{
    ChildProcess server(testkit::lab_program("nb_echo_server"), {"--prot", "0"});
    EXPECT_TRUE(server.expect_exit().exited_with(2));
    EXPECT_NE(stderr_after_exit(server, "usage:").find("usage:"), std::string::npos);
}

TEST(NbEchoServerContract, ExitsWithStatus0OnSigterm)
{
    EchoServer server;
    std::string why;
    if (!echoing_probe(server.port, why)) GTEST_SKIP() << "the server does not echo yet: " << why;
    server.process.send_signal(SIGTERM);
    EXPECT_TRUE(server.process.expect_exit().exited_with(0));
}

// The price of polling (README §5): a measurement, not a grade. The figure is printed (and recorded
// in the test's XML output); tools/bench_lab02.sh measures the same on a quiet machine.
TEST(NbEchoServerCost, MeasuresCpuUsedWhileNobodySpeaks)
{
    EchoServer server;
    std::string why;
    std::optional<LineClient> probe = echoing_probe(server.port, why);
    if (!probe) GTEST_SKIP() << "the server does not echo yet: " << why;
    probe->close();
    const double alone = testkit::cpu_share_while_idle(server.process.pid(), Duration(1000));

    std::vector<LineClient> idle;
    for (int i = 0; i < 10; ++i)
        idle.push_back(LineClient::connect(server.port));
    ASSERT_EQ(testkit::echo_of(idle.back(), "all in?"), "all in?");
    const double with_clients = testkit::cpu_share_while_idle(server.process.pid(), Duration(1000));

    char line[200];
    std::snprintf(
        line, sizeof line,
        "nb_echo_server while idle: %.0f%% of a core with 0 clients, %.0f%% with 10 silent "
        "clients (an epoll server: ~0%%)",
        alone * 100, with_clients * 100);
    std::cout << line << std::endl;
    RecordProperty("idle_cpu_share_0_clients", std::to_string(alone));
    RecordProperty("idle_cpu_share_10_clients", std::to_string(with_clients));
}
