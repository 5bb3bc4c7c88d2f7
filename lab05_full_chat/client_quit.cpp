// lab05 (given): /quit and the client's end, declared in client_quit.h.
#include "lab05_full_chat/client_quit.h"

#include <poll.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <string>

#include "common/sys_error.h"
#include "lab02_nonblocking/line_buffer.h"
#include "lab02_nonblocking/nonblocking.h"
#include "lab04_fork_pipe_client/client_loop.h"
#include "lab04_fork_pipe_client/stdin_reader.h"

namespace room {
namespace {

// Write all of @p data to the blocking socket @p fd. False if the reader is gone.
bool send_all(int fd, std::string_view data)
{
    while (!data.empty()) {
        const kit::IoResult wrote = nb::write_some(fd, data);  // MSG_NOSIGNAL; retries EINTR
        if (wrote.status != kit::IoStatus::Ok) return false;
        data.remove_prefix(wrote.bytes);
    }
    return true;
}

}  // namespace

bool is_quit_command(std::string_view line)
{
    return line.size() == 5 && ::strncasecmp(line.data(), "/quit", 5) == 0;
}

QuitWatcher::QuitWatcher(int reader_lines)
{
    int ends[2];
    // A socketpair, not a pipe: a write to it after run_client_loop's end is closed fails with
    // EPIPE (MSG_NOSIGNAL in nb::write_some) instead of raising SIGPIPE.
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
        throw kit::SysError("socketpair(AF_UNIX, SOCK_STREAM)", errno);
    }
    lines_.reset(ends[0]);
    kit::Fd out(ends[1]);
    stop_.reset(::eventfd(0, EFD_CLOEXEC));
    if (!stop_) throw kit::SysError("eventfd", errno);
    thread_ = std::thread(&QuitWatcher::forward, this, reader_lines, std::move(out));
}

QuitWatcher::~QuitWatcher()
{
    finish();
}

void QuitWatcher::finish()
{
    if (!thread_.joinable()) return;
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(stop_.get(), &one, sizeof one);  // wakes its poll
    lines_.reset();  // and a send blocked on a full socketpair fails
    thread_.join();
}

void QuitWatcher::forward(int reader_lines, kit::Fd out)
{
    // The stdin reader writes whole lines, but a read may return part of one, or several.
    nb::LineBuffer from_reader(chat::kMaxUserLineBytes);
    std::array<char, 4096> chunk{};
    while (true) {
        std::array<pollfd, 2> ready{pollfd{reader_lines, POLLIN, 0},
                                    pollfd{stop_.get(), POLLIN, 0}};
        if (::poll(ready.data(), ready.size(), -1) < 0) {
            if (errno == EINTR) continue;
            return;  // cannot wait: give up forwarding; lines() then ends, like the input did
        }
        if (ready[1].revents != 0) return;  // finish()
        const kit::IoResult got = nb::read_some(reader_lines, chunk);
        if (got.status == kit::IoStatus::WouldBlock) continue;
        if (got.status != kit::IoStatus::Ok) return;  // the stdin reader is done: so are we
        from_reader.append(std::string_view(chunk.data(), got.bytes));
        for (nb::LineResult next = from_reader.pop_line();
             next.status != nb::LineStatus::Incomplete; next = from_reader.pop_line()) {
            if (next.status != nb::LineStatus::Line) continue;
            const bool quit = is_quit_command(next.line);
            if (!send_all(out.get(), next.line + '\n')) return;
            if (quit) {
                quit_ = true;  // before out closes: run_client_loop returns only after that
                return;
            }
        }
    }
}

bool hear_the_server_out(const kit::Fd& server, std::FILE* out, std::chrono::milliseconds wait)
{
    // Half-close: "no more from me". The server reads EOF and closes its side once it has said
    // its last lines; the connection can still carry them to us.
    ::shutdown(server.get(), SHUT_WR);  // ENOTCONN if the server already reset it: nothing to do
    nb::LineBuffer from_server(chat::kMaxServerLineBytes);
    const auto give_up = std::chrono::steady_clock::now() + wait;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            give_up - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd ready{server.get(), POLLIN, 0};
        const int n = ::poll(&ready, 1, static_cast<int>(left.count()));
        if (n < 0 && errno != EINTR) throw kit::SysError("poll(server)", errno);
        if (n > 0 && !chat::print_server_lines(server.get(), from_server, out)) return true;
    }
}

}  // namespace room
