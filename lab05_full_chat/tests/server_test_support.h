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
#include <utility>
#include <vector>

#include "common/address.h"
#include "common/fd.h"
#include "testkit/chat_lines.h"
#include "testkit/child_process.h"
#include "testkit/failure.h"
#include "testkit/graded.h"
#include "testkit/lab.h"
#include "testkit/line_client.h"
#include "testkit/proc.h"
#include "testkit/slow_clients.h"

namespace lab05 {

using testkit::connect_non_reader;
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
    testkit::ChildProcess process;
    std::uint16_t port;
};

// The lines lab 5 keeps from lab 3's protocol.
using testkit::chat::kAlone;
using testkit::chat::said;
using testkit::chat::welcome;

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

inline const std::string kTooLong =
    "error: line too long (the limit is 4096 bytes); it was not sent";
inline const std::string kShuttingDown = "* the server is shutting down";

/// `error: the room is full (<max> users); try again later`
inline std::string room_full(std::size_t max)
{
    return "error: the room is full (" + std::to_string(max) + " users); try again later";
}

/// Connect a client and check it is welcomed as Client #@p id.
inline LineClient join(const ServerProcess& server, std::uint64_t id)
{
    return testkit::chat::join(server.port, id);
}

/// Clients #1 and #2 joined, #1 having heard that #2 joined: the opening of most tests, as
/// `auto [a, b] = join_two(server);`. @throws testkit::Failure if #1 hears anything else.
inline std::pair<LineClient, LineClient> join_two(const ServerProcess& server)
{
    LineClient first = join(server, 1);
    LineClient second = join(server, 2);
    const std::string line = first.expect_line();
    if (line != joined(2)) {
        throw testkit::Failure("client #1 expected '" + joined(2) + "' when #2 joined, got '" +
                               testkit::printable(line) + "'");
    }
    return {std::move(first), std::move(second)};
}

}  // namespace lab05
