// chat_client: lab04's chat client (given; the work is in stdin_reader.cpp and client_loop.cpp).
//
//   chat_client [--host ADDR] [--port N]
//
// Connects to the chat server, then runs as two processes: a child that reads the lines you type
// and a parent that sends them and prints what the server says. `exit` (any case) or the end of
// the input quits; so does the server closing the connection. stdout carries exactly the server's
// lines; the client's own notes go to stderr.
#include <cstdio>
#include <exception>

#include "common/address.h"
#include "common/cli.h"
#include "lab04_fork_pipe_client/client_loop.h"
#include "lab01_blocking/net.h"
#include "lab04_fork_pipe_client/stdin_reader.h"

int main(int argc, char** argv)
{
    const kit::ProgramInfo info{
        "chat_client", "lab04: chat with a chat server (fork + pipe + epoll)", {}};
    const kit::Options options = kit::parse_command_line(argc, argv, info);
    try {
        kit::Fd server = net::connect_tcp(options.host, options.port);
        const int close_in_child[] = {server.get()};
        chat::StdinReader reader = chat::start_stdin_reader(close_in_child);
        std::fprintf(
            stderr,
            "chat_client: connected to %s; type a line to send it, 'exit' or Ctrl-D to quit\n",
            kit::host_port(options.host, options.port).c_str());

        const chat::ClientEnd end = chat::run_client_loop(server, reader.lines, stdout);
        server.reset();  // close the connection: the server reads EOF now
        if (end == chat::ClientEnd::ServerClosed) {
            std::fprintf(stderr, "chat_client: the server closed the connection\n");
        }
        // After the server left, the child is still blocked reading stdin: stop it, then reap it.
        chat::stop_stdin_reader(reader, /*terminate=*/end == chat::ClientEnd::ServerClosed);
        return 0;
    } catch (const std::exception& e) {
        // A child already started dies with us (PR_SET_PDEATHSIG in start_stdin_reader).
        std::fprintf(stderr, "chat_client: %s\n", e.what());
        return 1;
    }
}
