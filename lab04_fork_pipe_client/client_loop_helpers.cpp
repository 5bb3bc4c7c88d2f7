// lab04 (given): watch(), the helper run_client_loop calls, declared in client_loop.h. It is kept
// apart from your client_loop.cpp so that your file holds only your work: `make diff` then shows
// exactly what you wrote.
#include "lab04_fork_pipe_client/client_loop.h"

#include <sys/epoll.h>

#include <cerrno>
#include <string>

#include "common/sys_error.h"

namespace chat {

void watch(const kit::Fd& epoll, int fd, std::uint32_t events, std::uint32_t& current)
{
    if (events == current) return;
    epoll_event event{};
    event.events = events;
    // The fd is the key: both fds of the client live as long as the loop (see client_loop.h).
    event.data.fd = fd;
    const int op = current == 0 ? EPOLL_CTL_ADD : events == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    if (::epoll_ctl(epoll.get(), op, fd, &event) != 0) {
        throw kit::SysError("epoll_ctl(fd " + std::to_string(fd) + ")", errno);
    }
    current = events;
}

}  // namespace chat
