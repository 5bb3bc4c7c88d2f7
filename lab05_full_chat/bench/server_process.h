/// @file server_process.h
/// @brief chat_bench: the server under test, as a child process the bench starts, pins to a core,
/// watches (CPU time, resident memory) and stops.
///
/// The bench starts every server itself, fresh for every run: ids start at 1, memory is a new
/// process's, and no run inherits the backlog of the one before. A chat server is started on port
/// 0 and tells its port on its first line (`listening on HOST:PORT`, the kit's program contract);
/// Redis cannot listen on port 0, so it gets a port that was free a moment before, and the bench
/// waits for its `Ready to accept connections` log line. Both waits are on the child's stdout,
/// with a deadline: never a sleep.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/fd.h"

namespace bench {

/// @brief What protocol a target speaks.
enum class Kind {
    Chat,   ///< lab03's chat room: a welcome line, then `<name> say >> <text>` lines
    Room,   ///< lab05's: lab03's lines plus notices (`* ...`), one `joined` per newcomer
    Redis,  ///< Redis pub/sub over RESP (every client SUBSCRIBEs one channel, senders PUBLISH)
};

/// @brief A server to measure: `NAME=KIND:PATH` on the command line, e.g.
/// `lab05=room:build/bin/solutions/lab05_full_chat/chat_server` or `redis=redis:redis-server`;
/// or one that is already running, `NAME=KIND@HOST:PORT` (e.g. `lab05=room@127.0.0.1:8888`).
///
/// Two more forms measure lab05's federation (README §7, 5b: one room, several servers, Redis
/// between them): `NAME=fedN:PATH` (e.g. `fed3=fed3:.../chat_server`) is N lab05 servers the bench
/// starts with `--redis` on one `redis-server` it starts too; `NAME=room@HOST:PORT,PORT,...` is a
/// federation already running. Either way the clients are spread over the servers in turn
/// (client i on server i mod N), and every client must hear every other one, wherever it is.
struct Target {
    std::string name;  ///< the column of the table
    Kind kind = Kind::Chat;
    std::string path;  ///< the program (found in PATH if it has no '/'); empty when running
    std::string host;  ///< the running servers' address (when path is empty)
    std::vector<std::uint16_t> ports;  ///< the running servers' ports (when path is empty)
    int federated = 0;  ///< fedN: N lab05 servers federated through Redis; 0: not a federation
};

/// @brief Parse `NAME=KIND:PATH`, `NAME=KIND@HOST:PORT[,PORT...]` (KIND: chat, room or redis) or
/// `NAME=fedN:PATH` (N from 1 to 16).
/// @throws std::invalid_argument saying what is wrong.
Target parse_target(const std::string& spec);

/// @brief How to start a server.
struct StartOptions {
    int cpu = -1;                         ///< pin it to this core with \man{taskset,1}; -1: do not pin
    std::vector<std::string> wrap;        ///< run it under this command (valgrind ...), or nothing
    std::string stderr_path;              ///< its stderr goes here (appended); empty: /dev/null
    std::string work_dir = "/tmp";        ///< Redis's `--dir` (nothing is saved there: `--save ''`)
    int max_clients = 20000;              ///< Redis's `--maxclients` (its default, 10000, is too few)
    std::vector<std::string> extra_args;  ///< after the usual ones (a federated server's `--redis`)
    /// When not empty: after its ready line, also wait until the server writes this text on its
    /// stderr (a federated lab05 server's "joined the federation" log line), which needs
    /// stderr_path. Watched with inotify on the log file: a wait on the real event, not a sleep.
    std::string ready_on_stderr;
};

/// @brief One running server. Stopped (SIGTERM, then SIGKILL after a deadline) and reaped by
/// stop() or the destructor: the bench leaves no process behind. A server that was already
/// running (Target::path empty) is only connected to: the bench neither stops it nor can read its
/// CPU time or memory (cpu_seconds() is then 0).
class ServerProcess {
public:
    /// @brief Start @p target and wait until it accepts connections.
    /// @throws std::runtime_error with the server's last stderr lines when it does not come up.
    ServerProcess(const Target& target, const StartOptions& options);
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    /// @brief The process id (the server's own: taskset execs it, it does not fork).
    [[nodiscard]] pid_t pid() const { return pid_; }
    /// @brief The address it listens on (127.0.0.1 for a server the bench started).
    [[nodiscard]] const std::string& host() const { return host_; }
    /// @brief The port it listens on.
    [[nodiscard]] std::uint16_t port() const { return port_; }
    /// @brief True when the bench started it (false: a running server it only connects to).
    [[nodiscard]] bool started() const { return !host_given_; }
    /// @brief Its resident memory, VmRSS from /proc/PID/status, in KiB.
    [[nodiscard]] long rss_kib() const;
    /// @brief User + system CPU seconds it has used so far (/proc/PID/stat).
    [[nodiscard]] double cpu_seconds() const;
    /// @brief Send SIGTERM now, without waiting (stop() then only waits): several servers of a
    /// federation go down together instead of each hearing of the others' departures.
    void terminate();
    /// @brief SIGTERM (unless terminate() sent it), wait up to 10 s for it to exit (then
    /// SIGKILL), reap it.
    /// @return how it ended: "exit 0", "exit 1", "killed by SIGKILL after 10 s", ...
    std::string stop();

private:
    pid_t pid_ = -1;
    std::string host_ = "127.0.0.1";
    std::uint16_t port_ = 0;
    bool host_given_ = false;
    bool terminated_ = false;
    kit::Fd stdout_;  // the read end of the child's stdout: the ready line, then drained at stop
    std::string stderr_path_;
};

}  // namespace bench
