// Unit tests of lab03: ChatServer::run in a thread of the test, where the test can see what the
// loop does to the descriptors it accepts and interrupt its epoll_wait with a signal.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "lab03_epoll_server/chat_server.h"
#include "lab03_epoll_server/tests/server_thread.h"
#include "testkit/failure.h"
#include "testkit/graded.h"
#include "testkit/interrupt.h"
#include "testkit/line_client.h"
#include "testkit/proc.h"

using lab03::ServerThread;

namespace {

const char* name(chat::Mode mode)
{
    return mode == chat::Mode::Et ? "et" : "lt";
}

}  // namespace

GRADED_TEST(ChatServerLoop, KeepsServingWhenASignalInterruptsEpollWait, 4,
            "a signal (handler installed, SA_RESTART off) makes the sleeping epoll_wait fail with "
            "EINTR: run() waits again; it neither throws nor returns (README §4.2)")
{
    for (const chat::Mode mode : {chat::Mode::Lt, chat::Mode::Et}) {
        ServerThread server(mode);
        ASSERT_TRUE(testkit::wait_until_blocked(server.tid(), testkit::kDefaultWait,
                                                [&] { return server.done(); }))
            << name(mode) << ": run() did not sleep in epoll_wait: " << server.how_it_ended();
        testkit::interrupt_thread(server.handle());
        // The handler ran: run() has seen its EINTR by the time a client is welcomed, or ended.
        testkit::LineClient client = testkit::LineClient::connect(server.port());
        const std::string line = server.next_line(client);
        ASSERT_FALSE(line.empty())
            << name(mode) << ": no welcome after a signal interrupted epoll_wait; "
            << server.how_it_ended();
        EXPECT_EQ(line, "Welcome to the chat room! Your chat ID is: Client #1") << name(mode);
        EXPECT_FALSE(server.done()) << name(mode) << ": " << server.how_it_ended()
                                    << " after a signal, before the stop fd was readable";
    }
}

GRADED_TEST(ChatServerLoop, AcceptsNonblockingCloseOnExecSockets, 4,
            "accept_clients: accept4(..., SOCK_NONBLOCK | SOCK_CLOEXEC): a blocking client socket "
            "stalls the whole loop, and one without close-on-exec leaks into any program the "
            "server runs (README §4.3)")
{
    for (const chat::Mode mode : {chat::Mode::Lt, chat::Mode::Et}) {
        ServerThread server(mode);
        const std::vector<int> before = testkit::open_fds(::getpid());
        testkit::LineClient client = testkit::LineClient::connect(server.port());
        EXPECT_EQ(client.expect_line(), "Welcome to the chat room! Your chat ID is: Client #1")
            << name(mode) << ": " << server.how_it_ended();
        // The new descriptors: the test's client and the server's accepted socket (the folder
        // open_fds read /proc/self/fd with is closed by now: F_GETFD fails on it).
        std::vector<int> accepted;
        for (const int fd : testkit::open_fds(::getpid())) {
            if (fd != client.fd() && std::find(before.begin(), before.end(), fd) == before.end() &&
                ::fcntl(fd, F_GETFD) != -1) {
                accepted.push_back(fd);
            }
        }
        ASSERT_EQ(accepted.size(), 1u)
            << name(mode) << ": expected one new descriptor, the accepted socket:\n"
            << testkit::describe_fds(::getpid());
        EXPECT_NE(::fcntl(accepted[0], F_GETFD) & FD_CLOEXEC, 0)
            << name(mode) << ": the accepted socket (fd " << accepted[0]
            << ") is not close-on-exec: SOCK_CLOEXEC";
        EXPECT_NE(::fcntl(accepted[0], F_GETFL) & O_NONBLOCK, 0)
            << name(mode) << ": the accepted socket (fd " << accepted[0]
            << ") is blocking: SOCK_NONBLOCK";
    }
}

GRADED_TEST(ChatServerLoop, CountsIdsOnlyForAcceptedClients, 2,
            "accept_clients: take next_id_++ only once accept4 returned a socket; the EAGAIN that "
            "ends an edge-triggered accept loop takes no id (README §4.3, §3)")
{
    for (const chat::Mode mode : {chat::Mode::Lt, chat::Mode::Et}) {
        ServerThread server(mode);
        std::vector<testkit::LineClient> clients;
        for (int id = 1; id <= 3; ++id) {
            // Each client connects once the server sleeps in epoll_wait again: its accept loop
            // has ended (at EAGAIN, in ET) before the next one arrives.
            ASSERT_TRUE(testkit::wait_until_blocked(server.tid(), testkit::kDefaultWait,
                                                    [&] { return server.done(); }))
                << name(mode) << ": run() did not go back to epoll_wait: " << server.how_it_ended();
            clients.push_back(testkit::LineClient::connect(server.port()));
            EXPECT_EQ(clients.back().expect_line(),
                      "Welcome to the chat room! Your chat ID is: Client #" + std::to_string(id))
                << name(mode) << ": the clients came one at a time";
        }
    }
}
