// lab01, your file: the TCP building blocks declared in net.h.
// Fill in each TODO; `make test` (in this folder) tells you which ones still fail and why.
#include "lab01_blocking/net.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "common/address.h"
#include "common/sys_error.h"

namespace net {

kit::Fd listen_tcp(const std::string& host, std::uint16_t port, int backlog)
{
    const kit::SocketAddress address = kit::resolve_address(host, port);
    const std::string where = kit::host_port(host, port);
    // BEGIN SOLUTION Create a TCP socket (close-on-exec) for address.family(), set SO_REUSEADDR,
    // | bind it to address and listen with backlog. Throw kit::SysError("bind(" + where + ")", errno)
    // | (and likewise for the other calls) when a call fails. See README §3.1.
    // STUB: kit::todo("listen_tcp", address, where, backlog);
    //! [listen_tcp]
    kit::Fd sock(::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) throw kit::SysError("socket(" + where + ")", errno);

    // Without SO_REUSEADDR, bind fails with EADDRINUSE while connections of an earlier run of the
    // server sit in TIME_WAIT on this port (up to a minute after it stopped).
    const int on = 1;
    if (::setsockopt(sock.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0) {
        throw kit::SysError("setsockopt(SO_REUSEADDR, " + where + ")", errno);
    }
    if (::bind(sock.get(), address.data(), address.length) != 0) {
        throw kit::SysError("bind(" + where + ")", errno);
    }
    if (::listen(sock.get(), backlog) != 0) {
        throw kit::SysError("listen(" + where + ", backlog " + std::to_string(backlog) + ")",
                            errno);
    }
    return sock;
    //! [listen_tcp]
    // END SOLUTION
}

std::uint16_t bound_port(const kit::Fd& sock)
{
    // BEGIN SOLUTION Ask the kernel which address the socket is bound to (getsockname) and return
    // | its port in host byte order (kit::SocketAddress::port() converts it). See README §3.2.
    // STUB: kit::todo("bound_port", sock);
    kit::SocketAddress local;
    local.length = sizeof local.storage;
    if (::getsockname(sock.get(), local.data(), &local.length) != 0) {
        throw kit::SysError("getsockname(fd " + std::to_string(sock.get()) + ")", errno);
    }
    return local.port();
    // END SOLUTION
}

kit::Fd connect_tcp(const std::string& host, std::uint16_t port)
{
    const kit::SocketAddress address = kit::resolve_address(host, port);
    const std::string where = kit::host_port(host, port);
    // BEGIN SOLUTION Create a TCP socket (close-on-exec) and connect it to address. Throw
    // | kit::SysError("connect(" + where + ")", errno) if that fails. A signal may interrupt a
    // | blocking connect (EINTR): the connection then completes in the background, so wait for it
    // | with poll(POLLOUT) and read the outcome with getsockopt(SO_ERROR) — or, simpler for this
    // | lab, treat it as a failure. See README §3.3.
    // STUB: kit::todo("connect_tcp", address, where);
    kit::Fd sock(::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) throw kit::SysError("socket(" + where + ")", errno);
    if (::connect(sock.get(), address.data(), address.length) != 0) {
        throw kit::SysError("connect(" + where + ")", errno);
    }
    return sock;
    // END SOLUTION
}

kit::IoStatus send_all(const kit::Fd& sock, std::string_view data)
{
    // BEGIN SOLUTION Call send(2) with MSG_NOSIGNAL until every byte of data is out: a call may
    // | send only part of it. Retry EINTR. Return PeerGone on EPIPE or ECONNRESET, throw
    // | kit::SysError for any other error. See README §4 (partial sends).
    // STUB: kit::todo("send_all", sock, data);
    //! [send_all]
    while (!data.empty()) {
        const ssize_t n = ::send(sock.get(), data.data(), data.size(), MSG_NOSIGNAL);
        if (n >= 0) {
            data.remove_prefix(static_cast<std::size_t>(n));  // maybe only part: loop for the rest
            continue;
        }
        const int err = errno;  // copy it before anything else can change it
        if (err == EINTR) continue;
        if (err == EPIPE || err == ECONNRESET) return kit::IoStatus::PeerGone;
        throw kit::SysError("send(fd " + std::to_string(sock.get()) + ", " +
                                std::to_string(data.size()) + " bytes)",
                            err);
    }
    return kit::IoStatus::Ok;
    //! [send_all]
    // END SOLUTION
}

kit::IoResult recv_some(const kit::Fd& sock, std::span<char> buffer)
{
    // BEGIN SOLUTION Call recv(2) once into buffer and turn the result into an IoResult: n > 0 is
    // | {Ok, n}, 0 is {Eof, 0}, ECONNRESET is {PeerGone, 0}. Retry EINTR (a signal is not the end
    // | of the connection). Throw kit::SysError for other errors. See README §4 (EOF and EINTR).
    // STUB: kit::todo("recv_some", sock, buffer);
    //! [recv_some]
    while (true) {
        const ssize_t n = ::recv(sock.get(), buffer.data(), buffer.size(), 0);
        if (n > 0) return {kit::IoStatus::Ok, static_cast<std::size_t>(n)};
        if (n == 0) return {kit::IoStatus::Eof, 0};
        const int err = errno;
        if (err == EINTR) continue;
        if (err == ECONNRESET) return {kit::IoStatus::PeerGone, 0};
        throw kit::SysError("recv(fd " + std::to_string(sock.get()) + ")", err);
    }
    //! [recv_some]
    // END SOLUTION
}

}  // namespace net
