#include "common/fd.h"

#include <unistd.h>

namespace kit {

void Fd::reset(int fd) noexcept
{
    // close(2) is not retried on EINTR: on Linux the descriptor is released even when close reports
    // EINTR, and a retry could close a number that another thread has just been given.
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

}  // namespace kit
