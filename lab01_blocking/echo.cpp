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
    // TODO: Loop: net::recv_some into a buffer, then net::send_all exactly the bytes you
    //   received. Stop when recv_some says Eof or PeerGone, or send_all says PeerGone. Return the
    //   number of bytes echoed. See README §5.
    kit::todo("echo_session", client);
}

void serve_forever(const kit::Fd& listener)
{
    // TODO: Loop forever: accept4 a client (SOCK_CLOEXEC) into a kit::Fd, log it on stderr,
    //   run echo_session, log how many bytes it echoed; the Fd closes the client. Retry accept on
    //   EINTR and ECONNABORTED (a client that gave up before we accepted it); throw kit::SysError
    //   for other errors. See README §5.
    kit::todo("serve_forever", listener);
}

}  // namespace echo
