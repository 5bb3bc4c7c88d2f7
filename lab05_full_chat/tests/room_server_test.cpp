// Black-box tests of lab05's chat_server: lab03's protocol for clients that send no command, the
// join and leave notices, the room's limit. Each test runs again under the short-I/O injector
// (".UnderShortIO").
#include <string>

#include "lab05_full_chat/tests/server_test_support.h"

using namespace lab05;

GRADED_TEST(ServerBasics, WelcomesAndSaysLikeLab03, 4,
            "a client that sends no command sees lab03's protocol: welcome, 'ClientID <id> say >> "
            "<text>' to the others, the alone line (Server::accept_clients, read_from, README §3)")
{
    ServerProcess server;
    LineClient alice = join(server, 1);
    alice.send_line("anyone?");
    EXPECT_EQ(alice.expect_line(), kAlone);
    LineClient bob = join(server, 2);
    EXPECT_EQ(alice.expect_line(), joined(2));
    alice.send_line("hello bob");
    EXPECT_EQ(bob.expect_line(), said(1, "hello bob"));
    bob.send_line("hi alice");
    EXPECT_EQ(alice.expect_line(), said(2, "hi alice"));
    bob.expect_silence(Duration(50));
}
