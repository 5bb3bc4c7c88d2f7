// Black-box tests of lab05 stage 5b (README §8): two and three chat_server processes joined
// through a real redis-server that each test starts on a unix socket of its own (testkit/redis_server.h), and
// stops after. Skipped, with the reason, where redis-server is not installed. Every wait is for an
// event (a line, a log line) with a deadline; the presence TTL is short (--redis-ttl) so that a
// dead server is noticed in a few seconds. Bonus points: never needed for lab 5's full score.
#include <algorithm>
#include <csignal>
#include <string>
#include <vector>

#include "lab05_full_chat/tests/server_test_support.h"
#include "testkit/deadline.h"
#include "testkit/redis_server.h"

namespace lab05 {
namespace {

// The presence TTL of the tests' servers (ms): a heartbeat every third of it. Short, so that a
// dead server is noticed in seconds; long enough that a server the busy machine did not schedule
// for a second is not taken for dead (deadlines never judge speed).
constexpr int kTtlMs = 2000;

// What a server's room says when Redis goes away and when it is back (federation.h).
const std::string kSplit =
    "* the room is split: the members of other servers are out of reach until it is whole again";
const std::string kWhole = "* the room is whole again";

#define SKIP_WITHOUT_REDIS()                                     \
    do {                                                         \
        if (!testkit::RedisServer::installed()) {                \
            GTEST_SKIP() << testkit::RedisServer::skip_reason(); \
        }                                                        \
    } while (false)

// A chat_server in the federation of @p redis, named @p name, once it has said it joined.
struct FedServer {
    FedServer(const testkit::RedisServer& redis, const std::string& server_name)
        : name(server_name),
          server({"--redis", redis.socket_path(), "--server-name", server_name, "--redis-ttl",
                  std::to_string(kTtlMs)})
    {
        expect_log("federation: joined as " + server_name);
    }
    void expect_log(const std::string& text)
    {
        if (!server.process.wait_for_stderr(text, Duration(10000))) {
            throw testkit::Failure("chat_server " + name + " did not log '" + text +
                                   "' within 10 s:\n" + server.process.report());
        }
    }
    std::string name;
    ServerProcess server;
};

// Read lines until @p wanted comes; what comes before it is returned (for a test that cares).
std::vector<std::string> await(LineClient& client, const std::string& wanted,
                               Duration timeout = Duration(10000))
{
    std::vector<std::string> before;
    const testkit::Deadline deadline(timeout);
    for (;;) {
        if (deadline.expired()) {
            std::string seen;
            for (const auto& line : before)
                seen += "\n    '" + testkit::printable(line) + "'";
            throw testkit::Failure(
                "expected the line '" + wanted + "' within " +
                std::to_string(deadline.budget().count()) +
                " ms; the lines that came instead:" + (seen.empty() ? " none" : seen));
        }
        const std::string line = client.expect_line(deadline.remaining());
        if (line == wanted) return before;
        before.push_back(line);
    }
}

// @p client sends @p line and reads until @p answer comes: a command and what its server answers.
void ask(LineClient& client, const std::string& line, const std::string& answer)
{
    client.send_line(line);
    await(client, answer);
}

// Each of @p clients (on any server) reads until @p wanted comes: a line the whole room hears.
void await_each(const std::vector<LineClient*>& clients, const std::string& wanted)
{
    for (LineClient* client : clients)
        await(*client, wanted);
}

// A member joins @p server and takes the name @p nick; @p others (on any server) see both.
LineClient member(const FedServer& server, const std::string& nick,
                  std::vector<LineClient*> others = {})
{
    LineClient client = LineClient::connect(server.server.port);
    const std::string welcome = client.expect_line(Duration(10000));
    const std::string prefix = "Welcome to the chat room! Your chat ID is: Client #";
    if (welcome.rfind(prefix, 0) != 0) {
        throw testkit::Failure("expected the welcome line, got '" + testkit::printable(welcome) +
                               "'");
    }
    const std::string renamed =
        "* ClientID " + welcome.substr(prefix.size()) + '@' + server.name + " is now " + nick;
    ask(client, "/nick " + nick, renamed);
    await_each(others, renamed);
    return client;
}

// The opening that several tests share: servers a and b of one federation, ann a member of a
// and ben of b, each having heard the other take a name. Such a test opens with
// `auto [redis, a, b, ann, ben] = AnnAndBen();` and uses the parts by these names.
struct AnnAndBen {
    testkit::RedisServer redis;
    FedServer a{redis, "a"}, b{redis, "b"};
    LineClient ann = member(a, "ann");
    LineClient ben = member(b, "ben", {&ann});
};

// The default name of client @p id of @p server: `ClientID <id>@<server>` (README §8.1).
std::string default_name(const FedServer& server, int id)
{
    return "ClientID " + std::to_string(id) + '@' + server.name;
}

// Client @p id joins @p server and keeps its default name; @p others (on any server) hear that
// it joined, under that name.
LineClient newcomer(const FedServer& server, int id, std::vector<LineClient*> others = {})
{
    LineClient client = LineClient::connect(server.server.port);
    await(client, "Welcome to the chat room! Your chat ID is: Client #" + std::to_string(id));
    await_each(others, "* " + default_name(server, id) + " joined");
    return client;
}

// The names of a /who answer, the asker's own first, the others sorted: the other servers'
// members are listed in the order their servers answered the hello, which is anybody's guess.
std::string who_names(const std::string& line)
{
    const std::size_t colon = line.find(": ");
    if (line.rfind("* in the room (", 0) != 0 || colon == std::string::npos) return line;
    std::vector<std::string> names;
    std::string rest = line.substr(colon + 2);
    for (std::size_t comma; (comma = rest.find(", ")) != std::string::npos;
         rest = rest.substr(comma + 2)) {
        names.push_back(rest.substr(0, comma));
    }
    names.push_back(rest);
    std::sort(names.begin() + 1, names.end());
    std::string text = line.substr(0, colon + 2);
    for (std::size_t i = 0; i < names.size(); ++i)
        text += (i == 0 ? "" : ", ") + names[i];
    return text;
}

// Ask /who until it answers @p wanted (the others in any order): a server that joined late, or
// again, learns who is elsewhere when the others answer its hello, a moment after its own members
// can talk.
void await_who(LineClient& client, const std::string& wanted)
{
    const testkit::Deadline deadline(Duration(10000));
    std::string last;
    while (!deadline.expired()) {
        client.send_line("/who");
        for (;;) {
            last = client.expect_line(deadline.remaining());
            if (last.rfind("* in the room", 0) == 0) break;
        }
        if (who_names(last) == who_names(wanted)) return;
    }
    throw testkit::Failure("/who never answered '" + wanted +
                           "' (the others in any order); "
                           "last: '" +
                           last + "'");
}

}  // namespace

BONUS_TEST(Federation, ALineReachesEveryServerInEachSendersOrder, 5,
           "your adapter carries the given Federation::publish: with three servers, what a "
           "member says reaches the members of every other server, each sender's lines in order "
           "(README §8.3)")
{
    SKIP_WITHOUT_REDIS();
    testkit::RedisServer redis;
    FedServer a(redis, "a"), b(redis, "b"), c(redis, "c");
    LineClient ann = member(a, "ann");
    LineClient ben = member(b, "ben", {&ann});
    LineClient cat = member(c, "cat", {&ann, &ben});
    constexpr int kLines = 40;
    for (int i = 0; i < kLines; ++i) {
        ann.send_line("from ann " + std::to_string(i));
        ben.send_line("from ben " + std::to_string(i));
    }
    int next_ann = 0, next_ben = 0;
    while (next_ann < kLines || next_ben < kLines) {
        const std::string line = cat.expect_line(Duration(10000));
        // A notice of before cat came may still be on its way (only each sender's order is kept).
        if (line.rfind("* ", 0) == 0) continue;
        if (line.rfind("ann say >> ", 0) == 0) {
            ASSERT_EQ(line, "ann say >> from ann " + std::to_string(next_ann)) << "ann's order";
            ++next_ann;
        } else {
            ASSERT_EQ(line, "ben say >> from ben " + std::to_string(next_ben)) << "ben's order";
            ++next_ben;
        }
    }
    for (int i = 0; i < kLines; ++i)
        await(ann, "ben say >> from ben " + std::to_string(i));
    for (int i = 0; i < kLines; ++i)
        await(ben, "ann say >> from ann " + std::to_string(i));
}

BONUS_TEST(Federation, WhoListsTheMembersOfEveryServer, 3,
           "your adapter carries the mirrors (ChatRoom::add_remote): /who lists the members of "
           "every server, a server that joins late included (README §8.3)")
{
    SKIP_WITHOUT_REDIS();
    auto [redis, a, b, ann, ben] = AnnAndBen();
    // b may hear of ann from a's answer to its hello a moment after ben can talk: ask until then.
    await_who(ann, "* in the room (2): ann, ben");
    await_who(ben, "* in the room (2): ben, ann");
    FedServer c(redis, "c");  // joins late: it learns of ann and ben from their servers' answers
    LineClient cat = member(c, "cat", {&ann, &ben});
    await_who(cat, "* in the room (3): cat, ann, ben");
    await_who(ann, "* in the room (3): ann, ben, cat");
}

BONUS_TEST(Federation, NamesAreUniqueAcrossServersAndFreedOnLeaving, 3,
           "your adapter carries Federation::claim and release: a name taken on one server is "
           "refused on another, in any case, and is free again once its member left (README "
           "§8.3)")
{
    SKIP_WITHOUT_REDIS();
    testkit::RedisServer redis;
    FedServer a(redis, "a"), b(redis, "b");
    LineClient ann = member(a, "ann");
    LineClient other = LineClient::connect(b.server.port);
    await(other, "Welcome to the chat room! Your chat ID is: Client #1");
    await(ann, "* ClientID 1@b joined");
    ask(other, "/nick ANN", "error: the name ANN is taken");
    EXPECT_EQ(redis.ask("GET fed:name:ann"), "$3") << "the claim is not held in Redis";
    ask(ann, "/quit", "* bye");
    await(other, "* ann left");
    ask(other, "/nick ann", "* ClientID 1@b is now ann");
}

BONUS_TEST(Federation, MsgReachesAMemberOfAnotherServer, 3,
           "your adapter carries Federation::send_to: /msg to a member of another server is "
           "delivered to it alone (README §8.3)")
{
    SKIP_WITHOUT_REDIS();
    auto [redis, a, b, ann, ben] = AnnAndBen();
    LineClient bob = member(b, "bob", {&ann, &ben});
    ask(ann, "/msg ben see you at 5", "* whispered to ben");
    await(ben, "ann whispers >> see you at 5");
    ask(ann, "/msg nobody hello", "error: no user named nobody");
    // bob, on ben's server, heard nothing of it: his next line but notices (one of before he
    // came may still be on its way) is what ann says next.
    ann.send_line("after");
    std::string next;
    do {
        next = bob.expect_line(Duration(10000));
    } while (next.rfind("* ", 0) == 0);
    EXPECT_EQ(next, "ann say >> after") << "bob received a whisper meant for ben";
}

BONUS_TEST(Federation, AKilledServersMembersLeaveWithinTheTtl, 4,
           "your adapter carries the given Federation::heartbeat: a server killed with SIGKILL "
           "says nothing: its presence expires and the others remove its members within a few "
           "TTLs (README §8.3)")
{
    SKIP_WITHOUT_REDIS();
    testkit::RedisServer redis;
    FedServer a(redis, "a");
    auto b = std::make_unique<FedServer>(redis, "b");
    LineClient ann = member(a, "ann");
    LineClient ben = member(*b, "ben", {&ann});
    b->server.process.send_signal(SIGKILL);
    b->server.process.wait_for_exit(Duration(10000));
    await(ann, "* ben left", Duration(5 * kTtlMs));
    a.expect_log("federation: server b is gone");
    ask(ann, "/who", "* in the room (1): ann");
    b.reset();
}

BONUS_TEST(Federation, ServersSurviveARedisRestartAndRejoin, 5,
           "your adapter (redis_on_ready, redis_cleanup) and the given Federation::lost, "
           "connect: when Redis dies, each server keeps its own members, tells them the room is "
           "split, reconnects with backoff and rejoins once Redis is back (README §8.3)")
{
    SKIP_WITHOUT_REDIS();
    auto [redis, a, b, ann, ben] = AnnAndBen();
    redis.kill();
    await(ann, kSplit);
    await(ben, kSplit);
    a.expect_log("federation: room split");
    ask(ann, "anyone?", "There is only one in the chat room!");
    ask(ann, "/who", "* in the room (1): ann");
    redis.start();
    await(ann, kWhole);
    await(ben, kWhole);
    a.expect_log("federation: rejoined as a");
    b.expect_log("federation: rejoined as b");
    // Rejoined, each server learns the other's members from its answer to the hello: until then
    // ann would still be alone in her server's room.
    await_who(ann, "* in the room (2): ann, ben");
    await_who(ben, "* in the room (2): ben, ann");
    ann.send_line("back again");
    await(ben, "ann say >> back again");
}

BONUS_TEST(Federation, DefaultNamesAreUniqueAcrossServers, 3,
           "the given ChatRoom::default_name_of, and your ChatRoom::join naming the newcomer by "
           "name_of: every server has a client 1, so a federated default name says whose it is "
           "(ClientID <id>@<server>), the same in /who, notices and chat lines on every server "
           "(README §8.1)")
{
    SKIP_WITHOUT_REDIS();
    testkit::RedisServer redis;
    FedServer a(redis, "a"), b(redis, "b"), c(redis, "c");
    // Client 1 of each server, none with a chosen name; and a second one on a.
    LineClient a1 = newcomer(a, 1);
    LineClient b1 = newcomer(b, 1, {&a1});
    LineClient c1 = newcomer(c, 1, {&a1, &b1});
    LineClient a2 = newcomer(a, 2, {&a1, &b1, &c1});
    // Every server lists the same four names, none twice (its own members first).
    await_who(a1, "* in the room (4): ClientID 1@a, ClientID 2@a, ClientID 1@b, ClientID 1@c");
    await_who(b1, "* in the room (4): ClientID 1@b, ClientID 1@a, ClientID 2@a, ClientID 1@c");
    await_who(c1, "* in the room (4): ClientID 1@c, ClientID 1@a, ClientID 2@a, ClientID 1@b");
    // A line names its speaker uniquely, on its own server and on the others.
    b1.send_line("hello from b");
    await_each({&a1, &a2, &c1}, "ClientID 1@b say >> hello from b");
    a2.send_line("and from a");
    await_each({&a1, &b1, &c1}, "ClientID 2@a say >> and from a");
    // A default name holds a space: /msg cannot address it, on one server as on several.
    ask(c1, "/msg ClientID 1@b psst", "error: no user named ClientID");
    // A chosen name, and back: the default name returns with its server's name.
    a2.send_line("/nick ann");
    await_each({&a1, &a2, &b1, &c1}, "* ClientID 2@a is now ann");
    ask(a2, "/quit", "* bye");
    await_each({&a1, &b1, &c1}, "* ann left");
    ask(b1, "/quit", "* bye");
    await_each({&a1, &c1}, "* ClientID 1@b left");
    await_who(c1, "* in the room (2): ClientID 1@c, ClientID 1@a");
}

BONUS_TEST(Federation, TheLoserOfANameRaceGoesBackToItsDefaultName, 3,
           "your adapter carries the given Federation::claim's answer, and your ChatRoom::nick "
           "tells a rename by broadcast (which the federation hears): when another server "
           "claimed a name first, the loser goes back to its default name, everyone hears it, "
           "and it is told the name is taken (README §8.3)")
{
    SKIP_WITHOUT_REDIS();
    testkit::RedisServer redis;
    FedServer a(redis, "a"), b(redis, "b");
    LineClient a1 = newcomer(a, 1);
    LineClient a2 = newcomer(a, 2, {&a1});
    LineClient b1 = newcomer(b, 1, {&a1, &a2});
    // The race, forced: another server ("ghost") claimed "bob" in Redis an instant ago, and its
    // announcement has not reached anyone yet. So a's room finds the name free in its mirrors and
    // grants it; the claim that follows (in any case: the key is lowercase) finds it held.
    ASSERT_EQ(redis.ask("SET fed:name:bob \"ghost 7\" PX 600000"), "+OK");
    a1.send_line("/nick Bob");
    for (LineClient* everyone : {&a1, &a2, &b1}) {
        await(*everyone, "* ClientID 1@a is now Bob");
        await(*everyone, "* Bob is now ClientID 1@a");
    }
    await(a1, "error: the name Bob is taken");
    a.expect_log(
        "federation: the name Bob is claimed on another server: client #1 goes back "
        "to its default name");
    // The loser took nothing over: the claim is still the ghost's ("ghost 7", 7 bytes; a's
    // would be "a 1"), and every server lists the loser under its default name.
    EXPECT_EQ(redis.ask("GET fed:name:bob"), "$7") << "the winner's claim was overwritten";
    await_who(b1, "* in the room (3): ClientID 1@b, ClientID 1@a, ClientID 2@a");
    await_who(a2, "* in the room (3): ClientID 1@a, ClientID 2@a, ClientID 1@b");
    // The loser may choose again; a free name is granted and claimed for it.
    a1.send_line("/nick bobby");
    await_each({&a1, &a2, &b1}, "* ClientID 1@a is now bobby");
    EXPECT_EQ(redis.ask("GET fed:name:bobby"), "$3") << "bobby is not claimed for a's client 1";
}

// Given code's behaviour, not the student's: a plain test, no points (README §8.3).
TEST(Federation, ASecondServerWithTheSameNameIsRefused)
{
    SKIP_WITHOUT_REDIS();
    testkit::RedisServer redis;
    FedServer east(redis, "east");
    LineClient ann = member(east, "ann");
    // The second "east" starts and listens (Redis answers after its ready line), finds the name's
    // presence key fresh with another process's token, and stops: status 1, the name on stderr.
    ServerProcess twin({"--redis", redis.socket_path(), "--server-name", "east", "--redis-ttl",
                        std::to_string(kTtlMs)});
    const auto status = twin.process.wait_for_exit(Duration(10000));
    ASSERT_TRUE(status.has_value()) << "a second server named east still runs after 10 s:\n"
                                    << twin.process.report();
    EXPECT_TRUE(status->exited_with(1)) << status->describe() << '\n' << twin.process.report();
    EXPECT_TRUE(twin.process.wait_for_stderr(
        "chat_server: another server named 'east' is alive in this federation", Duration(10000)))
        << twin.process.report();
    // The first one did not notice: it still serves its members and a newcomer, and still
    // federates: a server that joins now hears it, and is heard.
    ann.send_line("/who");
    await(ann, "* in the room (1): ann");
    LineClient ben = member(east, "ben", {&ann});
    ben.send_line("still here");
    await(ann, "ben say >> still here");
    FedServer west(redis, "west");
    LineClient wes = member(west, "wes", {&ann, &ben});
    await_who(wes, "* in the room (3): wes, ann, ben");
    wes.send_line("hello east");
    await(ann, "wes say >> hello east");
    EXPECT_TRUE(east.server.process.running());
}

}  // namespace lab05
