// Unit tests of read_some and write_some on blocking pipes, where a signal interrupts the call
// in the middle of its wait: EINTR must be retried, never reported as "no data" or an error.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

#include "lab02_nonblocking/nonblocking.h"
#include "testkit/fd_pair.h"
#include "testkit/graded.h"
#include "testkit/interrupt.h"

namespace {

// Read everything until EOF from a blocking fd; return how many bytes came.
std::size_t drain_to_eof(int fd)
{
    std::size_t total = 0;
    char chunk[65536];
    while (true) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n > 0) total += static_cast<std::size_t>(n);
        if (n == 0 || (n < 0 && errno != EINTR)) return total;
    }
}

// Fill a blocking pipe until it takes no more, leaving it blocking; return the bytes written.
std::size_t fill_pipe(int fd)
{
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    const std::string chunk(4096, 'x');
    std::size_t total = 0;
    for (ssize_t n = 0; (n = ::write(fd, chunk.data(), chunk.size())) > 0;)
        total += static_cast<std::size_t>(n);
    ::fcntl(fd, F_SETFL, flags);
    return total;
}

}  // namespace

GRADED_TEST(ReadSome, RetriesWhenASignalInterruptsABlockedRead, 2,
            "on a blocking descriptor a signal makes read() fail with EINTR: read_some retries; it "
            "is neither WouldBlock nor Eof (README §2.3)")
{
    testkit::FdPair pipe = testkit::pipe_pair();
    const testkit::InterruptedRead read = testkit::read_across_interrupt(
        [&](std::span<char> buffer) { return nb::read_some(pipe.first.get(), buffer); },
        pipe.second.get());
    EXPECT_TRUE(read.error.empty())
        << "read_some threw after a signal interrupted read(): " << read.error;
    EXPECT_EQ(read.result, (kit::IoResult{kit::IoStatus::Ok, 4}))
        << "read_some did not wait for the bytes written after the signal";
}

GRADED_TEST(WriteSome, RetriesWhenASignalInterruptsABlockedWrite, 2,
            "on a blocking descriptor a signal makes write() fail with EINTR: write_some retries, "
            "it is not an error (README §2.3)")
{
    testkit::FdPair pipe = testkit::pipe_pair();
    const std::size_t filled = fill_pipe(pipe.second.get());  // now a write blocks at once
    kit::IoResult wrote{kit::IoStatus::PeerGone, 0};
    std::size_t drained = 0;
    std::jthread drain;
    const std::string error = testkit::interrupt_blocked_call(
        [&] { wrote = nb::write_some(pipe.second.get(), "after"); },
        [&] { drain = std::jthread([&] { drained = drain_to_eof(pipe.first.get()); }); });
    pipe.second.reset();  // EOF for the drain, now that the write is done
    drain.join();
    ASSERT_TRUE(error.empty()) << "write_some threw after a signal interrupted write(): " << error;
    EXPECT_EQ(wrote, (kit::IoResult{kit::IoStatus::Ok, 5}));
    EXPECT_EQ(drained, filled + 5);
}
