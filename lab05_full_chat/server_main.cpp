// chat_server: lab05's chat room (given; the work is in reactor.cpp and room_server.cpp).
//
//   chat_server [--host ADDR] [--port N] [--mode lt|et] [--max-clients N] [--log info|debug]
//               [--redis HOST:PORT|/path/to/redis.sock] [--server-name NAME] [--redis-ttl MS]
//
// With --redis (README §8), the server also joins a federation of servers sharing one room
// through Redis; without it, it is exactly lab05's server.
// Prints "listening on ADDR:PORT" first (the real port, also for --port 0), then serves the room
// until SIGINT/SIGTERM: every member then reads "* the server is shutting down", the output still
// queued is written within 2 s, and the program exits with status 0. A federated server whose
// --server-name another live server holds stops the same way at its first join, and exits 1.
#include <malloc.h>
#include <sys/socket.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "common/address.h"
#include "common/cli.h"
#include "common/signals.h"
#include "common/sys_error.h"
#include "lab01_blocking/net.h"
#include "lab05_full_chat/room_server.h"
#include "lab05_full_chat/server_log.h"
#ifdef KIT_HAVE_HIREDIS
#include <unistd.h>

#include "lab05_full_chat/federation.h"
#endif

namespace {

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

// glibc's malloc gives the freed top of its heap back to the kernel (past 128 KiB) and maps
// blocks over 128 KiB on their own; a server whose output buffers come and go every turn then pays
// a page fault for every page it takes back, turn after turn (README §6). Keep freed memory for
// reuse instead, and serve every buffer up to the output limit from the heap.
void keep_freed_memory()
{
    ::mallopt(M_TRIM_THRESHOLD, 64 << 20);
    ::mallopt(M_TOP_PAD, 1 << 20);
    ::mallopt(M_MMAP_THRESHOLD, 4 << 20);
}

// A usage error (exit 2): what is wrong, then the usage text.
[[noreturn]] void usage_error(const std::string& what, const kit::ProgramInfo& info)
{
    std::fprintf(stderr, "chat_server: %s\n%s", what.c_str(), kit::usage_text(info).c_str());
    std::exit(2);
}

#ifdef KIT_HAVE_HIREDIS
// --redis, --server-name and --redis-ttl, checked; nothing without --redis.
std::optional<room::FederationConfig> federation_from(const kit::Options& options,
                                                      const kit::ProgramInfo& info)
{
    const std::string& redis = options.get("redis");
    if (redis.empty()) return std::nullopt;
    room::FederationConfig config;
    config.redis = redis;
    if (redis.find('/') == std::string::npos) {
        const std::size_t colon = redis.rfind(':');
        const std::string port = colon == std::string::npos ? "" : redis.substr(colon + 1);
        char* end = nullptr;
        const unsigned long value = std::strtoul(port.c_str(), &end, 10);
        if (colon == 0 || port.empty() || *end != '\0' || value < 1 || value > 65535) {
            usage_error("--redis wants HOST:PORT or the path of a unix socket, not '" + redis + "'",
                        info);
        }
    }
    config.server_name = options.get("server-name");
    if (config.server_name == "chat-HOST-PID") {  // the default: made unique here
        char host[256] = "host";
        ::gethostname(host, sizeof host - 1);
        config.server_name = "chat-" + std::string(host) + "-" + std::to_string(::getpid());
        for (char& c : config.server_name) {
            if (!room::valid_server_name(std::string(1, c))) c = '-';
        }
    }
    if (!room::valid_server_name(config.server_name)) {
        usage_error("--server-name wants 1 to 64 letters, digits, '_', '-' or '.', not '" +
                        config.server_name + "'",
                    info);
    }
    const std::string& ttl = options.get("redis-ttl");
    char* end = nullptr;
    errno = 0;
    const unsigned long long ms = std::strtoull(ttl.c_str(), &end, 10);
    if (ttl.empty() || ttl[0] == '-' || *end != '\0' || errno != 0 || ms < 300 || ms > 600000) {
        usage_error("--redis-ttl wants milliseconds from 300 to 600000, not '" + ttl + "'", info);
    }
    config.ttl = std::chrono::milliseconds(ms);
    return config;
}
#endif

}  // namespace

int main(int argc, char** argv)
{
    keep_freed_memory();
    const kit::ProgramInfo info{
        "chat_server",
        "lab05: the full chat room (a reactor, commands, limits, graceful shutdown)",
        {{"mode", "lt|et", "epoll triggering: level (lt) or edge (et)", "et", {"lt", "et"}},
         {"max-clients", "N", "members at most; one more is told the room is full", "10000", {}},
         {"log",
          "info|debug",
          "what to log on stderr (debug: every join and departure)",
          "info",
          {"info", "debug"}},
         {"redis",
          "HOST:PORT|PATH",
          "join the servers sharing one room through this Redis (README §8); empty: none",
          "",
          {}},
         {"server-name", "NAME", "this server's name in the federation", "chat-HOST-PID", {}},
         {"redis-ttl",
          "MS",
          "a dead server's members leave the federation after about this long",
          "3000",
          {}}}};
    const kit::Options options = kit::parse_command_line(argc, argv, info);
    const chat::Mode mode = options.get("mode") == "lt" ? chat::Mode::Lt : chat::Mode::Et;
    room::ServerLimits limits;
    limits.max_clients = max_clients_from(options.get("max-clients"), info);
    const room::Log log(room::parse_log_level(options.get("log")));
#ifdef KIT_HAVE_HIREDIS
    const std::optional<room::FederationConfig> federation_config = federation_from(options, info);
#else
    if (!options.get("redis").empty()) {
        usage_error(
            "--redis: this chat_server was built without hiredis (install libhiredis-dev "
            "and build again: make setup)",
            info);
    }
#endif
    try {
        // SIGINT and SIGTERM arrive as events on a signalfd the loop watches (common/signals.h).
        kit::Fd stop = kit::stop_on_sigint_sigterm();
        // A burst of clients connecting at once waits in the accept queue: make it long.
        kit::Fd listener = net::listen_tcp(options.host, options.port, SOMAXCONN);
        const std::uint16_t port = net::bound_port(listener);
        room::Server server(std::move(listener), mode, std::move(stop), limits, log);
#ifdef KIT_HAVE_HIREDIS
        // Connected (asynchronously) before the ready line, so that the descriptors the tests
        // count from that line include Redis's; destroyed before the server it is a peer of.
        std::unique_ptr<room::Federation> federation;
        bool name_taken = false;
        if (federation_config) {
            federation = std::make_unique<room::Federation>(
                server.reactor(), mode, server.chat_room(), log, *federation_config);
            // Refused like a port in use, but Redis answers after the ready line: stop through
            // the stop descriptor (SIGTERM is blocked and read from a signalfd), so that a member
            // who came already is told and flushed as at any shutdown.
            federation->start([&name_taken] {
                name_taken = true;
                ::raise(SIGTERM);
            });
        }
#endif
        std::printf("listening on %s\n", kit::host_port(options.host, port).c_str());
        std::fflush(stdout);  // the autograder waits for this line: do not leave it in a buffer
        log.info("mode %s, at most %zu clients", std::string(chat::to_string(mode)).c_str(),
                 limits.max_clients);
        server.run();
#ifdef KIT_HAVE_HIREDIS
        if (name_taken) {
            std::fprintf(stderr,
                         "chat_server: another server named '%s' is alive in this federation (its "
                         "presence key is fresh): choose another --server-name, or wait up to "
                         "%lld ms if that server just died\n",
                         federation_config->server_name.c_str(),
                         static_cast<long long>(federation_config->ttl.count()));
            return 1;
        }
#endif
        log.info("exiting");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chat_server: %s\n", e.what());
        return 1;
    }
    return 0;
}
