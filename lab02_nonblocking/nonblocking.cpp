// lab02, your file: nonblocking descriptors and EAGAIN-aware I/O, declared in nonblocking.h.
// Fill in each TODO; `make test` (in this folder) tells you which ones still fail and why.
#include "lab02_nonblocking/nonblocking.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "common/sys_error.h"

namespace nb {

void set_nonblocking(int fd)
{
    // TODO: Read the file *status* flags with fcntl(fd, F_GETFL), add O_NONBLOCK and
    //   write them back with fcntl(fd, F_SETFL, ...). Throw kit::SysError("fcntl(F_GETFL, fd N)",
    //   errno) (and likewise for F_SETFL) if a call fails. Not F_GETFD: README §2.2 (mistake 1).
    kit::todo("set_nonblocking", fd);
}

bool is_nonblocking(int fd)
{
    // TODO: Return whether O_NONBLOCK is among the status flags fcntl(fd, F_GETFL)
    //   returns; throw kit::SysError if fcntl fails. See README §2.2.
    kit::todo("is_nonblocking", fd);
}

kit::IoResult read_some(int fd, std::span<char> buffer)
{
    if (buffer.empty()) return {kit::IoStatus::Ok, 0};  // read(2) of 0 bytes returns 0: not EOF
    // TODO: Call read(2) once and turn its result into an IoResult: n > 0 is {Ok, n},
    //   0 is {Eof, 0}, EAGAIN/EWOULDBLOCK is {WouldBlock, 0} ("nothing now", NOT the end of the
    //   connection), ECONNRESET is {PeerGone, 0}. Retry EINTR. Throw kit::SysError for any other
    //   errno. See README §2.3.
    kit::todo("read_some", fd, buffer);
}

kit::IoResult write_some(int fd, std::string_view data)
{
    if (data.empty()) return {kit::IoStatus::Ok, 0};
    // TODO: Send once: send(2) with MSG_NOSIGNAL, and if that fails with ENOTSOCK (a
    //   pipe, a file) write(2) instead. n >= 0 is {Ok, n} (maybe fewer bytes than data.size()),
    //   EAGAIN/EWOULDBLOCK is {WouldBlock, 0}, EPIPE/ECONNRESET is {PeerGone, 0}. Retry EINTR.
    //   Throw kit::SysError for any other errno. See README §2.3.
    kit::todo("write_some", fd, data);
}

}  // namespace nb
