// Black-box tests of echo_server: the real program, started on port 0, driven over real sockets.
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <csignal>
#include <string>
#include <thread>

#include "common/sys_error.h"
#include "testkit/child_process.h"
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

// The lesson of a server that ended right after its listening line.
constexpr const char* kEndedAfterItsLine =
    "the server ended right after its listening line, so nothing listens on the port it names: "
    "serve_forever must keep accepting clients (README §5)";

// Wait until @p process, which printed its listening line, waits in accept. A server whose loop is
// not written yet ends right after its line: a test that connected at once would pass or fail (or
// say "Connection refused") as the race between its connect and that exit went. Waiting first
// gives the same verdict, and the same lesson, on every run.
std::uint16_t accepting(ChildProcess& process, std::uint16_t port)
{
    if (!process.wait_until_sleeps_in(testkit::kAcceptCalls))
        throw testkit::Failure(std::string(kEndedAfterItsLine) + "\n");
    return port;
}

// A running echo_server on a free port, waiting in accept.
struct EchoServer {
    ChildProcess process{testkit::lab_program("echo_server"), {"--port", "0"}};
    std::uint16_t port = accepting(process, process.wait_for_listening());
};

// Send @p data and read the same number of bytes back, at the same time: a blocking echo server
// stops reading while its own sends block, so the client must read while it writes. Both sides
// move the data in pieces of kPiece bytes, each within its own deadline: a slow machine only makes
// the transfer take longer, while a server that stops moving bytes fails within one deadline.
std::string echo_through(LineClient& client, const std::string& data)
{
    static constexpr std::size_t kPiece = 4096;
    std::string failure;
    std::thread writer([&] {
        try {
            for (std::size_t at = 0; at < data.size(); at += kPiece)
                client.send_raw(std::string_view(data).substr(at, kPiece));
        } catch (const std::exception& e) {
            failure = e.what();
        }
    });
    std::string back;
    try {
        while (back.size() < data.size())
            back += client.read_exactly(std::min(kPiece, data.size() - back.size()));
    } catch (const testkit::Failure& e) {
        writer.join();
        throw testkit::Failure("after " + std::to_string(back.size()) + " of " +
                               std::to_string(data.size()) + " bytes came back: " + e.what());
    }
    writer.join();
    if (!failure.empty()) throw testkit::Failure(failure);
    return back;
}

// The bulk of EchoesOneMebibyteIntact: 1 MiB plainly; under the short-I/O injector, which moves at
// most 7 bytes per call (1 MiB would be some 300,000 calls each way, seconds of work), 64 KiB:
// still thousands of short transfers and injected EINTRs, done in a fraction of a second.
std::size_t bulk_bytes()
{
    return testkit::run_context().shortio ? 64 * 1024 : 1024 * 1024;
}

}  // namespace

GRADED_TEST(
    EchoServer, PrintsListeningLineWithTheRealPort, 2,
    "the server prints 'listening on ADDR:PORT' with the port bound_port reports (README §6)")
{
    EchoServer server;  // waits until the server waits in accept (accepting)
    EXPECT_NE(server.port, 0);
    try {
        LineClient::connect(server.port);  // something really listens there
    } catch (const testkit::Failure& e) {
        FAIL() << "the server waits in accept, but nothing listens on port " << server.port
               << ", the port its line names: print bound_port(listener) (README §3.2, §6)\n"
               << e.what();
    }
}

GRADED_TEST(EchoServer, EchoesOneByte, 4, "the echo loop: recv then send_all what came (README §5)")
{
    EchoServer server;
    LineClient client = LineClient::connect(server.port);
    client.send_raw("x");
    EXPECT_EQ(client.read_exactly(1), "x");
}

GRADED_TEST(EchoServer, EchoesOneMebibyteIntact, 6,
            "data arrives in pieces and calls are interrupted (EINTR): every piece is echoed in "
            "order (README §4-5)")
{
    EchoServer server;
    LineClient client = LineClient::connect(server.port);
    std::string data(bulk_bytes(), '\0');
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<char>('a' + (i * 31 + i / 97) % 26);
    const std::string back = echo_through(client, data);
    EXPECT_TRUE(back == data) << data.size() << " bytes came back, but different\n";
}

GRADED_TEST(EchoServer, EchoesBinaryDataWithNulBytes, 4,
            "TCP carries bytes, not C strings: NUL and 0xff bytes must survive (README §4)")
{
    EchoServer server;
    LineClient client = LineClient::connect(server.port);
    std::string data;
    for (int round = 0; round < 4; ++round) {
        for (int byte = 0; byte < 256; ++byte)
            data += static_cast<char>(byte);
    }
    const std::string back = echo_through(client, data);
    EXPECT_EQ(testkit::printable(back, 2000), testkit::printable(data, 2000));
}

GRADED_TEST(EchoServer, ServesClientsOneAfterAnother, 6,
            "when a client leaves (EOF), the server closes its socket and accepts the next one "
            "(README §4-5)")
{
    EchoServer server;
    for (int i = 1; i <= 3; ++i) {
        LineClient client = LineClient::connect(server.port);
        client.send_line("client " + std::to_string(i));
        EXPECT_EQ(client.expect_line(), "client " + std::to_string(i))
            << "client " << i << " of 3, each connecting after the previous one closed\n";
        client.close();
    }
}

GRADED_TEST(EchoServer, SecondConcurrentClientWaitsUntilTheFirstLeaves, 6,
            "an iterative server serves one client at a time: the limit lab02 removes (README §7)")
{
    EchoServer server;
    LineClient first = testkit::connect_echoed(server.port, "first");

    // The second connection completes in the kernel (listen backlog) but nobody reads from it yet.
    LineClient second = LineClient::connect(server.port);
    second.send_line("second");
    second.expect_silence(Duration(300));

    EXPECT_EQ(testkit::echo_of(first, "still first"), "still first");
    first.close();
    EXPECT_EQ(second.expect_line(), "second")
        << "after the first client left, the waiting one should be served\n";
}

GRADED_TEST(
    EchoServer, SurvivesAClientThatResetsTheConnection, 4,
    "a client that vanishes (RST) ends its own session, never the server (README §5, mistake 6)")
{
    EchoServer server;
    {
        LineClient rude = LineClient::connect(server.port);
        rude.send_raw(std::string(200 * 1000, 'r'));  // more than it will ever read back
        rude.close_with_rst();
    }
    LineClient polite = LineClient::connect(server.port);
    EXPECT_EQ(testkit::echo_of(polite, "are you alive?"), "are you alive?");
    EXPECT_TRUE(server.process.running());
}

GRADED_TEST(EchoServer, ReportsPortInUseAndExits1, 4,
            "a port in use is a clear error naming the port, exit status 1 (README §6, §3.1)")
{
    // The test itself holds the port (a listening socket that stays open), not a first
    // echo_server: that one would free the port as soon as it ended, and a server whose loop is
    // not written yet ends right after its listening line, so the verdict would follow a race.
    testkit::FakeServer holder;
    ChildProcess second(testkit::lab_program("echo_server"), {"--port", holder.port_arg()});
    const testkit::ExitStatus status = second.expect_exit();
    EXPECT_TRUE(status.exited_with(1));
    const std::string err = second.stderr_text();
    EXPECT_NE(err.find(holder.port_arg()), std::string::npos)
        << "the message should name the port\n";
    EXPECT_NE(err.find("in use"), std::string::npos);
}

// The command line and signal handling are given code (common/): these check the contract but
// carry no points.

TEST(EchoServerContract, BadFlagPrintsUsageAndExits2)
{
    ChildProcess server(testkit::lab_program("echo_server"), {"--prot", "0"});
    const testkit::ExitStatus status = server.expect_exit();
    EXPECT_TRUE(status.exited_with(2));
    EXPECT_NE(server.stderr_text().find("usage:"), std::string::npos);
}

TEST(EchoServerContract, ExitsWithStatus0OnSigterm)
{
    ChildProcess server(testkit::lab_program("echo_server"), {"--port", "0"});
    try {
        accepting(server, server.wait_for_listening());
    } catch (const testkit::Failure& e) {
        // Say what went wrong rather than guess which function is missing.
        const std::string what = e.what();
        GTEST_SKIP() << "the server does not start yet: " << what.substr(0, what.find('\n'));
    }
    server.send_signal(SIGTERM);
    const testkit::ExitStatus status = server.expect_exit();
    // The handler (given) ends the program with _exit(0) whenever SIGTERM comes; the server was
    // waiting in accept when it came (accepting), so it cannot have ended by itself first.
    EXPECT_TRUE(status.exited_with(0));
}
