/// @file deployment.h
/// @brief chat_bench: the servers of one run: one server, or a federation of lab05 servers and
/// the redis-server that joins them (README §7 and 5b), started, watched and stopped together.
///
/// A federation (`fedN` target) is started in order: Redis first (its ready line), then each
/// lab05 server with `--redis 127.0.0.1:PORT --server-name sI`, waiting for its `listening on`
/// line *and* for the line it logs once it has joined the federation (subscribed: from then on it
/// hears what the others publish). A client connected before that could miss the first messages,
/// which the bench would report as lost. Every process is pinned to the same core (the servers'
/// core): the federation gets the CPU one server gets, which is the comparison the table makes.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "server_process.h"

namespace bench {

/// @brief The text a lab05 server started with `--redis` writes on its stderr once it has joined
/// the federation (docs/protocol.md, the federation's log lines).
extern const char* const kJoinedFederation;

/// @brief Where a client connects.
struct Endpoint {
    std::string host;
    std::uint16_t port = 0;
};

/// @brief One server, or several sharing one room, as one thing to measure.
class Deployment {
public:
    /// @brief Start @p target: one server, or (Target::federated = N) @p redis_program and N
    /// lab05 servers federated through it; or connect to running ones (Target::path empty).
    /// @throws std::runtime_error when one of them does not come up (the others are stopped).
    Deployment(const Target& target, const StartOptions& options, const std::string& redis_program);
    ~Deployment() = default;
    Deployment(const Deployment&) = delete;
    Deployment& operator=(const Deployment&) = delete;

    /// @brief The chat servers' addresses, in order (client i goes to endpoint i mod size).
    [[nodiscard]] const std::vector<Endpoint>& endpoints() const { return endpoints_; }
    /// @brief True for several servers sharing one room (a fedN target, or several ports).
    [[nodiscard]] bool federated() const { return federated_; }
    /// @brief The first chat server's process id (the one `--perf` records).
    [[nodiscard]] pid_t pid() const { return servers_.front()->pid(); }
    /// @brief True when the bench started the servers (false: running ones it only connects to).
    [[nodiscard]] bool started() const { return servers_.front()->started(); }
    /// @brief CPU seconds used so far by every process of the deployment, Redis included.
    [[nodiscard]] double cpu_seconds() const;
    /// @brief CPU seconds used so far by a federation's Redis alone (0 without one).
    [[nodiscard]] double broker_cpu_seconds() const { return redis_ ? redis_->cpu_seconds() : 0; }
    /// @brief Resident memory of every process of the deployment, Redis included, in KiB.
    [[nodiscard]] long rss_kib() const;
    /// @brief SIGTERM to every chat server at once, then Redis; wait for each and reap it.
    /// @return how they ended: "exit 0" when all did, else the first other ending, named.
    std::string stop();

private:
    std::vector<std::unique_ptr<ServerProcess>> servers_;  // the chat servers
    std::unique_ptr<ServerProcess> redis_;                 // a federation's broker, or null
    std::vector<Endpoint> endpoints_;
    bool federated_ = false;
};

}  // namespace bench
