// Unit tests where the setup leaves no doubt about what happened, so the result must be exact:
// a reset connection, and the count of bytes an echo session really sent back.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <string>

#include "common/sys_error.h"
#include "lab01_blocking/echo.h"
#include "lab01_blocking/net.h"
#include "testkit/deadline.h"
#include "testkit/fd_pair.h"
#include "testkit/graded.h"

GRADED_TEST(SendAll, ReportsPeerGoneWhenTheConnectionIsReset, 4,
            "send() on a connection the peer reset fails with ECONNRESET: send_all returns "
            "PeerGone, never throws (README §4)")
{
    const kit::Fd listener = net::listen_tcp("127.0.0.1", 0);
    kit::Fd client = net::connect_tcp("127.0.0.1", net::bound_port(listener));
    const kit::Fd server(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    ASSERT_TRUE(server.valid());
    const linger reset{1, 0};
    ::setsockopt(client.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    client.reset();  // RST
    pollfd arrived{server.get(), POLLIN, 0};
    ASSERT_EQ(::poll(&arrived, 1, testkit::Deadline(testkit::kDefaultWait).poll_timeout_ms()), 1)
        << "the reset never reached the server side";
    try {
        EXPECT_EQ(net::send_all(server, "too late"), kit::IoStatus::PeerGone);
    } catch (const kit::SysError& e) {
        FAIL() << "send_all threw on a reset connection: " << e.what();
    }
}

GRADED_TEST(EchoSession, CountsExactlyTheBytesEchoed, 4,
            "echo_session returns the bytes it sent back: an echo that send_all could not deliver "
            "(PeerGone) is not counted, and ends the session (README §5)")
{
    testkit::FdPair ends = testkit::socket_pair();
    const kit::Fd client = std::move(ends.first);
    const kit::Fd server = std::move(ends.second);
    auto echoed = std::async(std::launch::async, [&] {
        // However echo_session ends, the client's reads below then see EOF instead of waiting.
        struct StopServerSide {
            int fd;
            ~StopServerSide() { ::shutdown(fd, SHUT_RDWR); }
        } stop{server.get()};
        return echo::echo_session(server);
    });
    ASSERT_EQ(::write(client.get(), "abc", 3), 3);
    std::string back;
    char chunk[16];
    while (back.size() < 3) {
        const ssize_t n = ::read(client.get(), chunk, sizeof chunk);
        if (n <= 0) break;
        back.append(chunk, static_cast<std::size_t>(n));
    }
    ASSERT_EQ(back, "abc");
    // The client stops reading, sends 3 more bytes and finishes: their echo fails with EPIPE.
    ::shutdown(client.get(), SHUT_RD);
    ASSERT_EQ(::write(client.get(), "bye", 3), 3);
    ::shutdown(client.get(), SHUT_WR);
    ASSERT_EQ(echoed.wait_for(testkit::scaled(testkit::kDefaultWait)), std::future_status::ready)
        << "echo_session did not return after the client stopped reading and sent EOF";
    EXPECT_EQ(echoed.get(), 3u) << "\"abc\" was echoed; the echo of \"bye\" could not be sent";
}
