// chat_client: lab05's chat client (given; your part is screen_guard.cpp).
//
//   chat_client [--host ADDR] [--port N]
//
// lab04's client, linked, not copied (start_stdin_reader, run_client_loop), with three additions
// (README §5): every server line is shown through neutralise(), so no user can drive your terminal;
// error lines stand out in bold red when stdout is a terminal; `/quit` (any case) ends the client
// like `exit` does, whether or not the server knows the command. stdout carries the server's lines
// (guarded); the client's own notes go to stderr.
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "common/address.h"
#include "common/cli.h"
#include "lab01_blocking/net.h"
#include "lab04_fork_pipe_client/client_loop.h"
#include "lab04_fork_pipe_client/stdin_reader.h"
#include "lab05_full_chat/client_quit.h"
#include "lab05_full_chat/client_screen.h"

int main(int argc, char** argv)
{
    const kit::ProgramInfo info{
        "chat_client", "lab05: chat in the chat room (lab04's client, the terminal guarded)", {}};
    const kit::Options options = kit::parse_command_line(argc, argv, info);
    try {
        kit::Fd server = net::connect_tcp(options.host, options.port);
        const int close_in_child[] = {server.get()};
        chat::StdinReader reader = chat::start_stdin_reader(close_in_child);
        // After the fork: the child must not copy a thread's half-done state (client_quit.h).
        room::QuitWatcher watcher(reader.lines.get());
        room::Screen screen(STDOUT_FILENO, room::wants_highlight(STDOUT_FILENO));
        std::fprintf(stderr,
                     "chat_client: connected to %s; type a line to send it, /help for the "
                     "commands, /quit, 'exit' or Ctrl-D to quit\n",
                     kit::host_port(options.host, options.port).c_str());

        const chat::ClientEnd end = chat::run_client_loop(server, watcher.lines(), screen.stream());
        const bool quit = watcher.quit_typed();
        if (end == chat::ClientEnd::UserDone) {
            // Print the server's last lines (`* bye`) until it closes; then close.
            if (!room::hear_the_server_out(server, screen.stream(), room::kGoodbyeWait)) {
                std::fprintf(stderr,
                             "chat_client: the server did not close the connection within %lld "
                             "ms; closing it\n",
                             static_cast<long long>(room::kGoodbyeWait.count()));
            }
        } else if (!quit) {
            std::fprintf(stderr, "chat_client: the server closed the connection\n");
        }
        server.reset();
        // After /quit or the server's close, the child is still blocked reading stdin: stop it.
        // After `exit` it has exited already: SIGTERM to it is harmless, as it stays a zombie
        // (its pid not reused) until stop_stdin_reader's waitpid.
        chat::stop_stdin_reader(reader, /*terminate=*/true);
        watcher.finish();
        return 0;
    } catch (const std::exception& e) {
        // A child already started dies with us (PR_SET_PDEATHSIG in start_stdin_reader).
        std::fprintf(stderr, "chat_client: %s\n", e.what());
        return 1;
    }
}
