#include "testkit/slow_clients.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "common/address.h"
#include "testkit/failure.h"
#include "testkit/proc.h"

namespace testkit {

void raise_fd_limit(rlim_t wanted)
{
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur >= wanted) return;
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &limit);
}

rlimit leave_free_fds(pid_t pid, int count)
{
    const std::vector<int> fds = open_fds(pid);
    int free_numbers = 0;
    int number = 0;
    for (; free_numbers < count; ++number) {
        if (std::find(fds.begin(), fds.end(), number) == fds.end()) ++free_numbers;
    }
    rlimit limit{};
    if (::prlimit(pid, RLIMIT_NOFILE, nullptr, &limit) != 0) {
        throw Failure(std::string("prlimit(RLIMIT_NOFILE) of the server: ") + std::strerror(errno));
    }
    const rlimit original = limit;
    limit.rlim_cur = static_cast<rlim_t>(number);  // room for `count` more descriptors
    restore_fd_limit(pid, limit);
    return original;
}

void restore_fd_limit(pid_t pid, const rlimit& limit)
{
    if (::prlimit(pid, RLIMIT_NOFILE, &limit, nullptr) != 0) {
        throw Failure(std::string("prlimit(RLIMIT_NOFILE) of the server: ") + std::strerror(errno));
    }
}

kit::Fd connect_non_reader(std::uint16_t port)
{
    const kit::SocketAddress address = kit::resolve_address("127.0.0.1", port);
    kit::Fd sock(::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int rcvbuf = 4096;
    const int mss = 536;
    ::setsockopt(sock.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    ::setsockopt(sock.get(), IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
    if (::connect(sock.get(), address.data(), address.length) != 0) {
        throw Failure(std::string("test client: connect failed: ") + std::strerror(errno));
    }
    // Byte by byte, so that nothing after the welcome line is taken out of the kernel's buffer.
    const Deadline deadline(kDefaultWait);
    char byte = 0;
    while (byte != '\n') {
        pollfd pfd{sock.get(), POLLIN, 0};
        if (::poll(&pfd, 1, deadline.poll_timeout_ms()) <= 0 ||
            ::recv(sock.get(), &byte, 1, 0) != 1) {
            throw Failure("a client that will never read did not even get its welcome line");
        }
    }
    return sock;
}

bool read_until_closed(int sock, Duration timeout, std::size_t& got)
{
    const Deadline deadline(timeout);
    char chunk[65536];
    while (!deadline.expired()) {
        pollfd pfd{sock, POLLIN, 0};
        if (::poll(&pfd, 1, deadline.poll_timeout_ms()) <= 0) continue;
        const ssize_t n = ::recv(sock, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n > 0) {
            got += static_cast<std::size_t>(n);
            continue;
        }
        if (n == 0 || errno == ECONNRESET) return true;
    }
    return false;
}

}  // namespace testkit
