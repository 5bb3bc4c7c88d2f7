/// @file chat_server.h
/// @brief lab03: ChatServer, one thread serving a whole chat room with one \man{epoll_wait,2} loop.
///
/// You write its methods in chat_server.cpp (README §4-5); the ones marked "Given" are in
/// chat_server_helpers.cpp, for you to call. The shape of the loop:
///
///     epoll_wait ──► listener readable ──► accept_clients()  (ET: until EAGAIN)
///                ├─► client readable ───► read_from()       (ET: until EAGAIN) ─► deliver() ─► send_to()
///                ├─► client writable ───► flush()           (EPOLLOUT armed only while bytes wait)
///                └─► stop fd readable ──► return from run()
///              after each event: drop_dead_clients()  (EPOLL_CTL_DEL, close, erase)
#pragma once

#include <fcntl.h>
#include <sys/epoll.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/fd.h"
#include "lab02_nonblocking/line_buffer.h"
#include "lab03_epoll_server/output_buffer.h"
#include "lab03_epoll_server/protocol.h"

namespace chat {

/// @brief How the server registers its descriptors with epoll (README §2.3).
enum class Mode {
    Lt,  ///< level-triggered: epoll_wait reports a descriptor as long as it is ready
    Et,  ///< edge-triggered (EPOLLET): reported when it *becomes* ready; drain it to EAGAIN
};

/// @brief "lt" or "et" (the `--mode` flag's values). Given, in chat_server_helpers.cpp.
std::string_view to_string(Mode mode);

/// @brief A client whose queued output passes this many bytes is disconnected: it does not read,
/// and it must not make the server's memory grow without bound (README §5.3). 256 KiB is 64
/// maximum-length lines, far more than a client that reads ever has waiting in a healthy room.
inline constexpr std::size_t kMaxQueuedBytes = 256 * 1024;

/// @brief How many bytes one \man{read,2} asks for.
inline constexpr std::size_t kReadChunkBytes = 16 * 1024;

/// @brief Out of file descriptors (EMFILE/ENFILE): free @p spare (a descriptor kept open for this
/// moment), accept the next pending connection on @p listener, close it at once (its client sees
/// EOF instead of waiting forever in the accept queue), then open @p spare again on /dev/null
/// (README §4.3, mistake 16). Given, in chat_server_helpers.cpp; lab05's server links it too.
/// @return true if a connection was refused; false if none could be (the queue was empty, or even
///         the spare descriptor did not help).
bool refuse_pending_connection(int listener, kit::Fd& spare);

/// @brief epoll_event.data.u64 of the listening socket. Clients use their id (1, 2, ...).
inline constexpr std::uint64_t kListenerKey = 0;
/// @brief epoll_event.data.u64 of the stop descriptor.
inline constexpr std::uint64_t kStopKey = UINT64_MAX;

/// @brief Everything the server keeps about one connected client. Owns the client's socket.
struct Client {
    std::uint64_t id = 0;                 ///< the chat id: 1, 2, 3, ... never reused (not the fd)
    kit::Fd sock;                         ///< the nonblocking, close-on-exec connected socket
    std::string peer;                     ///< "127.0.0.1:54321", for log lines
    nb::LineBuffer input{kMaxLineBytes};  ///< bytes received, not yet a complete line
    OutputBuffer output;                  ///< bytes for this client the kernel has not taken yet
    bool writable_armed = false;          ///< EPOLLOUT is in its epoll registration right now
    bool dead = false;                    ///< to be dropped by drop_dead_clients()
    std::string why_dead;  ///< for the log line: "left", "reset", "does not read", ...
};

/// @brief The lab03 chat room: accepts clients, frames their lines, broadcasts each line to
/// every other client, all in one thread around one epoll instance.
///
/// Owns the listening socket, the stop descriptor, the epoll instance and every client. A
/// failure of one client (EOF, reset, a full buffer it never drains) ends that client only.
/// Log lines go to stderr; stdout is left to main() ("listening on ...").
class ChatServer {
public:
    /// @brief Set up the event loop: make @p listener nonblocking, create the epoll instance and
    /// register @p listener and @p stop for reading, as @p mode says.
    /// @param listener a listening TCP socket (net::listen_tcp).
    /// @param stop a descriptor that becomes readable when the server should stop (main passes a
    ///        signalfd for SIGINT/SIGTERM; tests may pass an eventfd).
    /// @throws kit::SysError if \man{epoll_create1,2} or \man{epoll_ctl,2} fails.
    ChatServer(kit::Fd listener, Mode mode, kit::Fd stop);

    /// @brief Serve until @p stop becomes readable. @throws kit::SysError if epoll_wait fails
    /// (anything but EINTR: a bug).
    void run();

    /// @brief The epoll instance (for tests: it must be close-on-exec).
    [[nodiscard]] int epoll_fd() const { return epoll_.get(); }
    /// @brief The mode given to the constructor.
    [[nodiscard]] Mode mode() const { return mode_; }
    /// @brief Clients connected right now.
    [[nodiscard]] std::size_t client_count() const { return clients_.size(); }

private:
    /// The event mask for a descriptor: EPOLLIN, plus EPOLLOUT if @p want_writable, plus EPOLLET
    /// in Mode::Et. (Given, in chat_server_helpers.cpp.)
    [[nodiscard]] std::uint32_t events_for(bool want_writable) const;
    /// epoll_ctl(@p op) of @p fd with events_for(@p want_writable) and data.u64 = @p key: the
    /// client's id, never its fd (README §2.2). Throws kit::SysError naming the call if it fails.
    /// (Given, in chat_server_helpers.cpp.)
    void watch(int op, int fd, std::uint64_t key, bool want_writable);

    /// Accept every pending connection (Mode::Et) or one (Mode::Lt); welcome each new client.
    void accept_clients();
    /// Read what @p client sent, hand each complete line to deliver(), notice EOF and resets
    /// (README §4.4; in Mode::Et until EAGAIN, and why that is correct but not fair: §2.4).
    void read_from(Client& client);
    /// One line (or a too-long one) from @p sender: broadcast it, or answer the sender.
    void deliver(Client& sender, const nb::LineResult& line);
    /// Queue @p bytes for @p client and write at once what the kernel takes.
    void send_to(Client& client, std::string_view bytes);
    /// Write queued bytes of @p client until done or EAGAIN; arm/disarm EPOLLOUT to match.
    void flush(Client& client);
    /// Mark @p client for removal by drop_dead_clients(), with the reason for the log line (the
    /// first reason given is kept). (Given, in chat_server_helpers.cpp.)
    void mark_dead(Client& client, std::string why);
    /// Out of file descriptors (EMFILE/ENFILE): accept the next pending connection with the spare
    /// descriptor and close it at once, so the client sees EOF instead of waiting forever in the
    /// accept queue (README §4.3, mistake 16). (Given, in chat_server_helpers.cpp.)
    /// @return true if a connection was refused; false if none could be (the queue was empty, or
    ///         even the spare descriptor did not help): stop accepting until the next event.
    bool refuse_connection();
    /// Remove every client marked dead: EPOLL_CTL_DEL, close, erase, log (README §4.6). Delete
    /// before the close: a copy of the socket elsewhere would keep it registered (README §2.5).
    void drop_dead_clients();

    kit::Fd listener_;
    kit::Fd stop_;
    Mode mode_;
    kit::Fd epoll_;
    // /dev/null, opened with the server so that it is there when the fds run out: the number that
    // refuse_connection() frees for accept4. Part of the given helper, not of the constructor.
    kit::Fd spare_{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
    std::uint64_t next_id_ = 1;
    std::map<std::uint64_t, Client> clients_;  // by id: ordered, so broadcasts go out in join order
    std::vector<std::uint64_t> dead_;          // ids marked dead, not dropped yet
};

}  // namespace chat
