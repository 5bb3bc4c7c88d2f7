#include "testkit/fake_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/address.h"
#include "testkit/failure.h"
#include "testkit/socket_wait.h"
#include "testkit/test_report.h"
#include "testkit/transcript.h"

namespace testkit {

FakeServer::FakeServer()
{
    const kit::SocketAddress address = kit::resolve_address("127.0.0.1", 0);
    listener_.reset(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!listener_ || ::bind(listener_.get(), address.data(), address.length) != 0 ||
        ::listen(listener_.get(), 4) != 0) {
        throw Failure(std::string("fake server: cannot listen on 127.0.0.1: ") +
                      std::strerror(errno));
    }
    kit::SocketAddress local;
    local.length = sizeof local.storage;
    ::getsockname(listener_.get(), local.data(), &local.length);
    port_ = local.port();
    wake_.reset(::eventfd(0, EFD_CLOEXEC));
}

FakeServer::~FakeServer()
{
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
    if (reader_.joinable()) reader_.join();
}

void FakeServer::accept_client(Duration timeout)
{
    if (conn_) throw Failure("fake server: accept_client called twice (it serves one client)");
    const Deadline deadline(timeout);
    while (true) {
        conn_.reset(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (conn_) break;
        const int err = errno;
        if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR && err != ECONNABORTED) {
            throw Failure(std::string("fake server: accept failed: ") + std::strerror(err));
        }
        if (!wait_ready(listener_.get(), POLLIN, deadline)) {
            throw deadline_failure("fake server on port " + port_arg() +
                                   ": no client connected within " + ms(deadline.budget()) +
                                   " (did the client start? does it connect?)");
        }
    }
    listener_.reset();
    transcript_event(who(), "accepted the client");
    reader_ = std::thread([this] { read_all(); });
}

void FakeServer::read_all()
{
    pollfd fds[2] = {{conn_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    char buffer[65536];
    while (true) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[1].revents != 0) break;
        const ssize_t n = ::recv(conn_.get(), buffer, sizeof buffer, MSG_DONTWAIT);
        const int err = errno;
        if (n < 0 && (err == EINTR || err == EAGAIN || err == EWOULDBLOCK)) continue;
        std::lock_guard lock(mutex_);
        if (n > 0) {
            received_.append(buffer, static_cast<std::size_t>(n));
            transcript_record(who(), Direction::Received,
                              std::string_view(buffer, static_cast<std::size_t>(n)));
        } else {
            closed_ = true;
            close_reason_ = n == 0
                                ? "closed the connection (EOF)"
                                : std::string("reset the connection (") + std::strerror(err) + ")";
            transcript_event(who(), "the client " + close_reason_);
        }
        changed_.notify_all();
        if (n <= 0) break;
    }
}

void FakeServer::send(std::string_view bytes, Duration timeout)
{
    if (!conn_) throw Failure("fake server: send before accept_client");
    send_all_within(conn_.get(), bytes, timeout, who(), "the client");
}

void FakeServer::send_in_pieces(std::string_view bytes, std::size_t piece_bytes, Duration gap)
{
    const int on = 1;
    ::setsockopt(conn_.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    while (!bytes.empty()) {
        const std::size_t size = std::min(piece_bytes, bytes.size());
        send(bytes.substr(0, size));
        bytes.remove_prefix(size);
        // The pause is the point: it lets the client's read(2) return each piece on its own.
        if (!bytes.empty()) std::this_thread::sleep_for(gap);  // ok: pacing, not a wait
    }
}

void FakeServer::close_connection()
{
    if (!conn_) return;
    transcript_event(who(), "closed the connection for sending (FIN)");
    ::shutdown(conn_.get(), SHUT_WR);
}

std::string FakeServer::who() const
{
    return "fake server :" + port_arg();
}

std::string FakeServer::received() const
{
    std::lock_guard lock(mutex_);
    return received_;
}

bool FakeServer::client_closed() const
{
    std::lock_guard lock(mutex_);
    return closed_;
}

std::string FakeServer::describe_received() const
{
    return received_.empty() ? std::string("nothing") : "'" + printable(received_) + "'";
}

std::string FakeServer::wait_for_bytes(std::size_t count, Duration timeout)
{
    const Deadline deadline(timeout);
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, deadline.remaining(),
                      [&] { return received_.size() >= count || closed_; });
    if (received_.size() >= count) return received_;
    if (!closed_) note_deadline_expired();
    throw Failure("fake server: expected at least " + std::to_string(count) +
                  " bytes from the client, but " +
                  (closed_ ? "it " + close_reason_ + " after sending "
                           : "after " + ms(deadline.budget()) + " it had sent only ") +
                  describe_received());
}

std::string FakeServer::wait_for_eof(Duration timeout)
{
    const Deadline deadline(timeout);
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, deadline.remaining(), [&] { return closed_; });
    if (closed_) return received_;
    throw deadline_failure("fake server: expected the client to close the connection within " +
                           ms(deadline.budget()) +
                           ", but it is still open (received so far: " + describe_received() + ")");
}

}  // namespace testkit
