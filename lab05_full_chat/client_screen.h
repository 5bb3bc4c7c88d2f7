/// @file client_screen.h
/// @brief lab05 (given): the client's screen, a FILE* for lab04's run_client_loop that shows
/// every server line through neutralise() (screen_guard.h), error lines highlighted on a terminal.
///
/// lab04's run_client_loop prints the server's lines to a FILE* it is given. glibc's
/// \man{fopencookie,3} makes a FILE* whose writes go to a function of ours, so lab05 guards the
/// terminal without changing a line of lab04 (README §5.1):
///
///     run_client_loop ── fwrite(line) ──► FILE* (cookie) ──► present_line ──► write(1)
///                                                              └ neutralise(), then the style
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace room {

/// @brief Bold red: how an error line starts on a terminal. The client's own escape sequence,
/// added after neutralise(), so the server cannot send one.
inline constexpr std::string_view kErrorStyle = "\x1b[1;31m";
/// @brief Back to normal text, at the end of a highlighted line.
inline constexpr std::string_view kNormalStyle = "\x1b[0m";

/// @brief The bytes that show server line @p line (without its "\n") on the screen, "\n"
/// included: neutralise(@p line), between kErrorStyle and kNormalStyle when @p highlight is true
/// and the line starts with "error: ".
std::string present_line(std::string_view line, bool highlight);

/// @brief True if error lines should stand out on @p fd: it is a terminal (\man{isatty,3}) and the
/// NO_COLOR environment variable (no-color.org) is not set.
bool wants_highlight(int fd);

/// @brief A stdio stream whose every line reaches descriptor @p fd as present_line() made it.
///
/// Bytes are collected until a "\n"; each complete line is then written whole to @p fd (short
/// writes and EINTR retried), and a last line without "\n" when the stream is closed. If
/// neutralise() throws (kit::NotImplemented before you write it), the line is not shown, never
/// shown unguarded: the client says why on stderr, once. Owns the FILE*, not @p fd.
class Screen {
public:
    /// @brief Open the stream. @throws kit::SysError if \man{fopencookie,3} fails.
    Screen(int fd, bool highlight);
    /// @brief Flush and close the stream.
    ~Screen();
    Screen(const Screen&) = delete;
    Screen& operator=(const Screen&) = delete;

    /// @brief The stream to print to (run_client_loop's @c out).
    [[nodiscard]] std::FILE* stream() const { return stream_; }

private:
    struct Cookie {
        int fd = -1;
        bool highlight = false;
        std::string pending;  // bytes of a line whose "\n" has not come yet
        bool told = false;    // the one note on stderr about a failure was printed
    };
    // Show one line (without "\n") on cookie.fd; on failure drop it, with one note on stderr.
    static void show(Cookie& cookie, std::string_view line);
    Cookie cookie_;
    std::FILE* stream_ = nullptr;
};

}  // namespace room
