// Black-box tests of lab05's chat_client: the real program against the testkit's scripted
// FakeServer, its stdin and stdout on a pseudo-terminal (what a user sees, escape sequences and
// all) or on pipes.
#include <string>
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

using namespace std::string_literals;  // "..."s: a string that may hold a NUL

const std::string kWelcome = "Welcome to the chat room! Your chat ID is: Client #1\n";

// Two error lines around a notice, as the server sends them; the second carries an escape sequence
// of its own that must not end the client's red early.
const std::string kErrorsAndANotice =
    "error: the name alice is taken\n* alice is now bob\nerror: \x1b[0mnot red\n";

// @p text as the terminal shows it to whoever reads it: each "\n" arrives as "\r\n" (ONLCR).
std::string on_terminal(const std::string& text)
{
    std::string shown;
    for (const char c : text) {
        if (c == '\n') shown += '\r';
        shown += c;
    }
    return shown;
}

// An error line as the client shows it on a terminal: its own bold red around the neutralised
// text, and back to plain before the end of the line.
std::string in_bold_red(const std::string& line)
{
    return "\x1b[1;31m" + line + "\x1b[0m\n";
}

// A chat_client connected to a FakeServer, stdin and stdout on a pseudo-terminal.
struct TerminalChat {
    FakeServer server;
    testkit::Pty terminal;
    ChildProcess client{start(server, terminal)};
    TerminalChat() { server.accept_client(); }

    static ChildProcess start(const FakeServer& server, const testkit::Pty& terminal)
    {
        auto [program, args] = terminal.command_with_terminal(testkit::lab_program("chat_client"),
                                                              {"--port", server.port_arg()});
        testkit::SpawnOptions options;
        options.env = {"NO_COLOR="};  // empty is unset: colour on, whatever the grader's shell says
        return ChildProcess(program, args, options);
    }

    // Wait until the terminal shows @p text (given with "\n"), then compare all it showed.
    void expect_screen(const std::string& text)
    {
        const std::string expected = on_terminal(text);
        terminal.wait_for_output(expected);
        EXPECT_EQ(printable(terminal.output(), 2000), printable(expected, 2000))
            << "the terminal (chat_client's stdout) showed " << terminal.output().size()
            << " bytes; expected exactly " << expected.size() << " (left: as the bytes came)\n";
    }
};

// A chat_client connected to a FakeServer, stdin and stdout on pipes.
using testkit::PipeChat;

// Wait until no process of the client's group is left, zombies included; "" when none is.
std::string processes_left(pid_t group)
{
    std::vector<pid_t> left;
    if (testkit::eventually([&] {
            left = testkit::processes_in_group(group);
            return left.empty();
        })) {
        return "";
    }
    std::string text = "after chat_client exited, processes of its group remain:\n";
    for (const pid_t pid : left) {
        const char state = testkit::process_state(pid);
        text += "    pid " + std::to_string(pid) +
                (state == 'Z' ? ": a zombie (exited, never reaped)\n" : ": still running\n");
    }
    return text;
}

// The end of a quit: chat_client exited 0 and left no process behind.
void expect_clean_exit(ChildProcess& client, const std::string& what)
{
    const auto status = client.wait_for_exit(Duration(15000));
    ASSERT_TRUE(status.has_value()) << what << ", yet chat_client still runs\n";
    EXPECT_TRUE(status->exited_with(0)) << "chat_client ended: " << status->describe() << "\n";
    EXPECT_EQ(processes_left(client.pid()), "");
}

}  // namespace

GRADED_TEST(ClientScreen, HostileServerLinesArriveNeutralisedOnTheTerminal, 8,
            "chat_client shows every server line through neutralise: no other user can clear, "
            "rewrite or retitle your terminal; text and UTF-8 arrive intact (README §5.1-5.2)")
{
    TerminalChat chat;
    const std::string hostile =
        "ClientID 2 say >> \x1b[2J\x1b[H\x1b]0;pwned\x07gotcha\n"
        "ClientID 3 say >> honest\rClientID 2 say >> lies\b\b\b\bLIES\x7f\n"
        "ClientID 2 say >> \xc2\x9b"s +
        "2J \x9b"s + "31m\x00"s + "h\xc3\xa9llo \xf0\x9f\x99\x82\tend\n"s;
    chat.server.send(kWelcome + hostile);
    chat.expect_screen(
        kWelcome +
        "ClientID 2 say >> ^[[2J^[[H^[]0;pwned^Ggotcha\n"
        "ClientID 3 say >> honest^MClientID 2 say >> lies^H^H^H^HLIES^?\n"
        "ClientID 2 say >> \\u009b2J \\x9b31m^@h\xc3\xa9llo \xf0\x9f\x99\x82\tend\n");
}

GRADED_TEST(ClientErrors, StandOutOnATerminal, 4,
            "on a terminal, a line starting 'error: ' is shown bold red by the client's own escape "
            "sequence, around the neutralised text; other lines are plain (README §5.3)")
{
    TerminalChat chat;
    chat.server.send(kWelcome + kErrorsAndANotice);
    chat.expect_screen(kWelcome + in_bold_red("error: the name alice is taken") +
                       "* alice is now bob\n" + in_bold_red("error: ^[[0mnot red"));
}

GRADED_TEST(ClientErrors, ArePlainWhenStdoutIsNotATerminal, 3,
            "into a pipe or a file, error lines carry no escape sequence, and every line is still "
            "neutralised (README §5.3)")
{
    PipeChat chat;
    chat.server.send(kWelcome + kErrorsAndANotice);
    EXPECT_TRUE(chat.client.wait_for_stdout("not red\n"));
    EXPECT_EQ(printable(chat.client.stdout_text()),
              printable(kWelcome + "error: the name alice is taken\n* alice is now bob\n" +
                        "error: ^[[0mnot red\n"));
}

GRADED_TEST(ClientQuit, SlashQuitInAnyCaseEndsTheClientWithExit0AndNoProcessLeft, 5,
            "/quit goes to the server, whose '* bye' is shown before the client ends with exit 0, "
            "its stdin reader stopped and reaped (README §5.4)")
{
    TerminalChat chat;
    chat.server.send(kWelcome);
    chat.terminal.wait_for_output(on_terminal(kWelcome));
    chat.terminal.type("hello\r/QUIT\r");
    EXPECT_EQ(printable(chat.server.wait_for_bytes(12)), printable("hello\n/QUIT\n"));
    chat.server.send("* bye\n");
    chat.server.close_connection();
    chat.expect_screen(kWelcome + "* bye\n");
    expect_clean_exit(chat.client, "the user typed /QUIT and the server said '* bye' and closed");
    EXPECT_EQ(printable(chat.server.wait_for_eof()), printable("hello\n/QUIT\n"));
}

GRADED_TEST(ClientQuit, SlashQuitEndsTheClientAgainstAServerThatDoesNotKnowIt, 5,
            "a server that does not know /quit (lab03's) gets '/quit', then EOF: the client stops "
            "sending at once and ends when the server closes (README §5.4)")
{
    PipeChat chat;
    chat.server.send(kWelcome);
    EXPECT_EQ(chat.client.next_stdout_line(), kWelcome.substr(0, kWelcome.size() - 1));
    chat.client.write_stdin("/quit\nnot sent\n");  // stdin stays open: /quit alone must end it
    EXPECT_EQ(printable(chat.server.wait_for_eof()), printable("/quit\n"))
        << "after /quit the client sends nothing more and shuts its side down\n";
    chat.server.close_connection();
    expect_clean_exit(chat.client, "the user typed /quit, and the server closed the connection");
}
