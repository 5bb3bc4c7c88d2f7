#include "testkit/fd_pair.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/sys_error.h"
#include "testkit/failure.h"

namespace testkit {

FdPair socket_pair(int extra_flags)
{
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | extra_flags, 0, ends) != 0) {
        throw kit::SysError("socketpair(AF_UNIX, SOCK_STREAM)", errno);
    }
    return {kit::Fd(ends[0]), kit::Fd(ends[1])};
}

FdPair pipe_pair(int extra_flags)
{
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC | extra_flags) != 0) throw kit::SysError("pipe2", errno);
    return {kit::Fd(ends[0]), kit::Fd(ends[1])};
}

void write_fully(int fd, std::string_view data)
{
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            throw Failure(std::string("test: write failed: ") +
                          (n < 0 ? std::strerror(errno) : "nothing written"));
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace testkit
