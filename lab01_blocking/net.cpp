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
    // TODO: Create a TCP socket (close-on-exec) for address.family(), set SO_REUSEADDR,
    //   bind it to address and listen with backlog. Throw kit::SysError("bind(" + where + ")", errno)
    //   (and likewise for the other calls) when a call fails. See README §3.1.
    kit::todo("listen_tcp", address, where, backlog);
}

std::uint16_t bound_port(const kit::Fd& sock)
{
    // TODO: Ask the kernel which address the socket is bound to (getsockname) and return
    //   its port in host byte order (kit::SocketAddress::port() converts it). See README §3.2.
    kit::todo("bound_port", sock);
}

kit::Fd connect_tcp(const std::string& host, std::uint16_t port)
{
    const kit::SocketAddress address = kit::resolve_address(host, port);
    const std::string where = kit::host_port(host, port);
    // TODO: Create a TCP socket (close-on-exec) and connect it to address. Throw
    //   kit::SysError("connect(" + where + ")", errno) if that fails. A signal may interrupt a
    //   blocking connect (EINTR): the connection then completes in the background, so wait for it
    //   with poll(POLLOUT) and read the outcome with getsockopt(SO_ERROR) — or, simpler for this
    //   lab, treat it as a failure. See README §3.3.
    kit::todo("connect_tcp", address, where);
}

kit::IoStatus send_all(const kit::Fd& sock, std::string_view data)
{
    // TODO: Call send(2) with MSG_NOSIGNAL until every byte of data is out: a call may
    //   send only part of it. Retry EINTR. Return PeerGone on EPIPE or ECONNRESET, throw
    //   kit::SysError for any other error. See README §4 (partial sends).
    kit::todo("send_all", sock, data);
}

kit::IoResult recv_some(const kit::Fd& sock, std::span<char> buffer)
{
    // TODO: Call recv(2) once into buffer and turn the result into an IoResult: n > 0 is
    //   {Ok, n}, 0 is {Eof, 0}, ECONNRESET is {PeerGone, 0}. Retry EINTR (a signal is not the end
    //   of the connection). Throw kit::SysError for other errors. See README §4 (EOF and EINTR).
    kit::todo("recv_some", sock, buffer);
}

}  // namespace net
