// Unit tests of the chat room (chat_room.cpp), in the test process, over a fake Outbox: every
// expectation is the exact list of lines each client is sent.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "lab03_epoll_server/protocol.h"
#include "lab05_full_chat/chat_room.h"
#include "lab05_full_chat/tests/allocation_counter.h"
#include "lab05_full_chat/tests/room_test_support.h"
#include "testkit/failure.h"
#include "testkit/graded.h"

using roomtest::Lines;
using roomtest::World;

namespace {

const std::string kWelcome1 = "Welcome to the chat room! Your chat ID is: Client #1\n";
const std::string kNickCharacters =
    "error: a name starts with a letter and holds only letters, digits, '_' and '-'\n";

// "error: unknown command /<name>; /help lists the commands\n"
std::string unknown(std::string_view name)
{
    return "error: unknown command /" + std::string(name) + "; /help lists the commands\n";
}

}  // namespace

// ---- joining -----------------------------------------------------------------------------------

GRADED_TEST(RoomJoin, WelcomesTheNewcomerAndTellsOnlyTheOthers, 3,
            "ChatRoom::join: the welcome to the newcomer, '* ClientID <id> joined' to every other "
            "member, never to the newcomer (README §4.3)")
{
    World w;
    EXPECT_TRUE(w.room.join(1));
    EXPECT_EQ(w.out.take(), (Lines{{1, {kWelcome1}}}));
    EXPECT_TRUE(w.room.join(2));
    EXPECT_EQ(w.out.take(),
              (Lines{{1, {"* ClientID 2 joined\n"}},
                     {2, {"Welcome to the chat room! Your chat ID is: Client #2\n"}}}));
    EXPECT_TRUE(w.room.join(7));
    EXPECT_EQ(w.out.take(),
              (Lines{{1, {"* ClientID 7 joined\n"}},
                     {2, {"* ClientID 7 joined\n"}},
                     {7, {"Welcome to the chat room! Your chat ID is: Client #7\n"}}}));
    EXPECT_EQ(w.room.size(), 3u);
    EXPECT_TRUE(w.room.contains(7));
    EXPECT_EQ(w.room.name_of(7), "ClientID 7");
    EXPECT_TRUE(w.out.take_closed().empty());
}

GRADED_TEST(RoomJoin, RefusesANewcomerWhenTheRoomIsFull, 3,
            "ChatRoom::join: with max_clients members, a newcomer gets 'error: the room is full "
            "(<max> users); try again later', is closed and never becomes a member (README §4.3)")
{
    World w(2);
    w.join({1, 2});
    EXPECT_FALSE(w.room.join(3)) << "the third client of a room for 2";
    EXPECT_EQ(w.out.take(), (Lines{{3, {"error: the room is full (2 users); try again later\n"}}}));
    EXPECT_EQ(w.out.take_closed(), std::vector<room::ClientId>{3});
    EXPECT_FALSE(w.room.contains(3));
    EXPECT_EQ(w.room.size(), 2u);
    w.room.leave(3);  // the server tells the room when the refused client's socket closes
    EXPECT_EQ(w.out.take(), Lines{}) << "client 3 never was a member: nobody hears it left";

    w.room.leave(1);
    w.out.take();
    EXPECT_TRUE(w.room.join(4)) << "a place came free when client 1 left";
    EXPECT_EQ(w.out.take(),
              (Lines{{2, {"* ClientID 4 joined\n"}},
                     {4, {"Welcome to the chat room! Your chat ID is: Client #4\n"}}}));

    World one(1);
    EXPECT_TRUE(one.room.join(1)) << "a room for 1 takes its first client";
    EXPECT_FALSE(one.room.join(2)) << "a room for 1 takes no second client";
}

// ---- chat lines --------------------------------------------------------------------------------

GRADED_TEST(RoomChat, SaysALineToEveryOtherMember, 3,
            "ChatRoom::on_line, say: '<name> say >> <text>' to every *other* member, nothing back "
            "to the sender (README §4.4)")
{
    World w;
    w.join({1, 2, 3});
    EXPECT_EQ(w.line(1, "hello"),
              (Lines{{2, {"ClientID 1 say >> hello\n"}}, {3, {"ClientID 1 say >> hello\n"}}}));
    w.name(3, "carol");
    EXPECT_EQ(w.line(3, "hi all"),
              (Lines{{1, {"carol say >> hi all\n"}}, {2, {"carol say >> hi all\n"}}}));
}

GRADED_TEST(RoomChat, TellsALoneMemberItIsAlone, 2,
            "ChatRoom::say: a member alone in the room gets lab03's 'There is only one in the chat "
            "room!' (README §4.4)")
{
    World w;
    w.join({1});
    EXPECT_EQ(w.line(1, "anyone?"), (Lines{{1, {"There is only one in the chat room!\n"}}}));
    w.join({2});
    w.room.leave(2);
    w.out.take();
    EXPECT_EQ(w.line(1, "anyone?"), (Lines{{1, {"There is only one in the chat room!\n"}}}))
        << "alone again after client 2 left";
}

GRADED_TEST(RoomChat, AClientThatSendsNoCommandSeesLab03sLines, 3,
            "ChatRoom: without commands the room speaks lab03's protocol.h, byte for byte, plus "
            "notices that start with '* ' (README §4.1)")
{
    World w;
    const auto expect_lab03_or_notice = [](const Lines& lines, room::ClientId who,
                                           const std::vector<std::string>& lab03) {
        std::vector<std::string> got;
        if (const auto found = lines.find(who); found != lines.end()) got = found->second;
        std::vector<std::string> without_notices;
        for (const std::string& line : got) {
            if (line.rfind("* ", 0) != 0) without_notices.push_back(line);
        }
        EXPECT_EQ(without_notices, lab03) << "client " << who;
    };
    w.room.join(1);
    expect_lab03_or_notice(w.out.take(), 1, {chat::welcome_line(1)});
    w.room.on_line(1, "first");
    expect_lab03_or_notice(w.out.take(), 1, {std::string(chat::kAloneLine)});
    w.room.join(2);
    const Lines joined = w.out.take();
    expect_lab03_or_notice(joined, 2, {chat::welcome_line(2)});
    expect_lab03_or_notice(joined, 1, {});
    w.room.on_line(1, "hello");
    w.room.on_line(2, "hey");
    w.room.on_too_long(2);
    const Lines chat = w.out.take();
    expect_lab03_or_notice(chat, 1, {chat::chat_line(2, "hey")});
    expect_lab03_or_notice(chat, 2, {chat::chat_line(1, "hello"), std::string(chat::kTooLongLine)});
}

GRADED_TEST(RoomChat, PassesTheTextsBytesThroughUnchanged, 2,
            "ChatRoom::say: the text is bytes: leading spaces, NUL, '\\r', invalid UTF-8 and the "
            "empty line are said as they are (README §4.4)")
{
    World w;
    w.join({1, 2});
    const std::string odd("  a\0b\r\xff\xfe z ", 12);
    EXPECT_EQ(w.line(1, odd), (Lines{{2, {"ClientID 1 say >> " + odd + "\n"}}}));
    EXPECT_EQ(w.line(1, ""), (Lines{{2, {"ClientID 1 say >> \n"}}}));
    EXPECT_EQ(w.line(1, " /who"), (Lines{{2, {"ClientID 1 say >>  /who\n"}}}))
        << "only a line whose first byte is '/' is a command";
}

GRADED_TEST(RoomChat, DoubleSlashSaysALineThatStartsWithOneSlash, 2,
            "ChatRoom::on_line: '//text' says '/text' (one '/' dropped), it is no command (README "
            "§4.4)")
{
    World w;
    w.join({1, 2});
    EXPECT_EQ(w.line(1, "//nick bob"), (Lines{{2, {"ClientID 1 say >> /nick bob\n"}}}));
    EXPECT_EQ(w.line(1, "//"), (Lines{{2, {"ClientID 1 say >> /\n"}}}));
    EXPECT_EQ(w.line(1, "///usr/bin"), (Lines{{2, {"ClientID 1 say >> //usr/bin\n"}}}));
    EXPECT_EQ(w.room.name_of(1), "ClientID 1");
}

GRADED_TEST(
    RoomChat, TooLongLineIsAnsweredToTheSenderOnly, 2,
    "ChatRoom::on_too_long: lab03's too-long line to the sender, nothing said (README §4.4)")
{
    World w;
    w.join({1, 2});
    w.room.on_too_long(2);
    EXPECT_EQ(w.out.take(), (Lines{{2, {std::string(chat::kTooLongLine)}}}));
    EXPECT_TRUE(w.room.contains(2)) << "the sender of a long line stays";
}

GRADED_TEST(RoomChat, IgnoresClientsThatAreNotMembers, 2,
            "ChatRoom::on_line, on_too_long, leave: an id that is not a member (never joined, "
            "refused, gone) is ignored (README §4.3-4.4)")
{
    World w(2);
    w.join({1, 2});
    w.room.join(3);  // refused: the room is full
    w.out.take();
    w.out.take_closed();
    for (const room::ClientId stranger : {3, 99}) {
        w.room.on_line(stranger, "hello");
        w.room.on_line(stranger, "/who");
        w.room.on_line(stranger, "/nick ghost");
        w.room.on_too_long(stranger);
        w.room.leave(stranger);
        EXPECT_EQ(w.out.take(), Lines{}) << "client " << stranger << " is not a member";
    }
    EXPECT_EQ(w.room.size(), 2u);
}

namespace {

// An Outbox that keeps where each line was and its length, into space reserved in advance: it
// allocates nothing itself while the room sends.
class PointerOutbox : public room::Outbox {
public:
    explicit PointerOutbox(std::size_t capacity) { sent.reserve(capacity); }
    void send(room::ClientId /*to*/, std::string_view line) override
    {
        if (sent.size() < sent.capacity()) sent.push_back(line);
    }
    void close_after_flush(room::ClientId /*who*/) override {}
    std::vector<std::string_view> sent;  // views of the room's lines, valid only inside send()
};

}  // namespace

GRADED_TEST(RoomChat, BuildsABroadcastLineOnceForAllItsRecipients, 2,
            "ChatRoom::say: build the line once and broadcast() the same bytes: a line per "
            "recipient is 999 allocations per message in a room of 1,000 (README §4.7)")
{
    constexpr room::ClientId kMembers = 1000;
    PointerOutbox out(2 * kMembers);
    room::ChatRoom room(out, kMembers);
    for (room::ClientId id = 1; id <= kMembers; ++id)
        room.join(id);
    out.sent.clear();
    const std::size_t allocations =
        roomtest::allocations_during([&room] { room.on_line(500, "hello, everybody"); });
    ASSERT_EQ(out.sent.size(), kMembers - 1) << "one line to each of the 999 others";
    // The reference allocates once or twice (the line, maybe the name); a copy of the 37-byte
    // line per recipient is 999 allocations. The bound leaves room for anything else.
    EXPECT_LT(allocations, 100u) << "saying one line to 999 members made " << allocations
                                 << " heap allocations: build the line once";
}

// ---- leaving -----------------------------------------------------------------------------------

GRADED_TEST(RoomLeave, TellsTheOthersWhoLeftByName, 3,
            "ChatRoom::leave: '* <name> left' to every member still here, and the member is gone "
            "(README §4.3)")
{
    World w;
    w.join({1, 2, 3});
    w.name(2, "bob");
    w.room.leave(2);
    EXPECT_EQ(w.out.take(), (Lines{{1, {"* bob left\n"}}, {3, {"* bob left\n"}}}));
    EXPECT_FALSE(w.room.contains(2));
    EXPECT_EQ(w.room.name_of(2), "");
    w.room.leave(1);
    EXPECT_EQ(w.out.take(), (Lines{{3, {"* ClientID 1 left\n"}}}));
    w.room.leave(3);
    EXPECT_EQ(w.out.take(), Lines{}) << "the last member leaves an empty room";
    EXPECT_EQ(w.room.size(), 0u);
}

GRADED_TEST(RoomLeave, FreesTheName, 2,
            "ChatRoom::leave: a member's name is free again as soon as it left (README §4.3, "
            "§4.5)")
{
    World w;
    w.join({1, 2, 3});
    w.name(2, "bob");
    w.room.leave(2);
    w.out.take();
    EXPECT_EQ(w.line(1, "/msg bob are you there"), (Lines{{1, {"error: no user named bob\n"}}}));
    EXPECT_EQ(w.line(3, "/nick Bob"),
              (Lines{{1, {"* ClientID 3 is now Bob\n"}}, {3, {"* ClientID 3 is now Bob\n"}}}));
}

GRADED_TEST(RoomLeave, ShutdownTellsEveryMember, 1,
            "ChatRoom::shutdown: '* the server is shutting down' to every member (README §4.3)")
{
    World w;
    w.join({1, 2, 3});
    w.room.shutdown();
    const std::string line = "* the server is shutting down\n";
    EXPECT_EQ(w.out.take(), (Lines{{1, {line}}, {2, {line}}, {3, {line}}}));
}

// ---- commands ----------------------------------------------------------------------------------

GRADED_TEST(RoomCommands, NamesIgnoreCase, 2,
            "ChatRoom::on_line: a command's name in any case is the command: '/NICK bob', '/Who' "
            "(README §4.4)")
{
    World w;
    w.join({1, 2});
    EXPECT_EQ(w.line(1, "/NICK bob"),
              (Lines{{1, {"* ClientID 1 is now bob\n"}}, {2, {"* ClientID 1 is now bob\n"}}}));
    EXPECT_EQ(w.line(2, "/Who"), (Lines{{2, {"* in the room (2): bob, ClientID 2\n"}}}));
    EXPECT_EQ(w.line(2, "/mSg BOB hi"),
              (Lines{{1, {"ClientID 2 whispers >> hi\n"}}, {2, {"* whispered to bob\n"}}}));
    EXPECT_EQ(w.line(2, "/HELP").at(2).size(), 1u);
    EXPECT_EQ(w.line(1, "/QUIT"), (Lines{{1, {"* bye\n"}}, {2, {"* bob left\n"}}}));
}

GRADED_TEST(RoomCommands, UnknownCommandIsNamedBackToItsSenderOnly, 3,
            "ChatRoom::on_line: an unknown command (even '/nickbob') gets 'error: unknown command "
            "/<name>; ...' and is not said; the name only if printable and <= 32 bytes (README "
            "§4.4)")
{
    World w;
    w.join({1, 2});
    EXPECT_EQ(w.line(1, "/nickbob"), (Lines{{1, {unknown("nickbob")}}}));
    EXPECT_EQ(w.line(1, "/whois bob"), (Lines{{1, {unknown("whois")}}}));
    EXPECT_EQ(w.line(1, "/quitnow"), (Lines{{1, {unknown("quitnow")}}}));
    EXPECT_EQ(w.line(1, "/"), (Lines{{1, {unknown("")}}}));
    EXPECT_EQ(w.line(1, "/ nick bob"), (Lines{{1, {unknown("")}}}))
        << "the name is what follows the '/' at once";
    EXPECT_EQ(w.line(1, "/" + std::string(32, 'x')), (Lines{{1, {unknown(std::string(32, 'x'))}}}));
    const std::string nameless = "error: unknown command; /help lists the commands\n";
    EXPECT_EQ(w.line(1, "/" + std::string(33, 'x')), (Lines{{1, {nameless}}}));
    EXPECT_EQ(w.line(1, "/\x1b[2J\x1b[H"), (Lines{{1, {nameless}}}));
    EXPECT_EQ(w.line(1, std::string("/ni\0ck", 6)), (Lines{{1, {nameless}}}));
    EXPECT_EQ(w.line(1, "/caf\xc3\xa9"), (Lines{{1, {nameless}}}));
    EXPECT_EQ(w.room.name_of(1), "ClientID 1");
    EXPECT_TRUE(w.room.contains(1));
    EXPECT_TRUE(w.out.take_closed().empty());
}

GRADED_TEST(RoomCommands, HelpListsTheCommands, 1,
            "ChatRoom::help: '/help' gets the one help line, to the sender only (README §4.6)")
{
    World w;
    w.join({1, 2});
    EXPECT_EQ(w.line(2, "/help"),
              (Lines{{2,
                      {"* commands: /nick NAME, /who, /msg NAME TEXT, /quit, /help; start a line "
                       "with // to say something that begins with /\n"}}}));
}

// ---- /nick -------------------------------------------------------------------------------------

GRADED_TEST(RoomNick, RenamesAndTellsEveryoneTheRenamedMemberToo, 3,
            "ChatRoom::nick: '* <old> is now <new>' to every member, the renamed one included; "
            "its lines then carry the new name (README §4.5)")
{
    World w;
    w.join({1, 2, 3});
    const std::string renamed = "* ClientID 1 is now alice\n";
    EXPECT_EQ(w.line(1, "/nick alice"), (Lines{{1, {renamed}}, {2, {renamed}}, {3, {renamed}}}));
    EXPECT_EQ(w.room.name_of(1), "alice");
    EXPECT_EQ(w.line(1, "hi"), (Lines{{2, {"alice say >> hi\n"}}, {3, {"alice say >> hi\n"}}}));
    const std::string again = "* alice is now Alicia-2\n";
    EXPECT_EQ(w.line(1, "/nick   Alicia-2  "), (Lines{{1, {again}}, {2, {again}}, {3, {again}}}))
        << "spaces around the name are not part of it";
    EXPECT_EQ(w.room.name_of(1), "Alicia-2");
}

GRADED_TEST(RoomNick, WithoutANameShowsTheUsage, 1,
            "ChatRoom::nick: '/nick' with no name gets 'error: usage: /nick NAME' (README §4.5)")
{
    World w;
    w.join({1, 2});
    for (const char* line : {"/nick", "/nick ", "/nick     "}) {
        EXPECT_EQ(w.line(1, line), (Lines{{1, {"error: usage: /nick NAME\n"}}}))
            << "'" << line << "'";
    }
}

GRADED_TEST(RoomNick, RefusesANameOver16Bytes, 1,
            "ChatRoom::nick: a name over 16 bytes gets 'error: a name is at most 16 bytes' "
            "(README §4.5)")
{
    World w;
    w.join({1, 2});
    EXPECT_EQ(w.line(1, "/nick abcdefghijklmnopq"),
              (Lines{{1, {"error: a name is at most 16 bytes\n"}}}));
    EXPECT_EQ(w.room.name_of(1), "ClientID 1");
}

GRADED_TEST(RoomNick, RefusesBadCharactersWithoutRepeatingThem, 2,
            "ChatRoom::nick: a name that breaks the character rules gets the rules, never the name "
            "back, and nobody else hears anything (README §4.5)")
{
    World w;
    w.join({1, 2});
    for (const std::string& name :
         {std::string("1bob"), std::string("*"), std::string("b\x1b[2Jb"), std::string("bo\0b", 4),
          std::string("bob smith"), std::string("\320\260dmin")}) {
        EXPECT_EQ(w.line(1, "/nick " + name), (Lines{{1, {kNickCharacters}}}))
            << "'/nick " << testkit::printable(name) << "'";
    }
    EXPECT_EQ(w.room.name_of(1), "ClientID 1");
}

GRADED_TEST(RoomNick, RefusesReservedNamesInAnyCase, 2,
            "ChatRoom::nick: 'error: the name <n> is reserved' for server, admin, ..., clientid*, "
            "in any case (README §4.5)")
{
    World w;
    w.join({1, 2});
    for (const char* name : {"Server", "ADMIN", "me", "clientid7", "ClientID2", "clientid"}) {
        EXPECT_EQ(w.line(1, std::string("/nick ") + name),
                  (Lines{{1, {"error: the name " + std::string(name) + " is reserved\n"}}}));
    }
    EXPECT_EQ(w.room.name_of(1), "ClientID 1");
}

GRADED_TEST(RoomNick, RefusesANameTakenInAnyCase, 3,
            "ChatRoom::nick: names are unique without case: 'error: the name <n> is taken' "
            "(README §4.5)")
{
    World w;
    w.join({1, 2, 3});
    w.name(1, "bob");
    EXPECT_EQ(w.line(2, "/nick bob"), (Lines{{2, {"error: the name bob is taken\n"}}}));
    EXPECT_EQ(w.line(2, "/nick BOB"), (Lines{{2, {"error: the name BOB is taken\n"}}}));
    EXPECT_EQ(w.line(3, "/nick bOb"), (Lines{{3, {"error: the name bOb is taken\n"}}}));
    EXPECT_EQ(w.room.name_of(2), "ClientID 2");
    EXPECT_EQ(w.room.name_of(3), "ClientID 3");
}

GRADED_TEST(RoomNick, AMemberMayChangeTheCaseOfItsOwnName, 2,
            "ChatRoom::nick: the member that has a name may take it in another case (README §4.5)")
{
    World w;
    w.join({1, 2});
    w.name(1, "bob");
    const std::string renamed = "* bob is now Bob\n";
    EXPECT_EQ(w.line(1, "/nick Bob"), (Lines{{1, {renamed}}, {2, {renamed}}}));
    EXPECT_EQ(w.room.name_of(1), "Bob");
}

GRADED_TEST(RoomNick, TheSameNameAgainIsNoChange, 1,
            "ChatRoom::nick: the name a member has, in the same case, gets '* you are already "
            "<n>' and nobody else hears anything (README §4.5)")
{
    World w;
    w.join({1, 2});
    w.name(1, "bob");
    EXPECT_EQ(w.line(1, "/nick bob"), (Lines{{1, {"* you are already bob\n"}}}));
}

// ---- /who --------------------------------------------------------------------------------------

GRADED_TEST(RoomWho, ListsEveryMemberInJoinOrder, 2,
            "ChatRoom::who: '* in the room (<N>): <name>, <name>, ...' in join order, to the "
            "sender only (README §4.6)")
{
    World w;
    w.join({1});
    EXPECT_EQ(w.line(1, "/who"), (Lines{{1, {"* in the room (1): ClientID 1\n"}}}));
    w.join({2, 3});
    w.name(2, "bob");
    EXPECT_EQ(w.line(3, "/who"),
              (Lines{{3, {"* in the room (3): ClientID 1, bob, ClientID 3\n"}}}));
}

GRADED_TEST(RoomWho, KeepsJoinOrderAfterLeavesAndRenames, 2,
            "ChatRoom::who: departed members are gone from the list, renamed ones keep their place "
            "(README §4.6)")
{
    World w;
    w.join({1, 2, 3, 4});
    w.room.leave(2);
    w.name(4, "zed");
    w.name(1, "amy");
    w.join({5});
    w.room.leave(3);
    w.out.take();
    EXPECT_EQ(w.line(5, "/who"), (Lines{{5, {"* in the room (3): amy, zed, ClientID 5\n"}}}));
}

// ---- /msg --------------------------------------------------------------------------------------

GRADED_TEST(RoomMsg, WhispersToOneMemberAndConfirms, 3,
            "ChatRoom::msg: '<sender> whispers >> <text>' to the one member named, '* whispered "
            "to <name>' to the sender, nothing to the others (README §4.6)")
{
    World w;
    w.join({1, 2, 3});
    w.name(1, "bob");
    w.name(2, "alice");
    EXPECT_EQ(w.line(1, "/msg alice see you at 5"),
              (Lines{{1, {"* whispered to alice\n"}}, {2, {"bob whispers >> see you at 5\n"}}}));
    EXPECT_EQ(
        w.line(3, "/msg   ALICE   two  spaces "),
        (Lines{{2, {"ClientID 3 whispers >> two  spaces \n"}}, {3, {"* whispered to alice\n"}}}))
        << "the name in any case; the text keeps its inner and trailing spaces";
}

GRADED_TEST(RoomMsg, ToANameNobodyHasIsAnError, 2,
            "ChatRoom::msg: 'error: no user named <NAME>' to the sender; never dropped in silence "
            "(README §4.6)")
{
    World w;
    w.join({1, 2});
    w.name(2, "alice");
    EXPECT_EQ(w.line(1, "/msg carol hi"), (Lines{{1, {"error: no user named carol\n"}}}));
    EXPECT_EQ(w.line(1, "/msg alic hi"), (Lines{{1, {"error: no user named alic\n"}}}));
}

GRADED_TEST(RoomMsg, WithoutANameOrTextShowsTheUsage, 2,
            "ChatRoom::msg: '/msg' without a name or without text gets 'error: usage: /msg NAME "
            "TEXT' (README §4.6)")
{
    World w;
    w.join({1, 2});
    w.name(2, "alice");
    for (const char* line : {"/msg", "/msg ", "/msg alice", "/msg alice ", "/msg    alice    "}) {
        EXPECT_EQ(w.line(1, line), (Lines{{1, {"error: usage: /msg NAME TEXT\n"}}}))
            << "'" << line << "'";
    }
}

GRADED_TEST(RoomMsg, AWhisperToYourselfIsDelivered, 1,
            "ChatRoom::msg: to your own name, you get the whisper and the confirmation (README "
            "§4.6)")
{
    World w;
    w.join({1, 2});
    w.name(1, "bob");
    EXPECT_EQ(w.line(1, "/msg Bob note to self"),
              (Lines{{1, {"bob whispers >> note to self\n", "* whispered to bob\n"}}}));
}

// ---- /quit -------------------------------------------------------------------------------------

GRADED_TEST(RoomQuit, SaysByeClosesAndTellsTheOthers, 3,
            "ChatRoom::quit: '* bye' to the sender, close_after_flush, '* <name> left' to the "
            "others, and it is no member any more (README §4.6)")
{
    World w;
    w.join({1, 2, 3});
    w.name(1, "bob");
    EXPECT_EQ(w.line(1, "/quit"),
              (Lines{{1, {"* bye\n"}}, {2, {"* bob left\n"}}, {3, {"* bob left\n"}}}));
    EXPECT_EQ(w.out.take_closed(), std::vector<room::ClientId>{1});
    EXPECT_FALSE(w.room.contains(1));
    EXPECT_EQ(w.room.size(), 2u);
}

GRADED_TEST(RoomQuit, TheServersLeaveAfterQuitIsIgnored, 2,
            "ChatRoom::quit, leave: after /quit the server's leave() for the closed socket finds "
            "nobody: no second 'left' (README §4.6)")
{
    World w;
    w.join({1, 2});
    w.name(1, "bob");
    w.line(1, "/quit");
    w.room.leave(1);
    w.room.on_line(1, "still here?");
    EXPECT_EQ(w.out.take(), Lines{});
    EXPECT_EQ(w.line(2, "/who"), (Lines{{2, {"* in the room (1): ClientID 2\n"}}}));
}

// ---- names cannot forge lines ------------------------------------------------------------------

GRADED_TEST(RoomSpoofing, NoNameMakesALineLookLikeAnotherMembers, 3,
            "ChatRoom::nick and check_nick: no name holds a space, a control byte or starts with "
            "clientid, so 'ClientID 3 say >> ...' or 'bob say >> ...' comes from them only (README "
            "§4.5)")
{
    World w;
    w.join({1, 2, 3});
    w.name(2, "bob");
    // Each attempt would print as somebody else's name: the terminal shows neither '\r' (back to
    // the start of the line), DEL nor a zero-width space, and "ClientID3" reads as "ClientID 3".
    for (const std::string& attempt :
         {std::string("/nick ClientID 3"), std::string("/nick ClientID3"),
          std::string("/nick clientid_3"), std::string("/nick a\rClientID 3"),
          std::string("/nick x\rbob"), std::string("/nick bob\177"),
          std::string("/nick bob\342\200\213"), std::string("/nick Bob"),
          std::string("/nick bob say >> I owe you")}) {
        w.line(1, attempt);
        EXPECT_EQ(w.line(1, "pay me"),
                  (Lines{{2, {"ClientID 1 say >> pay me\n"}}, {3, {"ClientID 1 say >> pay me\n"}}}))
            << "after '" << testkit::printable(attempt) << "'";
    }
}

GRADED_TEST(RoomSpoofing, NoNameMakesALineLookLikeTheServers, 3,
            "ChatRoom::nick and check_nick: names start with a letter and hold no control byte, "
            "so no line of a member starts '* ' or 'error: ' or redraws the screen (README §4.5)")
{
    World w;
    w.join({1, 2});
    for (const std::string& attempt :
         {std::string("/nick *"), std::string("/nick * server"), std::string("/nick error:"),
          std::string("/nick server"), std::string("/nick SYSTEM"), std::string("/nick \x1b[1K\r*"),
          std::string("/nick a\rerror:"), std::string("/nick a\0b", 9),
          std::string("/nick \342\200\256bob")}) {
        w.line(1, attempt);
        EXPECT_EQ(w.room.name_of(1), "ClientID 1")
            << "after '" << testkit::printable(attempt) << "'";
    }
    // Every name the room accepts, among 'a' and 'A' followed by each byte and each byte alone:
    // only letters, digits, '_' and '-', a letter first.
    for (int byte = 0; byte < 256; ++byte) {
        for (const std::string& name : {std::string(1, static_cast<char>(byte)),
                                        "a" + std::string(1, static_cast<char>(byte)),
                                        "A" + std::string(1, static_cast<char>(byte))}) {
            w.room.on_line(1, "/nick " + name);
            w.out.take();
            const std::string now = w.room.name_of(1);
            if (now == "ClientID 1") continue;
            bool ok = (now[0] >= 'a' && now[0] <= 'z') || (now[0] >= 'A' && now[0] <= 'Z');
            for (const char c : now) {
                ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '_' || c == '-');
            }
            EXPECT_TRUE(ok) << "the room accepted the name '" << testkit::printable(now) << "'";
        }
    }
}
