// chat_bench: the server under test as a child process (see server_process.h).
#include "server_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bench {

namespace {

using Clock = std::chrono::steady_clock;

// Up to 30 s for a server to come up (valgrind makes a server start slowly), 10 s to go down.
constexpr auto kStartDeadline = std::chrono::seconds(30);
constexpr auto kStopDeadline = std::chrono::seconds(10);

std::string errno_text(const std::string& call)
{
    return call + ": " + std::strerror(errno);
}

// A TCP port on 127.0.0.1 that was free just now, for Redis (which cannot listen on port 0 and
// report the port). Another program could take it before Redis binds it: start() then retries.
std::uint16_t free_port()
{
    kit::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw std::runtime_error(errno_text("socket"));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        throw std::runtime_error(errno_text("bind(127.0.0.1:0)"));
    }
    socklen_t length = sizeof address;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.sin_port);
}

// The last lines of the server's stderr file, for an error message.
std::string tail_of(const std::string& path)
{
    if (path.empty()) return "(its stderr went to /dev/null)";
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    std::string out;
    for (std::size_t i = lines.size() > 5 ? lines.size() - 5 : 0; i < lines.size(); ++i)
        out += "\n    " + lines[i];
    return out.empty() ? "(nothing on its stderr)" : out;
}

// The size of the file at @p path now (0 if it does not exist): where the next run's lines start
// in a stderr log that every run appends to.
off_t size_of(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

// Wait until @p text appears in the file @p path after @p offset, or @p deadline passes, or
// @p server_stdout hangs up (the server ended). inotify tells when the file grows: no sleep.
// Returns true when the text came.
bool wait_for_text(const std::string& path, off_t offset, const std::string& text,
                   int server_stdout, Clock::time_point deadline)
{
    kit::Fd watch(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!watch || ::inotify_add_watch(watch.get(), path.c_str(), IN_MODIFY) < 0) {
        throw std::runtime_error(errno_text("inotify on " + path));
    }
    std::ifstream in(path);
    in.seekg(offset);
    std::string seen;
    for (;;) {
        // Everything written so far (the watch was set before this read: nothing is missed).
        char buffer[4096];
        in.clear();
        while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
            seen.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (seen.find(text) != std::string::npos) return true;
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        pollfd p[2] = {{watch.get(), POLLIN, 0}, {server_stdout, POLLIN, 0}};
        if (::poll(p, 2, static_cast<int>(left.count())) <= 0) continue;
        if ((p[0].revents & POLLIN) != 0) {
            char events[4096];
            while (::read(watch.get(), events, sizeof events) > 0) {
            }
        }
        if ((p[1].revents & (POLLIN | POLLHUP)) != 0) {
            char rest[4096];  // its stdout after the ready line: nothing expected, end of it = exit
            if (::read(server_stdout, rest, sizeof rest) <= 0) return false;
        }
    }
}

std::vector<std::string> command_line(const Target& target, const StartOptions& options,
                                      std::uint16_t redis_port)
{
    std::vector<std::string> argv;
    if (options.cpu >= 0) argv = {"taskset", "-c", std::to_string(options.cpu)};
    argv.insert(argv.end(), options.wrap.begin(), options.wrap.end());
    argv.push_back(target.path);
    if (target.kind == Kind::Redis) {
        // No persistence (nothing written to disk, no fork for a snapshot), on loopback only,
        // logging to stdout where the bench reads the "ready" line.
        const std::vector<std::string> redis = {"--port",
                                                std::to_string(redis_port),
                                                "--bind",
                                                "127.0.0.1",
                                                "--save",
                                                "",
                                                "--appendonly",
                                                "no",
                                                "--daemonize",
                                                "no",
                                                "--protected-mode",
                                                "no",
                                                "--logfile",
                                                "",
                                                "--dir",
                                                options.work_dir,
                                                "--maxclients",
                                                std::to_string(options.max_clients)};
        argv.insert(argv.end(), redis.begin(), redis.end());
    } else {
        argv.insert(argv.end(), {"--host", "127.0.0.1", "--port", "0"});
    }
    argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
    return argv;
}

}  // namespace

Target parse_target(const std::string& spec)
{
    const std::string usage =
        "a target is NAME=KIND:PATH, NAME=KIND@HOST:PORT[,PORT...] (KIND: chat, room or redis) or "
        "NAME=fedN:PATH (N lab05 servers federated through Redis), not '" +
        spec + "'";
    const std::size_t equals = spec.find('=');
    const std::size_t split =
        equals == std::string::npos ? std::string::npos : spec.find_first_of(":@", equals);
    if (equals == 0 || split == std::string::npos || split + 1 == spec.size()) {
        throw std::invalid_argument(usage);
    }
    Target target;
    target.name = spec.substr(0, equals);
    const std::string kind = spec.substr(equals + 1, split - equals - 1);
    if (kind == "chat") {
        target.kind = Kind::Chat;
    } else if (kind == "room") {
        target.kind = Kind::Room;
    } else if (kind == "redis") {
        target.kind = Kind::Redis;
    } else if (kind.rfind("fed", 0) == 0 && kind.size() > 3 &&
               kind.find_first_not_of("0123456789", 3) == std::string::npos) {
        // fedN: lab05's room, on N servers sharing it through Redis.
        target.kind = Kind::Room;
        target.federated = std::stoi(kind.substr(3));
        if (target.federated < 1 || target.federated > 16 || spec[split] != ':') {
            throw std::invalid_argument("fedN wants N from 1 to 16 and a PATH (fedN:PATH), not '" +
                                        spec + "'");
        }
    } else {
        throw std::invalid_argument(
            "unknown target kind '" + kind +
            "' (chat: lab03's protocol, room: lab05's, redis: pub/sub, fedN: lab05 federated)");
    }
    if (spec[split] == ':') {
        target.path = spec.substr(split + 1);
        return target;
    }
    const std::string address = spec.substr(split + 1);
    const std::size_t colon = address.rfind(':');
    if (colon == std::string::npos || colon == 0) throw std::invalid_argument(usage);
    target.host = address.substr(0, colon);
    if (target.host.size() > 2 && target.host.front() == '[' && target.host.back() == ']') {
        target.host = target.host.substr(1, target.host.size() - 2);  // [::1]:8888
    }
    std::istringstream ports(address.substr(colon + 1));
    for (std::string text; std::getline(ports, text, ',');) {
        const unsigned long port =
            text.empty() || text.find_first_not_of("0123456789") != std::string::npos
                ? 0
                : std::stoul(text);
        if (port == 0 || port > 65535) throw std::invalid_argument(usage);
        target.ports.push_back(static_cast<std::uint16_t>(port));
    }
    if (target.ports.empty()) throw std::invalid_argument(usage);
    if (target.ports.size() > 1 && target.kind != Kind::Room) {
        throw std::invalid_argument(
            "several ports make a federation of lab05 servers: KIND room, "
            "not '" +
            spec + "'");
    }
    return target;
}

ServerProcess::ServerProcess(const Target& target, const StartOptions& options)
    : stderr_path_(options.stderr_path)
{
    if (target.path.empty()) {  // already running: connect to it, nothing to start
        host_ = target.host;
        port_ = target.ports.front();
        host_given_ = true;
        return;
    }
    if (!options.ready_on_stderr.empty() && options.stderr_path.empty()) {
        throw std::invalid_argument("waiting for a line on a server's stderr needs its log file");
    }
    for (int attempt = 1;; ++attempt) {
        const off_t log_start = options.stderr_path.empty() ? 0 : size_of(options.stderr_path);
        const std::uint16_t redis_port = target.kind == Kind::Redis ? free_port() : 0;
        const std::vector<std::string> args = command_line(target, options, redis_port);
        int out[2];
        if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error(errno_text("pipe2"));
        const pid_t pid = ::fork();
        if (pid < 0) throw std::runtime_error(errno_text("fork"));
        if (pid == 0) {
            // The child: stdout to the pipe, stderr to the log, stdin from nothing; then exec.
            ::dup2(out[1], STDOUT_FILENO);
            const int err =
                ::open(options.stderr_path.empty() ? "/dev/null" : options.stderr_path.c_str(),
                       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
            if (err >= 0) ::dup2(err, STDERR_FILENO);
            const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (null >= 0) ::dup2(null, STDIN_FILENO);
            std::vector<char*> argv;
            for (const std::string& arg : args)
                argv.push_back(const_cast<char*>(arg.c_str()));
            argv.push_back(nullptr);
            ::execvp(argv[0], argv.data());
            std::fprintf(stderr, "chat_bench: cannot run %s: %s\n", argv[0], std::strerror(errno));
            ::_exit(127);
        }
        ::close(out[1]);
        pid_ = pid;
        stdout_ = kit::Fd(out[0]);

        // Wait for the ready line, reading whole lines from the pipe, with a deadline.
        const std::string ready =
            target.kind == Kind::Redis ? "Ready to accept connections" : "listening on ";
        const auto deadline = Clock::now() + kStartDeadline;
        std::string text;
        bool up = false;
        bool ended = false;
        while (!up && !ended) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) break;
            pollfd p{stdout_.get(), POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char buffer[4096];
            const ssize_t n = ::read(stdout_.get(), buffer, sizeof buffer);
            if (n <= 0) {
                ended = n == 0 || errno != EINTR;
                continue;
            }
            text.append(buffer, static_cast<std::size_t>(n));
            for (std::size_t end; !up && (end = text.find('\n')) != std::string::npos;) {
                const std::string line = text.substr(0, end);
                text.erase(0, end + 1);
                const std::size_t at = line.find(ready);
                if (at == std::string::npos) continue;
                up = true;
                if (target.kind == Kind::Redis) {
                    port_ = redis_port;
                } else {
                    port_ =
                        static_cast<std::uint16_t>(std::stoul(line.substr(line.rfind(':') + 1)));
                }
            }
        }
        if (up && !options.ready_on_stderr.empty() &&
            !wait_for_text(options.stderr_path, log_start, options.ready_on_stderr, stdout_.get(),
                           deadline)) {
            const std::string how = stop();
            throw std::runtime_error(target.name + " (" + target.path + ") listened, but never " +
                                     "logged '" + options.ready_on_stderr + "' (" + how +
                                     "); its stderr:" + tail_of(stderr_path_));
        }
        if (up) return;
        const std::string how = stop();
        if (target.kind == Kind::Redis && ended && attempt < 3) continue;  // port taken: retry
        throw std::runtime_error(target.name + " (" + target.path + ") did not come up (" +
                                 (ended ? "it ended: " + how : "no ready line within 30 s") +
                                 "); its stderr:" + tail_of(stderr_path_));
    }
}

ServerProcess::~ServerProcess()
{
    if (pid_ > 0) stop();
}

long ServerProcess::rss_kib() const
{
    if (pid_ <= 0) throw std::runtime_error("the memory of a server the bench did not start");
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    throw std::runtime_error("no VmRSS in /proc/" + std::to_string(pid_) + "/status");
}

double ServerProcess::cpu_seconds() const
{
    if (pid_ <= 0) return 0;  // a server the bench did not start: its CPU time is not known
    std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // The fields after the command name (which may hold spaces) start after its last ')'.
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    unsigned long long user = 0, system = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) user = std::stoull(field);
        if (i == 15) system = std::stoull(field);
    }
    return static_cast<double>(user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

void ServerProcess::terminate()
{
    if (pid_ <= 0 || terminated_) return;
    ::kill(pid_, SIGTERM);
    terminated_ = true;
}

std::string ServerProcess::stop()
{
    if (pid_ <= 0) return "not running";
    terminate();
    const auto deadline = Clock::now() + kStopDeadline;
    int status = 0;
    pid_t done = 0;
    while ((done = ::waitpid(pid_, &status, WNOHANG)) == 0 && Clock::now() < deadline) {
        // Drain its stdout while it goes down (Redis logs its shutdown there), so a full pipe
        // cannot hold it up; the poll is the wait.
        pollfd p{stdout_.get(), POLLIN, 0};
        if (::poll(&p, 1, 50) > 0) {
            char buffer[4096];
            if (::read(stdout_.get(), buffer, sizeof buffer) == 0) stdout_.reset();
        }
    }
    std::string how;
    if (done == 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        how = "killed by SIGKILL after 10 s";
    } else if (WIFEXITED(status)) {
        how = "exit " + std::to_string(WEXITSTATUS(status));
    } else {
        how = std::string("killed by SIG") + ::sigabbrev_np(WTERMSIG(status));
    }
    pid_ = -1;
    terminated_ = false;
    stdout_.reset();
    return how;
}

}  // namespace bench
