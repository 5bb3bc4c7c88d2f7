/// @file redis_server.h
/// @brief RedisServer: a private redis-server for one test, on a unix socket in a folder of its
/// own, stopped and reaped when the test ends (lab05 §8 (stage 5b)'s federation tests).
#pragma once

#include <memory>
#include <string>

#include "testkit/child_process.h"
#include "testkit/non_copyable.h"

namespace testkit {

/// @brief A redis-server child process that only this test talks to.
///
/// It listens on a unix socket in a fresh mkdtemp folder (`--port 0` turns TCP off: no port to
/// pick, none to collide with a neighbour's), keeps nothing on disk (`--save "" --appendonly
/// no`), and is ready once it says so on stdout and answers a PING on its socket. The destructor
/// kills it (the ChildProcess reaps it) and removes the folder.
class RedisServer : NonCopyable {
public:
    /// @brief True if a `redis-server` program is on the PATH.
    static bool installed();
    /// @brief Why a test that needs Redis is skipped: what is missing and how to install it.
    static std::string skip_reason();

    /// @brief Start it and wait until it answers. @throws Failure if it does not, in time.
    RedisServer();
    ~RedisServer();

    /// @brief The path of its unix socket: what `chat_server --redis` takes.
    [[nodiscard]] const std::string& socket_path() const { return socket_; }
    /// @brief Kill it with SIGKILL, at once (no goodbye to its clients), and reap it.
    void kill();
    /// @brief Start it again on the same socket (after kill()), and wait until it answers.
    void start();
    /// @brief True while it runs.
    [[nodiscard]] bool running() const { return process_ != nullptr; }
    /// @brief Send @p command (one RESP inline command, e.g. "EXISTS fed:alive:a") on a
    /// connection of its own and return the first line of the answer, without "\r\n".
    /// @throws Failure if it cannot connect or gets no answer in time.
    [[nodiscard]] std::string ask(const std::string& command) const;

private:
    std::string folder_;
    std::string socket_;
    std::unique_ptr<ChildProcess> process_;
};

}  // namespace testkit
