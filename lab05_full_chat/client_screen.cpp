// lab05 (given): the client's screen, declared in client_screen.h. Kept apart from your
// screen_guard.cpp so that your file holds only your work.
#include "lab05_full_chat/client_screen.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <exception>

#include "common/sys_error.h"
#include "lab02_nonblocking/nonblocking.h"
#include "lab05_full_chat/screen_guard.h"

namespace room {
namespace {

// Write all of @p bytes to @p fd (stdout: a terminal, a pipe or a file). False if it cannot.
bool write_all(int fd, std::string_view bytes)
{
    while (!bytes.empty()) {
        const kit::IoResult wrote = nb::write_some(fd, bytes);  // retries EINTR
        if (wrote.status == kit::IoStatus::WouldBlock) {
            // Somebody made our stdout nonblocking (it may be shared): wait until it takes more.
            pollfd ready{fd, POLLOUT, 0};
            ::poll(&ready, 1, -1);
            continue;
        }
        if (wrote.status != kit::IoStatus::Ok) return false;
        bytes.remove_prefix(wrote.bytes);
    }
    return true;
}

}  // namespace

std::string present_line(std::string_view line, bool highlight)
{
    std::string shown = neutralise(line);
    if (highlight && line.starts_with("error: ")) {
        shown = std::string(kErrorStyle) + shown + std::string(kNormalStyle);
    }
    shown += '\n';
    return shown;
}

bool wants_highlight(int fd)
{
    const char* no_color = std::getenv("NO_COLOR");
    return ::isatty(fd) == 1 && (no_color == nullptr || *no_color == '\0');
}

Screen::Screen(int fd, bool highlight)
{
    cookie_.fd = fd;
    cookie_.highlight = highlight;
    cookie_io_functions_t functions{};
    // stdio calls this with whatever it buffered: any number of bytes, maybe part of a line. It
    // takes them all: a line that cannot be shown is dropped (said once on stderr), because a
    // write reported as failed would make stdio offer the same bytes again.
    functions.write = [](void* raw, const char* data, std::size_t size) -> ssize_t {
        auto& cookie = *static_cast<Cookie*>(raw);
        cookie.pending.append(data, size);
        std::size_t start = 0;
        for (std::size_t end; (end = cookie.pending.find('\n', start)) != std::string::npos;
             start = end + 1) {
            show(cookie, std::string_view(cookie.pending).substr(start, end - start));
        }
        cookie.pending.erase(0, start);
        return static_cast<ssize_t>(size);
    };
    functions.close = [](void* raw) -> int {
        auto& cookie = *static_cast<Cookie*>(raw);
        if (!cookie.pending.empty()) show(cookie, cookie.pending);  // a last line without "\n"
        cookie.pending.clear();
        return 0;
    };
    stream_ = ::fopencookie(&cookie_, "w", functions);
    if (stream_ == nullptr) throw kit::SysError("fopencookie", errno);
}

void Screen::show(Cookie& cookie, std::string_view line)
{
    try {
        if (write_all(cookie.fd, present_line(line, cookie.highlight))) return;
        if (!cookie.told) std::fprintf(stderr, "chat_client: cannot write to stdout\n");
    } catch (const std::exception& e) {
        // Never show a line unguarded: drop it.
        if (!cookie.told) std::fprintf(stderr, "chat_client: cannot show a line: %s\n", e.what());
    }
    cookie.told = true;
}

Screen::~Screen()
{
    std::fclose(stream_);
}

}  // namespace room
