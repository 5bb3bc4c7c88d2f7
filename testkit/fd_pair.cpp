#include "testkit/fd_pair.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "common/sys_error.h"

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

}  // namespace testkit
