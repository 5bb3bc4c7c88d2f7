// Black-box tests of lab05's chat_server: lab03's protocol for clients that send no command, the
// join and leave notices, the room's limit. Each test runs again under the short-I/O injector
// (".UnderShortIO").
#include <string>
#include <vector>

#include "lab05_full_chat/tests/server_test_support.h"

using namespace lab05;

GRADED_TEST(
    ServerBasics, WelcomesAndSaysLikeLab03, 4,
    "Server::accept_clients, read_from: a client that sends no command sees lab03's protocol: "
    "welcome, 'ClientID <id> say >> <text>' to the others, the alone line (README §3)")
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

GRADED_TEST(ServerBasics, FramesLinesWhateverTheSegments, 3,
            "Server::read_from: TCP keeps no boundaries: two lines in one segment are two lines, a "
            "line in one-byte pieces is one (README §3.2)")
{
    ServerProcess server;
    auto [a, b] = join_two(server);
    a.send_raw("one\ntwo\n");
    EXPECT_EQ(b.expect_line(), said(1, "one"));
    EXPECT_EQ(b.expect_line(), said(1, "two"));
    for (const char c : std::string("pieces\n"))
        a.send_raw(std::string(1, c));
    EXPECT_EQ(b.expect_line(), said(1, "pieces"));
}

GRADED_TEST(ServerBasics, AnOverLongLineGetsLab03sErrorAndTheSenderStays, 3,
            "Server::read_from hands TooLong to the room: a line over 4096 bytes: lab03's error "
            "line to the sender only, nothing said, the sender stays (README §3.2)")
{
    ServerProcess server;
    auto [a, b] = join_two(server);
    const std::string longest(4096, 'k');
    a.send_line(longest);
    EXPECT_EQ(b.expect_line(), said(1, longest)) << "a line of exactly 4096 bytes is allowed";
    a.send_line(std::string(5000, 'x'));
    EXPECT_EQ(a.expect_line(), kTooLong);
    a.send_line("still here");
    EXPECT_EQ(b.expect_line(), said(1, "still here")) << "the long line must not be said";
}

GRADED_TEST(ServerBasics, TellsTheOthersWhoJoinedAndWhoLeft, 4,
            "Server::drop_dead calls the room's leave: `* ClientID <id> joined` to the others on "
            "connect; `* ClientID <id> left` when a client closes or resets (README §3.4)")
{
    ServerProcess server;
    LineClient a = join(server, 1);
    {
        LineClient b = join(server, 2);
        EXPECT_EQ(a.expect_line(), joined(2));
        LineClient c = join(server, 3);
        EXPECT_EQ(a.expect_line(), joined(3));
        EXPECT_EQ(b.expect_line(), joined(3));
        b.close();
        EXPECT_EQ(a.expect_line(), left(2));
        EXPECT_EQ(c.expect_line(), left(2));
        c.close_with_rst();
        EXPECT_EQ(a.expect_line(), left(3));
    }
    a.send_line("alone again");
    EXPECT_EQ(a.expect_line(), kAlone);
}

GRADED_TEST(ServerBasics, AQuitFollowedAtOnceByEofStillGetsItsBye, 3,
            "Server::read_from: a client that sends /quit and shuts its side down at once (lab05's "
            "chat_client does) still reads: at Eof, flush what is queued for it before mark_dead, "
            "or its `* bye` is lost (README §3.2)")
{
    ServerProcess server;
    auto [a, b] = join_two(server);
    // While the server is stopped, the line and the FIN both wait in its socket: one turn reads
    // the line (queuing "* bye") and then the end of the file.
    server.process.pause();
    b.send_raw("/quit\n");
    b.shutdown_write();
    server.process.resume();
    EXPECT_EQ(b.expect_line(), "* bye");
    b.expect_eof();
    EXPECT_EQ(a.expect_line(), left(2));
}

GRADED_TEST(
    ServerBasics, AFullRoomSaysSoAndClosesThenAdmitsAgain, 4,
    "Server::close_after_flush, flush: past --max-clients a newcomer gets the room-full line, then "
    "the connection closes once it is written; nobody else hears of it (README §3.4)")
{
    ServerProcess server({"--max-clients", "2"});
    auto [a, b] = join_two(server);
    LineClient turned_away = LineClient::connect(server.port);
    EXPECT_EQ(turned_away.expect_line(), room_full(2));
    turned_away.expect_eof();
    a.expect_silence(Duration(50));
    b.close();
    EXPECT_EQ(a.expect_line(), left(2));
    LineClient d = join(server, 4);  // ids are never reused: #3 was the one turned away
    EXPECT_EQ(a.expect_line(), joined(4));
    d.send_line("made it");
    EXPECT_EQ(a.expect_line(), said(4, "made it"));
}
