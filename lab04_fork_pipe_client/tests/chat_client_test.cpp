// Black-box tests of chat_client: the real program, its stdin on a pipe the test writes (or on a
// pseudo-terminal), talking to the testkit's scripted FakeServer that records every byte.
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "testkit/child_process.h"
#include "testkit/failure.h"
#include "testkit/fake_server.h"
#include "testkit/graded.h"
#include "testkit/lab.h"
#include "testkit/pipe_chat.h"
#include "testkit/proc.h"
#include "testkit/pty.h"

using testkit::ChildProcess;
using testkit::Duration;
using testkit::FakeServer;
using testkit::printable;

namespace {

// A chat_client connected to a FakeServer, its stdin a pipe the test writes.
using Chat = testkit::PipeChat;

std::string describe_processes(const std::vector<pid_t>& pids)
{
    std::string text;
    for (const pid_t pid : pids) {
        const char state = testkit::process_state(pid);
        text +=
            "    pid " + std::to_string(pid) +
            (state == 'Z' ? ": a zombie: it exited, and its parent never reaped it with waitpid\n"
                          : ": still running (state " + std::string(1, state ? state : '?') +
                                "): an orphan nobody stopped\n");
    }
    return text;
}

// Wait until no process of the client's group is left, zombies included: the client reaped its
// child before it exited. Returns a failure description, or "" when the group is empty.
std::string wait_for_empty_group(pid_t group, Duration timeout)
{
    std::vector<pid_t> left;
    const bool empty = testkit::eventually(
        [&] {
            left = testkit::processes_in_group(group);
            return left.empty();
        },
        timeout);
    if (empty) return "";
    return "after the client exited, " + std::to_string(left.size()) +
           " process(es) of its group remain:\n" + describe_processes(left);
}

// The client's forked child (the stdin reader), once it exists.
pid_t wait_for_child(ChildProcess& client)
{
    std::vector<pid_t> children;
    testkit::eventually(
        [&] {
            children = testkit::children_of(client.pid());
            return !children.empty() || !client.running();
        },
        Duration(5000));
    if (!children.empty()) return children.front();
    throw testkit::Failure(
        "expected chat_client to fork its stdin-reading child, but it has no child process");
}

// The bytes the server must see for @p typed: what the client sent, then EOF.
void expect_client_sent_exactly(Chat& chat, const std::string& expected)
{
    const std::string received = chat.server.wait_for_eof();
    EXPECT_TRUE(received == expected)
        << "the server received " << received.size() << " bytes:\n  '" << printable(received, 300)
        << "'\nexpected exactly " << expected.size() << " bytes:\n  '" << printable(expected, 300)
        << "'\n";
}

// Type @p input into a fresh client, end its input, and check the server then received exactly
// @p expected.
void expect_typing_sends(const std::string& input, const std::string& expected)
{
    Chat chat;
    chat.client.write_stdin(input);
    chat.client.close_stdin();
    expect_client_sent_exactly(chat, expected);
}

// The end of a quit after the user typed "hello": the client exited 0, the server received
// exactly "hello\n" and then EOF, and no process of the client's group is left.
void expect_quit_after_hello(Chat& chat, const testkit::ExitStatus& status)
{
    EXPECT_TRUE(status.exited_with(0));
    expect_client_sent_exactly(chat, "hello\n");
    const std::string left = wait_for_empty_group(chat.client.pid(), testkit::kDefaultWait);
    EXPECT_EQ(left, "");
}

// One open fd of another process, as /proc shows it.
struct FdInfo {
    int fd = -1;
    std::string target;  // "pipe:[123]", "socket:[456]", "anon_inode:[eventpoll]", "/dev/null"
    int flags = 0;       // the open flags, O_CLOEXEC included when the fd is close-on-exec
    [[nodiscard]] bool close_on_exec() const { return (flags & O_CLOEXEC) != 0; }
    [[nodiscard]] bool write_only() const { return (flags & O_ACCMODE) == O_WRONLY; }
};

// Every fd of @p pid, ascending; empty if the process is gone.
std::vector<FdInfo> fd_infos(pid_t pid)
{
    std::vector<FdInfo> infos;
    const std::string dir = "/proc/" + std::to_string(pid);
    std::vector<int> fds;
    try {
        fds = testkit::open_fds(pid);
    } catch (const testkit::Failure&) {
        return infos;
    }
    for (const int fd : fds) {
        FdInfo info;
        info.fd = fd;
        char target[256];
        const ssize_t n =
            ::readlink((dir + "/fd/" + std::to_string(fd)).c_str(), target, sizeof target - 1);
        if (n <= 0) continue;  // closed meanwhile
        info.target.assign(target, static_cast<std::size_t>(n));
        std::ifstream fdinfo(dir + "/fdinfo/" + std::to_string(fd));
        for (std::string key; fdinfo >> key;) {
            if (key == "flags:") {
                fdinfo >> std::oct >> info.flags;
                break;
            }
        }
        infos.push_back(info);
    }
    return infos;
}

bool is_pipe(const FdInfo& info)
{
    return info.target.rfind("pipe:", 0) == 0;
}

// The parent's only blocking call: epoll_wait (as the C library makes it).
bool waits_in_epoll(pid_t pid)
{
    return testkit::sleeps_in(pid, {
#ifdef SYS_epoll_wait
                                       SYS_epoll_wait,
#endif
#ifdef SYS_epoll_pwait2
                                       SYS_epoll_pwait2,
#endif
                                       SYS_epoll_pwait});
}

// The child's only blocking calls: read(stdin), write(pipe). Once it sleeps in one, it has closed
// everything it was going to close: its fds are final, and a test can judge them at once.
bool child_settled(pid_t child)
{
    return testkit::sleeps_in(child, {SYS_read, SYS_write}) ||
           testkit::process_state(child) == '\0';
}

}  // namespace

GRADED_TEST(Conversation, PrintsServerLinesWhileTheUserIsIdleAndSendsTypedLines, 6,
            "the parent waits on the socket and the pipe at once: server lines print while nobody "
            "types, typed lines go out while the server is silent (README §2, §4.3)")
{
    Chat chat;
    chat.server.send("Welcome to the chat room! Your chat ID is: Client #1\n");
    EXPECT_EQ(chat.client.next_stdout_line(),
              std::string("Welcome to the chat room! Your chat ID is: Client #1"))
        << "the server sent its welcome line and the user typed nothing yet\n";
    chat.client.write_stdin("hello everyone\n");
    EXPECT_EQ(printable(chat.server.wait_for_bytes(15)), printable("hello everyone\n"));
    chat.server.send("ClientID 2 say >> hi there\n");
    EXPECT_EQ(chat.client.next_stdout_line(), std::string("ClientID 2 say >> hi there"));
}

GRADED_TEST(UserLines, ArriveAsExactlyTheTypedBytes, 6,
            "each line is sent as its bytes plus '\\n': no padding to a buffer size, no lost "
            "newline (README §4.2, mistake 4)")
{
    Chat chat;
    // Typed as a user types: each line reaches the server before the next one is typed.
    std::string typed;
    for (const std::string line : {"hello\n", "second line\n", "third: ok\n"}) {
        chat.client.write_stdin(line);
        typed += line;
        chat.server.wait_for_bytes(typed.size());
    }
    chat.client.close_stdin();
    expect_client_sent_exactly(chat, typed);
}

GRADED_TEST(UserLines, TenKilobyteLineArrivesWhole, 4,
            "a line longer than one read(2) is sent whole, as one line (README §3.3, mistake 15)")
{
    std::string line;
    for (int i = 0; i < 10 * 1024; ++i)
        line += static_cast<char>('a' + (i * 7) % 26);
    expect_typing_sends(line + "\nafter\n", line + "\nafter\n");
}

GRADED_TEST(UserLines, LastLineWithoutNewlineArrivesWhole, 4,
            "input may end without '\\n': the last line is sent whole, not cut by strlen - 1 "
            "(README §3.3, mistake 15)")
{
    expect_typing_sends("first\nlast words", "first\nlast words\n");
}

GRADED_TEST(UserLines, EmptyLinesAreNotSent, 2,
            "an empty line is not a message: the client does not send it (README §3.3)")
{
    expect_typing_sends("\nfirst\n\n\nsecond\n\n", "first\nsecond\n");
}

GRADED_TEST(ServerLines, PrintWholeWhenSentOneByteAtATime, 4,
            "a server line that arrives in pieces prints once, whole (README §4.1, mistake 12)")
{
    Chat chat;
    const std::string welcome = "Welcome to the chat room! Your chat ID is: Client #1\n";
    const std::string message = "ClientID 2 say >> pieces\n";
    chat.server.send_in_pieces(welcome, 1);
    chat.server.send_in_pieces(message, 1);
    EXPECT_TRUE(chat.client.wait_for_stdout("pieces\n"));
    EXPECT_EQ(printable(chat.client.stdout_text()), printable(welcome + message))
        << "the server sent two lines, one byte per TCP segment\n";
}

GRADED_TEST(ServerLines, PrintEachOfSeveralLinesSentInOneSegment, 4,
            "one read may hold several lines: each prints on its own, nothing added (README §4.1)")
{
    Chat chat;
    const std::string lines =
        "ClientID 2 say >> one\nClientID 3 say >> two\nClientID 2 say >> three\n";
    chat.server.send(lines);
    EXPECT_TRUE(chat.client.wait_for_stdout("three\n"));
    chat.server.send("ClientID 4 say >> four\n");
    EXPECT_TRUE(chat.client.wait_for_stdout("four\n"));
    EXPECT_EQ(printable(chat.client.stdout_text()), printable(lines + "ClientID 4 say >> four\n"));
}

GRADED_TEST(Quitting, ExitInAnyCaseEndsTheClientAndTheConnection, 4,
            "'exit' quits: the child ends, the parent reads EOF on the pipe (its own write end "
            "closed), exits 0 and reaps the child (README §3.1, §3.3-3.4)")
{
    Chat chat;
    chat.client.write_stdin("hello\nExIt\nnot sent\n");  // stdin stays open: 'exit' alone must quit
    const testkit::ExitStatus status = chat.client.expect_exit();
    expect_quit_after_hello(chat, status);
}

GRADED_TEST(Quitting, EndOfInputEndsTheClientAndTheConnection, 4,
            "the end of stdin quits: the parent sees EOF on the pipe only if it closed its own "
            "write end (README §3.1, §3.4)")
{
    Chat chat;
    chat.client.write_stdin("hello\n");
    chat.client.close_stdin();
    const auto status = chat.client.wait_for_exit();
    ASSERT_TRUE(status.has_value())
        << "stdin ended but chat_client is still running: does the parent keep the pipe's write "
           "end open, so that it never reads EOF?\n";
    expect_quit_after_hello(chat, *status);
}

GRADED_TEST(ServerGone, ClientSaysSoStopsAndReapsItsChildAndExits0, 6,
            "when the server closes, the parent tells the user, terminates and reaps the child: no "
            "orphan, no zombie (README §3.4, mistake 9)")
{
    Chat chat;
    chat.client.write_stdin("hello\n");
    chat.server.wait_for_bytes(6);
    chat.server.send("goodbye\n");
    chat.server.close_connection();  // the user types nothing more: the child is blocked in read
    const auto status = chat.client.wait_for_exit();
    ASSERT_TRUE(status.has_value())
        << "the server closed the connection " << testkit::scaled(testkit::kDefaultWait).count()
        << " ms ago; chat_client still runs\n";
    EXPECT_TRUE(status->exited_with(0));
    EXPECT_EQ(chat.client.next_stdout_line(Duration(0)), std::string("goodbye"));
    EXPECT_NE(chat.client.stderr_text().find("closed the connection"), std::string::npos)
        << "the user should be told (on stderr) that the server closed the connection\n";
    const std::string left = wait_for_empty_group(chat.client.pid(), testkit::kDefaultWait);
    EXPECT_EQ(left, "");
    chat.server.wait_for_eof();
}

GRADED_TEST(ParentKilled, ChildDoesNotLingerAndTheConnectionCloses, 6,
            "if the parent dies (even by SIGKILL), the child must not live on as an orphan holding "
            "the terminal or the connection (README §3.2, mistakes 9 and 14)")
{
    Chat chat;
    const pid_t child = wait_for_child(chat.client);
    chat.client.write_stdin("hello\n");
    chat.server.wait_for_bytes(6);
    chat.client.send_signal(SIGKILL);
    chat.client.expect_exit();
    // The child is re-parented to this test (a child subreaper), so it shows as a zombie here once
    // it exits: that is our job to reap, not the dead parent's.
    std::vector<pid_t> alive;
    testkit::eventually([&] {
        alive.clear();
        for (const pid_t pid : testkit::processes_in_group(chat.client.pid())) {
            if (testkit::process_state(pid) == 'Z') {
                ::waitpid(pid, nullptr, WNOHANG);
            } else {
                alive.push_back(pid);
            }
        }
        return alive.empty();
    });
    EXPECT_TRUE(alive.empty()) << testkit::scaled(testkit::kDefaultWait).count()
                               << " ms after the parent (pid " << chat.client.pid()
                               << ") was killed with SIGKILL, its child (pid " << child
                               << ") still runs:\n"
                               << describe_processes(alive)
                               << "  (PR_SET_PDEATHSIG in the child makes the kernel stop it)\n";
    chat.server.wait_for_eof();
}

GRADED_TEST(
    ChildFds, HoldsNoSocketAndNoEpollFd, 6,
    "fork copies every fd, close-on-exec or not: the child must close the socket (and never "
    "hold the epoll fd) (README §3.2, mistake 14)")
{
    Chat chat;
    const pid_t child = wait_for_child(chat.client);
    // The child closes what it must not hold right after fork: give it a moment to get there.
    std::string fds;
    const auto no_socket = [&] {
        fds = testkit::describe_fds(child);
        return fds.find("socket:") == std::string::npos &&
               fds.find("eventpoll") == std::string::npos;
    };
    testkit::eventually([&] { return no_socket() || child_settled(child); });
    const bool clean = no_socket();
    EXPECT_TRUE(clean) << "the stdin-reading child (pid " << child
                       << ") should hold no socket and no epoll fd "
                          "(only stdin, stdout, stderr, the pipe's write end and what the test "
                          "environment passed down); it holds:\n"
                       << fds;
}

GRADED_TEST(Terminal, TypedLinesReachTheServerAndCtrlDQuits, 4,
            "on a real terminal: Enter sends the line, Ctrl-D at the start of a line is the end of "
            "input (README §3.3)")
{
    FakeServer server;
    testkit::Pty terminal;
    const auto [program, args] = terminal.command_with_stdin(testkit::lab_program("chat_client"),
                                                             {"--port", server.port_arg()});
    ChildProcess client(program, args);
    server.accept_client();
    server.send("Welcome to the chat room! Your chat ID is: Client #1\n");
    EXPECT_EQ(client.next_stdout_line(),
              std::string("Welcome to the chat room! Your chat ID is: Client #1"));
    terminal.type("hello from a terminal\r");
    EXPECT_EQ(printable(server.wait_for_bytes(22)), printable("hello from a terminal\n"));
    terminal.type("\rsecond\r");
    terminal.type(std::string(1, testkit::Pty::kEndOfFile));
    const testkit::ExitStatus status = client.expect_exit();
    EXPECT_TRUE(status.exited_with(0)) << "Ctrl-D should end the client\n";
    const std::string received = server.wait_for_eof();
    EXPECT_EQ(printable(received), printable("hello from a terminal\nsecond\n"));
}

GRADED_TEST(ChildFds, HoldsOnlyItsStandardStreamsAndThePipesWriteEnd, 4,
            "start_stdin_reader: the child closes the pipe's read end and what it was given to "
            "close; it keeps 0, 1, 2 and the write end only (README §3.1-3.2)")
{
    Chat chat;
    const pid_t child = wait_for_child(chat.client);
    // The child closes what is not its job right after fork: give it a moment to get there.
    std::vector<FdInfo> fds;
    const auto exactly_its_own = [&] {
        fds = fd_infos(child);
        return fds.size() == 4 && fds[0].fd == 0 && fds[1].fd == 1 && fds[2].fd == 2 &&
               is_pipe(fds[3]) && fds[3].write_only();
    };
    testkit::eventually([&] { return exactly_its_own() || child_settled(child); });
    EXPECT_TRUE(exactly_its_own())
        << "the stdin-reading child (pid " << child
        << ") should hold exactly stdin, stdout, stderr and the pipe's write end (a child that "
           "keeps the read end never gets EPIPE once the parent is gone); it holds:\n"
        << testkit::describe_fds(child);
}

GRADED_TEST(CloseOnExec, EveryFdTheClientCreatesIsCloseOnExec, 4,
            "start_stdin_reader's pipe2(O_CLOEXEC) and run_client_loop's "
            "epoll_create1(EPOLL_CLOEXEC): no fd the client creates may leak into a program it "
            "starts (README §3.2)")
{
    Chat chat;
    const pid_t child = wait_for_child(chat.client);
    // The parent's: 0-2, the socket, the pipe's read end, the epoll fd (made after the fork).
    std::vector<FdInfo> parent;
    const bool has_epoll = testkit::eventually([&] {
        parent = fd_infos(chat.client.pid());
        return std::any_of(parent.begin(), parent.end(), [](const FdInfo& info) {
            return info.target.find("eventpoll") != std::string::npos;
        });
    });
    ASSERT_TRUE(has_epoll) << "chat_client has no epoll fd:\n"
                           << testkit::describe_fds(chat.client.pid());
    std::vector<FdInfo> created;
    for (const FdInfo& info : parent)
        if (info.fd > 2) created.push_back(info);
    testkit::eventually([&] { return child_settled(child); });  // the child closed what it must
    for (const FdInfo& info : fd_infos(child))
        if (info.fd > 2 && is_pipe(info)) created.push_back(info);
    std::string open_across_exec;
    for (const FdInfo& info : created) {
        if (!info.close_on_exec()) {
            open_across_exec += "    fd " + std::to_string(info.fd) + " -> " + info.target + "\n";
        }
    }
    EXPECT_EQ(open_across_exec, "") << "these fds of chat_client or its child are not "
                                       "close-on-exec:\n";
}

GRADED_TEST(Signals, StopAndContinueDoNotEndTheClient, 4,
            "after SIGSTOP and SIGCONT (Ctrl-Z, fg) epoll_wait returns EINTR: run_client_loop "
            "waits again, it is neither an error nor the end (README §4.3)")
{
    Chat chat;
    chat.server.send("Welcome!\n");
    ASSERT_EQ(chat.client.next_stdout_line(), std::string("Welcome!"));
    const pid_t group = chat.client.pid();
    // Stopped while it waits in epoll_wait, the call returns EINTR after SIGCONT.
    ASSERT_TRUE(testkit::eventually([&] { return waits_in_epoll(chat.client.pid()); }))
        << "chat_client never waited in epoll_wait";
    ::kill(-group, SIGSTOP);  // the whole job, as Ctrl-Z stops it
    const bool stopped =
        testkit::eventually([&] { return testkit::process_state(chat.client.pid()) == 'T'; });
    ::kill(-group, SIGCONT);
    ASSERT_TRUE(stopped) << "chat_client never showed as stopped after SIGSTOP";
    chat.client.write_stdin("back again\n");
    EXPECT_EQ(printable(chat.server.wait_for_bytes(11)), printable("back again\n"));
    chat.server.send("ClientID 2 say >> welcome back\n");
    EXPECT_EQ(chat.client.next_stdout_line(), std::string("ClientID 2 say >> welcome back"));
    EXPECT_TRUE(chat.client.running()) << "chat_client ended after SIGSTOP and SIGCONT";
}
