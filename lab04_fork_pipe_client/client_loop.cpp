// lab04, your file: the parent's event loop, declared in client_loop.h. The given watch() is in
// client_loop_helpers.cpp: yours to call, not to change.
#include "lab04_fork_pipe_client/client_loop.h"

#include <sys/epoll.h>

#include <array>
#include <cerrno>
#include <cstdint>

#include "common/sys_error.h"
#include "lab02_nonblocking/nonblocking.h"
#include "lab04_fork_pipe_client/stdin_reader.h"

namespace chat {

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
    // TODO: The state: nb::LineBuffer from_server(kMaxServerLineBytes) and
    //   from_user(kMaxUserLineBytes), std::string to_server (the bytes waiting for the server), and
    //   std::uint32_t server_events = 0, pipe_events = 0 (what epoll watches now: watch() keeps
    //   them). Make both fds nonblocking (nb::set_nonblocking) and create the epoll instance
    //   with epoll_create1(EPOLL_CLOEXEC) (kit::SysError if it fails). Loop: watch the socket for
    //   EPOLLIN, plus EPOLLOUT while to_server is not empty; watch the pipe for EPOLLIN only while
    //   the user is not done and to_server is empty (backpressure), else 0. epoll_wait (retry
    //   EINTR); for each event call print_server_lines / flush_to_server (socket) or
    //   take_user_lines (pipe) — ServerClosed when a server call says false. Return UserDone once
    //   the user is done and to_server is empty. See README §4.3.
    kit::todo("run_client_loop", server, user_lines, out);
}

}  // namespace chat
