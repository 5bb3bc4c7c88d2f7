// bench_multiplex: chapter 3's benchmark (ungraded). How long does one wait for one active
// connection take when many idle connections are watched too — with epoll_wait, poll and select?
//
//   bench_multiplex [--counts 10,100,...] [--rounds N] [--tsv FILE]
//
// For each count N of idle connections: a child process opens N idle TCP connections and one
// active one to this process over loopback, then plays ping-pong on the active one (1 byte each
// way, --rounds times). This process waits for the ping with each mechanism in turn, watching all
// N + 1 sockets, and reports the median microseconds per round trip:
//   epoll  the set lives in the kernel (epoll_ctl once); epoll_wait costs O(ready) = O(1) here;
//   poll   the whole pollfd array goes to the kernel and is scanned on every call: O(N);
//   select the same with bit sets, and only for descriptors below FD_SETSIZE (1024): beyond that
//          select cannot be used at all, so its curve stops.
// The open-file limit is raised (setrlimit RLIMIT_NOFILE, up to the hard limit) to hold N + 1
// sockets in each process; counts that do not fit are skipped with a note on stderr.
// The table goes to stdout (and --tsv FILE); tools/bench_lab03.sh draws it with bench/plot_svg.py.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what)
{
    std::fprintf(stderr, "bench_multiplex: %s: %s\n", what.c_str(), std::strerror(errno));
    std::exit(1);
}

rlim_t raise_fd_limit()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) die("getrlimit");
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) die("setrlimit(RLIMIT_NOFILE)");
    return limit.rlim_cur;
}

int listen_loopback(std::uint16_t& port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) die("bind");
    if (::listen(fd, SOMAXCONN) != 0) die("listen");
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
    return fd;
}

// The child: N idle connections, one active, then ping-pong until the parent closes.
[[noreturn]] void run_client(std::uint16_t port, int idle)
{
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    std::vector<int> fds;
    for (int i = 0; i <= idle; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            die("client connect #" + std::to_string(i));
        }
        fds.push_back(fd);
    }
    const int active = fds.back();
    const int on = 1;
    ::setsockopt(active, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    char byte = 'p';
    while (::write(active, &byte, 1) == 1 && ::read(active, &byte, 1) == 1) {
    }
    std::_Exit(0);
}

enum class Method { Epoll, Poll, Select };

// Median microseconds per round trip with @p method over @p fds (the last one is active).
double measure(Method method, const std::vector<int>& fds, int rounds)
{
    const int active = fds.back();
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(rounds));
    int epfd = -1;
    if (method == Method::Epoll) {
        epfd = ::epoll_create1(EPOLL_CLOEXEC);
        for (const int fd : fds) {
            epoll_event event{};
            event.events = EPOLLIN;
            event.data.fd = fd;
            if (::epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event) != 0) die("epoll_ctl");
        }
    }
    std::vector<pollfd> pollfds;
    for (const int fd : fds)
        pollfds.push_back({fd, POLLIN, 0});
    const int max_fd = *std::max_element(fds.begin(), fds.end());
    std::vector<epoll_event> events(64);
    for (int round = 0; round < rounds; ++round) {
        const auto start = Clock::now();
        int ready_fd = -1;
        while (ready_fd < 0) {
            if (method == Method::Epoll) {
                const int n =
                    ::epoll_wait(epfd, events.data(), static_cast<int>(events.size()), -1);
                if (n > 0) ready_fd = events[0].data.fd;
            } else if (method == Method::Poll) {
                if (::poll(pollfds.data(), pollfds.size(), -1) > 0) {
                    for (const pollfd& p : pollfds) {  // the caller scans the array too: O(N)
                        if ((p.revents & POLLIN) != 0) {
                            ready_fd = p.fd;
                            break;
                        }
                    }
                }
            } else {
                fd_set readable;
                FD_ZERO(&readable);
                for (const int fd : fds)
                    FD_SET(fd, &readable);  // rebuilt on every call
                if (::select(max_fd + 1, &readable, nullptr, nullptr, nullptr) > 0) {
                    for (const int fd : fds) {
                        if (FD_ISSET(fd, &readable)) {
                            ready_fd = fd;
                            break;
                        }
                    }
                }
            }
        }
        char byte = 0;
        if (ready_fd != active || ::read(active, &byte, 1) != 1 || ::write(active, &byte, 1) != 1) {
            die("ping-pong on the active connection");
        }
        samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
    if (epfd >= 0) ::close(epfd);
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

std::string format_us(double us)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", us);
    return text;
}

struct Row {
    int idle = 0;
    double epoll_us = 0;
    double poll_us = 0;
    std::optional<double> select_us;
};

std::optional<Row> run_count(int idle, int rounds, rlim_t fd_limit)
{
    if (static_cast<rlim_t>(idle) + 16 > fd_limit) {
        std::fprintf(stderr,
                     "bench_multiplex: skipping %d idle connections: the fd limit is %llu\n", idle,
                     static_cast<unsigned long long>(fd_limit));
        return std::nullopt;
    }
    std::uint16_t port = 0;
    const int listener = listen_loopback(port);
    const pid_t child = ::fork();
    if (child < 0) die("fork");
    if (child == 0) {
        ::close(listener);
        run_client(port, idle);
    }
    std::vector<int> fds;
    while (static_cast<int>(fds.size()) <= idle) {
        const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) die("accept4");
        fds.push_back(fd);
    }
    ::close(listener);
    const int on = 1;
    ::setsockopt(fds.back(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    Row row;
    row.idle = idle;
    measure(Method::Epoll, fds, rounds / 10 + 1);  // warm up
    row.epoll_us = measure(Method::Epoll, fds, rounds);
    row.poll_us = measure(Method::Poll, fds, rounds);
    const int max_fd = *std::max_element(fds.begin(), fds.end());
    if (max_fd < FD_SETSIZE) row.select_us = measure(Method::Select, fds, rounds);
    for (const int fd : fds)
        ::close(fd);
    int status = 0;
    ::waitpid(child, &status, 0);
    std::fprintf(
        stderr, "  %6d idle: epoll %.1f us, poll %.1f us, select %s\n", idle, row.epoll_us,
        row.poll_us,
        row.select_us ? (format_us(*row.select_us) + " us").c_str() : "- (fds beyond FD_SETSIZE)");
    return row;
}

}  // namespace

constexpr const char* kUsage =
    "usage: bench_multiplex [--counts 10,100,...] [--rounds N] [--tsv FILE]\n";

int main(int argc, char** argv)
{
    std::vector<int> counts{10, 100, 500, 1000, 2000, 5000, 10000};
    int rounds = 2000;
    std::string tsv_path;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--counts") {
            counts.clear();
            std::istringstream in(value);
            for (std::string item; std::getline(in, item, ',');)
                counts.push_back(std::stoi(item));
        } else if (flag == "--rounds") {
            rounds = std::stoi(value);
        } else if (flag == "--tsv") {
            tsv_path = value;
        } else {
            std::fputs(kUsage, stderr);
            return 2;
        }
    }
    if ((argc - 1) % 2 != 0) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    const rlim_t fd_limit = raise_fd_limit();
    std::fprintf(stderr,
                 "bench_multiplex: RLIMIT_NOFILE raised to %llu; %d round trips per point\n",
                 static_cast<unsigned long long>(fd_limit), rounds);
    std::vector<Row> rows;
    for (const int idle : counts) {
        if (auto row = run_count(idle, rounds, fd_limit)) rows.push_back(*row);
    }
    if (rows.empty()) return 1;
    std::ostringstream tsv;
    tsv << "idle_connections\tepoll_us\tpoll_us\tselect_us\n";
    for (const Row& r : rows) {
        tsv << r.idle << '\t' << format_us(r.epoll_us) << '\t' << format_us(r.poll_us) << '\t'
            << (r.select_us ? format_us(*r.select_us) : "NA") << '\n';
    }
    std::fputs(tsv.str().c_str(), stdout);
    if (!tsv_path.empty()) std::ofstream(tsv_path) << tsv.str();
    return 0;
}
