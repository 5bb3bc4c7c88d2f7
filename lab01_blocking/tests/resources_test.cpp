// Unit tests of net.cpp's resources: no descriptor left behind when a setup call fails, and the
// backlog the caller asked for. Each failing path is compared with /proc/self/fd before and after.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "common/sys_error.h"
#include "lab01_blocking/net.h"
#include "testkit/deadline.h"
#include "testkit/expect_sys_error.h"
#include "testkit/graded.h"
#include "testkit/proc.h"

namespace {

// A loopback port held by a socket the test made itself (not with the code under test): listening
// (every bind to it fails) or only bound (every connect to it is refused).
struct ReservedPort {
    kit::Fd sock;
    std::uint16_t port = 0;
};

ReservedPort reserve_port(bool listening)
{
    ReservedPort reserved{kit::Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)), 0};
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    auto* raw = reinterpret_cast<sockaddr*>(&address);
    if (::bind(reserved.sock.get(), raw, length) != 0 ||
        (listening && ::listen(reserved.sock.get(), 8) != 0) ||
        ::getsockname(reserved.sock.get(), raw, &length) != 0) {
        throw kit::SysError("reserving a loopback port", errno);
    }
    reserved.port = ntohs(address.sin_port);
    return reserved;
}

// A nonblocking connect to 127.0.0.1:port that has been started, not necessarily finished.
kit::Fd start_connect(std::uint16_t port)
{
    kit::Fd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 &&
        errno != EINPROGRESS) {
        throw kit::SysError("connect(127.0.0.1:" + std::to_string(port) + ")", errno);
    }
    return sock;
}

// Run @p fail, a failing call of @p function (listen_tcp, connect_tcp), and check that it left no
// descriptor open behind it.
void expect_failure_closes_its_socket(const std::string& function,
                                      const std::function<void()>& fail)
{
    const std::vector<int> before = testkit::open_fds(::getpid());
    fail();
    EXPECT_EQ(testkit::open_fds(::getpid()), before)
        << "after " << function
        << " threw, this process holds a descriptor it did not hold before:\n"
        << testkit::describe_fds(::getpid());
}

}  // namespace

GRADED_TEST(ListenTcp, ClosesItsSocketWhenBindFails, 4,
            "listen_tcp must close its socket when bind (or any later call) fails: wrap it in a "
            "kit::Fd at once, so a throw closes it (README §3.1)")
{
    const ReservedPort taken = reserve_port(true);
    expect_failure_closes_its_socket("listen_tcp", [&] {
        testkit::expect_sys_error(
            std::errc::address_in_use, "listen_tcp on a port that is already listening must throw",
            [&] { const kit::Fd second = net::listen_tcp("127.0.0.1", taken.port); });
    });
}

GRADED_TEST(ConnectTcp, ClosesItsSocketWhenConnectFails, 4,
            "connect_tcp must close its socket when connect fails: wrap it in a kit::Fd at once, "
            "so a throw closes it (README §3.3)")
{
    const ReservedPort refusing = reserve_port(false);
    expect_failure_closes_its_socket("connect_tcp", [&] {
        testkit::expect_sys_error(
            std::errc::connection_refused, "connect_tcp to a port nobody listens on must throw",
            [&] { const kit::Fd sock = net::connect_tcp("127.0.0.1", refusing.port); });
    });
}

GRADED_TEST(ListenTcp, ListensWithTheBacklogAsked, 4,
            "listen_tcp must pass its backlog argument to listen(2): clients queued behind a busy "
            "iterative server complete their handshake at once (README §3.1)")
{
    constexpr unsigned kBacklog = 24;
    constexpr std::size_t kQueued = 16;
    const kit::Fd listener = net::listen_tcp("127.0.0.1", 0, kBacklog);
    ASSERT_EQ(testkit::listen_queue(listener.get()).limit, kBacklog)
        << "listen_tcp(host, port, " << kBacklog << ") must call listen(sock, " << kBacklog
        << "); the kernel reports a different backlog";

    // Nobody accepts: every one of these handshakes must still complete, in the accept queue.
    std::vector<kit::Fd> clients;
    sockaddr_in local{};
    socklen_t length = sizeof local;
    ASSERT_EQ(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&local), &length), 0);
    for (std::size_t i = 0; i < kQueued; ++i)
        clients.push_back(start_connect(ntohs(local.sin_port)));
    for (std::size_t i = 0; i < kQueued; ++i) {
        pollfd ready{clients[i].get(), POLLOUT, 0};
        const testkit::Deadline deadline(testkit::kDefaultWait);
        ASSERT_EQ(::poll(&ready, 1, deadline.poll_timeout_ms()), 1)
            << "client " << i + 1 << " of " << kQueued << " never finished its handshake while "
            << "nobody accepted: is the backlog smaller than asked?";
        int error = 0;
        length = sizeof error;
        ::getsockopt(clients[i].get(), SOL_SOCKET, SO_ERROR, &error, &length);
        ASSERT_EQ(error, 0) << "client " << i + 1 << ": " << std::strerror(error);
    }
    EXPECT_TRUE(testkit::eventually([&] {
        return testkit::listen_queue(listener.get()).queued == kQueued;
    })) << "the accept queue holds "
        << testkit::listen_queue(listener.get()).queued << " connections, not " << kQueued;
}
