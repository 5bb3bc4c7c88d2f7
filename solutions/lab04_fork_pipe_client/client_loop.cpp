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
    // BEGIN SOLUTION Loop: nb::read_some(server_fd, chunk); append exactly the bytes read to
    // | from_server; on WouldBlock stop reading; on Eof or PeerGone remember that the server is
    // | gone, append "\n" if bytes are left (a last line without one) and stop. After each read,
    // | pop every complete line and print it plus "\n" to out (a TooLong line: a note on stderr
    // | instead). fflush(out) once at the end; return false if the server is gone. README §4.1.
    // STUB: kit::todo("print_server_lines", server_fd, from_server, out, chunk);
    //! [print_server_lines]
    bool server_gone = false;
    bool drained = false;
    while (!server_gone && !drained) {
        const kit::IoResult got = nb::read_some(server_fd, chunk);
        if (got.status == kit::IoStatus::Ok) {
            from_server.append(std::string_view(chunk.data(), got.bytes));
        } else if (got.status == kit::IoStatus::WouldBlock) {
            drained = true;  // all there is for now: epoll says when more comes
        } else {
            server_gone = true;  // Eof or PeerGone
            // Complete lines were popped after each read: what is left is a last line without "\n".
            if (from_server.buffered() > 0) from_server.append("\n");
        }
        for (nb::LineResult next = from_server.pop_line();
             next.status != nb::LineStatus::Incomplete; next = from_server.pop_line()) {
            if (next.status == nb::LineStatus::TooLong) {
                std::fprintf(stderr, "chat_client: a server line over %zu bytes was dropped\n",
                             kMaxServerLineBytes);
                continue;
            }
            std::fwrite(next.line.data(), 1, next.line.size(), out);
            std::fputc('\n', out);
        }
    }
    std::fflush(out);
    return !server_gone;
    //! [print_server_lines]
    // END SOLUTION
}

bool take_user_lines(int pipe_fd, nb::LineBuffer& from_user, std::string& to_server)
{
    std::array<char, 4096> chunk{};
    // BEGIN SOLUTION Loop: nb::read_some(pipe_fd, chunk) and append exactly the bytes read to
    // | from_user, until WouldBlock (return true) or Eof (return false: the child is done). After
    // | each read, move every complete line into to_server, each plus one "\n". Append got.bytes
    // | bytes, not the whole chunk: the rest is junk (mistake 4). See README §4.2.
    // STUB: kit::todo("take_user_lines", pipe_fd, from_user, to_server, chunk);
    while (true) {
        const kit::IoResult got = nb::read_some(pipe_fd, chunk);
        if (got.status == kit::IoStatus::WouldBlock) return true;
        if (got.status != kit::IoStatus::Ok) return false;  // Eof: every write end is closed
        from_user.append(std::string_view(chunk.data(), got.bytes));
        for (nb::LineResult next = from_user.pop_line(); next.status != nb::LineStatus::Incomplete;
             next = from_user.pop_line()) {
            if (next.status == nb::LineStatus::Line) to_server += next.line + '\n';
        }
    }
    // END SOLUTION
}

bool flush_to_server(int server_fd, std::string& to_server)
{
    // BEGIN SOLUTION Loop while to_server is not empty: nb::write_some(server_fd, to_server);
    // | erase what it wrote from the front; on WouldBlock return true (the rest waits for
    // | EPOLLOUT); on PeerGone return false. See README §4.2.
    // STUB: kit::todo("flush_to_server", server_fd, to_server);
    while (!to_server.empty()) {
        const kit::IoResult wrote = nb::write_some(server_fd, to_server);
        if (wrote.status == kit::IoStatus::WouldBlock) return true;
        if (wrote.status != kit::IoStatus::Ok) return false;  // PeerGone
        to_server.erase(0, wrote.bytes);
    }
    return true;
    // END SOLUTION
}

ClientEnd run_client_loop(const kit::Fd& server, const kit::Fd& user_lines, std::FILE* out)
{
    // BEGIN SOLUTION The state: nb::LineBuffer from_server(kMaxServerLineBytes) and
    // | from_user(kMaxUserLineBytes), std::string to_server (the bytes waiting for the server), and
    // | std::uint32_t server_events = 0, pipe_events = 0 (what epoll watches now: watch() keeps
    // | them). Make both fds nonblocking (nb::set_nonblocking) and create the epoll instance
    // | with epoll_create1(EPOLL_CLOEXEC) (kit::SysError if it fails). Loop: watch the socket for
    // | EPOLLIN, plus EPOLLOUT while to_server is not empty; watch the pipe for EPOLLIN only while
    // | the user is not done and to_server is empty (backpressure), else 0. epoll_wait (retry
    // | EINTR); for each event call print_server_lines / flush_to_server (socket) or
    // | take_user_lines (pipe) — ServerClosed when a server call says false. Return UserDone once
    // | the user is done and to_server is empty. See README §4.3.
    // STUB: kit::todo("run_client_loop", server, user_lines, out);
    //! [run_client_loop]
    nb::LineBuffer from_server(kMaxServerLineBytes);
    nb::LineBuffer from_user(kMaxUserLineBytes);
    std::string to_server;
    std::uint32_t server_events = 0;  // what the epoll instance watches now (for watch())
    std::uint32_t pipe_events = 0;
    nb::set_nonblocking(server.get());
    nb::set_nonblocking(user_lines.get());
    const kit::Fd epoll(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll) throw kit::SysError("epoll_create1(EPOLL_CLOEXEC)", errno);
    bool user_done = false;
    while (!user_done || !to_server.empty()) {
        watch(epoll, server.get(), EPOLLIN | (to_server.empty() ? 0u : EPOLLOUT), server_events);
        // While lines wait to go out, stop reading new ones: the pipe fills, the child blocks in
        // write(2), and memory stays bounded however fast the input comes.
        const bool want_user_lines = !user_done && to_server.empty();
        watch(epoll, user_lines.get(), want_user_lines ? EPOLLIN : 0u, pipe_events);

        std::array<epoll_event, 2> events{};
        const int ready = ::epoll_wait(epoll.get(), events.data(), events.size(), -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            throw kit::SysError("epoll_wait", errno);
        }
        for (int i = 0; i < ready; ++i) {
            const epoll_event& event = events[static_cast<std::size_t>(i)];
            if (event.data.fd == server.get()) {
                if ((event.events & EPOLLOUT) && !flush_to_server(server.get(), to_server)) {
                    return ClientEnd::ServerClosed;
                }
                if ((event.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
                    !print_server_lines(server.get(), from_server, out)) {
                    return ClientEnd::ServerClosed;
                }
            } else if (!take_user_lines(user_lines.get(), from_user, to_server)) {
                user_done = true;
            }
        }
        // Send the new lines at once; only a tail the kernel did not take waits for EPOLLOUT.
        if (!flush_to_server(server.get(), to_server)) return ClientEnd::ServerClosed;
    }
    return ClientEnd::UserDone;
    //! [run_client_loop]
    // END SOLUTION
}

}  // namespace chat
