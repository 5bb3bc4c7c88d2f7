// Unit tests of the stdin reader's loop (stdin_reader.cpp), run in the test process: stdin and the
// pipe to the parent are replaced by pipes the test fills and reads.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <thread>

#include "common/fd.h"
#include "lab04_fork_pipe_client/stdin_reader.h"
#include "testkit/failure.h"
#include "testkit/fd_pair.h"
#include "testkit/graded.h"
#include "testkit/interrupt.h"

using chat::ReaderEnd;

namespace {

struct Pipe {
    kit::Fd read_end;
    kit::Fd write_end;
    Pipe()
    {
        testkit::FdPair ends = testkit::pipe_pair();
        read_end = std::move(ends.first);
        write_end = std::move(ends.second);
    }
};

std::string read_to_end(int fd)
{
    std::string all;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
        all.append(buffer, static_cast<std::size_t>(n));
    return all;
}

// Run forward_stdin_lines with @p typed as the whole of stdin; return what it wrote to the pipe.
std::string forward(const std::string& typed, ReaderEnd* end = nullptr)
{
    Pipe in;
    Pipe out;
    testkit::write_fully(in.write_end.get(), typed);  // fits in the pipe's buffer (64 KiB)
    in.write_end.reset();                             // the end of the input
    const ReaderEnd result = chat::forward_stdin_lines(in.read_end.get(), out.write_end.get());
    if (end != nullptr) *end = result;
    out.write_end.reset();
    return read_to_end(out.read_end.get());
}

// Forward @p typed: the pipe must get exactly @p sent (compared printable, so that a stray '\r' or
// NUL shows) and the loop must end as @p how_it_ends says.
void expect_forwarded(const std::string& typed, const std::string& sent, ReaderEnd how_it_ends)
{
    ReaderEnd end{};
    EXPECT_EQ(testkit::printable(forward(typed, &end)), testkit::printable(sent))
        << "typed: " << testkit::printable(typed);
    EXPECT_EQ(end, how_it_ends) << "typed: " << testkit::printable(typed);
}

}  // namespace

GRADED_TEST(ExitCommand, IsExitInAnyCaseAndNothingElse, 2,
            "'exit' in any case quits; a line that only starts with it is a message (README §3.3)")
{
    for (const char* line : {"exit", "EXIT", "Exit", "eXiT"}) {
        EXPECT_TRUE(chat::is_exit_command(line)) << "'" << line << "' is the quit command";
    }
    for (const char* line : {"", "exi", "exit now", "exited", " exit", "exit ", "quit"}) {
        EXPECT_FALSE(chat::is_exit_command(line))
            << "'" << line
            << "' is not the quit command (the tutorial's strncasecmp(msg, \"EXIT\", "
            << "4) would quit on 'exited')";
    }
}

GRADED_TEST(ForwardStdinLines, WritesEachLineWithExactlyOneNewline, 2,
            "each typed line goes into the pipe whole, with its one '\\n' (README §3.3)")
{
    expect_forwarded("hello\nsecond line\n", "hello\nsecond line\n", ReaderEnd::EndOfInput);
    EXPECT_EQ(testkit::printable(forward("windows\r\n")), testkit::printable("windows\n"))
        << "a \"\\r\\n\" ending becomes \"\\n\"";
}

GRADED_TEST(
    ForwardStdinLines, EndsTheLastLineThatHasNoNewline, 2,
    "a last line without '\\n' is sent whole, not cut by strlen - 1 (README §3.3, mistake 15)")
{
    EXPECT_EQ(testkit::printable(forward("first\nlast words")),
              testkit::printable("first\nlast words\n"));
}

GRADED_TEST(
    ForwardStdinLines, KeepsATenKilobyteLineWhole, 2,
    "a line longer than one read is put together before it is written (README §3.3, mistake 15)")
{
    std::string line;
    for (int i = 0; i < 10 * 1024; ++i)
        line += static_cast<char>('a' + i % 26);
    const std::string got = forward(line + "\nafter\n");
    EXPECT_TRUE(got == line + "\nafter\n")
        << "wrote " << got.size() << " bytes: " << testkit::printable(got, 120);
}

GRADED_TEST(ForwardStdinLines, SkipsEmptyLinesAndStopsAtExit, 2,
            "empty lines are not messages; 'exit' ends the loop and is not sent (README §3.3)")
{
    expect_forwarded("\nfirst\n\n\nsecond\nExit\nnot sent\n", "first\nsecond\n",
                     ReaderEnd::ExitTyped);
}

GRADED_TEST(
    ForwardStdinLines, StopsWhenThePipeHasNoReader, 2,
    "a parent that is gone is EPIPE from write: the child stops instead of dying (README §3.2)")
{
    Pipe in;
    Pipe out;
    testkit::write_fully(in.write_end.get(), "hello\n");
    in.write_end.reset();
    out.read_end.reset();  // the parent is gone
    // The test process ignores SIGPIPE, as the child does: the write fails with EPIPE.
    EXPECT_EQ(chat::forward_stdin_lines(in.read_end.get(), out.write_end.get()),
              ReaderEnd::ParentGone);
}

GRADED_TEST(ExitCommand, ALineWithANulAfterExitIsAMessage, 1,
            "is_exit_command compares the whole line, every byte: 'exit' followed by a NUL byte "
            "and more is a message, not the command (README §3.3)")
{
    const std::string line("exit\0now", 8);
    EXPECT_FALSE(chat::is_exit_command(line))
        << "'" << testkit::printable(line)
        << "' (8 bytes) is not the quit command: a C-string comparison (strcasecmp on "
           "line.data()) stops at the NUL byte";
}

GRADED_TEST(ForwardStdinLines, PassesEveryByteThroughNulIncluded, 2,
            "forward_stdin_lines writes every byte of a line, NUL bytes included: the length, "
            "never strlen or c_str() (README §3.3)")
{
    const std::string line("a\0b\0c", 5);
    EXPECT_EQ(testkit::printable(forward(line + "\nnext\n")),
              testkit::printable(line + "\nnext\n"));
}

GRADED_TEST(ForwardStdinLines, RetriesWhenASignalInterruptsTheBlockedRead, 2,
            "a signal while forward_stdin_lines waits in read(stdin) gives EINTR: read again; it "
            "is not the end of the input (README §3.3)")
{
    Pipe in;
    Pipe out;
    ReaderEnd end{};
    const std::string error = testkit::interrupt_blocked_call(
        [&] { end = chat::forward_stdin_lines(in.read_end.get(), out.write_end.get()); },
        [&] {
            testkit::write_fully(in.write_end.get(), "late\n");
            in.write_end.reset();
        });
    ASSERT_TRUE(error.empty()) << "forward_stdin_lines threw after a signal interrupted read: "
                               << error;
    out.write_end.reset();
    EXPECT_EQ(testkit::printable(read_to_end(out.read_end.get())), testkit::printable("late\n"))
        << "the line typed after the signal must still be forwarded";
    EXPECT_EQ(end, ReaderEnd::EndOfInput);
}

GRADED_TEST(ForwardStdinLines, WritesALongLineWholeWhenSignalsCutTheWrites, 2,
            "a signal makes a blocked write(2) on a pipe return a short count: write_all loops "
            "until the whole line is in the pipe (README §3.3)")
{
    Pipe in;
    Pipe out;
    std::string line;
    for (int i = 0; i < 200 * 1024; ++i)
        line += static_cast<char>('a' + i % 26);
    line += '\n';
    // stdin holds 64 KiB at most: a thread types the rest as the loop reads it.
    std::jthread typist([&] {
        std::string_view rest = line;
        for (ssize_t n = 0;
             !rest.empty() && (n = ::write(in.write_end.get(), rest.data(), rest.size())) > 0;)
            rest.remove_prefix(static_cast<std::size_t>(n));
        in.write_end.reset();
    });
    std::atomic<pid_t> tid{0};
    std::atomic<bool> done{false};
    std::string error;
    std::thread forwarder([&] {
        tid = testkit::this_thread_id();
        try {
            chat::forward_stdin_lines(in.read_end.get(), out.write_end.get());
        } catch (const std::exception& e) {
            error = e.what();
        }
        out.write_end.reset();  // the end of the pipe: the test's last read returns 0
        done = true;
    });
    while (tid.load() == 0)
        std::this_thread::yield();  // ok: waits for the thread's first statement only
    // Each round: once the loop blocks (the pipe is full), interrupt it, then take a bite.
    std::string got;
    char buffer[16 * 1024];
    bool stalled = false;
    while (!done.load()) {
        if (testkit::wait_until_blocked(tid.load(), testkit::kDefaultWait,
                                        [&] { return done.load(); }) &&
            !done.load()) {
            testkit::interrupt_thread(forwarder.native_handle());
        }
        pollfd ready{out.read_end.get(), POLLIN, 0};
        const testkit::Deadline deadline(testkit::kDefaultWait);
        if (::poll(&ready, 1, deadline.poll_timeout_ms()) == 1) {
            const ssize_t n = ::read(out.read_end.get(), buffer, sizeof buffer);
            if (n > 0) got.append(buffer, static_cast<std::size_t>(n));
        } else if (!done.load()) {
            stalled = true;
            break;
        }
    }
    if (stalled) out.read_end.reset();  // a blocked write fails (EPIPE): the thread returns
    forwarder.join();
    in.read_end.reset();  // a typist still blocked in write fails (EPIPE) and ends
    ASSERT_FALSE(stalled) << "forward_stdin_lines wrote nothing for "
                          << testkit::scaled(testkit::kDefaultWait).count() << " ms";
    ASSERT_TRUE(error.empty()) << "forward_stdin_lines threw: " << error;
    got += read_to_end(out.read_end.get());
    EXPECT_TRUE(got == line) << "the pipe got " << got.size() << " bytes of a " << line.size()
                             << "-byte line: a write cut short by a signal must be continued";
}
