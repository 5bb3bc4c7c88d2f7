// Unit tests of echo.cpp's echo_session, on a socketpair (no server process needed).
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <future>
#include <string>
#include <thread>

#include "common/sys_error.h"
#include "lab01_blocking/echo.h"
#include "testkit/deadline.h"
#include "testkit/fd_pair.h"
#include "testkit/graded.h"

GRADED_TEST(EchoSession, EchoesEveryByteAndReturnsAtEof, 6,
            "echo_session sends back exactly what it received and returns when the client "
            "finishes (recv 0 = EOF) (README §5)")
{
    testkit::FdPair pair = testkit::socket_pair();  // {the client, echo_session's end}
    std::string data(300 * 1000, '\0');
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<char>(i % 253);

    auto echoed = std::async(std::launch::async, [&] {
        // However echo_session ends (even by throwing), the server side then stops, so the
        // writer and reader below see the connection end instead of waiting forever.
        struct StopServerSide {
            int fd;
            ~StopServerSide() { ::shutdown(fd, SHUT_RDWR); }
        } stop{pair.second.get()};
        return echo::echo_session(pair.second);
    });
    // Write everything from one thread and read the echo from another: the echo server's sends
    // block when nobody reads, so both directions must flow at once.
    std::thread writer([&] {
        std::string_view rest = data;
        while (!rest.empty()) {
            const ssize_t n = ::write(pair.first.get(), rest.data(), rest.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        ::shutdown(pair.first.get(), SHUT_WR);  // EOF for echo_session
    });
    std::string back;
    char chunk[65536];
    while (back.size() < data.size()) {
        const ssize_t n = ::read(pair.first.get(), chunk, sizeof chunk);
        if (n <= 0) break;
        back.append(chunk, static_cast<std::size_t>(n));
    }
    writer.join();
    ASSERT_EQ(echoed.wait_for(testkit::scaled(testkit::Duration(10000))), std::future_status::ready)
        << "echo_session did not return after the client shut down its sending side (EOF)";
    EXPECT_EQ(echoed.get(), data.size()) << "echo_session should return the number of bytes echoed";
    ASSERT_EQ(back.size(), data.size());
    EXPECT_TRUE(back == data) << "the echo differs from what was sent";
}

GRADED_TEST(EchoSession, ReturnsWhenTheClientVanishes, 4,
            "a client that disappears ends its session, not the server (README §5, mistake 6)")
{
    testkit::FdPair pair = testkit::socket_pair();  // {the client, echo_session's end}
    ASSERT_EQ(::write(pair.first.get(), "bye", 3), 3);
    pair.first.reset();  // gone without reading the echo: send fails with EPIPE, or recv sees EOF
    auto echoed = std::async(std::launch::async, [&] { return echo::echo_session(pair.second); });
    ASSERT_EQ(echoed.wait_for(testkit::scaled(testkit::Duration(10000))), std::future_status::ready)
        << "echo_session kept going after the client went away";
    EXPECT_LE(echoed.get(), 3u);
}
