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
    // TODO: The loop (README §3.5): until shutting down and no connection is left,
    //   reactor_.run_once(turn_timeout_ms()). Before each turn: if accepting is paused and its
    //   retry time (resume_at_) has come, resume_accepting(); if shutting down and the deadline
    //   (shutdown_by_) has passed, log how many clients are still unflushed and return (the
    //   destructor closes them).
    kit::todo("Server::run");
}

void Server::accept_clients()
{
    // TODO: Accept (README §3.1): loop on accept4(listener, SOCK_NONBLOCK | SOCK_CLOEXEC)
    //   in both modes until EAGAIN (return), or until limits_.accept_budget clients were accepted
    //   in this call: then reactor_.call_again(listener_key_) and return (the rest next turn).
    //   EINTR, ECONNABORTED, EPROTO: that one gave up, go on.
    //   EMFILE, ENFILE: refuse_connection() and go on; if it could not, pause_accepting() and
    //   return (never retry at once: that is a busy loop; never give up for good). Other errors:
    //   throw kit::SysError. Each new socket: admit(std::move(sock)).
    kit::todo("Server::accept_clients");
}

void Server::read_from(Connection& conn)
{
    // TODO: Read with a budget (README §2.3, §2.4): loop on nb::read_some(conn's fd,
    //   read_buffer_, but never more than the budget left of limits_.read_budget). WouldBlock:
    //   return. Eof: flush(conn) first (a client that shut down only its sending side still
    //   reads: its `* bye` must not be lost), then mark_dead "left"; PeerGone: mark_dead
    //   "connection reset"; return. Ok: take the
    //   bytes off the budget; if conn is closing, drop them; else append them to conn.input and
    //   hand every complete line to room_.on_line(conn.id, ...) (TooLong: room_.on_too_long).
    //   Budget used up: reactor_.call_again(conn.key) and return, the other clients' turn (under
    //   EPOLLET no new edge comes for the bytes already there).
    kit::todo("Server::read_from", conn);
}

void Server::send(ClientId to, std::string_view line)
{
    // TODO: Queue (README §3.3, §3.4): find the connection (unknown or dead: ignore). If
    //   its pending() bytes plus this line would pass limits_.output_limit, mark_dead it ("does not
    //   read") and return: nothing more is queued for it. Else append line to conn.output and
    //   mark_dirty(conn). No system call here: the end of the turn writes.
    kit::todo("Server::send", to, line);
}

void Server::close_after_flush(ClientId who)
{
    // TODO: Close later (README §3.3): find the connection (unknown: ignore), set
    //   closing, mark_dirty it: flush() closes it once its queue is written.
    kit::todo("Server::close_after_flush", who);
}

void Server::flush(Connection& conn)
{
    // TODO: Write once per turn (README §3.3): while conn has pending() bytes, send(2)
    //   them from output_start with MSG_NOSIGNAL and move output_start by what the kernel took.
    //   EINTR: again; EAGAIN: stop; other errors: mark_dead and return. Then: nothing pending ->
    //   clear() the buffer, and release its memory (swap with an empty string) if its capacity is
    //   over kKeptOutputCapacity; reset output_start. A sent
    //   prefix larger than half -> erase it. EPOLLOUT armed exactly while bytes wait
    //   (reactor_.modify, writable_armed). Nothing pending and closing -> mark_dead "closed".
    kit::todo("Server::flush", conn);
}

void Server::end_of_turn()
{
    // TODO: The end of the turn (README §3.3): until both lists are empty: take the dirty
    //   list (swap it into a local), and flush() each connection still there and not dead (clear
    //   its dirty flag first); then drop_dead(). Dropping one client queues `* <name> left` for
    //   the others, which makes them dirty again: hence the loop.
    kit::todo("Server::end_of_turn");
}

void Server::drop_dead()
{
    // TODO: Drop (README §3.4): for each id of dead_ (take the list first: leave() may
    //   mark more clients dead): reactor_.remove its key, room_.leave(id) (the others hear of it),
    //   log why (log_.debug, or log_.info for a client dropped for not reading), erase it from
    //   connections_ (which closes the socket). Then resume_accepting(): a descriptor is free.
    kit::todo("Server::drop_dead");
}

void Server::begin_shutdown()
{
    // TODO: Shut down (README §3.5): set shutting_down_ and shutdown_by_ (now plus
    //   limits_.shutdown_deadline); stop accepting (reactor_.remove the listener's and the stop
    //   fd's keys); room_.shutdown() (every member gets the shutting-down line); then every
    //   connection is closing and dirty: flush() closes each once its queue is written.
    kit::todo("Server::begin_shutdown");
}

}  // namespace room
