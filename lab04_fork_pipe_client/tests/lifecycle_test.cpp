// Unit tests of the child's life (stdin_reader.cpp): start_stdin_reader forks this test process,
// with its stdin on a pipe the test writes, and stop_stdin_reader reaps the child. Each test looks
// at what a black-box test cannot see exactly: the parent's fds before and after (/proc/self/fd),
// the child's wait status, and waitpid interrupted by a signal.
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "common/fd.h"
#include "lab04_fork_pipe_client/stdin_reader.h"
#include "testkit/child_process.h"
#include "testkit/deadline.h"
#include "testkit/failure.h"
#include "testkit/fd_pair.h"
#include "testkit/graded.h"
#include "testkit/interrupt.h"
#include "testkit/proc.h"

namespace {

// The exit code a child that returned from start_stdin_reader into this test ends with.
constexpr int kReturnedIntoCaller = 97;

// This process's open fds, without the directory open_fds read /proc/self/fd with (closed by now).
std::vector<int> live_fds()
{
    std::vector<int> fds;
    for (const int fd : testkit::open_fds(::getpid())) {
        if (::fcntl(fd, F_GETFD) != -1) fds.push_back(fd);
    }
    return fds;
}

std::string describe_status(int status)
{
    if (WIFEXITED(status)) {
        const int code = WEXITSTATUS(status);
        return "exited with code " + std::to_string(code) +
               (code == kReturnedIntoCaller
                    ? " (the test's marker: the child returned from start_stdin_reader into the "
                      "caller's code, here the test; in chat_client it would run main's code)"
                    : "");
    }
    if (WIFSIGNALED(status)) return "was killed by " + testkit::signal_name(WTERMSIG(status));
    return "wait status " + std::to_string(status);
}

bool exited_0(int status)
{
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// A stdin reader forked from this test process, its stdin a pipe the test types into. The child
// is always reaped: by the test (stop_stdin_reader) or, if it still runs, here with SIGKILL.
class Reader {
public:
    Reader()
    {
        testkit::FdPair in = testkit::pipe_pair();
        typing_ = std::move(in.second);
        const kit::Fd saved(::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3));  // -1 if stdin was closed
        ::dup2(in.first.get(), STDIN_FILENO);
        // The child must hold none of the test's own ends: a child holding typing_ would never
        // read EOF. close_in_child is the way to say so, as chat_client does with its socket.
        std::vector<int> close_in_child{typing_.get(), in.first.get()};
        if (saved) close_in_child.push_back(saved.get());
        reader = chat::start_stdin_reader(close_in_child);
        if (::getpid() != owner_) ::_exit(kReturnedIntoCaller);  // a child that got here
        child_ = reader.pid;
        if (saved) {
            ::dup2(saved.get(), STDIN_FILENO);
        } else {
            ::close(STDIN_FILENO);
        }
    }
    ~Reader()
    {
        int status = 0;
        if (child_ > 0 && ::waitpid(child_, &status, WNOHANG) == 0) {
            ::kill(child_, SIGKILL);
            ::waitpid(child_, &status, 0);
        }
    }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    void type(std::string_view text)
    {
        while (!text.empty()) {
            const ssize_t n = ::write(typing_.get(), text.data(), text.size());
            if (n <= 0) throw testkit::Failure("test: writing the child's stdin failed");
            text.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    void end_input() { typing_.reset(); }
    [[nodiscard]] int typing_fd() const { return typing_.get(); }
    [[nodiscard]] pid_t child() const { return child_; }

    chat::StdinReader reader;

private:
    pid_t owner_ = ::getpid();
    pid_t child_ = -1;
    kit::Fd typing_;
};

// Everything the pipe @p fd carries until its end, each wait bounded; throws Failure if the end
// does not come (a write end still open somewhere).
std::string read_until_eof(int fd)
{
    std::string all;
    char buffer[4096];
    while (true) {
        const testkit::Deadline deadline(testkit::kDefaultWait);
        pollfd ready{fd, POLLIN, 0};
        if (::poll(&ready, 1, deadline.poll_timeout_ms()) != 1) {
            throw testkit::Failure(
                "the pipe's read end never reported EOF after the child ended ('" +
                testkit::printable(all) + "' came): a write end is still open somewhere");
        }
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n == 0) return all;
        if (n < 0 && errno != EINTR) throw testkit::Failure("test: reading the pipe failed");
        if (n > 0) all.append(buffer, static_cast<std::size_t>(n));
    }
}

// True once @p pid has been reaped (waitpid knows it no more).
bool reaped(pid_t pid)
{
    errno = 0;
    return ::waitpid(pid, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

}  // namespace

GRADED_TEST(StartStdinReader, LeavesTheParentOnlyTheCloseOnExecReadEnd, 3,
            "start_stdin_reader: the parent keeps the pipe's read end, close-on-exec "
            "(pipe2(O_CLOEXEC)), and closes its write end (README §3.1-3.2)")
{
    const std::vector<int> before = live_fds();
    Reader r;
    std::vector<int> expected = before;
    expected.push_back(r.typing_fd());
    expected.push_back(r.reader.lines.get());
    std::sort(expected.begin(), expected.end());
    ASSERT_EQ(live_fds(), expected)
        << "after start_stdin_reader the parent should hold exactly one new fd, the pipe's read "
           "end (fd "
        << r.reader.lines.get() << "); the test's own stdin pipe is fd " << r.typing_fd()
        << ". It holds:\n"
        << testkit::describe_fds(::getpid());
    EXPECT_TRUE(::fcntl(r.reader.lines.get(), F_GETFD) & FD_CLOEXEC)
        << "the pipe's read end is not close-on-exec: create the pipe with pipe2(ends, O_CLOEXEC)";
    r.type("hello\n");
    r.end_input();
    EXPECT_EQ(testkit::printable(read_until_eof(r.reader.lines.get())),
              testkit::printable("hello\n"));
    const int status = chat::stop_stdin_reader(r.reader, false);
    EXPECT_TRUE(exited_0(status)) << "the child " << describe_status(status);
    r.reader.lines.reset();
    EXPECT_EQ(live_fds(), before) << "after stop_stdin_reader and closing the read end:\n"
                                  << testkit::describe_fds(::getpid());
}

GRADED_TEST(StartStdinReader, ChildLeavesWithExitAndNeverReturnsIntoTheCaller, 3,
            "start_stdin_reader: the child's branch ends with _exit on every path; it must never "
            "return into the parent's code (README §3.2)")
{
    Reader r;
    r.end_input();
    const int status = chat::stop_stdin_reader(r.reader, false);
    EXPECT_TRUE(exited_0(status)) << "at the end of its input the child should _exit(0); it "
                                  << describe_status(status);
}

GRADED_TEST(StartStdinReader, ChildEndsQuietlyWhenThePipeHasNoReader, 2,
            "start_stdin_reader: the child ignores SIGPIPE, so a parent that is gone is EPIPE and "
            "the child ends with status 0, not killed by SIGPIPE (README §3.2)")
{
    // The test process ignores SIGPIPE, and a fork inherits that: give the child the default
    // action, as chat_client's child has, so that only its own signal(SIGPIPE, SIG_IGN) helps.
    ::signal(SIGPIPE, SIG_DFL);
    Reader r;
    ::signal(SIGPIPE, SIG_IGN);
    r.reader.lines.reset();  // the parent's read end: now the pipe has no reader
    r.type("hello\n");       // the child writes it into the pipe: EPIPE
    const bool ended =
        testkit::eventually([&] { return testkit::process_state(r.child()) == 'Z'; });
    ASSERT_TRUE(ended) << "the child (pid " << r.child()
                       << ") still runs after writing a line into a pipe nobody can read: it "
                          "should see EPIPE and end (does it hold a read end itself?)";
    const int status = chat::stop_stdin_reader(r.reader, false);
    EXPECT_TRUE(exited_0(status)) << "the child " << describe_status(status);
}

GRADED_TEST(StopStdinReader, WaitsUntilTheChildHasEnded, 2,
            "stop_stdin_reader must wait for the child with waitpid(pid, &status, 0), not "
            "WNOHANG: a child that is still running would be left a zombie (README §3.4)")
{
    Reader r;  // its stdin stays open: the child is blocked reading it
    const pid_t child = r.child();
    std::atomic<pid_t> tid{0};
    std::atomic<bool> done{false};
    int status = -1;
    std::string error;
    std::thread stopper([&] {
        tid = testkit::this_thread_id();
        try {
            status = chat::stop_stdin_reader(r.reader, false);
        } catch (const std::exception& e) {
            error = e.what();
        }
        done = true;
    });
    while (tid.load() == 0)
        std::this_thread::yield();  // ok: waits for the thread's first statement only
    const bool blocked =
        testkit::wait_until_blocked(tid.load(), testkit::kDefaultWait, [&] { return done.load(); });
    const bool returned_early = done.load();
    r.end_input();  // now the child reads EOF and exits
    stopper.join();
    ASSERT_TRUE(error.empty()) << "stop_stdin_reader threw: " << error;
    EXPECT_TRUE(blocked && !returned_early)
        << "stop_stdin_reader(reader, false) returned while the child was still running";
    EXPECT_TRUE(exited_0(status)) << "the child " << describe_status(status);
    EXPECT_TRUE(reaped(child)) << "the child (pid " << child
                               << ") was not reaped by stop_stdin_reader: a zombie";
}

GRADED_TEST(StopStdinReader, RetriesWhenASignalInterruptsWaitpid, 2,
            "a signal while stop_stdin_reader waits in waitpid gives EINTR: wait again, it is not "
            "an error (README §3.4)")
{
    Reader r;
    const pid_t child = r.child();
    int status = -1;
    const std::string error = testkit::interrupt_blocked_call(
        [&] { status = chat::stop_stdin_reader(r.reader, false); }, [&] { r.end_input(); });
    ASSERT_TRUE(error.empty()) << "stop_stdin_reader threw after a signal interrupted waitpid: "
                               << error;
    EXPECT_TRUE(exited_0(status)) << "the child " << describe_status(status);
    EXPECT_TRUE(reaped(child)) << "the child (pid " << child << ") was not reaped";
}
