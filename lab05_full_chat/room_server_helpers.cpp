// lab05 (given): the helpers of room::Server that room_server.cpp calls, declared in
// room_server.h. They are kept apart from your file so that it holds only your work: `make diff`
// then shows exactly what you wrote, and these helpers have one copy, not one per student file.
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <utility>

#include "common/signals.h"
#include "common/sys_error.h"
#include "lab02_nonblocking/nonblocking.h"
#include "lab03_epoll_server/chat_server.h"
#include "lab05_full_chat/room_server.h"

namespace room {

Server::Server(kit::Fd listener, chat::Mode mode, kit::Fd stop, ServerLimits limits, const Log& log)
    : listener_(std::move(listener)),
      stop_(std::move(stop)),
      limits_(limits),
      log_(log),
      reactor_(mode),
      room_(*this, limits.max_clients),
      read_buffer_(std::max<std::size_t>(1, std::min<std::size_t>(limits.read_budget, 64 * 1024)))
{
    // Every send says MSG_NOSIGNAL; ignoring SIGPIPE as well guards any write we forget.
    kit::ignore_sigpipe();
    // accept_clients() runs until EAGAIN: a blocking listener would block there instead.
    nb::set_nonblocking(listener_.get());
    listener_key_ =
        reactor_.add(listener_.get(), EPOLLIN, [this](std::uint32_t) { accept_clients(); });
    // The signals arrive as a readable descriptor, like any client (README §2.2).
    stop_key_ = reactor_.add(stop_.get(), EPOLLIN, [this](std::uint32_t) { on_stop(); });
    reactor_.set_end_of_turn([this] {
        const bool busy = !dirty_.empty() || !dead_.empty();
        end_of_turn();
        settle_memory(busy);
    });
}

Server::~Server()
{
    // The reactor does not own the descriptors: unregister each before its Fd closes it.
    for (auto& [id, conn] : connections_)
        reactor_.remove(conn->key);
}

Connection* Server::find(ClientId id)
{
    const auto found = connections_.find(id);
    return found == connections_.end() ? nullptr : found->second.get();
}

void Server::admit(kit::Fd sock)
{
    // The server writes once per turn, everything queued: waiting for more (Nagle's algorithm)
    // would only delay a chat line by up to one round trip.
    const int one = 1;
    ::setsockopt(sock.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto owned = std::make_unique<Connection>();
    Connection& conn = *owned;
    conn.id = next_id_++;
    conn.sock = std::move(sock);
    conn.key = reactor_.add(conn.sock.get(), EPOLLIN,
                            [this, c = &conn](std::uint32_t events) { on_event(*c, events); });
    connections_.emplace(conn.id, std::move(owned));
    log_.debug("client #%llu joined (fd %d), %zu connected",
               static_cast<unsigned long long>(conn.id), conn.sock.get(), connections_.size());
    room_.join(conn.id);  // the welcome, or the room-full line and close_after_flush
}

void Server::on_event(Connection& conn, std::uint32_t events)
{
    if (conn.dead) return;
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) read_from(conn);
    // Writable again: write at the end of the turn, with whatever else this turn queued.
    if ((events & EPOLLOUT) != 0 && !conn.dead) mark_dirty(conn);
}

void Server::mark_dirty(Connection& conn)
{
    if (conn.dirty) return;
    conn.dirty = true;
    dirty_.push_back(conn.id);
}

void Server::mark_dead(Connection& conn, std::string why)
{
    if (conn.dead) return;
    conn.dead = true;
    conn.why_dead = std::move(why);
    dead_.push_back(conn.id);
}

bool Server::refuse_connection()
{
    const bool done = chat::refuse_pending_connection(listener_.get(), spare_);
    if (done) {
        log_.info("refused a connection: out of file descriptors (%zu connected)",
                  connections_.size());
    }
    return done;
}

void Server::pause_accepting()
{
    if (accepting_paused_ || shutting_down_) return;
    accepting_paused_ = true;
    resume_at_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(kAcceptRetryMs);
    reactor_.modify(listener_key_, 0);  // registered, but waiting for nothing
    log_.info("out of file descriptors: accepting paused");
}

void Server::resume_accepting()
{
    if (!accepting_paused_ || shutting_down_) return;
    accepting_paused_ = false;
    // Asking for EPOLLIN again also reports a connection that is already waiting, in both modes.
    reactor_.modify(listener_key_, EPOLLIN);
}

void Server::on_stop()
{
    // A signalfd read must take a whole signalfd_siginfo (128 bytes); an eventfd's 8 fit too.
    std::array<char, 128> info{};
    while (::read(stop_.get(), info.data(), info.size()) > 0) {
    }
    if (!shutting_down_) begin_shutdown();
}

void Server::settle_memory(bool busy)
{
    // chat_server keeps freed memory for reuse (mallopt in server_main.cpp: no trimming as it
    // goes, which costs a page fault per page taken back). Once the server is idle, the memory
    // of the last bursts (join notices, a slow client's queue) goes back to the kernel in one go.
    const auto now = std::chrono::steady_clock::now();
    if (busy) {
        trim_pending_ = true;
        trim_at_ = now + std::chrono::milliseconds(kTrimAfterIdleMs);
    } else if (trim_pending_ && now >= trim_at_) {
        trim_pending_ = false;
        // An emptied output buffer keeps up to kKeptOutputCapacity for the next busy turn; an
        // idle client needs none: 10,000 idle clients would otherwise hold 10 MB between them.
        for (auto& entry : connections_) {
            Connection& conn = *entry.second;
            if (conn.pending() == 0 && conn.output.capacity() > 0) std::string().swap(conn.output);
        }
        ::malloc_trim(0);
    }
}

int Server::turn_timeout_ms() const
{
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    const auto now = std::chrono::steady_clock::now();
    auto until = [&](std::chrono::steady_clock::time_point when) {
        return static_cast<int>(std::max<long long>(
            0, duration_cast<milliseconds>(when - now).count() + 1));  // +1: never wake early
    };
    if (shutting_down_) return until(shutdown_by_);
    if (accepting_paused_ && trim_pending_) return std::min(until(resume_at_), until(trim_at_));
    if (accepting_paused_) return until(resume_at_);
    if (trim_pending_) return until(trim_at_);
    return -1;
}

}  // namespace room
