/// @file line_buffer.h
/// @brief lab02: LineBuffer, the framing that turns a TCP byte stream back into lines.
///
/// TCP delivers bytes, not messages: one \man{recv,2} may hold half a line, or three lines and a
/// half. A LineBuffer collects the bytes and hands out complete lines.
///
///     append("he")  append("llo\nwor")  append("ld\n")
///                   pop_line() -> "hello"            pop_line() -> "world"
///
/// Inside, append() does the framing as the bytes arrive and pop_line() only hands out results:
///
///     append(bytes) --> [ partial_: the unfinished line, <= max_line + 1 bytes ]
///                              | '\n' arrives: the line is complete
///                              v
///                       [ ready_: Line "hello" | TooLong | Line "world" | ... ] --> pop_line()
///
/// Each byte is looked at once (a search for the newline) and copied once (into the
/// unfinished line, whose string is then moved out whole), so framing costs amortized O(bytes):
/// nothing erases the front of a big buffer once per line.
#pragma once

#include <cstddef>
#include <deque>
#include <ostream>
#include <string>
#include <string_view>

namespace nb {

/// @brief What pop_line() found.
enum class LineStatus {
    Line,        ///< a complete line (in LineResult::line, without "\n" or "\r\n")
    Incomplete,  ///< no complete line yet: append more bytes
    TooLong,  ///< a line passed the limit: its bytes were dropped up to and including its newline
};

/// @brief The result of LineBuffer::pop_line().
struct LineResult {
    LineStatus status = LineStatus::Incomplete;
    std::string line;  ///< the line when status is Line; empty otherwise
};

/// @brief Prints @p status by name ("Line", "Incomplete", "TooLong"): GoogleTest uses it, so a
/// failed EXPECT_EQ shows names, not bytes.
inline void PrintTo(LineStatus status, std::ostream* out)
{
    switch (status) {
        case LineStatus::Line:
            *out << "Line";
            return;
        case LineStatus::Incomplete:
            *out << "Incomplete";
            return;
        case LineStatus::TooLong:
            *out << "TooLong";
            return;
    }
    *out << "LineStatus(" << static_cast<int>(status) << ")";
}

/// @brief Prints `{Line, "hello"}` (the line only with LineStatus::Line), for test failures.
inline void PrintTo(const LineResult& result, std::ostream* out)
{
    *out << '{';
    PrintTo(result.status, out);
    if (result.status == LineStatus::Line) *out << ", \"" << result.line << '"';
    *out << '}';
}

/// @brief Collects bytes and pops complete lines, with a limit on line length.
///
/// Lines end with "\n"; a "\r\n" ending is accepted and the "\r" removed (a "\r" anywhere else is
/// part of the line). Lines may contain any other bytes, NUL included. Lines come out in the order
/// they were received.
///
/// **The limit.** A line is accepted when it has at most max_line() bytes without its ending.
/// The unfinished line is kept in memory only while it can still turn out acceptable: at most
/// max_line() bytes, or max_line() + 1 when the last of them is a carriage return (which the next
/// byte may show to be the start of a "\r\n" ending). The moment it passes that, LineBuffer
///  - drops the bytes it kept of that line,
///  - queues one LineStatus::TooLong outcome, in the line's place among the lines (so pop_line()
///    reports it right after the lines received before it, without waiting for the newline: a
///    server can answer the sender at once),
///  - and drops every further byte up to and including that line's newline; the bytes after
///    that newline start the next line.
///
/// So a peer that never sends a newline costs at most max_line() + 1 bytes, and one too-long line
/// gives exactly one TooLong, however it is split across append() calls.
///
/// Not thread-safe; owns only memory.
class LineBuffer {
public:
    /// @param max_line the longest accepted line, in bytes, without its "\n"/"\r\n" (> 0).
    explicit LineBuffer(std::size_t max_line = 4096);

    /// @brief Add received bytes (any number, any content), framing them into lines.
    void append(std::string_view bytes);

    /// @brief Take the next outcome out: a complete line, a TooLong notice, or Incomplete when
    /// nothing is ready yet (the bytes of an unfinished line stay buffered).
    LineResult pop_line();

    /// @brief Bytes held right now (unread, not yet popped). At most what complete lines need plus
    /// max_line() + 1 for the unfinished one.
    [[nodiscard]] std::size_t buffered() const;

    /// @brief The limit given to the constructor.
    [[nodiscard]] std::size_t max_line() const { return max_line_; }

private:
    /// True if an (unfinished or complete) line of @p size bytes whose last byte is @p last can
    /// still be accepted: see "The limit" above.
    [[nodiscard]] bool fits(std::size_t size, char last) const;

    std::size_t max_line_;
    std::string partial_;           // the unfinished line so far (a '\r' ending not yet removed)
    bool discarding_ = false;       // dropping the rest of a too-long line, up to its '\n'
    std::deque<LineResult> ready_;  // outcomes found by append(), oldest first, for pop_line()
    std::size_t ready_bytes_ = 0;   // bytes of the lines in ready_
};

}  // namespace nb
