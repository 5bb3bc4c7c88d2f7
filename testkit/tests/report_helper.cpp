// report-helper: tests that fail on purpose, so that testkit-selftest (report_test.cpp) can run them
// as a child process and check what a failing test prints. Not registered with CTest.
#include <gtest/gtest.h>

#include <csignal>

#include "testkit/child_process.h"
#include "testkit/fake_server.h"
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

}  // namespace
