// chat_server: lab05's chat room (given; the work is in reactor.cpp and room_server.cpp).
//
//   chat_server [--host ADDR] [--port N] [--mode lt|et] [--max-clients N] [--log info|debug]
//
// Prints "listening on ADDR:PORT" first (the real port, also for --port 0), then serves the room
// until SIGINT/SIGTERM: every member then reads "* the server is shutting down", the output still
// queued is written within 2 s, and the program exits with status 0.
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "common/address.h"
#include "common/cli.h"
#include "common/sys_error.h"
#include "lab01_blocking/net.h"
#include "lab05_full_chat/room_server.h"
#include "lab05_full_chat/server_log.h"

namespace {

// SIGINT and SIGTERM become readable events on a signalfd that the reactor watches like any
// socket (README §2.2): blocked first, so that they are never delivered the usual way, they wait
// in the descriptor until the loop reads them. No handler runs in the middle of a turn.
kit::Fd stop_on_sigint_sigterm()
{
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    if (::sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) throw kit::SysError("sigprocmask", errno);
    kit::Fd stop(::signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!stop) throw kit::SysError("signalfd(SIGINT, SIGTERM)", errno);
    return stop;
}

// --max-clients: a whole number from 1 to 1,000,000, or the usage error (exit 2).
std::size_t max_clients_from(const std::string& text, const kit::ProgramInfo& info)
{
    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || text[0] == '-' || *end != '\0' || errno != 0 || value < 1 ||
        value > 1000000) {
        std::fprintf(stderr,
                     "chat_server: --max-clients wants a number from 1 to 1000000, not '%s'\n%s",
                     text.c_str(), kit::usage_text(info).c_str());
        std::exit(2);
    }
    return static_cast<std::size_t>(value);
}

}  // namespace

int main(int argc, char** argv)
{
    const kit::ProgramInfo info{
        "chat_server",
        "lab05: the full chat room (a reactor, commands, limits, graceful shutdown)",
        {{"mode", "lt|et", "epoll triggering: level (lt) or edge (et)", "et", {"lt", "et"}},
         {"max-clients", "N", "members at most; one more is told the room is full", "10000", {}},
         {"log",
          "info|debug",
          "what to log on stderr (debug: every join and departure)",
          "info",
          {"info", "debug"}}}};
    const kit::Options options = kit::parse_command_line(argc, argv, info);
    const chat::Mode mode = options.get("mode") == "lt" ? chat::Mode::Lt : chat::Mode::Et;
    room::ServerLimits limits;
    limits.max_clients = max_clients_from(options.get("max-clients"), info);
    const room::Log log(room::parse_log_level(options.get("log")));
    try {
        kit::Fd stop = stop_on_sigint_sigterm();
        // A burst of clients connecting at once waits in the accept queue: make it long.
        kit::Fd listener = net::listen_tcp(options.host, options.port, SOMAXCONN);
        const std::uint16_t port = net::bound_port(listener);
        room::Server server(std::move(listener), mode, std::move(stop), limits, log);
        std::printf("listening on %s\n", kit::host_port(options.host, port).c_str());
        std::fflush(stdout);  // the autograder waits for this line: do not leave it in a buffer
        log.info("mode %s, at most %zu clients", std::string(chat::to_string(mode)).c_str(),
                 limits.max_clients);
        server.run();
        log.info("exiting");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chat_server: %s\n", e.what());
        return 1;
    }
    return 0;
}
