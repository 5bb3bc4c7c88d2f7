// Unit tests of echo.cpp's serve_forever, run in a thread of the test: what it does to the
// sockets it accepts, and how it takes a signal while it waits in accept.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "lab01_blocking/echo.h"
#include "lab01_blocking/net.h"
#include "testkit/deadline.h"
#include "testkit/graded.h"
#include "testkit/interrupt.h"
#include "testkit/proc.h"

namespace {

// serve_forever on a fresh listener, in its own thread. The destructor stops it: shutting the
// listener down makes the pending accept fail (EINVAL), so serve_forever throws and returns.
// Destroy every client first, so that the session in progress (if any) ends at EOF.
class ServerThread {
public:
    ServerThread()
        : listener_(net::listen_tcp("127.0.0.1", 0)),
          port_(net::bound_port(listener_)),
          thread_([this] { run(); })
    {
        while (tid_.load() == 0)
            std::this_thread::yield();
    }
    ~ServerThread()
    {
        ::shutdown(listener_.get(), SHUT_RDWR);
        thread_.join();
    }
    ServerThread(const ServerThread&) = delete;
    ServerThread& operator=(const ServerThread&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] pid_t tid() const { return tid_.load(); }
    [[nodiscard]] pthread_t handle() { return thread_.native_handle(); }
    [[nodiscard]] bool done() const { return done_.load(); }
    // What serve_forever threw, once done().
    [[nodiscard]] std::string error() const { return done() ? error_ : std::string(); }

    // Send @p text on @p client and read back as many bytes. Gives up as soon as the server thread
    // has ended (serve_forever threw) or after the default wait, returning what came so far.
    std::string echo(const kit::Fd& client, const std::string& text)
    {
        if (::send(client.get(), text.data(), text.size(), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(text.size())) {
            return {};
        }
        std::string back;
        const testkit::Deadline deadline(testkit::kDefaultWait);
        while (back.size() < text.size() && !deadline.expired() && !done()) {
            pollfd ready{client.get(), POLLIN, 0};
            if (::poll(&ready, 1, std::min(deadline.poll_timeout_ms(), 20)) <= 0) continue;
            char chunk[256];
            const ssize_t n = ::recv(client.get(), chunk, sizeof chunk, 0);
            if (n <= 0) break;
            back.append(chunk, static_cast<std::size_t>(n));
        }
        return back;
    }

private:
    void run()
    {
        tid_ = testkit::this_thread_id();
        try {
            echo::serve_forever(listener_);
        } catch (const std::exception& e) {
            error_ = e.what();
        }
        done_ = true;
    }

    kit::Fd listener_;
    std::uint16_t port_;
    std::atomic<pid_t> tid_{0};
    std::atomic<bool> done_{false};
    std::string error_;
    std::thread thread_;  // last: it starts once every other member is ready
};

}  // namespace

GRADED_TEST(ServeForever, AcceptsCloseOnExecSockets, 4,
            "serve_forever must accept with accept4(..., SOCK_CLOEXEC): a client's socket must "
            "not leak into programs the server starts (README §5, §3.1 close-on-exec)")
{
    ServerThread server;
    const std::vector<int> before = testkit::open_fds(::getpid());
    const kit::Fd client = net::connect_tcp("127.0.0.1", server.port());
    ASSERT_EQ(server.echo(client, "ping"), "ping")
        << "serve_forever did not echo: " << server.error();
    // The session is in progress, so the accepted socket is open: the one new fd but ours (and
    // but the directory open_fds read /proc/self/fd with, closed by now: F_GETFD fails on it).
    std::vector<int> accepted;
    for (const int fd : testkit::open_fds(::getpid())) {
        if (fd != client.get() && std::find(before.begin(), before.end(), fd) == before.end() &&
            ::fcntl(fd, F_GETFD) != -1) {
            accepted.push_back(fd);
        }
    }
    ASSERT_EQ(accepted.size(), 1u) << "expected one new descriptor, the accepted socket:\n"
                                   << testkit::describe_fds(::getpid());
    EXPECT_TRUE(::fcntl(accepted[0], F_GETFD) & FD_CLOEXEC)
        << "the accepted socket (fd " << accepted[0] << ") is not close-on-exec";
}

GRADED_TEST(ServeForever, RetriesWhenASignalInterruptsABlockedAccept, 6,
            "a signal while serve_forever waits in accept4 gives EINTR: accept again, it is not "
            "an error (README §5)")
{
    ServerThread server;
    ASSERT_TRUE(testkit::wait_until_blocked(server.tid(), testkit::kDefaultWait,
                                            [&] { return server.done(); }))
        << "serve_forever did not wait in accept: " << server.error();
    testkit::interrupt_thread(server.handle());
    const kit::Fd client = net::connect_tcp("127.0.0.1", server.port());
    EXPECT_EQ(server.echo(client, "after the signal"), "after the signal")
        << "no echo after a signal interrupted accept4; serve_forever "
        << (server.done() ? "threw: " + server.error() : std::string("did not answer"));
}
