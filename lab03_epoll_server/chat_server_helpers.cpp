// lab03 (given): the helpers of ChatServer that chat_server.cpp calls, declared in chat_server.h.
// They are kept apart from your file so that it holds only your work: `make diff` then shows
// exactly what you wrote, and these helpers have one copy, not one per student file.
#include "lab03_epoll_server/chat_server.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <utility>

#include "common/sys_error.h"

namespace chat {

std::string_view to_string(Mode mode)
{
    return mode == Mode::Et ? "et" : "lt";
}

std::uint32_t ChatServer::events_for(bool want_writable) const
{
    std::uint32_t events = EPOLLIN;
    if (want_writable) events |= EPOLLOUT;
    if (mode_ == Mode::Et) events |= EPOLLET;
    return events;
}

void ChatServer::watch(int op, int fd, std::uint64_t key, bool want_writable)
{
    epoll_event event{};
    event.events = events_for(want_writable);
    // The key, not the fd: a client's id stays unique for the server's life, while fd numbers are
    // reused at once — an event still queued for a closed client must not reach a new one.
    event.data.u64 = key;
    if (::epoll_ctl(epoll_.get(), op, fd, &event) != 0) {
        const char* name = op == EPOLL_CTL_ADD ? "ADD" : op == EPOLL_CTL_MOD ? "MOD" : "DEL";
        throw kit::SysError("epoll_ctl(" + std::string(name) + ", fd " + std::to_string(fd) + ")",
                            errno);
    }
}

void ChatServer::mark_dead(Client& client, std::string why)
{
    if (client.dead) return;
    client.dead = true;
    client.why_dead = std::move(why);
    dead_.push_back(client.id);
}

bool refuse_pending_connection(int listener, kit::Fd& spare)
{
    // Free the spare descriptor, so that accept4 has a number to give, accept the waiting
    // connection and close it at once (the client sees EOF), then take the spare back. Without
    // this the connection would stay queued: level-triggered, epoll_wait reports the listener
    // again at once, forever (a busy loop); edge-triggered, nothing reports it again until
    // another client arrives (a hang).
    spare.reset();
    kit::Fd refused(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    const bool done = refused.valid();
    refused.reset();
    spare.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    return done;
}

bool ChatServer::refuse_connection()
{
    const bool done = refuse_pending_connection(listener_.get(), spare_);
    if (done) {
        std::fprintf(stderr, "refused a connection: out of file descriptors (%zu clients online)\n",
                     clients_.size());
    }
    return done;
}

}  // namespace chat
