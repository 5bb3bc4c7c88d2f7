// lab03, your file: the chat server's event loop, declared in chat_server.h.
// Fill in each TODO in order; `make test` (in this folder) says which ones still fail and why.
// The given helpers (events_for, watch, mark_dead, refuse_connection) are in
// chat_server_helpers.cpp: yours to call, not to change.
#include "lab03_epoll_server/chat_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <utility>

#include "common/address.h"
#include "common/signals.h"
#include "common/sys_error.h"
#include "lab02_nonblocking/nonblocking.h"

namespace chat {

ChatServer::ChatServer(kit::Fd listener, Mode mode, kit::Fd stop)
    : listener_(std::move(listener)), stop_(std::move(stop)), mode_(mode)
{
    // BEGIN SOLUTION Set up the loop (README §4.1): ignore SIGPIPE (kit::ignore_sigpipe), make the
    // | listener nonblocking (nb::set_nonblocking), create the epoll instance with
    // | epoll_create1(EPOLL_CLOEXEC) into epoll_ (throw kit::SysError("epoll_create1", errno) if it
    // | fails), then register the listener (key kListenerKey) and the stop fd (kStopKey) with
    // | watch(EPOLL_CTL_ADD, ...).
    // STUB: kit::todo("ChatServer::ChatServer (epoll_create1 and the first registrations)");
    //! [setup]
    // A send to a vanished peer raises SIGPIPE, whose default action kills the whole room. Every
    // send already says MSG_NOSIGNAL; ignoring the signal as well guards any write we forget.
    kit::ignore_sigpipe();
    // In Mode::Et the accept loop runs until EAGAIN: a blocking listener would block there instead.
    nb::set_nonblocking(listener_.get());
    // The size argument of the old epoll_create(size) is ignored since Linux 2.6.8: it was never
    // a maximum. epoll_create1 takes flags instead; CLOEXEC keeps the fd out of exec'd programs.
    epoll_ = kit::Fd(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_) throw kit::SysError("epoll_create1(EPOLL_CLOEXEC)", errno);
    watch(EPOLL_CTL_ADD, listener_.get(), kListenerKey, false);
    watch(EPOLL_CTL_ADD, stop_.get(), kStopKey, false);
    //! [setup]
    // END SOLUTION
}

void ChatServer::run()
{
    // BEGIN SOLUTION The loop (README §4.2): epoll_wait with no timeout into an array of events;
    // | retry EINTR, throw kit::SysError for other errors. For each event, by data.u64: kStopKey ->
    // | return; kListenerKey -> accept_clients(); otherwise find the client (it may be gone
    // | already: skip it) and call read_from() on EPOLLIN/EPOLLHUP/EPOLLERR, then flush() on
    // | EPOLLOUT if it is still alive. After each event, drop_dead_clients().
    // STUB: kit::todo("ChatServer::run (the epoll_wait loop)");
    //! [run]
    std::array<epoll_event, 256> events;
    while (true) {
        const int ready =
            ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), -1);
        if (ready < 0) {
            const int err = errno;
            if (err == EINTR) continue;  // a signal arrived: not an error, wait again
            throw kit::SysError("epoll_wait(fd " + std::to_string(epoll_.get()) + ")", err);
        }
        for (int i = 0; i < ready; ++i) {
            const std::uint64_t key = events[i].data.u64;
            const std::uint32_t what = events[i].events;
            if (key == kStopKey) return;
            if (key == kListenerKey) {
                accept_clients();
            } else if (const auto found = clients_.find(key); found != clients_.end()) {
                // An event for a client dropped earlier in this batch finds nothing: skipped.
                Client& client = found->second;
                if ((what & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) read_from(client);
                if ((what & EPOLLOUT) != 0 && !client.dead) flush(client);
            }
            drop_dead_clients();
        }
    }
    //! [run]
    // END SOLUTION
}

void ChatServer::accept_clients()
{
    // BEGIN SOLUTION Accept (README §4.3): loop on accept4(listener, SOCK_NONBLOCK | SOCK_CLOEXEC).
    // | EAGAIN: the queue is empty, return. EINTR, ECONNABORTED, EPROTO: try the next one. EMFILE,
    // | ENFILE: refuse_connection(), then go on (return if it says false). Other errors: throw kit::SysError. For each new
    // | socket: a Client with id next_id_++ in clients_, watch(EPOLL_CTL_ADD, ...) with its id,
    // | a log line on stderr, send_to(client, welcome_line(id)). In Mode::Lt return after one
    // | client (epoll_wait reports the listener again); in Mode::Et go on until EAGAIN.
    // STUB: kit::todo("ChatServer::accept_clients");
    //! [accept_clients]
    while (true) {
        kit::SocketAddress peer;
        peer.length = sizeof peer.storage;
        kit::Fd sock(
            ::accept4(listener_.get(), peer.data(), &peer.length, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!sock) {
            const int err = errno;
            // Drained: in ET the next edge is the next arrival.
            if (err == EAGAIN || err == EWOULDBLOCK) return;
            if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;  // that one gave up
            if (err == EMFILE || err == ENFILE) {
                if (refuse_connection()) continue;
                return;  // not even that worked: try again at the next notification
            }
            throw kit::SysError("accept4(listener fd " + std::to_string(listener_.get()) + ")",
                                err);
        }
        const std::uint64_t id = next_id_++;
        Client& client = clients_.try_emplace(id).first->second;
        client.id = id;
        client.sock = std::move(sock);
        client.peer = kit::to_string(peer);
        watch(EPOLL_CTL_ADD, client.sock.get(), id, false);
        std::fprintf(stderr, "client #%llu joined from %s (fd %d), %zu online\n",
                     static_cast<unsigned long long>(id), client.peer.c_str(), client.sock.get(),
                     clients_.size());
        send_to(client, welcome_line(id));
        if (mode_ == Mode::Lt) return;  // level-triggered: epoll_wait reports the rest of the queue
    }
    //! [accept_clients]
    // END SOLUTION
}

void ChatServer::read_from(Client& client)
{
    // BEGIN SOLUTION Read (README §4.4): loop on nb::read_some(client's fd, a kReadChunkBytes
    // | buffer). Ok: append the bytes to client.input, then deliver() every complete (or TooLong)
    // | line pop_line gives. WouldBlock: nothing more now, return. Eof or PeerGone: mark_dead with
    // | the reason and return (only this client ends). In Mode::Lt stop after one successful read;
    // | in Mode::Et you must go on until WouldBlock: no new edge comes for bytes already there.
    // STUB: kit::todo("ChatServer::read_from", client);
    //! [read_from]
    std::array<char, kReadChunkBytes> buffer;
    while (true) {
        const kit::IoResult got = nb::read_some(client.sock.get(), buffer);
        if (got.status == kit::IoStatus::WouldBlock) return;  // drained: wait for the next event
        if (got.status == kit::IoStatus::Eof) return mark_dead(client, "left");
        if (got.status == kit::IoStatus::PeerGone) return mark_dead(client, "connection reset");
        client.input.append(std::string_view(buffer.data(), got.bytes));
        // TCP keeps no message boundaries: these bytes may end in the middle of a line, or hold
        // several lines. Only complete lines leave the LineBuffer.
        while (true) {
            const nb::LineResult line = client.input.pop_line();
            if (line.status == nb::LineStatus::Incomplete) break;
            deliver(client, line);
        }
        if (mode_ == Mode::Lt) return;  // level-triggered: epoll_wait reports what is left
    }
    //! [read_from]
    // END SOLUTION
}

void ChatServer::deliver(Client& sender, const nb::LineResult& line)
{
    // BEGIN SOLUTION Broadcast (README §4.5): a TooLong line gets kTooLongLine back to the sender
    // | (nothing is broadcast). A sender alone in the room gets kAloneLine. Otherwise every
    // | *other* client gets chat_line(sender.id, line.line), through send_to().
    // STUB: kit::todo("ChatServer::deliver", sender, line.line);
    //! [deliver]
    if (line.status == nb::LineStatus::TooLong) return send_to(sender, kTooLongLine);
    if (clients_.size() == 1) return send_to(sender, kAloneLine);
    const std::string message = chat_line(sender.id, line.line);
    for (auto& [id, receiver] : clients_) {
        if (id != sender.id) send_to(receiver, message);
    }
    //! [deliver]
    // END SOLUTION
}

void ChatServer::send_to(Client& client, std::string_view bytes)
{
    // BEGIN SOLUTION Queue and write (README §5): append bytes to client.output, flush() at once,
    // | and if more than kMaxQueuedBytes are still queued, mark_dead(client, ...): it does not
    // | read, and it may neither stall the room nor grow our memory without bound.
    // STUB: kit::todo("ChatServer::send_to", client, bytes);
    //! [send_to]
    client.output.append(bytes);
    flush(client);
    if (client.output.size() > kMaxQueuedBytes) {
        mark_dead(client, "dropped: does not read, over " + std::to_string(kMaxQueuedBytes) +
                              " bytes queued");
    }
    //! [send_to]
    // END SOLUTION
}

void ChatServer::flush(Client& client)
{
    // BEGIN SOLUTION Write out (README §5.2): while client.output is not empty, send(2) its
    // | readable() bytes with MSG_NOSIGNAL and consume() what the kernel took (maybe only part).
    // | EINTR: again. EAGAIN: stop, the rest waits. EPIPE, ECONNRESET and other network errors:
    // | mark_dead and return. Then make the registration match: EPOLLOUT armed exactly while
    // | bytes are queued (watch(EPOLL_CTL_MOD, ...) when client.writable_armed must change).
    // STUB: kit::todo("ChatServer::flush", client);
    //! [flush]
    while (!client.output.empty()) {
        const std::span<const char> pending = client.output.readable();
        const ssize_t n = ::send(client.sock.get(), pending.data(), pending.size(), MSG_NOSIGNAL);
        if (n >= 0) {
            client.output.consume(static_cast<std::size_t>(n));  // maybe only part: the rest stays
            continue;
        }
        const int err = errno;  // copy it before anything else can change it
        if (err == EINTR) continue;
        // The kernel buffer is full: the rest waits for EPOLLOUT.
        if (err == EAGAIN || err == EWOULDBLOCK) break;
        if (err == EBADF || err == ENOTSOCK || err == EFAULT || err == EINVAL) {  // a bug of ours
            throw kit::SysError("send(fd " + std::to_string(client.sock.get()) + ")", err);
        }
        return mark_dead(client, std::string("send failed: ") + std::strerror(err));
    }
    // Armed only while bytes wait: a writable socket is writable nearly always, so an EPOLLOUT
    // left armed with nothing to write wakes a level-triggered loop at once, forever.
    const bool want_writable = !client.output.empty();
    if (want_writable != client.writable_armed) {
        watch(EPOLL_CTL_MOD, client.sock.get(), client.id, want_writable);
        client.writable_armed = want_writable;
    }
    //! [flush]
    // END SOLUTION
}

void ChatServer::drop_dead_clients()
{
    // BEGIN SOLUTION Clean up (README §4.6): for each id in dead_ still in clients_:
    // | epoll_ctl(EPOLL_CTL_DEL) its socket, log "client #<id> <why_dead>" on stderr, and erase it
    // | from clients_ (its kit::Fd closes the socket). Then clear dead_.
    // STUB: kit::todo("ChatServer::drop_dead_clients");
    //! [drop_dead_clients]
    for (const std::uint64_t id : dead_) {
        const auto found = clients_.find(id);
        if (found == clients_.end()) continue;
        Client& client = found->second;
        // Closing the fd would remove it from the epoll set too, unless another descriptor (a
        // dup, a forked child) still refers to the socket: delete it explicitly.
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, client.sock.get(), nullptr) != 0) {
            throw kit::SysError("epoll_ctl(DEL, fd " + std::to_string(client.sock.get()) + ")",
                                errno);
        }
        std::fprintf(stderr, "client #%llu %s, %zu online\n", static_cast<unsigned long long>(id),
                     client.why_dead.c_str(), clients_.size() - 1);
        clients_.erase(found);  // the kit::Fd closes the socket
    }
    dead_.clear();
    //! [drop_dead_clients]
    // END SOLUTION
}

}  // namespace chat
