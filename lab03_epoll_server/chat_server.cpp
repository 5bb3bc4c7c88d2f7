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
    // TODO: Set up the loop (README §4.1): ignore SIGPIPE (kit::ignore_sigpipe), make the
    //   listener nonblocking (nb::set_nonblocking), create the epoll instance with
    //   epoll_create1(EPOLL_CLOEXEC) into epoll_ (throw kit::SysError("epoll_create1", errno) if it
    //   fails), then register the listener (key kListenerKey) and the stop fd (kStopKey) with
    //   watch(EPOLL_CTL_ADD, ...).
    kit::todo("ChatServer::ChatServer (epoll_create1 and the first registrations)");
}

void ChatServer::run()
{
    // TODO: The loop (README §4.2): epoll_wait with no timeout into an array of events;
    //   retry EINTR, throw kit::SysError for other errors. For each event, by data.u64: kStopKey ->
    //   return; kListenerKey -> accept_clients(); otherwise find the client (it may be gone
    //   already: skip it) and call read_from() on EPOLLIN/EPOLLHUP/EPOLLERR, then flush() on
    //   EPOLLOUT if it is still alive. After each event, drop_dead_clients().
    kit::todo("ChatServer::run (the epoll_wait loop)");
}

void ChatServer::accept_clients()
{
    // TODO: Accept (README §4.3): loop on accept4(listener, SOCK_NONBLOCK | SOCK_CLOEXEC).
    //   EAGAIN: the queue is empty, return. EINTR, ECONNABORTED, EPROTO: try the next one. EMFILE,
    //   ENFILE: refuse_connection(), then go on (return if it says false). Other errors: throw kit::SysError. For each new
    //   socket: a Client with id next_id_++ in clients_, watch(EPOLL_CTL_ADD, ...) with its id,
    //   a log line on stderr, send_to(client, welcome_line(id)). In Mode::Lt return after one
    //   client (epoll_wait reports the listener again); in Mode::Et go on until EAGAIN.
    kit::todo("ChatServer::accept_clients");
}

void ChatServer::read_from(Client& client)
{
    // TODO: Read (README §4.4): loop on nb::read_some(client's fd, a kReadChunkBytes
    //   buffer). Ok: append the bytes to client.input, then deliver() every complete (or TooLong)
    //   line pop_line gives. WouldBlock: nothing more now, return. Eof or PeerGone: mark_dead with
    //   the reason and return (only this client ends). In Mode::Lt stop after one successful read;
    //   in Mode::Et you must go on until WouldBlock: no new edge comes for bytes already there.
    kit::todo("ChatServer::read_from", client);
}

void ChatServer::deliver(Client& sender, const nb::LineResult& line)
{
    // TODO: Broadcast (README §4.5): a TooLong line gets kTooLongLine back to the sender
    //   (nothing is broadcast). A sender alone in the room gets kAloneLine. Otherwise every
    //   *other* client gets chat_line(sender.id, line.line), through send_to().
    kit::todo("ChatServer::deliver", sender, line.line);
}

void ChatServer::send_to(Client& client, std::string_view bytes)
{
    // TODO: Queue and write (README §5): append bytes to client.output, flush() at once,
    //   and if more than kMaxQueuedBytes are still queued, mark_dead(client, ...): it does not
    //   read, and it may neither stall the room nor grow our memory without bound.
    kit::todo("ChatServer::send_to", client, bytes);
}

void ChatServer::flush(Client& client)
{
    // TODO: Write out (README §5.2): while client.output is not empty, send(2) its
    //   readable() bytes with MSG_NOSIGNAL and consume() what the kernel took (maybe only part).
    //   EINTR: again. EAGAIN: stop, the rest waits. EPIPE, ECONNRESET and other network errors:
    //   mark_dead and return. Then make the registration match: EPOLLOUT armed exactly while
    //   bytes are queued (watch(EPOLL_CTL_MOD, ...) when client.writable_armed must change).
    kit::todo("ChatServer::flush", client);
}

void ChatServer::drop_dead_clients()
{
    // TODO: Clean up (README §4.6): for each id in dead_ still in clients_:
    //   epoll_ctl(EPOLL_CTL_DEL) its socket, log "client #<id> <why_dead>" on stderr, and erase it
    //   from clients_ (its kit::Fd closes the socket). Then clear dead_.
    kit::todo("ChatServer::drop_dead_clients");
}

}  // namespace chat
