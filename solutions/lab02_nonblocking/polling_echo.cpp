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
    // BEGIN SOLUTION Loop: accept4(listener, &peer, SOCK_NONBLOCK | SOCK_CLOEXEC). On success add
    // | a Client{kit::Fd(fd), kit::to_string(peer)} to clients and log "client NAME connected" on
    // | stderr. On EAGAIN/EWOULDBLOCK return: nobody else is waiting. Retry EINTR and
    // | ECONNABORTED; throw kit::SysError("accept4(fd N)", err) for anything else. See README §4.
    // STUB: kit::todo("accept_new_clients", listener, clients);
    while (true) {
        kit::SocketAddress peer;
        peer.length = sizeof peer.storage;
        const int fd =
            ::accept4(listener.get(), peer.data(), &peer.length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            const int err = errno;
            if (err == EAGAIN || err == EWOULDBLOCK) return;  // the accept queue is empty
            if (err == EINTR || err == ECONNABORTED) continue;
            throw kit::SysError("accept4(fd " + std::to_string(listener.get()) + ")", err);
        }
        Client& client = clients.emplace_back();
        client.sock.reset(fd);
        client.name = kit::to_string(peer);
        std::fprintf(stderr, "client %s connected\n", client.name.c_str());
    }
    // END SOLUTION
}

bool serve_client(Client& client)
{
    // BEGIN SOLUTION 1. Unless input_done or kMaxPendingOutput bytes are queued: nb::read_some
    // |    once into a local buffer. Ok: append the bytes to client.input, then pop every outcome:
    // |    a Line queues line + "\n" on client.output, TooLong queues kTooLongReply. Eof: input_done.
    // |    PeerGone: return false. WouldBlock: nothing arrived this turn, which is normal.
    // | 2. While client.output is not empty: nb::write_some it; Ok: erase the bytes sent from the
    // |    front; WouldBlock: stop for this turn; PeerGone: return false.
    // | 3. Keep the client unless its input is done and its output is empty. See README §4.
    // STUB: kit::todo("serve_client", client);
    //! [serve_client]
    if (!client.input_done && client.output.size() < kMaxPendingOutput) {
        std::array<char, 16 * 1024> buffer;
        const kit::IoResult got = nb::read_some(client.sock.get(), buffer);
        if (got.status == kit::IoStatus::PeerGone) return false;
        if (got.status == kit::IoStatus::Eof) client.input_done = true;
        if (got.status == kit::IoStatus::Ok) {
            client.input.append(std::string_view(buffer.data(), got.bytes));
            for (nb::LineResult next = client.input.pop_line();
                 next.status != nb::LineStatus::Incomplete; next = client.input.pop_line()) {
                if (next.status == nb::LineStatus::TooLong) {
                    client.output += kTooLongReply;
                } else {
                    client.output += next.line;
                    client.output += '\n';
                }
            }
        }
        // WouldBlock: nothing has arrived since the last turn. Normal, not an error, not EOF.
    }
    while (!client.output.empty()) {
        const kit::IoResult sent = nb::write_some(client.sock.get(), client.output);
        if (sent.status == kit::IoStatus::PeerGone) return false;
        if (sent.status == kit::IoStatus::WouldBlock) break;  // the kernel's buffer is full: later
        client.output.erase(0, sent.bytes);  // maybe part of it: the rest waits for the next turn
    }
    return !(client.input_done && client.output.empty());
    //! [serve_client]
    // END SOLUTION
}

void serve_forever(const kit::Fd& listener)
{
    // BEGIN SOLUTION Make listener nonblocking (nb::set_nonblocking). Then loop forever: call
    // | accept_new_clients, call serve_client for every client, and erase the clients it returned
    // | false for (std::erase_if), logging "client NAME left" on stderr. Never wait anywhere: that
    // | is the point of this lab — and its cost (README §5).
    // STUB: kit::todo("serve_forever", listener);
    //! [serve_forever]
    nb::set_nonblocking(listener.get());
    std::vector<Client> clients;
    while (true) {
        accept_new_clients(listener, clients);
        std::erase_if(clients, [](Client& client) {
            if (serve_client(client)) return false;
            std::fprintf(stderr, "client %s left\n", client.name.c_str());
            return true;  // erasing the Client closes its socket
        });
    }
    //! [serve_forever]
    // END SOLUTION
}

}  // namespace nbecho
