// Unit tests of the parent's event-loop pieces (client_loop.cpp), run in the test process: the
// server is the other end of a socketpair, the stdin reader's pipe is a pipe the test writes.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "common/fd.h"
#include "lab04_fork_pipe_client/client_loop.h"
#include "testkit/failure.h"
#include "testkit/fd_pair.h"
#include "testkit/graded.h"
#include "testkit/interrupt.h"

namespace {

// Both ends nonblocking, as run_client_loop makes them.
struct SocketPair {
    kit::Fd client;  // the chat client's end
    kit::Fd server;  // the test's end: the "server"
    SocketPair()
    {
        testkit::FdPair ends = testkit::socket_pair(SOCK_NONBLOCK);
        client = std::move(ends.first);
        server = std::move(ends.second);
    }
};

// A FILE* that writes into memory: what the client printed.
class Printed {
public:
    Printed() : file_(::open_memstream(&data_, &size_)) {}
    ~Printed()
    {
        std::fclose(file_);
        std::free(data_);
    }
    std::FILE* file() { return file_; }
    std::string text()
    {
        std::fflush(file_);
        return std::string(data_, size_);
    }

private:
    char* data_ = nullptr;
    std::size_t size_ = 0;
    std::FILE* file_;
};

// The world of print_server_lines: the socket pair, the line buffer it keeps from call to call,
// and the stream it prints to.
struct ServerLines {
    SocketPair pair;
    nb::LineBuffer from_server{chat::kMaxServerLineBytes};
    Printed out;

    bool print() { return chat::print_server_lines(pair.client.get(), from_server, out.file()); }
};

}  // namespace

GRADED_TEST(
    PrintServerLines, PrintsOnlyCompleteLines, 3,
    "TCP delivers bytes: a line split across reads prints once, whole; several lines in one "
    "read print apart (README §4.1, mistake 12)")
{
    ServerLines lines;
    testkit::write_fully(lines.pair.server.get(), "Welc");
    EXPECT_TRUE(lines.print());
    EXPECT_EQ(testkit::printable(lines.out.text()), "") << "half a line must wait for its '\\n'";
    testkit::write_fully(lines.pair.server.get(), "ome!\nClientID 2 say >> hi\nClientID 3 say");
    EXPECT_TRUE(lines.print());
    EXPECT_EQ(testkit::printable(lines.out.text()),
              testkit::printable("Welcome!\nClientID 2 say >> hi\n"));
}

GRADED_TEST(PrintServerLines, PrintsTheLastLineAndSaysWhenTheServerCloses, 2,
            "EOF from the server ends the conversation; a last line without '\\n' still prints "
            "(README §4.1)")
{
    ServerLines lines;
    testkit::write_fully(lines.pair.server.get(), "bye\nno newline");
    lines.pair.server.reset();
    EXPECT_FALSE(lines.print())
        << "the server closed the connection: print_server_lines must return false";
    EXPECT_EQ(testkit::printable(lines.out.text()), testkit::printable("bye\nno newline\n"));
}

GRADED_TEST(TakeUserLines, QueuesCompleteLinesAndReportsTheEndOfThePipe, 2,
            "the pipe is a byte stream too: frame it, queue each line plus '\\n'; EOF means the "
            "child is done (README §4.2)")
{
    int ends[2];
    ASSERT_EQ(::pipe2(ends, O_CLOEXEC | O_NONBLOCK), 0);
    kit::Fd read_end(ends[0]);
    kit::Fd write_end(ends[1]);
    nb::LineBuffer from_user(4096);
    std::string to_server;
    testkit::write_fully(write_end.get(), "hello\nhalf");
    EXPECT_TRUE(chat::take_user_lines(read_end.get(), from_user, to_server));
    EXPECT_EQ(testkit::printable(to_server), testkit::printable("hello\n"));
    testkit::write_fully(write_end.get(), " a line\n");
    write_end.reset();
    EXPECT_FALSE(chat::take_user_lines(read_end.get(), from_user, to_server))
        << "every write end is closed: take_user_lines must report the end";
    EXPECT_EQ(testkit::printable(to_server), testkit::printable("hello\nhalf a line\n"));
}

GRADED_TEST(FlushToServer, KeepsTheTailQueuedWhenTheSocketIsFull, 3,
            "a nonblocking send takes what fits; the rest stays queued, in order, for EPOLLOUT "
            "(README §4.2)")
{
    SocketPair pair;
    const int small = 4096;
    ::setsockopt(pair.client.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    std::string data;
    for (int i = 0; i < 1024 * 1024; ++i)
        data += static_cast<char>('a' + i % 23);
    std::string to_server = data;
    EXPECT_TRUE(chat::flush_to_server(pair.client.get(), to_server));
    EXPECT_FALSE(to_server.empty()) << "1 MiB cannot fit in a 4 KiB socket buffer at once";
    EXPECT_LT(to_server.size(), data.size()) << "some bytes should have been sent";
    std::string arrived;
    char buffer[65536];
    for (int rounds = 0; rounds < 100000 && arrived.size() < data.size(); ++rounds) {
        const ssize_t n = ::read(pair.server.get(), buffer, sizeof buffer);
        if (n > 0) arrived.append(buffer, static_cast<std::size_t>(n));
        ASSERT_TRUE(chat::flush_to_server(pair.client.get(), to_server));
    }
    EXPECT_TRUE(arrived == data) << "the bytes that arrived differ from those queued ("
                                 << arrived.size() << " of " << data.size() << " bytes arrived)";
}

GRADED_TEST(FlushToServer, ReportsAServerThatIsGone, 2,
            "EPIPE/ECONNRESET mean the server is gone: a status, not a crash (README §4.2)")
{
    SocketPair pair;
    pair.server.reset();
    std::string to_server = "hello\n";
    EXPECT_FALSE(chat::flush_to_server(pair.client.get(), to_server));
}

GRADED_TEST(RunClientLoop, SendsEveryQueuedLineBeforeReturningUserDone, 3,
            "the loop ends when the pipe ends, but only after the last line went out (README §4.3)")
{
    SocketPair pair;
    int ends[2];
    ASSERT_EQ(::pipe2(ends, O_CLOEXEC), 0);
    kit::Fd read_end(ends[0]);
    kit::Fd write_end(ends[1]);
    testkit::write_fully(write_end.get(), "one\ntwo\n");
    write_end.reset();  // the child is done
    Printed out;
    const chat::ClientEnd end = chat::run_client_loop(pair.client, read_end, out.file());
    EXPECT_EQ(end, chat::ClientEnd::UserDone);
    std::string arrived(64, '\0');
    const ssize_t n = ::read(pair.server.get(), arrived.data(), arrived.size());
    arrived.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    EXPECT_EQ(testkit::printable(arrived), testkit::printable("one\ntwo\n"));
}

GRADED_TEST(RunClientLoop, EndsWithServerClosedAfterPrintingWhatCame, 3,
            "EOF on the socket ends the loop with ServerClosed, after the server's last lines "
            "printed (README §4.3)")
{
    SocketPair pair;
    int ends[2];
    ASSERT_EQ(::pipe2(ends, O_CLOEXEC), 0);
    kit::Fd read_end(ends[0]);
    kit::Fd write_end(ends[1]);  // the child is alive and silent
    testkit::write_fully(pair.server.get(), "Welcome!\nbye\n");
    pair.server.reset();
    Printed out;
    EXPECT_EQ(chat::run_client_loop(pair.client, read_end, out.file()),
              chat::ClientEnd::ServerClosed);
    EXPECT_EQ(testkit::printable(out.text()), testkit::printable("Welcome!\nbye\n"));
}

namespace {

// run_client_loop on a thread of its own, so that the test can act while it waits.
class LoopThread {
public:
    LoopThread(const kit::Fd& server, const kit::Fd& user_lines, std::FILE* out)
        : thread_([this, &server, &user_lines, out] {
              tid_ = testkit::this_thread_id();
              try {
                  end_ = chat::run_client_loop(server, user_lines, out);
              } catch (const std::exception& e) {
                  error_ = e.what();
              }
              done_ = true;
          })
    {
        while (tid_.load() == 0)
            std::this_thread::yield();  // ok: waits for the thread's first statement only
    }
    ~LoopThread()
    {
        if (thread_.joinable()) thread_.join();
    }
    LoopThread(const LoopThread&) = delete;
    LoopThread& operator=(const LoopThread&) = delete;

    // True once the loop sleeps in a system call (epoll_wait); false if it returned first.
    bool wait_until_blocked()
    {
        return testkit::wait_until_blocked(tid_.load(), testkit::kDefaultWait,
                                           [&] { return done_.load(); }) &&
               !done_.load();
    }
    [[nodiscard]] pid_t tid() const { return tid_.load(); }
    [[nodiscard]] bool done() const { return done_.load(); }
    void join() { thread_.join(); }
    [[nodiscard]] chat::ClientEnd end() const { return end_; }
    [[nodiscard]] const std::string& error() const { return error_; }

private:
    std::atomic<pid_t> tid_{0};
    std::atomic<bool> done_{false};
    chat::ClientEnd end_ = chat::ClientEnd::UserDone;
    std::string error_;
    std::thread thread_;  // last: it starts once every other member is ready
};

// Read what is in @p fd now (nonblocking), appending to @p into; the number of bytes read.
std::size_t read_available(int fd, std::string& into)
{
    std::size_t total = 0;
    char buffer[65536];
    while (true) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n <= 0) return total;
        into.append(buffer, static_cast<std::size_t>(n));
        total += static_cast<std::size_t>(n);
    }
}

void shrink_buffers(const SocketPair& pair)
{
    const int small = 4096;
    ::setsockopt(pair.client.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ::setsockopt(pair.server.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
}

}  // namespace

GRADED_TEST(PrintServerLines, PrintsEveryByteOfALineNulIncluded, 2,
            "print_server_lines prints every byte of a line, NUL bytes included: fwrite with the "
            "length, never fputs or printf(\"%s\") (README §4.1)")
{
    ServerLines lines;
    const std::string line("say >> a\0b\0c", 13);
    testkit::write_fully(lines.pair.server.get(), line + "\nnext\n");
    EXPECT_TRUE(lines.print());
    EXPECT_EQ(testkit::printable(lines.out.text()), testkit::printable(line + "\nnext\n"));
}

GRADED_TEST(PrintServerLines, FlushesWhatItPrintedBeforeReturning, 2,
            "stdout into a pipe is fully buffered: print_server_lines calls fflush(out) before it "
            "returns, or the user sees nothing (README §4.1)")
{
    SocketPair pair;
    nb::LineBuffer from_server{chat::kMaxServerLineBytes};
    testkit::FdPair printed = testkit::pipe_pair(O_NONBLOCK);
    std::FILE* out = ::fdopen(printed.second.release(), "w");
    ASSERT_NE(out, nullptr);
    std::setvbuf(out, nullptr, _IOFBF, BUFSIZ);  // as stdout is when it is not a terminal
    testkit::write_fully(pair.server.get(), "Welcome!\n");
    EXPECT_TRUE(chat::print_server_lines(pair.client.get(), from_server, out));
    std::string seen(64, '\0');
    const ssize_t n = ::read(printed.first.get(), seen.data(), seen.size());
    seen.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    std::fclose(out);
    EXPECT_EQ(testkit::printable(seen), testkit::printable("Welcome!\n"))
        << "after print_server_lines returned, the line was still in the FILE's buffer";
}

GRADED_TEST(RunClientLoop, RetriesWhenASignalInterruptsEpollWait, 3,
            "a signal while run_client_loop waits in epoll_wait gives EINTR: wait again; it is "
            "neither an error nor the end (README §4.3)")
{
    SocketPair pair;
    testkit::FdPair pipe = testkit::pipe_pair();  // the child: alive and silent
    Printed out;
    chat::ClientEnd end = chat::ClientEnd::UserDone;
    const std::string error = testkit::interrupt_blocked_call(
        [&] { end = chat::run_client_loop(pair.client, pipe.first, out.file()); },
        [&] {
            testkit::write_fully(pair.server.get(), "after the signal\n");
            pair.server.reset();
        });
    ASSERT_TRUE(error.empty()) << "run_client_loop threw after a signal interrupted epoll_wait: "
                               << error;
    EXPECT_EQ(end, chat::ClientEnd::ServerClosed);
    EXPECT_EQ(testkit::printable(out.text()), testkit::printable("after the signal\n"));
}

GRADED_TEST(RunClientLoop, SendsAQueueLargerThanTheSocketBufferBeforeReturningUserDone, 3,
            "at the end of the pipe, run_client_loop goes on waiting for EPOLLOUT until every "
            "queued byte went out, however little the socket takes at once (README §4.3)")
{
    SocketPair pair;
    shrink_buffers(pair);
    testkit::FdPair pipe = testkit::pipe_pair();
    std::string typed;
    for (int i = 0; typed.size() < 48 * 1024; ++i)
        typed += "line " + std::to_string(i) + " of what the user typed before Ctrl-D\n";
    testkit::write_fully(pipe.second.get(), typed);  // fits in the pipe (64 KiB)
    pipe.second.reset();                             // the child is done
    Printed out;
    LoopThread loop(pair.client, pipe.first, out.file());
    // Nobody reads the socket until the loop waits (or returned): the queue is larger than the
    // socket takes, so a loop that returns now has dropped its tail.
    loop.wait_until_blocked();
    std::string arrived;
    while (!loop.done()) {
        pollfd ready{pair.server.get(), POLLIN, 0};
        const testkit::Deadline deadline(testkit::kDefaultWait);
        if (::poll(&ready, 1, deadline.poll_timeout_ms()) != 1) break;  // stalled
        read_available(pair.server.get(), arrived);
    }
    const bool stalled = !loop.done();
    if (stalled) pair.server.reset();  // the loop sees the server gone and returns
    loop.join();
    read_available(pair.server.get(), arrived);
    ASSERT_TRUE(loop.error().empty()) << "run_client_loop threw: " << loop.error();
    ASSERT_FALSE(stalled) << "run_client_loop sent nothing for "
                          << testkit::scaled(testkit::kDefaultWait).count() << " ms";
    EXPECT_EQ(loop.end(), chat::ClientEnd::UserDone);
    EXPECT_TRUE(arrived == typed) << arrived.size() << " of the " << typed.size()
                                  << " bytes queued arrived before run_client_loop returned";
}

GRADED_TEST(RunClientLoop, StopsReadingThePipeWhileLinesWaitForTheServer, 3,
            "backpressure: while bytes wait for the server, run_client_loop does not read the "
            "pipe, so its memory stays bounded when the server does not read (README §4.3)")
{
    SocketPair pair;
    shrink_buffers(pair);
    // The server reads nothing, and its socket is full before the loop starts.
    const std::string junk(1024, 'j');
    while (::write(pair.client.get(), junk.data(), junk.size()) > 0) {
    }
    testkit::FdPair pipe = testkit::pipe_pair(O_NONBLOCK);  // the test writes it without blocking
    const std::string line = std::string(1023, 'x') + "\n";
    const auto fill_pipe = [&] {
        std::size_t wrote = 0;
        for (ssize_t n = 0; (n = ::write(pipe.second.get(), line.data(), line.size())) > 0;)
            wrote += static_cast<std::size_t>(n);
        return wrote;
    };
    fill_pipe();  // the first pipeful: the loop reads it and queues it, but cannot send it
    Printed out;
    LoopThread loop(pair.client, pipe.first, out.file());
    // From now on, every time the loop waits, the test fills the pipe again. A loop that stops
    // reading the pipe while lines wait leaves it full: after the first refill, not one byte fits.
    constexpr int kRounds = 20;
    std::size_t refilled = 0;
    std::size_t after_full = 0;
    bool waited = true;
    for (int round = 0; round < kRounds && waited; ++round) {
        waited = loop.wait_until_blocked();
        const std::size_t wrote = fill_pipe();
        (round == 0 ? refilled : after_full) += wrote;
    }
    pair.server.reset();  // the loop sees the server gone and returns
    loop.join();
    ASSERT_TRUE(loop.error().empty()) << "run_client_loop threw: " << loop.error();
    ASSERT_TRUE(waited) << "run_client_loop returned (or never waited in epoll_wait) while the "
                           "user was still typing and the server was there";
    EXPECT_EQ(after_full, 0u)
        << "the server read nothing, yet run_client_loop went on reading the pipe: "
        << refilled + after_full << " bytes more after the first pipeful (" << kRounds
        << " refills); it must stop watching the pipe while to_server is not empty";
}
