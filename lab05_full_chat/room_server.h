/// @file room_server.h
/// @brief lab05 (interface given, you write room_server.cpp): room::Server, the network side of
/// the chat room: sockets, buffers and limits on a Reactor, with a ChatRoom deciding what to say.
///
/// The server is the room's Outbox. A line the room sends is only appended to the recipient's
/// output buffer; the end-of-turn hook then writes every buffer that changed, once (README §3.3):
///
///     one reactor turn:
///       listener ──► accept_clients()      accept4 until EAGAIN; EMFILE: refuse, never spin (§3.1)
///       client   ──► read_from()           at most read_budget bytes, then call_again (§2.3-2.4)
///                      └─► room.on_line() ──► send(): append to an output buffer, mark it dirty
///       stop fd  ──► begin_shutdown()      room.shutdown(), then flush everyone within 2 s (§3.5)
///       end of turn ──► end_of_turn():     flush() each dirty client once; drop_dead()
///
/// Memory follows need (§3.4): a client that is idle holds no output buffer and no partial line;
/// a client whose queued output passes output_limit does not read and is dropped.
#pragma once

#include <fcntl.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/fd.h"
#include "lab02_nonblocking/line_buffer.h"
#include "lab03_epoll_server/protocol.h"
#include "lab05_full_chat/chat_room.h"
#include "lab05_full_chat/reactor.h"
#include "lab05_full_chat/server_log.h"

namespace room {

/// @brief The server's limits (README §3.4). The defaults are chat_server's.
struct ServerLimits {
    /// Members of the room at most (`--max-clients`); one more gets the room-full line.
    std::size_t max_clients = 10000;
    /// A client with more than this many bytes queued does not read: it is dropped (lab03 §5.3).
    std::size_t output_limit = 256 * 1024;
    /// Bytes read from one client per reactor turn at most, so that one flooding client cannot
    /// starve the others (README §2.3).
    std::size_t read_budget = 64 * 1024;
    /// Connections accepted per reactor turn at most. Each join is announced to every member,
    /// and the announcements are written at the end of the turn: a burst of 10,000 connections
    /// accepted in one turn would queue 10,000 x 10,000 notices before the first is written.
    std::size_t accept_budget = 16;
    /// After SIGINT/SIGTERM, how long the server keeps writing what is queued before it closes
    /// every connection anyway (README §3.5).
    std::chrono::milliseconds shutdown_deadline{2000};
};

/// @brief One connected client: its socket, its registration and its two buffers.
struct Connection {
    ClientId id = 0;  ///< the chat id: 1, 2, 3, ... never reused (not the fd)
    kit::Fd sock;     ///< nonblocking, close-on-exec
    Key key = 0;      ///< its Reactor registration
    nb::LineBuffer input{chat::kMaxLineBytes};  ///< bytes of a line not complete yet
    std::string output;            ///< bytes for this client the kernel has not taken yet...
    std::size_t output_start = 0;  ///< ...from this offset on (the prefix before it went out)
    bool dirty = false;            ///< in the server's dirty list: flush() at the end of this turn
    bool writable_armed = false;   ///< EPOLLOUT is in its registration right now
    bool closing = false;          ///< close once output is empty (close_after_flush, shutdown)
    bool dead = false;             ///< to be dropped by drop_dead() (why_dead says why)
    std::string why_dead;          ///< for the log line: "left", "connection reset", ...

    /// @brief Bytes queued, not written yet.
    [[nodiscard]] std::size_t pending() const { return output.size() - output_start; }
};

/// @brief The lab05 chat server: one thread, one Reactor, one ChatRoom.
///
/// Owns the listening socket, the stop descriptor, the reactor, the room and every connection.
/// A failure of one client (EOF, reset, a buffer it never drains) ends that client only.
class Server final : public Outbox {
public:
    /// @brief Set up: ignore SIGPIPE, make @p listener nonblocking, register it and @p stop (a
    /// \man{signalfd,2} for SIGINT/SIGTERM, or an \man{eventfd,2} in tests) with a Reactor in
    /// @p mode, and the end-of-turn hook. (Given, in room_server_helpers.cpp.)
    /// @throws kit::SysError if a system call of the setup fails.
    Server(kit::Fd listener, chat::Mode mode, kit::Fd stop, ServerLimits limits, const Log& log);
    ~Server() override;
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// @brief Serve until @p stop becomes readable, then shut down gracefully (README §3.5):
    /// every member gets the shutting-down line, and run() returns once every connection is
    /// flushed and closed or the shutdown deadline has passed.
    /// @throws kit::SysError if \man{epoll_wait,2} fails (a bug).
    void run();

    /// @brief Outbox: queue @p line for client @p to (append, mark dirty; no system call). A
    /// client whose queue would pass output_limit is marked dead instead. Unknown ids are ignored.
    void send(ClientId to, std::string_view line) override;
    /// @brief Outbox: close @p who's connection once its queue is written.
    void close_after_flush(ClientId who) override;

    /// @brief Clients connected right now (members or not).
    [[nodiscard]] std::size_t client_count() const { return connections_.size(); }
    /// @brief The reactor (for tests).
    [[nodiscard]] const Reactor& reactor() const { return reactor_; }
    /// @brief The room (for tests).
    [[nodiscard]] const ChatRoom& chat_room() const { return room_; }
    /// @brief The reactor, for a federation's descriptors (README §8): they share the one loop.
    Reactor& reactor() { return reactor_; }
    /// @brief The room, for a federation (README §8), which becomes its peer (room_peer.h).
    ChatRoom& chat_room() { return room_; }

private:
    // Yours, in room_server.cpp.

    /// Accept until EAGAIN (both modes) or accept_budget, then call_again; EMFILE/ENFILE: refuse_connection(), never stop for good
    /// and never spin (README §3.1). Each new socket goes to admit().
    void accept_clients();
    /// Read @p conn: at most read_budget bytes, then call_again (README §2.3); each complete line
    /// to room_.on_line, each too-long one to room_.on_too_long; EOF and resets mark it dead.
    void read_from(Connection& conn);
    /// Write @p conn's queue (until done or EAGAIN), release its memory once empty, arm EPOLLOUT
    /// exactly while bytes wait, and mark it dead once empty if it is closing (README §3.3).
    void flush(Connection& conn);
    /// The end-of-turn hook: flush() every dirty connection and drop_dead(), until neither is
    /// left (a drop sends `* <name> left` to others, which makes them dirty) (README §3.3).
    void end_of_turn();
    /// Drop every connection marked dead: remove it from the reactor, room_.leave() it, close it;
    /// resume accepting if it was paused for want of descriptors (README §3.1, §3.4).
    void drop_dead();
    /// The stop descriptor became readable: stop accepting, room_.shutdown(), mark every client
    /// closing and dirty, start the shutdown deadline (README §3.5).
    void begin_shutdown();

    // Given, in room_server_helpers.cpp.

    /// The connection of client @p id, or nullptr.
    Connection* find(ClientId id);
    /// Take @p sock as a new client: a Connection with a fresh id, TCP_NODELAY, registered for
    /// EPOLLIN with a handler that calls on_event(), then room_.join() (which may refuse it).
    void admit(kit::Fd sock);
    /// What the reactor calls for a client: EPOLLIN/HUP/ERR -> read_from(); EPOLLOUT -> dirty.
    void on_event(Connection& conn, std::uint32_t events);
    /// Put @p conn in the dirty list (once) for the end of this turn.
    void mark_dirty(Connection& conn);
    /// Mark @p conn for removal by drop_dead(), with the reason for the log (the first is kept).
    void mark_dead(Connection& conn, std::string why);
    /// Out of descriptors: refuse one pending connection with the spare descriptor (lab03's
    /// chat::refuse_pending_connection, linked). @return false if even that did not work.
    bool refuse_connection();
    /// Stop watching the listener until resume_accepting() (EMFILE and nothing to refuse).
    void pause_accepting();
    /// Watch the listener again (a descriptor was freed, or time passed).
    void resume_accepting();
    /// After each turn: a busy turn (output or departures) schedules a \man{malloc_trim,3} for when
    /// the server has been idle for kTrimAfterIdleMs; an idle turn past that time gives back the
    /// output capacity idle clients kept, then runs it (README §3.4).
    void settle_memory(bool busy);
    /// Read the stop descriptor empty, then begin_shutdown().
    void on_stop();
    /// The milliseconds to wait in this turn: -1, or what is left of the shutdown deadline, of
    /// the retry interval while accepting is paused, or of the wait before a pending trim.
    [[nodiscard]] int turn_timeout_ms() const;

    kit::Fd listener_;
    kit::Fd stop_;
    ServerLimits limits_;
    const Log& log_;
    Reactor reactor_;
    ChatRoom room_;
    // /dev/null, opened at start so that it is there when the fds run out: the number that
    // refuse_connection() frees for accept4.
    kit::Fd spare_{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
    Key listener_key_ = 0;
    Key stop_key_ = 0;
    bool accepting_paused_ = false;
    std::chrono::steady_clock::time_point resume_at_{};
    bool trim_pending_ = false;
    std::chrono::steady_clock::time_point trim_at_{};
    bool shutting_down_ = false;
    std::chrono::steady_clock::time_point shutdown_by_{};
    ClientId next_id_ = 1;
    // By id, for send(): one hash lookup per recipient. unique_ptr: a Connection never moves, so
    // its handler can hold its address.
    std::unordered_map<ClientId, std::unique_ptr<Connection>> connections_;
    std::vector<ClientId> dirty_;    // clients with new output this turn, each once
    std::vector<ClientId> dead_;     // clients marked dead, not dropped yet
    std::vector<char> read_buffer_;  // one for all clients: reads never need one each
};

/// @brief The capacity an emptied output buffer keeps for the next turn (README §3.4): a busy
/// client then appends into memory it already has, and an idle one holds at most this much.
inline constexpr std::size_t kKeptOutputCapacity = 1024;

/// @brief How long the server must have been idle before it gives the memory its last bursts
/// left free back to the kernel (malloc_trim): never in the middle of a busy run, where the same
/// memory is needed again at once.
inline constexpr int kTrimAfterIdleMs = 250;

/// @brief The pause before accepting again when even the spare descriptor did not help (ENFILE,
/// the whole system is out of files): a retry every 100 ms is not a busy loop.
inline constexpr int kAcceptRetryMs = 100;

}  // namespace room
