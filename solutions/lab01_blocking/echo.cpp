// lab01, your file: the iterative echo server declared in echo.h.
#include "lab01_blocking/echo.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstdio>

#include "common/address.h"
#include "lab01_blocking/net.h"
#include "common/sys_error.h"

namespace echo {

std::size_t echo_session(const kit::Fd& client)
{
    // BEGIN SOLUTION Loop: net::recv_some into a buffer, then net::send_all exactly the bytes you
    // | received. Stop when recv_some says Eof or PeerGone, or send_all says PeerGone. Return the
    // | number of bytes echoed. See README §5.
    // STUB: kit::todo("echo_session", client);
    //! [echo_session]
    std::array<char, 16 * 1024> buffer;
    std::size_t echoed = 0;
    while (true) {
        const kit::IoResult got = net::recv_some(client, buffer);
        if (got.status != kit::IoStatus::Ok) return echoed;  // Eof or PeerGone: the session is over
        const std::string_view received(buffer.data(), got.bytes);
        if (net::send_all(client, received) != kit::IoStatus::Ok) return echoed;
        echoed += got.bytes;
    }
    //! [echo_session]
    // END SOLUTION
}

void serve_forever(const kit::Fd& listener)
{
    // BEGIN SOLUTION Loop forever: accept4 a client (SOCK_CLOEXEC) into a kit::Fd, log it on stderr,
    // | run echo_session, log how many bytes it echoed; the Fd closes the client. Retry accept on
    // | EINTR and ECONNABORTED (a client that gave up before we accepted it); throw kit::SysError
    // | for other errors. See README §5.
    // STUB: kit::todo("serve_forever", listener);
    //! [serve_forever]
    while (true) {
        kit::SocketAddress peer;
        peer.length = sizeof peer.storage;
        kit::Fd client(::accept4(listener.get(), peer.data(), &peer.length, SOCK_CLOEXEC));
        if (!client) {
            const int err = errno;
            if (err == EINTR || err == ECONNABORTED) continue;
            throw kit::SysError("accept4(fd " + std::to_string(listener.get()) + ")", err);
        }
        const std::string who = kit::to_string(peer);
        std::fprintf(stderr, "client %s connected\n", who.c_str());
        const std::size_t echoed = echo_session(client);
        std::fprintf(stderr, "client %s left after %zu bytes\n", who.c_str(), echoed);
    }
    //! [serve_forever]
    // END SOLUTION
}

}  // namespace echo
