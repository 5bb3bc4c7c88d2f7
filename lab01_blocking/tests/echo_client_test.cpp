// Black-box test of echo_client against echo_server (both built from your net.cpp).
#include <string>

#include "testkit/child_process.h"
#include "testkit/graded.h"
#include "testkit/lab.h"
#include "testkit/proc.h"

using testkit::ChildProcess;

GRADED_TEST(EchoClient, PrintsTheEchoOfEachLineAndQuitsOnExit, 4,
            "echo_client uses connect_tcp, send_all and recv_some: the echo of each line is "
            "printed, 'exit' quits with status 0 (README §6)")
{
    ChildProcess server(testkit::lab_program("echo_server"), {"--port", "0"});
    const std::uint16_t port = server.wait_for_listening();
    // Start the client only once the server waits in accept: one that ends right after its line
    // would otherwise refuse the client's connect or close it unanswered, as the race goes.
    if (!server.wait_until_sleeps_in(testkit::kAcceptCalls)) {
        FAIL() << "echo_server ended right after its listening line, so echo_client has no server "
                  "to talk to: serve_forever must keep accepting clients (README §5)\n";
    }
    testkit::SpawnOptions with_stdin;
    with_stdin.stdin_pipe = true;
    ChildProcess client(testkit::lab_program("echo_client"), {"--port", std::to_string(port)},
                        with_stdin);
    client.write_stdin("hello\nsecond line\nEXIT\nnot sent\n");
    EXPECT_TRUE(client.expect_exit().exited_with(0));
    EXPECT_EQ(client.stdout_text(), "hello\nsecond line\n");
}
