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
    // BEGIN SOLUTION Read the file *status* flags with fcntl(fd, F_GETFL), add O_NONBLOCK and
    // | write them back with fcntl(fd, F_SETFL, ...). Throw kit::SysError("fcntl(F_GETFL, fd N)",
    // | errno) (and likewise for F_SETFL) if a call fails. Not F_GETFD: README §2.2 (mistake 1).
    // STUB: kit::todo("set_nonblocking", fd);
    //! [set_nonblocking]
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) throw kit::SysError("fcntl(F_GETFL, fd " + std::to_string(fd) + ")", errno);
    // Write back every flag we read (O_APPEND, O_RDWR, ...) plus the one we want.
    if (::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        throw kit::SysError("fcntl(F_SETFL, fd " + std::to_string(fd) + ", O_NONBLOCK)", errno);
    }
    //! [set_nonblocking]
    // END SOLUTION
}

bool is_nonblocking(int fd)
{
    // BEGIN SOLUTION Return whether O_NONBLOCK is among the status flags fcntl(fd, F_GETFL)
    // | returns; throw kit::SysError if fcntl fails. See README §2.2.
    // STUB: kit::todo("is_nonblocking", fd);
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) throw kit::SysError("fcntl(F_GETFL, fd " + std::to_string(fd) + ")", errno);
    return (flags & O_NONBLOCK) != 0;
    // END SOLUTION
}

kit::IoResult read_some(int fd, std::span<char> buffer)
{
    if (buffer.empty()) return {kit::IoStatus::Ok, 0};  // read(2) of 0 bytes returns 0: not EOF
    // BEGIN SOLUTION Call read(2) once and turn its result into an IoResult: n > 0 is {Ok, n},
    // | 0 is {Eof, 0}, EAGAIN/EWOULDBLOCK is {WouldBlock, 0} ("nothing now", NOT the end of the
    // | connection), ECONNRESET is {PeerGone, 0}. Retry EINTR. Throw kit::SysError for any other
    // | errno. See README §2.3.
    // STUB: kit::todo("read_some", fd, buffer);
    //! [read_some]
    while (true) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n > 0) return {kit::IoStatus::Ok, static_cast<std::size_t>(n)};
        if (n == 0) return {kit::IoStatus::Eof, 0};
        const int err = errno;  // copy it before anything else can change it
        if (err == EINTR) continue;
        if (err == EAGAIN || err == EWOULDBLOCK) return {kit::IoStatus::WouldBlock, 0};
        if (err == ECONNRESET) return {kit::IoStatus::PeerGone, 0};
        throw kit::SysError("read(fd " + std::to_string(fd) + ")", err);
    }
    //! [read_some]
    // END SOLUTION
}

kit::IoResult write_some(int fd, std::string_view data)
{
    if (data.empty()) return {kit::IoStatus::Ok, 0};
    // BEGIN SOLUTION Send once: send(2) with MSG_NOSIGNAL, and if that fails with ENOTSOCK (a
    // | pipe, a file) write(2) instead. n >= 0 is {Ok, n} (maybe fewer bytes than data.size()),
    // | EAGAIN/EWOULDBLOCK is {WouldBlock, 0}, EPIPE/ECONNRESET is {PeerGone, 0}. Retry EINTR.
    // | Throw kit::SysError for any other errno. See README §2.3.
    // STUB: kit::todo("write_some", fd, data);
    //! [write_some]
    bool is_socket = true;
    while (true) {
        // MSG_NOSIGNAL: a vanished peer is a status, not a SIGPIPE that kills the process.
        const ssize_t n = is_socket ? ::send(fd, data.data(), data.size(), MSG_NOSIGNAL)
                                    : ::write(fd, data.data(), data.size());
        if (n >= 0) return {kit::IoStatus::Ok, static_cast<std::size_t>(n)};
        const int err = errno;
        if (err == ENOTSOCK && is_socket) {
            is_socket = false;  // a pipe or a file: send(2) does not apply, write(2) does
            continue;
        }
        if (err == EINTR) continue;
        if (err == EAGAIN || err == EWOULDBLOCK) return {kit::IoStatus::WouldBlock, 0};
        if (err == EPIPE || err == ECONNRESET) return {kit::IoStatus::PeerGone, 0};
        throw kit::SysError((is_socket ? "send(fd " : "write(fd ") + std::to_string(fd) + ", " +
                                std::to_string(data.size()) + " bytes)",
                            err);
    }
    //! [write_some]
    // END SOLUTION
}

}  // namespace nb
