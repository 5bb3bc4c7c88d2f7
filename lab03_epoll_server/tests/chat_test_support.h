// Shared by lab03's black-box tests: a chat_server child in either mode, clients that join it,
// and the Lt/Et parameterization (every graded test runs once per mode).
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/address.h"
#include "testkit/chat_lines.h"
#include "testkit/child_process.h"
#include "testkit/failure.h"
#include "testkit/graded.h"
#include "testkit/lab.h"
#include "testkit/line_client.h"
#include "testkit/proc.h"
#include "testkit/slow_clients.h"
#include "testkit/syscall_counts.h"

namespace lab03 {

using testkit::connect_non_reader;
using testkit::raise_fd_limit;
using testkit::read_until_closed;

using testkit::ChildProcess;
using testkit::Duration;
using testkit::LineClient;

/// "lt" or "et": the --mode a test runs the server in.
class ModeTest : public ::testing::TestWithParam<std::string> {
protected:
    [[nodiscard]] const std::string& mode() const { return GetParam(); }
};

/// Test names end in /Lt or /Et.
inline std::string mode_name(const ::testing::TestParamInfo<std::string>& info)
{
    return info.param == "lt" ? "Lt" : "Et";
}

/// Run every test of @p suite in both modes: "Mode/<suite>.<Test>/Lt" and ".../Et".
#define LAB03_BOTH_MODES(suite) \
    INSTANTIATE_TEST_SUITE_P(Mode, suite, ::testing::Values("lt", "et"), ::lab03::mode_name)

/// A running chat_server on a free port.
struct ChatServerProcess {
    explicit ChatServerProcess(const std::string& mode, testkit::SpawnOptions options = {})
        : process(testkit::lab_program("chat_server"), {"--port", "0", "--mode", mode},
                  std::move(options)),
          port(process.wait_for_listening())
    {
    }
    ChildProcess process;
    std::uint16_t port;

    /// How many fds the server holds now (listener, epoll instance, ... and one per client).
    [[nodiscard]] std::size_t fd_count() const { return testkit::open_fds(process.pid()).size(); }
    /// Wait until the server holds @p count fds, e.g. once it closed a departed client's socket.
    /// @return false if it still holds another number after @p timeout.
    [[nodiscard]] bool wait_until_fd_count(std::size_t count,
                                           Duration timeout = testkit::kDefaultWait) const
    {
        return testkit::wait_until_fd_count(process.pid(), count, timeout);
    }
    /// The server's fds, one per line, for a failure message.
    [[nodiscard]] std::string describe_fds() const { return testkit::describe_fds(process.pid()); }

    /// Stop the server with SIGSTOP and wait until /proc says it is stopped ('T'): a kill(2)
    /// returns before the stop takes effect, and a SIGCONT sent earlier would find it running.
    /// Then what the test does next waits in the server's sockets until resume().
    void pause() { process.pause(); }
    /// Let a pause()d server run again (SIGCONT).
    void resume() { process.resume(); }
};

using testkit::chat::kAlone;
using testkit::chat::said;
using testkit::chat::welcome;

/// Connect a client and check it is welcomed as Client #@p id.
inline LineClient join(const ChatServerProcess& server, int id)
{
    return testkit::chat::join(server.port, static_cast<std::uint64_t>(id));
}

/// A chat_server in one mode with clients #1..#N joined (each checked as join() does): the opening
/// of most tests, as `auto [server, alice, bob] = Room<2>(mode());`. The clients leave (their
/// sockets close) before the server is stopped, as when they are declared after it.
template <std::size_t N>
struct Room {
    explicit Room(const std::string& mode, testkit::SpawnOptions options = {})
        : server(mode, std::move(options)),
          // A braced list runs its elements in order: client #1 joins first.
          clients([this]<std::size_t... I>(std::index_sequence<I...>) {
              return std::array<LineClient, N>{join(server, static_cast<int>(I) + 1)...};
          }(std::make_index_sequence<N>{}))
    {
    }
    ChatServerProcess server;
    std::array<LineClient, N> clients;  // destroyed first, being declared last

    /// Element 0 is the server, element i the client #i (the structured binding's names).
    template <std::size_t I>
    auto& get()
    {
        if constexpr (I == 0) {
            return server;
        } else {
            return clients[I - 1];
        }
    }
};

/// Lines "<prefix> 0 xxxx...", "<prefix> 1 xxxx..." each @p bytes long (without "\n").
inline std::vector<std::string> numbered_lines(const std::string& prefix, int count,
                                               std::size_t bytes)
{
    std::vector<std::string> lines;
    for (int i = 0; i < count; ++i) {
        std::string line = prefix + " " + std::to_string(i) + " ";
        while (line.size() < bytes)
            line += static_cast<char>('a' + (line.size() * 7 + i) % 26);
        lines.push_back(line);
    }
    return lines;
}

}  // namespace lab03

// A Room unpacks into its server and clients (the tuple protocol of structured bindings).
template <std::size_t N>
struct std::tuple_size<lab03::Room<N>> : std::integral_constant<std::size_t, N + 1> {
};
template <std::size_t I, std::size_t N>
struct std::tuple_element<I, lab03::Room<N>> {
    using type = std::conditional_t<I == 0, lab03::ChatServerProcess, testkit::LineClient>;
};
