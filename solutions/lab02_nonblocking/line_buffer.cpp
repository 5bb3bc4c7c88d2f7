// lab02, your file: LineBuffer, the framing declared in line_buffer.h.
#include "lab02_nonblocking/line_buffer.h"

#include <utility>

#include "common/sys_error.h"  // kit::todo, in the unfinished version

namespace nb {

LineBuffer::LineBuffer(std::size_t max_line) : max_line_(max_line > 0 ? max_line : 1) {}

bool LineBuffer::fits(std::size_t size, char last) const
{
    // max_line_ bytes of content, plus perhaps the '\r' of a "\r\n" ending.
    return size <= max_line_ || (size == max_line_ + 1 && last == '\r');
}

void LineBuffer::append(std::string_view bytes)
{
    // BEGIN SOLUTION Cut bytes into pieces at each '\n' (bytes.find('\n')). For each piece:
    // | - while discarding_ (the rest of a too-long line), drop it; a '\n' ends the discarding.
    // | - else, if partial_ plus the piece still fits(size, last byte), add the piece to partial_;
    // |   at a '\n' remove a final '\r', move partial_ into ready_ as a Line, clear partial_.
    // | - else the line passed the limit: clear partial_, queue one TooLong, and discard up to
    // |   the '\n' (unless this piece already ended with it).
    // | Never store more than fits: the limit is what keeps memory bounded. See README §3.
    // STUB: kit::todo("LineBuffer::append", bytes);
    //! [append]
    while (!bytes.empty()) {
        const std::size_t newline = bytes.find('\n');
        const bool ends_line = newline != std::string_view::npos;
        const std::string_view piece = bytes.substr(0, ends_line ? newline : bytes.size());
        bytes.remove_prefix(ends_line ? newline + 1 : bytes.size());

        if (discarding_) {  // the tail of a line already reported as TooLong
            discarding_ = !ends_line;
            continue;
        }
        const std::size_t size = partial_.size() + piece.size();
        const char last = !piece.empty()      ? piece.back()
                          : !partial_.empty() ? partial_.back()
                                              : '\0';
        if (!fits(size, last)) {
            // Report it now, in its place among the lines; drop what we kept and what is to come.
            partial_.clear();
            ready_.push_back({LineStatus::TooLong, {}});
            discarding_ = !ends_line;
            continue;
        }
        partial_.append(piece);
        if (!ends_line) continue;  // unfinished: wait for more bytes
        if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
        ready_bytes_ += partial_.size();
        ready_.push_back({LineStatus::Line, std::move(partial_)});
        partial_.clear();  // a moved-from string is valid but unspecified: make it empty
    }
    //! [append]
    // END SOLUTION
}

LineResult LineBuffer::pop_line()
{
    // BEGIN SOLUTION Hand out the oldest outcome of ready_ (and take its bytes off ready_bytes_),
    // | or {Incomplete, ""} when ready_ is empty. See README §3.
    // STUB: kit::todo("LineBuffer::pop_line");
    if (ready_.empty()) return {LineStatus::Incomplete, {}};
    LineResult next = std::move(ready_.front());
    ready_.pop_front();
    ready_bytes_ -= next.line.size();
    return next;
    // END SOLUTION
}

std::size_t LineBuffer::buffered() const
{
    return ready_bytes_ + partial_.size();
}

}  // namespace nb
