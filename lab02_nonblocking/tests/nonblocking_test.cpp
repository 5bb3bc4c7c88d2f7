// Unit tests of nonblocking.cpp: set_nonblocking and EAGAIN-aware I/O on socketpairs, pipes, files
// and real TCP connections.
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

#include "lab01_blocking/net.h"
#include "lab02_nonblocking/nonblocking.h"
#include "testkit/crash.h"
#include "testkit/expect_sys_error.h"
#include "testkit/fd_pair.h"
#include "testkit/graded.h"

namespace {

// O_NONBLOCK set by the test itself (not by the code under test), so that the I/O tests do not
// depend on set_nonblocking.
void make_nonblocking(int fd)
{
    ASSERT_EQ(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK), 0) << std::strerror(errno);
}

int status_flags(int fd)
{
    return ::fcntl(fd, F_GETFL);
}

// Wait (bounded) until @p fd has something to report: data, EOF, or an error such as a reset.
bool wait_readable(int fd)
{
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 5000) == 1;
}

}  // namespace

// --- set_nonblocking and is_nonblocking ---------------------------------------------------------

GRADED_TEST(SetNonblocking, SetsONonblockOnASocket, 2,
            "set_nonblocking adds O_NONBLOCK to the file status flags (README §2.2)")
{
    testkit::FdPair pair = testkit::socket_pair();
    ASSERT_FALSE(status_flags(pair.first.get()) & O_NONBLOCK) << "a new socket starts blocking";
    nb::set_nonblocking(pair.first.get());
    EXPECT_TRUE(status_flags(pair.first.get()) & O_NONBLOCK)
        << "after set_nonblocking(fd), fcntl(fd, F_GETFL) should include O_NONBLOCK";
    char byte;
    errno = 0;
    EXPECT_EQ(::read(pair.first.get(), &byte, 1), -1)
        << "a read on the empty socket should not wait";
    EXPECT_EQ(errno, EAGAIN);
}

GRADED_TEST(SetNonblocking, KeepsOAppendOnAFile, 6,
            "F_GETFL, not F_GETFD: setting O_NONBLOCK must keep the other status flags, "
            "e.g. O_APPEND (README §2.2, mistake 1)")
{
    const kit::Fd file(::memfd_create("lab02-append", MFD_CLOEXEC));
    ASSERT_TRUE(file.valid()) << std::strerror(errno);
    ASSERT_EQ(::write(file.get(), "log:", 4), 4);
    ASSERT_EQ(::fcntl(file.get(), F_SETFL, status_flags(file.get()) | O_APPEND), 0);
    ASSERT_TRUE(status_flags(file.get()) & O_APPEND);

    nb::set_nonblocking(file.get());

    EXPECT_TRUE(status_flags(file.get()) & O_APPEND)
        << "set_nonblocking cleared O_APPEND on a file opened for appending: it wrote back the "
           "descriptor flags (F_GETFD) instead of the status flags (F_GETFL)";
    EXPECT_TRUE(status_flags(file.get()) & O_NONBLOCK);
    // What losing O_APPEND means: a write after a seek lands at the seek position, overwriting.
    ASSERT_EQ(::lseek(file.get(), 0, SEEK_SET), 0);
    ASSERT_EQ(::write(file.get(), "X", 1), 1);
    char contents[8] = {};
    ASSERT_EQ(::pread(file.get(), contents, sizeof contents, 0), 5);
    EXPECT_EQ(std::string(contents, 5), "log:X")
        << "the appending writer overwrote the start of its log";
}

GRADED_TEST(SetNonblocking, KeepsOAppendOnAPipe, 2,
            "the status flags of a pipe survive set_nonblocking too (README §2.2, mistake 1)")
{
    testkit::FdPair pipe = testkit::pipe_pair();
    ASSERT_EQ(::fcntl(pipe.second.get(), F_SETFL, status_flags(pipe.second.get()) | O_APPEND), 0);
    ASSERT_TRUE(status_flags(pipe.second.get()) & O_APPEND);
    nb::set_nonblocking(pipe.second.get());
    EXPECT_TRUE(status_flags(pipe.second.get()) & O_APPEND)
        << "set_nonblocking cleared O_APPEND: read the flags with F_GETFL, not F_GETFD";
    EXPECT_TRUE(status_flags(pipe.second.get()) & O_NONBLOCK);
}

GRADED_TEST(SetNonblocking, ThrowsSysErrorNamingFcntlForABadFd, 2,
            "a failed fcntl is a bug: throw kit::SysError naming the call (README §2.2)")
{
    const int closed = ::dup(STDERR_FILENO);
    ::close(closed);
    const std::string message = testkit::expect_sys_error(
        std::errc::bad_file_descriptor,
        "set_nonblocking(" + std::to_string(closed) + ") on a closed descriptor must throw",
        [&] { nb::set_nonblocking(closed); });
    EXPECT_NE(message.find("fcntl"), std::string::npos) << "name the call: " << message;
}

GRADED_TEST(IsNonblocking, TellsBlockingFromNonblocking, 2,
            "is_nonblocking reads O_NONBLOCK from F_GETFL (README §2.2)")
{
    testkit::FdPair pair = testkit::socket_pair();
    EXPECT_FALSE(nb::is_nonblocking(pair.first.get()));
    make_nonblocking(pair.first.get());
    EXPECT_TRUE(nb::is_nonblocking(pair.first.get()));
    EXPECT_FALSE(nb::is_nonblocking(pair.second.get()))
        << "only the first end was made nonblocking";
}

// --- read_some -----------------------------------------------------------------------------------

GRADED_TEST(ReadSome, ReturnsTheBytesThatArrived, 2, "read_some returns {Ok, n} (README §2.3)")
{
    testkit::FdPair pair = testkit::socket_pair();
    make_nonblocking(pair.first.get());
    ASSERT_EQ(::write(pair.second.get(), "hello", 5), 5);
    char buffer[64];
    const kit::IoResult got = nb::read_some(pair.first.get(), buffer);
    ASSERT_EQ(got, (kit::IoResult{kit::IoStatus::Ok, 5}));
    EXPECT_EQ(std::string(buffer, 5), "hello");
}

GRADED_TEST(ReadSome, ReturnsWouldBlockOnAnEmptySocket, 4,
            "EAGAIN means 'nothing now', not the end of the connection: WouldBlock, never Eof or 0 "
            "bytes (README §2.3, mistake 7)")
{
    testkit::FdPair pair = testkit::socket_pair();
    make_nonblocking(pair.first.get());
    char buffer[64];
    EXPECT_EQ(nb::read_some(pair.first.get(), buffer),
              (kit::IoResult{kit::IoStatus::WouldBlock, 0}))
        << "read_some on a nonblocking socket with nothing to read (the peer is still connected)";
    // And the connection is fine: what comes later is read.
    ASSERT_EQ(::write(pair.second.get(), "later", 5), 5);
    EXPECT_EQ(nb::read_some(pair.first.get(), buffer), (kit::IoResult{kit::IoStatus::Ok, 5}));
}

GRADED_TEST(ReadSome, ReturnsWouldBlockOnAnEmptyPipe, 2,
            "read_some works on pipes as well: EAGAIN is WouldBlock (README §2.3)")
{
    testkit::FdPair pipe = testkit::pipe_pair();
    make_nonblocking(pipe.first.get());
    char buffer[64];
    EXPECT_EQ(nb::read_some(pipe.first.get(), buffer),
              (kit::IoResult{kit::IoStatus::WouldBlock, 0}));
}

GRADED_TEST(ReadSome, ReportsEofWhenTheWriterCloses, 2,
            "read returning 0 is the end of the stream: Eof, on sockets and pipes (README §2.3)")
{
    testkit::FdPair pair = testkit::socket_pair();
    make_nonblocking(pair.first.get());
    pair.second.reset();
    char buffer[64];
    EXPECT_EQ(nb::read_some(pair.first.get(), buffer), (kit::IoResult{kit::IoStatus::Eof, 0}))
        << "on a socket whose peer closed";

    testkit::FdPair pipe = testkit::pipe_pair();
    make_nonblocking(pipe.first.get());
    ASSERT_EQ(::write(pipe.second.get(), "last", 4), 4);
    pipe.second.reset();
    EXPECT_EQ(nb::read_some(pipe.first.get(), buffer), (kit::IoResult{kit::IoStatus::Ok, 4}))
        << "the bytes written before the close come first";
    EXPECT_EQ(nb::read_some(pipe.first.get(), buffer), (kit::IoResult{kit::IoStatus::Eof, 0}))
        << "then the end of the pipe";
}

GRADED_TEST(ReadSome, ReportsPeerGoneWhenTheConnectionIsReset, 2,
            "ECONNRESET is the peer vanishing: PeerGone, not an exception (README §2.3)")
{
    const kit::Fd listener = net::listen_tcp("127.0.0.1", 0);
    kit::Fd client = net::connect_tcp("127.0.0.1", net::bound_port(listener));
    const kit::Fd server(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    ASSERT_TRUE(server.valid()) << std::strerror(errno);
    const linger reset{1, 0};
    ::setsockopt(client.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    client.reset();  // RST
    ASSERT_TRUE(wait_readable(server.get())) << "the reset did not arrive within 5 s";
    char buffer[64];
    EXPECT_EQ(nb::read_some(server.get(), buffer).status, kit::IoStatus::PeerGone);
}

// --- write_some ----------------------------------------------------------------------------------

GRADED_TEST(WriteSome, WritesToASocketAndToAPipe, 2,
            "write_some moves bytes on sockets (send) and pipes (write) (README §2.3)")
{
    testkit::FdPair pair = testkit::socket_pair();
    make_nonblocking(pair.first.get());
    EXPECT_EQ(nb::write_some(pair.first.get(), "ping"), (kit::IoResult{kit::IoStatus::Ok, 4}));
    char buffer[8];
    ASSERT_EQ(::read(pair.second.get(), buffer, sizeof buffer), 4);

    testkit::FdPair pipe = testkit::pipe_pair();
    make_nonblocking(pipe.second.get());
    EXPECT_EQ(nb::write_some(pipe.second.get(), "pong"), (kit::IoResult{kit::IoStatus::Ok, 4}))
        << "on a pipe (send() fails there with ENOTSOCK: use write())";
    ASSERT_EQ(::read(pipe.first.get(), buffer, sizeof buffer), 4);
    EXPECT_EQ(std::string(buffer, 4), "pong");
}

GRADED_TEST(WriteSome, ReturnsWouldBlockWhenTheSocketBufferIsFull, 2,
            "a full kernel buffer is EAGAIN: WouldBlock, keep the data for later (README §2.3)")
{
    testkit::FdPair pair = testkit::socket_pair();
    make_nonblocking(pair.first.get());
    const std::string chunk(64 * 1024, 'x');
    std::size_t total = 0;
    kit::IoResult last{kit::IoStatus::Ok, 0};
    for (int i = 0; i < 10000 && last.status == kit::IoStatus::Ok; ++i) {
        last = nb::write_some(pair.first.get(), chunk);
        total += last.bytes;
    }
    EXPECT_EQ(last, (kit::IoResult{kit::IoStatus::WouldBlock, 0}))
        << "after writing " << total << " bytes to a socket nobody reads";
    EXPECT_GT(total, 0u);
    char sink[64 * 1024];
    ASSERT_GT(::read(pair.second.get(), sink, sizeof sink), 0);  // make room
    EXPECT_EQ(nb::write_some(pair.first.get(), "x").status, kit::IoStatus::Ok)
        << "after the reader made room, writing works again";
}

GRADED_TEST(WriteSome, ReturnsAShortCountThenWouldBlockOnAFullPipe, 2,
            "write_some may take only part of the data: it says how much (README §2.3)")
{
    testkit::FdPair pipe = testkit::pipe_pair();
    make_nonblocking(pipe.second.get());
    const int capacity = ::fcntl(pipe.second.get(), F_GETPIPE_SZ);
    ASSERT_GT(capacity, 0);
    const std::string data(static_cast<std::size_t>(capacity) * 2, 'y');
    const kit::IoResult first = nb::write_some(pipe.second.get(), data);
    EXPECT_EQ(first.status, kit::IoStatus::Ok);
    EXPECT_GT(first.bytes, 0u);
    EXPECT_LT(first.bytes, data.size())
        << "a pipe of " << capacity << " bytes cannot take " << data.size();
    EXPECT_EQ(nb::write_some(pipe.second.get(), data),
              (kit::IoResult{kit::IoStatus::WouldBlock, 0}))
        << "the pipe is full now";
}

GRADED_TEST(WriteSome, ReportsPeerGoneInsteadOfDyingFromSigpipe, 2,
            "writing to a closed socket must return PeerGone (MSG_NOSIGNAL), not kill the process "
            "with SIGPIPE (README §2.3, mistake 6)")
{
    // The test binary ignores SIGPIPE; make it fatal again so that a missing MSG_NOSIGNAL shows
    // (as "CRASH: the test process was killed by SIGPIPE").
    testkit::FatalSigpipe fatal_sigpipe;
    testkit::FdPair pair = testkit::socket_pair();
    make_nonblocking(pair.first.get());
    pair.second.reset();
    const kit::IoResult got = nb::write_some(pair.first.get(), "anyone there?");
    fatal_sigpipe.restore();
    EXPECT_EQ(got, (kit::IoResult{kit::IoStatus::PeerGone, 0}));

    // A pipe has no MSG_NOSIGNAL: with SIGPIPE ignored, EPIPE is PeerGone.
    testkit::FdPair pipe = testkit::pipe_pair();
    pipe.first.reset();
    EXPECT_EQ(nb::write_some(pipe.second.get(), "anyone?"),
              (kit::IoResult{kit::IoStatus::PeerGone, 0}))
        << "on a pipe whose reader closed";
}
