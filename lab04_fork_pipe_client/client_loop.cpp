// lab04, your file: the parent's event loop, declared in client_loop.h.
#include "lab04_fork_pipe_client/client_loop.h"

#include <sys/epoll.h>

#include <array>
#include <cerrno>
#include <cstdint>

#include "lab02_nonblocking/nonblocking.h"
#include "lab04_fork_pipe_client/stdin_reader.h"
#include "common/sys_error.h"

namespace chat {
namespace {

// Given: make @p epoll watch @p fd for @p events — or not at all when @p events is 0. @p current
// remembers what is registered now (0: not registered), so unchanged interest costs no syscall.
// Not watching is EPOLL_CTL_DEL, not "MOD to no events": epoll reports EPOLLHUP and EPOLLERR
// whatever was asked, so a pipe whose writer is gone would wake a level-triggered loop for ever.
[[maybe_unused]] void watch(const kit::Fd& epoll, int fd, std::uint32_t events,
                            std::uint32_t& current)
{
    if (events == current) return;
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    const int op = current == 0 ? EPOLL_CTL_ADD : events == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    if (::epoll_ctl(epoll.get(), op, fd, &event) != 0) {
        throw kit::SysError("epoll_ctl(fd " + std::to_string(fd) + ")", errno);
    }
    current = events;
}

}  // namespace

bool print_server_lines(int server_fd, nb::LineBuffer& from_server, std::FILE* out)
{
    std::array<char, 4096> chunk{};
    // TODO: Loop: nb::read_some(server_fd, chunk); append exactly the bytes read to
    //   from_server; on WouldBlock stop reading; on Eof or PeerGone remember that the server is
    //   gone, append "\n" if bytes are left (a last line without one) and stop. After each read,
    //   pop every complete line and print it plus "\n" to out (a TooLong line: a note on stderr
    //   instead). fflush(out) once at the end; return false if the server is gone. README §4.1.
    kit::todo("print_server_lines", server_fd, from_server, out, chunk);
}

bool take_user_lines(int pipe_fd, nb::LineBuffer& from_user, std::string& to_server)
{
    std::array<char, 4096> chunk{};
    // TODO: Loop: nb::read_some(pipe_fd, chunk) and append exactly the bytes read to
    //   from_user, until WouldBlock (return true) or Eof (return false: the child is done). After
    //   each read, move every complete line into to_server, each plus one "\n". Append got.bytes
    //   bytes, not the whole chunk: the rest is junk (mistake 4). See README §4.2.
    kit::todo("take_user_lines", pipe_fd, from_user, to_server, chunk);
}

bool flush_to_server(int server_fd, std::string& to_server)
{
    // TODO: Loop while to_server is not empty: nb::write_some(server_fd, to_server);
    //   erase what it wrote from the front; on WouldBlock return true (the rest waits for
    //   EPOLLOUT); on PeerGone return false. See README §4.2.
    kit::todo("flush_to_server", server_fd, to_server);
}

ClientEnd run_client_loop(const kit::Fd& server, const kit::Fd& user_lines, std::FILE* out)
{
    nb::LineBuffer from_server(kMaxServerLineBytes);
    nb::LineBuffer from_user(kMaxUserLineBytes);
    std::string to_server;
    std::uint32_t server_events = 0;  // what the epoll instance watches now (for watch())
    std::uint32_t pipe_events = 0;
    // TODO: Make both fds nonblocking (nb::set_nonblocking) and create the epoll instance
    //   with epoll_create1(EPOLL_CLOEXEC) (kit::SysError if it fails). Loop: watch the socket for
    //   EPOLLIN, plus EPOLLOUT while to_server is not empty; watch the pipe for EPOLLIN only while
    //   the user is not done and to_server is empty (backpressure), else 0. epoll_wait (retry
    //   EINTR); for each event call print_server_lines / flush_to_server (socket) or
    //   take_user_lines (pipe) — ServerClosed when a server call says false. Return UserDone once
    //   the user is done and to_server is empty. See README §4.3.
    kit::todo("run_client_loop", server, user_lines, out, from_server, from_user,
              to_server, server_events, pipe_events);
}

}  // namespace chat
