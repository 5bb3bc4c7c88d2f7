// chat_server: lab03's epoll chat room (given; the work is in chat_server.cpp).
//
//   chat_server [--host ADDR] [--port N] [--mode lt|et]
//
// Prints "listening on ADDR:PORT" first (the real port, also for --port 0), then serves the room
// until SIGINT/SIGTERM, which end it with exit status 0.
#include <sys/socket.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <exception>

#include "common/address.h"
#include "common/cli.h"
#include "common/signals.h"
#include "common/sys_error.h"
#include "lab01_blocking/net.h"
#include "lab03_epoll_server/chat_server.h"

int main(int argc, char** argv)
{
    const kit::ProgramInfo info{
        "chat_server",
        "lab03: the epoll chat room (one thread, one epoll_wait loop)",
        {{"mode", "lt|et", "epoll triggering: level (lt) or edge (et)", "lt", {"lt", "et"}}}};
    const kit::Options options = kit::parse_command_line(argc, argv, info);
    const chat::Mode mode = options.get("mode") == "et" ? chat::Mode::Et : chat::Mode::Lt;
    try {
        // SIGINT and SIGTERM arrive as events on a signalfd the loop watches (common/signals.h).
        kit::Fd stop = kit::stop_on_sigint_sigterm();
        // A burst of clients connecting at once waits in the accept queue: make it long.
        kit::Fd listener = net::listen_tcp(options.host, options.port, SOMAXCONN);
        const std::uint16_t port = net::bound_port(listener);
        chat::ChatServer server(std::move(listener), mode, std::move(stop));
        std::printf("listening on %s\n", kit::host_port(options.host, port).c_str());
        std::fflush(stdout);  // the autograder waits for this line: do not leave it in a buffer
        std::fprintf(stderr, "chat_server: mode %s\n", std::string(chat::to_string(mode)).c_str());
        server.run();
        std::fprintf(stderr, "chat_server: signal received, %zu clients online, exiting\n",
                     server.client_count());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chat_server: %s\n", e.what());
        return 1;
    }
    return 0;
}
