// lab05, your file: the chat server's network side, declared in room_server.h.
// Fill in each TODO in order; `make test` (in this folder) says which ones still fail and why.
// The given helpers (find, admit, on_event, mark_dirty, mark_dead, refuse_connection,
// pause_accepting, resume_accepting, on_stop, turn_timeout_ms) are in room_server_helpers.cpp:
// yours to call, not to change.
#include "lab05_full_chat/room_server.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <string>
#include <utility>

#include "common/sys_error.h"
#include "lab02_nonblocking/nonblocking.h"

namespace room {

void Server::run()
{
    // BEGIN SOLUTION The loop (README §3.5): until shutting down and no connection is left,
    // | reactor_.run_once(turn_timeout_ms()). Before each turn: if accepting is paused and its
    // | retry time (resume_at_) has come, resume_accepting(); if shutting down and the deadline
    // | (shutdown_by_) has passed, log how many clients are still unflushed and return (the
    // | destructor closes them).
    // STUB: kit::todo("Server::run");
    while (!(shutting_down_ && connections_.empty())) {
        const auto now = std::chrono::steady_clock::now();
        if (accepting_paused_ && now >= resume_at_) resume_accepting();
        if (shutting_down_ && now >= shutdown_by_) {
            log_.info("shutdown deadline passed: %zu clients closed with output unsent",
                      connections_.size());
            return;
        }
        reactor_.run_once(turn_timeout_ms());
    }
    // END SOLUTION
}

void Server::accept_clients()
{
    // BEGIN SOLUTION Accept (README §3.1): loop on accept4(listener, SOCK_NONBLOCK | SOCK_CLOEXEC)
    // | in both modes until EAGAIN (return), or until limits_.accept_budget clients were accepted
    // | in this call: then reactor_.call_again(listener_key_) and return (the rest next turn).
    // | EINTR, ECONNABORTED, EPROTO: that one gave up, go on.
    // | EMFILE, ENFILE: refuse_connection() and go on; if it could not, pause_accepting() and
    // | return (never retry at once: that is a busy loop; never give up for good). Other errors:
    // | throw kit::SysError. Each new socket: admit(std::move(sock)).
    // STUB: kit::todo("Server::accept_clients");
    //! [accept_clients]
    for (std::size_t accepted = 0;; ++accepted) {
        if (accepted == limits_.accept_budget) return reactor_.call_again(listener_key_);
        kit::Fd sock(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!sock) {
            const int err = errno;
            if (err == EAGAIN || err == EWOULDBLOCK) return;  // drained: the next edge is news
            if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;
            if (err == EMFILE || err == ENFILE) {
                // The connection stays queued until somebody accepts it: do, with the spare
                // descriptor, and close it. Returning here would leave it there: LT reports the
                // listener again at once (a busy loop), ET never again (a hang).
                if (refuse_connection()) continue;
                // Not even that: wait for a descriptor to be freed, or a little time to pass.
                return pause_accepting();
            }
            throw kit::SysError("accept4(listener fd " + std::to_string(listener_.get()) + ")",
                                err);
        }
        admit(std::move(sock));
    }
    //! [accept_clients]
    // END SOLUTION
}

void Server::read_from(Connection& conn)
{
    // BEGIN SOLUTION Read with a budget (README §2.3, §2.4): loop on nb::read_some(conn's fd,
    // | read_buffer_, but never more than the budget left of limits_.read_budget). WouldBlock:
    // | return. Eof: flush(conn) first (a client that shut down only its sending side still
    // | reads: its `* bye` must not be lost), then mark_dead "left"; PeerGone: mark_dead
    // | "connection reset"; return. Ok: take the
    // | bytes off the budget; if conn is closing, drop them; else append them to conn.input and
    // | hand every complete line to room_.on_line(conn.id, ...) (TooLong: room_.on_too_long).
    // | Budget used up: reactor_.call_again(conn.key) and return, the other clients' turn (under
    // | EPOLLET no new edge comes for the bytes already there).
    // STUB: kit::todo("Server::read_from", conn);
    //! [read_from]
    std::size_t budget = limits_.read_budget;
    while (budget > 0) {
        const std::size_t want = std::min(budget, read_buffer_.size());
        const kit::IoResult got =
            nb::read_some(conn.sock.get(), std::span<char>(read_buffer_.data(), want));
        if (got.status == kit::IoStatus::WouldBlock) return;  // drained: wait for the next event
        if (got.status == kit::IoStatus::Eof) {
            // EOF ends what the client sends, not what it reads (shutdown(SHUT_WR), as lab05's
            // client does after /quit): what this turn queued for it, "* bye" among it, goes out
            // now, as far as the socket takes it, before the connection is dropped.
            flush(conn);
            return mark_dead(conn, "left");
        }
        if (got.status == kit::IoStatus::PeerGone) return mark_dead(conn, "connection reset");
        budget -= got.bytes;
        // Closing (it said /quit, or the server is shutting down): read on, so that its FIN
        // finds an empty receive queue, but nothing it says counts any more.
        if (conn.closing) continue;
        conn.input.append(std::string_view(read_buffer_.data(), got.bytes));
        while (!conn.dead && !conn.closing) {
            const nb::LineResult line = conn.input.pop_line();
            if (line.status == nb::LineStatus::Incomplete) break;
            if (line.status == nb::LineStatus::TooLong) {
                room_.on_too_long(conn.id);
            } else {
                room_.on_line(conn.id, line.line);
            }
        }
        if (conn.dead) return;
    }
    // The budget is used up with bytes perhaps still waiting. Level-triggered, epoll_wait reports
    // them again; edge-triggered it never would: ask the reactor for another call next turn.
    reactor_.call_again(conn.key);
    //! [read_from]
    // END SOLUTION
}

void Server::send(ClientId to, std::string_view line)
{
    // BEGIN SOLUTION Queue (README §3.3, §3.4): find the connection (unknown or dead: ignore). If
    // | its pending() bytes plus this line would pass limits_.output_limit, mark_dead it ("does not
    // | read") and return: nothing more is queued for it. Else append line to conn.output and
    // | mark_dirty(conn). No system call here: the end of the turn writes.
    // STUB: kit::todo("Server::send", to, line);
    //! [send]
    Connection* conn = find(to);
    if (conn == nullptr || conn->dead) return;
    if (conn->pending() + line.size() > limits_.output_limit) {
        return mark_dead(*conn, "dropped: does not read, over " +
                                    std::to_string(limits_.output_limit) + " bytes queued");
    }
    conn->output.append(line);
    mark_dirty(*conn);
    //! [send]
    // END SOLUTION
}

void Server::close_after_flush(ClientId who)
{
    // BEGIN SOLUTION Close later (README §3.3): find the connection (unknown: ignore), set
    // | closing, mark_dirty it: flush() closes it once its queue is written.
    // STUB: kit::todo("Server::close_after_flush", who);
    Connection* conn = find(who);
    if (conn == nullptr) return;
    conn->closing = true;
    mark_dirty(*conn);
    // END SOLUTION
}

void Server::flush(Connection& conn)
{
    // BEGIN SOLUTION Write once per turn (README §3.3): while conn has pending() bytes, send(2)
    // | them from output_start with MSG_NOSIGNAL and move output_start by what the kernel took.
    // | EINTR: again; EAGAIN: stop; other errors: mark_dead and return. Then: nothing pending ->
    // | clear() the buffer, and release its memory (swap with an empty string) if its capacity is
    // | over kKeptOutputCapacity; reset output_start. A sent
    // | prefix larger than half -> erase it. EPOLLOUT armed exactly while bytes wait
    // | (reactor_.modify, writable_armed). Nothing pending and closing -> mark_dead "closed".
    // STUB: kit::todo("Server::flush", conn);
    //! [flush]
    while (conn.pending() > 0) {
        const ssize_t n = ::send(conn.sock.get(), conn.output.data() + conn.output_start,
                                 conn.pending(), MSG_NOSIGNAL);
        if (n >= 0) {
            conn.output_start += static_cast<std::size_t>(n);
            continue;
        }
        const int err = errno;
        if (err == EINTR) continue;
        if (err == EAGAIN || err == EWOULDBLOCK) break;  // the rest waits for EPOLLOUT
        return mark_dead(conn, std::string("send failed: ") + std::strerror(err));
    }
    if (conn.pending() == 0) {
        // A busy client's next turn needs about as much again: keep up to kKeptOutputCapacity,
        // or every turn grows a fresh string by doubling (a malloc and a copy each time). Give
        // anything larger back: 10,000 idle clients must not each keep their largest burst.
        if (conn.output.capacity() > kKeptOutputCapacity) {
            std::string().swap(conn.output);
        } else {
            conn.output.clear();
        }
        conn.output_start = 0;
    } else if (conn.output_start > conn.output.size() / 2) {
        conn.output.erase(0, conn.output_start);  // each byte is moved O(1) times on average
        conn.output_start = 0;
    }
    // Armed only while bytes wait: an idle socket is nearly always writable, so an EPOLLOUT left
    // armed would wake a level-triggered loop at once, forever.
    const bool want_writable = conn.pending() > 0;
    if (want_writable != conn.writable_armed) {
        reactor_.modify(conn.key, want_writable ? EPOLLIN | EPOLLOUT : EPOLLIN);
        conn.writable_armed = want_writable;
    }
    if (!want_writable && conn.closing) mark_dead(conn, "closed after its last line");
    //! [flush]
    // END SOLUTION
}

void Server::end_of_turn()
{
    // BEGIN SOLUTION The end of the turn (README §3.3): until both lists are empty: take the dirty
    // | list (swap it into a local), and flush() each connection still there and not dead (clear
    // | its dirty flag first); then drop_dead(). Dropping one client queues `* <name> left` for
    // | the others, which makes them dirty again: hence the loop.
    // STUB: kit::todo("Server::end_of_turn");
    //! [end_of_turn]
    while (!dirty_.empty() || !dead_.empty()) {
        std::vector<ClientId> dirty;
        dirty.swap(dirty_);
        for (const ClientId id : dirty) {
            Connection* conn = find(id);
            if (conn == nullptr) continue;
            conn->dirty = false;
            if (!conn->dead) flush(*conn);
        }
        drop_dead();
    }
    //! [end_of_turn]
    // END SOLUTION
}

void Server::drop_dead()
{
    // BEGIN SOLUTION Drop (README §3.4): for each id of dead_ (take the list first: leave() may
    // | mark more clients dead): reactor_.remove its key, room_.leave(id) (the others hear of it),
    // | log why (log_.debug, or log_.info for a client dropped for not reading), erase it from
    // | connections_ (which closes the socket). Then resume_accepting(): a descriptor is free.
    // STUB: kit::todo("Server::drop_dead");
    bool freed = false;
    while (!dead_.empty()) {
        std::vector<ClientId> dead;
        dead.swap(dead_);
        for (const ClientId id : dead) {
            const auto found = connections_.find(id);
            if (found == connections_.end()) continue;
            Connection& conn = *found->second;
            reactor_.remove(conn.key);  // first: the fd number may come back at the next accept
            room_.leave(id);            // may queue lines for others, or mark them dead too
            if (conn.why_dead.rfind("dropped", 0) == 0) {
                log_.info("client #%llu %s", static_cast<unsigned long long>(id),
                          conn.why_dead.c_str());
            } else {
                log_.debug("client #%llu %s, %zu connected", static_cast<unsigned long long>(id),
                           conn.why_dead.c_str(), connections_.size() - 1);
            }
            connections_.erase(found);  // the kit::Fd closes the socket
            freed = true;
        }
    }
    if (freed) resume_accepting();
    // END SOLUTION
}

void Server::begin_shutdown()
{
    // BEGIN SOLUTION Shut down (README §3.5): set shutting_down_ and shutdown_by_ (now plus
    // | limits_.shutdown_deadline); stop accepting (reactor_.remove the listener's and the stop
    // | fd's keys); room_.shutdown() (every member gets the shutting-down line); then every
    // | connection is closing and dirty: flush() closes each once its queue is written.
    // STUB: kit::todo("Server::begin_shutdown");
    log_.info("signal received, %zu clients connected: shutting down", connections_.size());
    shutting_down_ = true;
    shutdown_by_ = std::chrono::steady_clock::now() + limits_.shutdown_deadline;
    reactor_.remove(listener_key_);
    reactor_.remove(stop_key_);
    room_.shutdown();
    for (auto& [id, conn] : connections_) {
        conn->closing = true;
        mark_dirty(*conn);
    }
    // END SOLUTION
}

}  // namespace room
