// shortio-echo-once: a one-client echo server in two versions, for the injector's self-test.
//
//   shortio-echo-once naive   one recv(), one send() of whatever it got: the mistake of assuming
//                             that TCP moves a whole message per call
//   shortio-echo-once loop    reads until '\n' and sends until everything went out, retrying EINTR:
//                             what every lab teaches
//
// It listens on 127.0.0.1 on a free port, prints `listening on 127.0.0.1:PORT`, serves one line of
// one client and exits 0 (1 on an error it reports).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

int fail(const char* what)
{
    std::fprintf(stderr, "echo-once: %s: %s\n", what, std::strerror(errno));
    return 1;
}

bool send_all(int fd, const char* data, std::size_t size)
{
    while (size > 0) {
        const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

int main(int argc, char** argv)
{
    const bool naive = argc > 1 && std::strcmp(argv[1], "naive") == 0;
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (listener < 0 ||
        ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener, 8) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        return fail("listen");
    }
    std::printf("listening on 127.0.0.1:%u\n", ntohs(address.sin_port));
    std::fflush(stdout);

    int client = -1;
    do {
        client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    } while (client < 0 && errno == EINTR);
    if (client < 0) return fail("accept4");

    char buffer[4096];
    if (naive) {
        // One call each way, as if TCP kept message boundaries.
        const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
        if (n <= 0) return fail("recv");
        if (::send(client, buffer, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n)
            return fail("send");
    } else {
        std::string line;
        while (line.find('\n') == std::string::npos) {
            const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return fail("recv");
            if (n == 0) break;
            line.append(buffer, static_cast<std::size_t>(n));
        }
        if (!send_all(client, line.data(), line.size())) return fail("send");
    }
    ::close(client);
    ::close(listener);
    return 0;
}
