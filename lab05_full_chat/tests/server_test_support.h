// Shared by lab05's black-box tests of chat_server: the server as a child process, clients that
// join it, and the lines of the protocol they expect (docs/protocol.md).
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "common/address.h"
#include "common/fd.h"
#include "testkit/child_process.h"
#include "testkit/failure.h"
#include "testkit/graded.h"
#include "testkit/lab.h"
#include "testkit/line_client.h"
#include "testkit/proc.h"

namespace lab05 {

using testkit::ChildProcess;
using testkit::Duration;
using testkit::LineClient;

/// A running chat_server on a free port, with extra flags (e.g. {"--max-clients", "2"}).
struct ServerProcess {
    explicit ServerProcess(std::vector<std::string> flags = {}, testkit::SpawnOptions options = {})
        : process(testkit::lab_program("chat_server"), with_port_0(std::move(flags)),
                  std::move(options)),
          port(process.wait_for_listening())
    {
    }
    static std::vector<std::string> with_port_0(std::vector<std::string> flags)
    {
        flags.insert(flags.begin(), {"--port", "0"});
        return flags;
    }
    ChildProcess process;
    std::uint16_t port;
};

/// The welcome line of client @p id, without "\n" (lab03's).
inline std::string welcome(std::uint64_t id)
{
    return "Welcome to the chat room! Your chat ID is: Client #" + std::to_string(id);
}

/// What the others receive when client @p id (default name) says @p text, without "\n".
inline std::string said(std::uint64_t id, const std::string& text)
{
    return "ClientID " + std::to_string(id) + " say >> " + text;
}

/// `* ClientID <id> joined`
inline std::string joined(std::uint64_t id)
{
    return "* ClientID " + std::to_string(id) + " joined";
}

/// `* ClientID <id> left` (a client that never chose a name)
inline std::string left(std::uint64_t id)
{
    return "* ClientID " + std::to_string(id) + " left";
}

inline const std::string kAlone = "There is only one in the chat room!";
inline const std::string kTooLong =
    "error: line too long (the limit is 4096 bytes); it was not sent";
inline const std::string kShuttingDown = "* the server is shutting down";

/// `error: the room is full (<max> users); try again later`
inline std::string room_full(std::size_t max)
{
    return "error: the room is full (" + std::to_string(max) + " users); try again later";
}

/// Connect a client and check it is welcomed as Client #@p id (and nothing else yet).
inline LineClient join(const ServerProcess& server, std::uint64_t id)
{
    LineClient client = LineClient::connect(server.port);
    const std::string line = client.expect_line();
    if (line != welcome(id)) {
        throw testkit::Failure("a new client expected the welcome line '" + welcome(id) +
                               "', got '" + testkit::printable(line) + "'");
    }
    return client;
}

/// Raise this process's open-file limit to at least @p wanted (up to the hard limit): the test
/// holds one socket per client, and the server it starts inherits the limit.
inline void raise_fd_limit(rlim_t wanted)
{
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur >= wanted) return;
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &limit);
}

/// A client that never reads, with tiny kernel buffers (SO_RCVBUF 4 KiB, a 536-byte MSS, both set
/// before connect) so that the server's queue for it fills after about 100 KB. Returns once its
/// welcome line came: then the server surely accepted it.
inline kit::Fd connect_non_reader(std::uint16_t port)
{
    const kit::SocketAddress address = kit::resolve_address("127.0.0.1", port);
    kit::Fd sock(::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int rcvbuf = 4096;
    const int mss = 536;
    ::setsockopt(sock.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    ::setsockopt(sock.get(), IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
    if (::connect(sock.get(), address.data(), address.length) != 0) {
        throw testkit::Failure(std::string("test client: connect failed: ") + std::strerror(errno));
    }
    const testkit::Deadline deadline(testkit::kDefaultWait);
    char byte = 0;
    while (byte != '\n') {
        pollfd pfd{sock.get(), POLLIN, 0};
        if (::poll(&pfd, 1, deadline.poll_timeout_ms()) <= 0 ||
            ::recv(sock.get(), &byte, 1, 0) != 1) {
            throw testkit::Failure("a client that will never read did not get its welcome line");
        }
    }
    return sock;
}

/// Read @p sock until EOF or reset, for at most @p timeout (scaled); adds the bytes to @p got.
inline bool read_until_closed(int sock, Duration timeout, std::size_t& got)
{
    const testkit::Deadline deadline(timeout);
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

}  // namespace lab05
