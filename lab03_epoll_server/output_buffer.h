/// @file output_buffer.h
/// @brief lab03 (given): OutputBuffer, the bytes queued for one client that the kernel has not
/// taken yet.
///
///     storage_:  [ already sent ........ | queued, not sent yet ............ ]
///                 0                       start_                              storage_.size()
///                                         readable() is this region
///
/// append() adds at the end, consume() moves start_ forward after a send took some bytes. The sent
/// prefix is dropped when it is more than half of the storage, so each byte is copied O(1) times
/// on average and the memory held is at most about twice size().
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace chat {

/// @brief A FIFO of bytes waiting to be written to one socket.
///
/// Owns its bytes; knows nothing about sockets. The chat server appends each line for a client,
/// writes readable() to the socket at once, consume()s what the kernel took, and keeps the rest
/// (with EPOLLOUT armed) until the socket is writable again.
class OutputBuffer {
public:
    /// @brief Queue @p bytes after everything already queued.
    void append(std::string_view bytes);

    /// @brief The queued bytes, oldest first (valid until the next append or consume).
    [[nodiscard]] std::span<const char> readable() const;

    /// @brief Forget the first @p count queued bytes (they were sent). @p count <= size().
    void consume(std::size_t count);

    /// @brief Bytes queued.
    [[nodiscard]] std::size_t size() const { return storage_.size() - start_; }
    /// @brief True when nothing is queued.
    [[nodiscard]] bool empty() const { return size() == 0; }

private:
    std::string storage_;
    std::size_t start_ = 0;  // first byte not sent yet
};

}  // namespace chat
