// shortio-probe: small, deterministic behaviours for the testkit's self-test, one per mode.
//
//   chunks              move 300 bytes over a socketpair and a pipe with correct loops and print
//                       what every call returned ("5 3 EINTR 7 ..."): the injector's decisions
//   et-pipe BYTES MS    fill a pipe, then read it edge-triggered until EAGAIN, waiting MS ms at
//                       most for each edge; exit 3 with "stalled" if an edge never comes
//   et-socket BYTES MS  the same on a socketpair with a forked writer, until EOF
//   file                one write() and one read() of 100000 bytes on a regular file, one
//                       eventfd read and write: each must move everything (exit 1 otherwise)
//   calls epoll|poll    a fixed list of calls (see calls()) for the counting test; then "done"
//                       and it waits for stdin to close
//   cout LINES          print LINES lines through std::cout unsynchronized with stdio
//   cin                 copy std::cin to std::cout, both unsynchronized with stdio
//   sleep | spin        print "ready", then block forever / burn CPU forever
//   fds                 open 3 sockets, print "ready"; on a stdin line close them and print
//                       "closed"; exit at end of input
//   fork-child          fork a child that blocks forever; print "child PID"; block forever
//   zombie              fork a child that exits at once, never reap it; print "zombie PID"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const char* what)
{
    std::fprintf(stderr, "probe: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

void say(const std::string& line)
{
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
}

void block_forever()
{
    while (true)
        ::pause();
}

void set_nonblocking(int fd)
{
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) die("fcntl");
}

// Write all of @p size bytes with a correct loop, noting each call's result in @p log.
void write_all_logged(int fd, const char* data, std::size_t size, std::string& log)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) {
            log += " EINTR";
            continue;
        }
        if (n <= 0) die("write");
        log += " " + std::to_string(n);
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

void read_all_logged(int fd, std::size_t size, std::string& log)
{
    char buffer[512];
    while (size > 0) {
        const ssize_t n = ::read(fd, buffer, std::min(size, sizeof buffer));
        if (n < 0 && errno == EINTR) {
            log += " EINTR";
            continue;
        }
        if (n <= 0) die("read");
        log += " " + std::to_string(n);
        size -= static_cast<std::size_t>(n);
    }
}

int chunks()
{
    const std::string data(300, 'x');
    int sv[2];
    int pipe_fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || ::pipe(pipe_fds) != 0) die("socketpair");
    std::string log = "socket write:";
    write_all_logged(sv[0], data.data(), data.size(), log);
    log += "\nsocket read:";
    read_all_logged(sv[1], data.size(), log);
    log += "\npipe write:";
    write_all_logged(pipe_fds[1], data.data(), data.size(), log);
    log += "\npipe read:";
    read_all_logged(pipe_fds[0], data.size(), log);
    say(log);
    return 0;
}

// Read @p fd (nonblocking, registered edge-triggered in @p epfd) until @p expected bytes or EOF.
// Returns the bytes read; stops early ("stalled") if no edge comes within @p stall_ms.
std::size_t read_edge_triggered(int epfd, int fd, std::size_t expected, int stall_ms, bool& stalled)
{
    std::size_t total = 0;
    char buffer[4096];
    stalled = false;
    while (total < expected) {
        epoll_event event{};
        const int ready = ::epoll_wait(epfd, &event, 1, stall_ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) die("epoll_wait");
        if (ready == 0) {
            stalled = true;
            return total;
        }
        // Edge-triggered: drain until the kernel says EAGAIN, or the next edge never comes.
        while (true) {
            const ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n > 0) {
                total += static_cast<std::size_t>(n);
                continue;
            }
            if (n == 0) return total;
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            die("read");
        }
    }
    return total;
}

int report_edge_triggered(std::size_t total, std::size_t expected, bool stalled)
{
    if (stalled) {
        say("stalled after " + std::to_string(total) + " of " + std::to_string(expected) +
            " bytes");
        return 3;
    }
    say("received " + std::to_string(total) + " bytes");
    return total == expected ? 0 : 1;
}

int et_pipe(std::size_t bytes, int stall_ms)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) die("pipe2");
    // Room for everything, so all data is in the pipe before the first edge and no later write
    // makes another edge: a fake EAGAIN would then stall for good.
    if (::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(2 * bytes + 65536)) < 0) die("F_SETPIPE_SZ");
    const std::string data(bytes, 'p');
    std::string ignored;
    write_all_logged(fds[1], data.data(), data.size(), ignored);
    set_nonblocking(fds[0]);
    const int epfd = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event event{};
    event.events = EPOLLIN | EPOLLET;
    event.data.fd = fds[0];
    if (epfd < 0 || ::epoll_ctl(epfd, EPOLL_CTL_ADD, fds[0], &event) != 0) die("epoll_ctl");
    bool stalled = false;
    const std::size_t total = read_edge_triggered(epfd, fds[0], bytes, stall_ms, stalled);
    return report_edge_triggered(total, bytes, stalled);
}

int et_socket(std::size_t bytes, int stall_ms)
{
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) die("socketpair");
    const pid_t writer = ::fork();
    if (writer < 0) die("fork");
    if (writer == 0) {
        ::close(sv[1]);
        const std::string data(bytes, 's');
        std::string ignored;
        write_all_logged(sv[0], data.data(), data.size(), ignored);
        ::_exit(0);
    }
    ::close(sv[0]);
    set_nonblocking(sv[1]);
    const int epfd = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
    event.data.fd = sv[1];
    if (epfd < 0 || ::epoll_ctl(epfd, EPOLL_CTL_ADD, sv[1], &event) != 0) die("epoll_ctl");
    bool stalled = false;
    const std::size_t total = read_edge_triggered(epfd, sv[1], bytes + 1, stall_ms, stalled);
    ::kill(writer, SIGKILL);
    ::waitpid(writer, nullptr, 0);
    return report_edge_triggered(total, bytes, stalled);
}

int file()
{
    char path[] = "/tmp/shortio-probe-XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd < 0) die("mkstemp");
    ::unlink(path);
    const std::string data(100000, 'f');
    if (::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
        say("a regular-file write was cut");
        return 1;
    }
    std::vector<char> back(data.size());
    if (::lseek(fd, 0, SEEK_SET) != 0 ||
        ::read(fd, back.data(), back.size()) != static_cast<ssize_t>(back.size())) {
        say("a regular-file read was cut");
        return 1;
    }
    const int efd = ::eventfd(0, EFD_CLOEXEC);
    std::uint64_t value = 7;
    if (::write(efd, &value, sizeof value) != sizeof value ||
        ::read(efd, &value, sizeof value) != sizeof value || value != 7) {
        say("an eventfd call was changed");
        return 1;
    }
    say("ok");
    return 0;
}

// Exactly: 1 epoll_create, 2 epoll_ctl ADD (one EPOLLET), 1 DEL, 3 epoll_wait with timeout 0 that
// find nothing (epoll mode) or 2 poll + 1 select likewise (poll mode); 1 F_GETFL + 1 F_SETFL;
// 1 fork; 1 blocking socket read; 1 nonblocking socket read (EAGAIN); 1 accept4 (EAGAIN).
int calls(bool use_epoll)
{
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) die("socketpair");
    if (use_epoll) {
        const int epfd = ::epoll_create1(EPOLL_CLOEXEC);
        epoll_event event{};
        event.events = EPOLLIN;
        if (::epoll_ctl(epfd, EPOLL_CTL_ADD, sv[0], &event) != 0) die("epoll_ctl");
        event.events = EPOLLIN | EPOLLET;
        if (::epoll_ctl(epfd, EPOLL_CTL_ADD, sv[1], &event) != 0) die("epoll_ctl");
        epoll_event events[4];
        for (int i = 0; i < 3; ++i)
            ::epoll_wait(epfd, events, 4, 0);
        if (::epoll_ctl(epfd, EPOLL_CTL_DEL, sv[1], nullptr) != 0) die("epoll_ctl");
    } else {
        pollfd pfd{sv[0], POLLIN, 0};
        ::poll(&pfd, 1, 0);
        ::poll(&pfd, 1, 0);
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(sv[0], &readable);
        timeval zero{0, 0};
        ::select(sv[0] + 1, &readable, nullptr, nullptr, &zero);
    }
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);

    char byte = 'b';
    if (::write(sv[0], &byte, 1) != 1 || ::read(sv[1], &byte, 1) != 1) die("blocking read");
    set_nonblocking(sv[1]);
    if (::read(sv[1], &byte, 1) != -1 || errno != EAGAIN) die("nonblocking read");

    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener < 0 || ::listen(listener, 1) != 0) die("listen");
    if (::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC) != -1 || errno != EAGAIN)
        die("accept4");
    say("done");
    char rest;
    while (::read(STDIN_FILENO, &rest, 1) > 0) {
    }
    return 0;
}

int cout_lines(int lines)
{
    std::ios::sync_with_stdio(false);  // libstdc++ then calls write() itself
    for (int i = 0; i < lines; ++i)
        std::cout << "line " << i << '\n';
    std::cout.flush();
    return std::cout ? 0 : 1;
}

int cin_copy()
{
    std::ios::sync_with_stdio(false);  // libstdc++ then calls read() and write() itself
    std::string line;
    while (std::getline(std::cin, line))
        std::cout << line << '\n';
    std::cout.flush();
    return std::cout ? 0 : 1;
}

int fds()
{
    int sockets[3];
    for (int& s : sockets) {
        s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0) die("socket");
    }
    say("ready");
    std::string line;
    if (!std::getline(std::cin, line)) return 1;
    for (int s : sockets)
        ::close(s);
    say("closed");
    while (std::getline(std::cin, line)) {
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    const std::string mode = argc > 1 ? argv[1] : "";
    const auto arg = [&](int i, long fallback) { return argc > i ? std::atol(argv[i]) : fallback; };
    if (mode == "chunks") return chunks();
    if (mode == "et-pipe")
        return et_pipe(static_cast<std::size_t>(arg(2, 100000)), static_cast<int>(arg(3, 1000)));
    if (mode == "et-socket") {
        return et_socket(static_cast<std::size_t>(arg(2, 100000)), static_cast<int>(arg(3, 1000)));
    }
    if (mode == "file") return file();
    if (mode == "calls") return calls(argc > 2 && std::strcmp(argv[2], "epoll") == 0);
    if (mode == "cout") return cout_lines(static_cast<int>(arg(2, 1000)));
    if (mode == "cin") return cin_copy();
    if (mode == "fds") return fds();
    if (mode == "sleep") {
        say("ready");
        block_forever();
    }
    if (mode == "spin") {
        say("ready");
        volatile unsigned long spins = 0;
        while (true)
            spins = spins + 1;
    }
    if (mode == "fork-child") {
        const pid_t child = ::fork();
        if (child == 0) block_forever();
        say("child " + std::to_string(child));
        block_forever();
    }
    if (mode == "zombie") {
        const pid_t child = ::fork();
        if (child == 0) ::_exit(0);
        // Wait until it has exited, without reaping it: it stays a zombie.
        siginfo_t info{};
        if (::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT) != 0) die("waitid");
        say("zombie " + std::to_string(child));
        block_forever();
    }
    std::fprintf(stderr, "usage: shortio-probe MODE [ARGS] (see the top of probe.cpp)\n");
    return 2;
}
