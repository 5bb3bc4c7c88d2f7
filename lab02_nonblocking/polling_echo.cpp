// lab02, your file: the polling echo server declared in polling_echo.h.
#include "lab02_nonblocking/polling_echo.h"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>

#include "common/address.h"
#include "lab02_nonblocking/nonblocking.h"
#include "common/sys_error.h"

namespace nbecho {

void accept_new_clients(const kit::Fd& listener, std::vector<Client>& clients)
{
    // TODO: Loop: accept4(listener, &peer, SOCK_NONBLOCK | SOCK_CLOEXEC). On success add
    //   a Client{kit::Fd(fd), kit::to_string(peer)} to clients and log "client NAME connected" on
    //   stderr. On EAGAIN/EWOULDBLOCK return: nobody else is waiting. Retry EINTR and
    //   ECONNABORTED; throw kit::SysError("accept4(fd N)", err) for anything else. See README §4.
    kit::todo("accept_new_clients", listener, clients);
}

bool serve_client(Client& client)
{
    // TODO: 1. Unless input_done or kMaxPendingOutput bytes are queued: nb::read_some
    //      once into a local buffer. Ok: append the bytes to client.input, then pop every outcome:
    //      a Line queues line + "\n" on client.output, TooLong queues kTooLongReply. Eof: input_done.
    //      PeerGone: return false. WouldBlock: nothing arrived this turn, which is normal.
    //   2. While client.output is not empty: nb::write_some it; Ok: erase the bytes sent from the
    //      front; WouldBlock: stop for this turn; PeerGone: return false.
    //   3. Keep the client unless its input is done and its output is empty. See README §4.
    kit::todo("serve_client", client);
}

void serve_forever(const kit::Fd& listener)
{
    // TODO: Make listener nonblocking (nb::set_nonblocking). Then loop forever: call
    //   accept_new_clients, call serve_client for every client, and erase the clients it returned
    //   false for (std::erase_if), logging "client NAME left" on stderr. Never wait anywhere: that
    //   is the point of this lab — and its cost (README §5).
    kit::todo("serve_forever", listener);
}

}  // namespace nbecho
