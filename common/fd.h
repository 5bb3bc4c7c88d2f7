/// @file fd.h
/// @brief Fd: the one owner of a file descriptor.
#pragma once

#include <utility>

namespace kit {

/// @brief Owns one file descriptor and closes it exactly once.
///
/// Move-only: copying an owner would mean two closes of one number, and the second one may close a
/// descriptor that the kernel has since handed to somebody else. The destructor never throws (a
/// failed \man{close,2} is ignored there, as there is nothing useful left to do with the number).
///
/// An Fd that owns nothing holds -1; `valid()` tells the two apart.
class Fd {
public:
    /// @brief An owner of nothing (-1).
    Fd() noexcept = default;
    /// @brief Take ownership of @p fd (which may be -1: then nothing is owned).
    explicit Fd(int fd) noexcept : fd_(fd) {}
    ~Fd() { reset(); }

    Fd(Fd&& other) noexcept : fd_(other.release()) {}
    Fd& operator=(Fd&& other) noexcept
    {
        if (this != &other) reset(other.release());
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;

    /// @brief The descriptor number, still owned by this object (-1 if none).
    [[nodiscard]] int get() const noexcept { return fd_; }
    /// @brief True when a descriptor is owned.
    [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
    explicit operator bool() const noexcept { return valid(); }

    /// @brief Give up ownership without closing: the caller now owns the returned number.
    [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

    /// @brief Close the owned descriptor (if any) and own @p fd instead.
    void reset(int fd = -1) noexcept;

private:
    int fd_ = -1;
};

}  // namespace kit
