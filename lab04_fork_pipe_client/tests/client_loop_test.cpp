// Unit tests of the parent's event-loop pieces (client_loop.cpp), run in the test process: the
// server is the other end of a socketpair, the stdin reader's pipe is a pipe the test writes.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "common/fd.h"
#include "lab04_fork_pipe_client/client_loop.h"
#include "testkit/failure.h"
#include "testkit/fd_pair.h"
#include "testkit/graded.h"

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

void put(int fd, std::string_view data)
{
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n <= 0) throw testkit::Failure("test: write failed");
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

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
    put(lines.pair.server.get(), "Welc");
    EXPECT_TRUE(lines.print());
    EXPECT_EQ(testkit::printable(lines.out.text()), "") << "half a line must wait for its '\\n'";
    put(lines.pair.server.get(), "ome!\nClientID 2 say >> hi\nClientID 3 say");
    EXPECT_TRUE(lines.print());
    EXPECT_EQ(testkit::printable(lines.out.text()),
              testkit::printable("Welcome!\nClientID 2 say >> hi\n"));
}

GRADED_TEST(PrintServerLines, PrintsTheLastLineAndSaysWhenTheServerCloses, 2,
            "EOF from the server ends the conversation; a last line without '\\n' still prints "
            "(README §4.1)")
{
    ServerLines lines;
    put(lines.pair.server.get(), "bye\nno newline");
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
    put(write_end.get(), "hello\nhalf");
    EXPECT_TRUE(chat::take_user_lines(read_end.get(), from_user, to_server));
    EXPECT_EQ(testkit::printable(to_server), testkit::printable("hello\n"));
    put(write_end.get(), " a line\n");
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
    put(write_end.get(), "one\ntwo\n");
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
    put(pair.server.get(), "Welcome!\nbye\n");
    pair.server.reset();
    Printed out;
    EXPECT_EQ(chat::run_client_loop(pair.client, read_end, out.file()),
              chat::ClientEnd::ServerClosed);
    EXPECT_EQ(testkit::printable(out.text()), testkit::printable("Welcome!\nbye\n"));
}
