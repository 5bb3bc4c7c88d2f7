// chat_bench: the servers of one run (see deployment.h).
#include "deployment.h"

#include <stdexcept>

namespace bench {

const char* const kJoinedFederation = "federation: joined";

namespace {

// The stderr log of one process of a federation: NAME.stderr for Redis, NAME.sI.stderr for the
// chat servers (each its own: the bench waits for each one's "joined" line).
StartOptions with_log(StartOptions options, const std::string& suffix)
{
    if (!options.stderr_path.empty()) {
        const std::string tail = ".stderr";
        options.stderr_path.insert(options.stderr_path.size() - tail.size(), suffix);
    }
    return options;
}

}  // namespace

Deployment::Deployment(const Target& target, const StartOptions& options,
                       const std::string& redis_program)
{
    if (target.path.empty()) {  // running servers: one per port
        federated_ = target.ports.size() > 1;
        for (const std::uint16_t port : target.ports) {
            Target one = target;
            one.ports = {port};
            servers_.push_back(std::make_unique<ServerProcess>(one, options));
            endpoints_.push_back({servers_.back()->host(), servers_.back()->port()});
        }
        return;
    }
    if (target.federated == 0) {
        servers_.push_back(std::make_unique<ServerProcess>(target, options));
        endpoints_.push_back({servers_.back()->host(), servers_.back()->port()});
        return;
    }
    federated_ = true;
    if (options.stderr_path.empty()) {
        throw std::invalid_argument("a federation (" + target.name +
                                    ") needs --log-dir: the bench waits for each server's "
                                    "'joined' line on its stderr");
    }
    Target redis{target.name + "-redis", Kind::Redis, redis_program, "", {}, 0};
    StartOptions redis_options = with_log(options, "");
    // Each server holds one or two connections to Redis, not a client's: the default is plenty.
    redis_options.max_clients = 1000;
    redis_options.wrap.clear();  // --wrap (valgrind, ...) is for the chat servers under study
    redis_ = std::make_unique<ServerProcess>(redis, redis_options);
    const std::string address = "127.0.0.1:" + std::to_string(redis_->port());
    try {
        for (int i = 1; i <= target.federated; ++i) {
            StartOptions server = with_log(options, ".s" + std::to_string(i));
            server.extra_args = {"--redis", address, "--server-name", "s" + std::to_string(i)};
            server.ready_on_stderr = kJoinedFederation;
            servers_.push_back(std::make_unique<ServerProcess>(target, server));
            endpoints_.push_back({servers_.back()->host(), servers_.back()->port()});
        }
    } catch (...) {
        stop();
        throw;
    }
}

double Deployment::cpu_seconds() const
{
    double sum = redis_ ? redis_->cpu_seconds() : 0;
    for (const auto& server : servers_)
        sum += server->cpu_seconds();
    return sum;
}

long Deployment::rss_kib() const
{
    long sum = redis_ ? redis_->rss_kib() : 0;
    for (const auto& server : servers_)
        sum += server->rss_kib();
    return sum;
}

std::string Deployment::stop()
{
    // All chat servers at once (each would otherwise relay the others' departures to clients
    // that no longer read), then the broker they were using.
    for (const auto& server : servers_)
        server->terminate();
    std::string how = "exit 0";
    for (std::size_t i = 0; i < servers_.size(); ++i) {
        const std::string one = servers_[i]->stop();
        if (one != "exit 0" && one != "not running" && how == "exit 0") {
            how = (servers_.size() > 1 ? "server " + std::to_string(i + 1) + ": " : "") + one;
        }
    }
    if (redis_) {
        const std::string one = redis_->stop();
        if (one != "exit 0" && one != "not running" && how == "exit 0") how = "Redis: " + one;
    }
    return how;
}

}  // namespace bench
