// report-helper: tests that fail on purpose, so that testkit-selftest (report_test.cpp) can run them
// as a child process and check what a failing test prints. Not registered with CTest.
#include <gtest/gtest.h>

#include <csignal>

#include <sys/socket.h>

#include "testkit/child_process.h"
#include "testkit/crash.h"
#include "testkit/fake_server.h"
#include "testkit/fd_pair.h"
#include "testkit/line_client.h"

namespace {

using testkit::ChildProcess;
using testkit::Duration;

// A conversation with a correct echo server, then two failed expectations: the report comes once.
TEST(Helper, FailsAfterAConversation)
{
    ChildProcess server(SELFTEST_ECHO_ONCE, {"loop"});
    testkit::LineClient client = testkit::LineClient::connect(server.wait_for_listening());
    client.send_line("hello");
    const std::string line = client.expect_line();
    EXPECT_EQ(line, "goodbye");
    EXPECT_EQ(line, "farewell");
}

// A testkit wait that runs out of time.
TEST(Helper, MissesADeadline)
{
    testkit::FakeServer server;
    server.accept_client(Duration(50));  // nobody connects
}

// A program that dies of a signal the test did not send, after saying why on stderr.
TEST(Helper, ProgramDiesOfSigpipe)
{
    ChildProcess program("/bin/sh", {"-c",
                                     "echo 'sh: about to write to a closed socket' >&2; "
                                     "kill -PIPE $$"});
    program.wait_for_exit();
}

// The test process itself crashes.
TEST(Helper, Crashes)
{
    std::raise(SIGSEGV);
}

// A send without MSG_NOSIGNAL to a closed socket, while SIGPIPE is fatal.
TEST(Helper, DiesOfSigpipe)
{
    testkit::FatalSigpipe fatal_sigpipe;
    testkit::FdPair pair = testkit::socket_pair();
    pair.second.reset();
    [[maybe_unused]] const auto n = ::send(pair.first.get(), "x", 1, 0);
}

}  // namespace
