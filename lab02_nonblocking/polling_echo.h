/// @file polling_echo.h
/// @brief lab02: the polling echo server's logic (you write it in polling_echo.cpp).
///
/// One thread serves every client: all sockets are nonblocking, and a loop keeps asking each of
/// them "anything for me?" — the listener (a new connection?) and every client (new bytes? room to
/// send?). No call ever waits, so no client waits for another; but the loop never waits either,
/// and spins through empty turns at full speed even when nobody says anything (README §4-5).
///
///     serve_forever:  set_nonblocking(listener)
///                     loop forever:
///                         accept_new_clients(listener, clients)     accept4 until EAGAIN
///                         for each client: serve_client(client)     one read, echo lines, flush
///                         drop the clients serve_client gave up on
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/fd.h"
#include "lab02_nonblocking/line_buffer.h"

namespace nbecho {

/// @brief The longest line the server echoes, in bytes without "\n": 4096, the line limit of every
/// server of the kit (docs/architecture.md, "The program contracts").
inline constexpr std::size_t kMaxLine = 4096;

/// @brief What a client whose line passed kMaxLine gets instead of an echo (it stays connected).
inline constexpr std::string_view kTooLongReply = "error: line too long (max 4096 bytes)\n";

/// @brief Echoes queued for one client beyond which the server stops reading from that client
/// until it has read some of them: a client that sends but never reads cannot make the server's
/// memory grow (the kernel's buffers then push back on the sender: TCP flow control).
inline constexpr std::size_t kMaxPendingOutput = 64 * 1024;

/// @brief One connected client. Owns its socket (closed when the Client is destroyed).
struct Client {
    kit::Fd sock;                    ///< the connected socket, nonblocking
    std::string name;                ///< "127.0.0.1:54321", for the log
    nb::LineBuffer input{kMaxLine};  ///< bytes received, framed into lines
    std::string output;              ///< echoes the kernel has not taken yet (front first)
    bool input_done = false;         ///< the client sent EOF: send what is queued, then close
};

/// @brief Accept every connection waiting on the nonblocking @p listener, until accept says
/// EAGAIN, and add each to @p clients as a nonblocking, close-on-exec socket.
///
/// Retries EINTR; skips ECONNABORTED (a client that gave up before we accepted it). Logs each new
/// client on stderr.
/// @throws kit::SysError for any other accept error (EBADF, EINVAL, EMFILE, ...). See
///         \man{accept4,2}.
void accept_new_clients(const kit::Fd& listener, std::vector<Client>& clients);

/// @brief Give @p client one turn, never waiting: read once (unless kMaxPendingOutput bytes of
/// echoes are already queued), queue the echo of each complete line (the line plus "\n"; for a
/// too-long line kTooLongReply), then send as much of the queue as the kernel takes.
///
/// An unfinished line left when the client sends EOF is dropped (it never ended).
/// @return true to keep the client; false when it is finished: it reset the connection, or it
///         sent EOF and everything queued for it has been sent.
bool serve_client(Client& client);

/// @brief The polling loop: make @p listener nonblocking, then forever accept new clients, give
/// every client a turn with serve_client, and drop (close) the ones that are finished.
/// @throws kit::SysError if the listener fails (see accept_new_clients).
[[noreturn]] void serve_forever(const kit::Fd& listener);

}  // namespace nbecho
