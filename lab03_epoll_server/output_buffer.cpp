// lab03 (given): OutputBuffer, see output_buffer.h.
#include "lab03_epoll_server/output_buffer.h"

#include <cassert>

namespace chat {

void OutputBuffer::append(std::string_view bytes)
{
    storage_.append(bytes);
}

std::span<const char> OutputBuffer::readable() const
{
    return {storage_.data() + start_, size()};
}

void OutputBuffer::consume(std::size_t count)
{
    assert(count <= size());
    start_ += count;
    if (start_ == storage_.size()) {
        // Everything went out: start again at the beginning, keeping the capacity.
        storage_.clear();
        start_ = 0;
    } else if (start_ > storage_.size() / 2) {
        // The sent prefix is the larger part: drop it, so the memory follows what is queued.
        storage_.erase(0, start_);
        start_ = 0;
    }
}

}  // namespace chat
