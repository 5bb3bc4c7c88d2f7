// Unit tests of lab03: ChatServer's setup, in the test process, and the given OutputBuffer.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "lab01_blocking/net.h"
#include "lab03_epoll_server/chat_server.h"
#include "lab03_epoll_server/output_buffer.h"
#include "lab03_epoll_server/tests/server_thread.h"
#include "testkit/failure.h"
#include "testkit/graded.h"
#include "testkit/line_client.h"
#include "testkit/proc.h"

namespace {

kit::Fd make_eventfd()
{
    return kit::Fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
}

// What a ChatServer is built from: a listener on a free port and a stop eventfd. Their numbers
// and the port are kept, since the fds themselves move into the server.
struct ServerParts {
    kit::Fd listener = net::listen_tcp("127.0.0.1", 0);
    int listen_fd = listener.get();
    std::uint16_t port = net::bound_port(listener);
    kit::Fd stop = make_eventfd();
    int stop_fd = stop.get();
};

}  // namespace

GRADED_TEST(ChatServerSetup, CreatesACloseOnExecEpollInstance, 2,
            "epoll_create1(EPOLL_CLOEXEC): the size argument of epoll_create was never a maximum "
            "(README §2.1, misconception 2)")
{
    for (const chat::Mode mode : {chat::Mode::Lt, chat::Mode::Et}) {
        ServerParts parts;
        const chat::ChatServer server(std::move(parts.listener), mode, std::move(parts.stop));
        ASSERT_GE(server.epoll_fd(), 0);
        const int flags = ::fcntl(server.epoll_fd(), F_GETFD);
        EXPECT_TRUE(flags >= 0 && (flags & FD_CLOEXEC) != 0)
            << "the epoll fd must be close-on-exec";
        char target[256] = {};
        const std::string link = "/proc/self/fd/" + std::to_string(server.epoll_fd());
        const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
        EXPECT_EQ(std::string(target, n > 0 ? static_cast<std::size_t>(n) : 0),
                  "anon_inode:[eventpoll]");
    }
}

GRADED_TEST(
    ChatServerSetup, RegistersListenerAndStopFdForReadingInTheChosenMode, 4,
    "the listener is watched for EPOLLIN, with EPOLLET exactly in edge-triggered mode, and it "
    "is nonblocking (README §2.2, §4.1)")
{
    for (const chat::Mode mode : {chat::Mode::Lt, chat::Mode::Et}) {
        ServerParts parts;
        const int listen_fd = parts.listen_fd;
        const int stop_fd = parts.stop_fd;
        const chat::ChatServer server(std::move(parts.listener), mode, std::move(parts.stop));
        const auto found = testkit::epoll_registrations(server.epoll_fd());
        const char* name = mode == chat::Mode::Et ? "et" : "lt";
        ASSERT_EQ(found.count(listen_fd), 1u) << name << ": the listener is not in the epoll set";
        ASSERT_EQ(found.count(stop_fd), 1u) << name << ": the stop fd is not in the epoll set";
        for (const int fd : {listen_fd, stop_fd}) {
            const unsigned events = found.at(fd);
            EXPECT_NE(events & EPOLLIN, 0u)
                << name << ": fd " << fd << " must be watched for EPOLLIN";
            EXPECT_EQ(events & EPOLLOUT, 0u) << name << ": nothing to write: no EPOLLOUT";
            EXPECT_EQ((events & EPOLLET) != 0, mode == chat::Mode::Et)
                << name << ": EPOLLET is for et only";
        }
        EXPECT_NE(::fcntl(listen_fd, F_GETFL) & O_NONBLOCK, 0)
            << name << ": the listener must be nonblocking";
    }
}

GRADED_TEST(
    ChatServerLoop, WelcomesAClientAndReturnsWhenTheStopFdIsReadable, 4,
    "run() dispatches the listener's event and returns on the stop fd; the welcome also needs "
    "accept_clients, send_to and flush (README §4.2-4.3, §5.2)")
{
    for (const chat::Mode mode : {chat::Mode::Lt, chat::Mode::Et}) {
        const char* name = mode == chat::Mode::Et ? "et" : "lt";
        lab03::ServerThread server(mode);
        {
            testkit::LineClient client = testkit::LineClient::connect(server.port());
            const std::string line = server.next_line(client);
            // No welcome: if run() had ended by throwing (a function that is not done yet, a
            // failed call), say so: it is the real cause, not the silence.
            ASSERT_FALSE(line.empty()) << name << ": no welcome line; " << server.how_it_ended();
            EXPECT_EQ(line, "Welcome to the chat room! Your chat ID is: Client #1") << name;
        }
        ASSERT_TRUE(server.stop())
            << name << ": run() did not return after the stop fd became readable";
        EXPECT_EQ(server.how_it_ended(), "run() returned") << name;
    }
}

// OutputBuffer is given code: these check its contract, without points.

TEST(OutputBuffer, KeepsTheUnsentTailInOrder)
{
    chat::OutputBuffer out;
    EXPECT_TRUE(out.empty());
    out.append("hello ");
    out.append("world");
    EXPECT_EQ(out.size(), 11u);
    out.consume(4);
    EXPECT_EQ(std::string(out.readable().data(), out.readable().size()), "o world");
    out.append("!");
    out.consume(7);
    EXPECT_EQ(std::string(out.readable().data(), out.readable().size()), "!");
    out.consume(1);
    EXPECT_TRUE(out.empty());
}

TEST(OutputBuffer, CompactsAsItDrains)
{
    chat::OutputBuffer out;
    std::string expected;
    for (int i = 0; i < 10000; ++i) {
        const std::string piece = std::to_string(i) + ",";
        out.append(piece);
        expected += piece;
        const std::size_t take = std::min<std::size_t>(out.size(), 3);
        out.consume(take);
        expected.erase(0, take);
        ASSERT_EQ(std::string(out.readable().data(), out.readable().size()), expected);
    }
}
