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
    // TODO: Cut bytes into pieces at each '\n' (bytes.find('\n')). For each piece:
    //   - while discarding_ (the rest of a too-long line), drop it; a '\n' ends the discarding.
    //   - else, if partial_ plus the piece still fits(size, last byte), add the piece to partial_;
    //     at a '\n' remove a final '\r', move partial_ into ready_ as a Line, clear partial_.
    //   - else the line passed the limit: clear partial_, queue one TooLong, and discard up to
    //     the '\n' (unless this piece already ended with it).
    //   Never store more than fits: the limit is what keeps memory bounded. See README §3.
    kit::todo("LineBuffer::append", bytes);
}

LineResult LineBuffer::pop_line()
{
    // TODO: Hand out the oldest outcome of ready_ (and take its bytes off ready_bytes_),
    //   or {Incomplete, ""} when ready_ is empty. See README §3.
    kit::todo("LineBuffer::pop_line");
}

std::size_t LineBuffer::buffered() const
{
    return ready_bytes_ + partial_.size();
}

}  // namespace nb
