// Black-box tests of lab05's chat_server at its end: SIGTERM makes it say goodbye, write what it
// still holds, close every connection and exit 0, within its deadline whatever the clients do.
// Each test runs again under the short-I/O injector (".UnderShortIO").
#include <csignal>
#include <string>
#include <vector>

#include "lab05_full_chat/tests/server_test_support.h"

using namespace lab05;

namespace {

// The lines below move a few hundred kilobytes: under the injector, pieces of at most 256 bytes.
testkit::SpawnOptions bulk_options()
{
    testkit::SpawnOptions options;
    options.env.push_back("SHORTIO_MAX_BYTES=256");
    return options;
}

std::string big_line(int i)
{
    std::string line = "backlog " + std::to_string(i) + " ";
    line.resize(4000, static_cast<char>('a' + i % 26));
    return line;
}

}  // namespace

GRADED_TEST(
    Shutdown, SigtermFlushesEveryClientThenExits0, 6,
    "Server::begin_shutdown, run, flush: on SIGTERM every member gets '* the server is shutting "
    "down' after everything queued for it, then EOF, and the server exits 0 (README §3.5)")
{
    ServerProcess server({}, bulk_options());
    auto [talker, idle] = join_two(server);
    LineClient behind = join(server, 3);  // reads nothing until the end: its output piles up
    EXPECT_EQ(talker.expect_line(), joined(3));
    EXPECT_EQ(idle.expect_line(), joined(3));
    const int count = 40;  // 160 KB for each of #2 and #3: more than their sockets take at once
    for (int i = 0; i < count; ++i) {
        talker.send_line(big_line(i));
        ASSERT_EQ(idle.expect_line(), said(1, big_line(i)));
    }
    server.process.send_signal(SIGTERM);
    EXPECT_EQ(talker.expect_line(), kShuttingDown);
    EXPECT_EQ(idle.expect_line(), kShuttingDown);
    for (int i = 0; i < count; ++i) {
        ASSERT_EQ(behind.expect_line(), said(1, big_line(i)))
            << "line " << i << " queued for a client before the signal was lost at shutdown";
    }
    EXPECT_EQ(behind.expect_line(), kShuttingDown);
    for (LineClient* client : {&talker, &idle, &behind})
        client->expect_eof();
    const testkit::ExitStatus status = server.process.expect_exit();
    EXPECT_TRUE(status.exited_with(0)) << "chat_server " << status.describe();
}

GRADED_TEST(
    Shutdown, ANonReaderCannotHoldTheServerPastItsDeadline, 3,
    "Server::run: a client that never reads cannot keep the server alive: after 2 s of flushing it "
    "closes whatever is left and exits 0; the others got their goodbye (README §3.5)")
{
    ServerProcess server({}, bulk_options());
    LineClient talker = join(server, 1);
    const kit::Fd stuck = connect_non_reader(server.port);  // client #2: never reads
    EXPECT_EQ(talker.expect_line(), joined(2));
    // 60 lines for #2 only (the talker hears nothing back): 241 KB, just below the 256 KiB limit
    // and far more than the kernel takes for a client with a 4 KiB receive buffer, so that the
    // server still holds output for #2 when the signal comes.
    for (int i = 0; i < 60; ++i)
        talker.send_line(big_line(i));
    // An over-long line is answered only once the server has read all 60 before it.
    talker.send_line(std::string(5000, 'z'));
    ASSERT_EQ(talker.expect_line(), kTooLong);
    server.process.send_signal(SIGTERM);
    EXPECT_EQ(talker.expect_line(), kShuttingDown);
    talker.expect_eof();
    const testkit::ExitStatus status = server.process.expect_exit();
    EXPECT_TRUE(status.exited_with(0)) << "chat_server " << status.describe();
}
