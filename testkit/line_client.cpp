#include "testkit/line_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/address.h"
#include "testkit/failure.h"
#include "testkit/socket_wait.h"
#include "testkit/transcript.h"

namespace testkit {

LineClient::LineClient(kit::Fd sock) : sock_(std::move(sock))
{
    kit::SocketAddress local;
    local.length = sizeof local.storage;
    if (::getsockname(sock_.get(), local.data(), &local.length) == 0) local_port_ = local.port();
}

LineClient LineClient::connect(std::uint16_t port, const std::string& host, Duration timeout)
{
    const kit::SocketAddress address = kit::resolve_address(host, port);
    kit::Fd sock(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!sock) throw Failure(std::string("test client: socket() failed: ") + std::strerror(errno));
    const std::string where = kit::to_string(address);
    if (::connect(sock.get(), address.data(), address.length) != 0 && errno != EINPROGRESS) {
        throw Failure("test client: connect(" + where + ") failed: " + std::strerror(errno) +
                      " (is the server listening?)");
    }
    const Deadline deadline(timeout);
    if (!wait_ready(sock.get(), POLLOUT, deadline)) {
        throw deadline_failure("test client: connect(" + where + ") did not complete within " +
                               ms(deadline.budget()) +
                               " (is the listen backlog full, nobody accepting?)");
    }
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(sock.get(), SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
        throw Failure("test client: connect(" + where + ") failed: " + std::strerror(error));
    }
    LineClient client(std::move(sock));
    transcript_event(client.describe(), "connected to " + where);
    return client;
}

std::string LineClient::describe() const
{
    return "client :" + std::to_string(local_port_);
}

void LineClient::send_raw(std::string_view bytes, Duration timeout)
{
    send_all_within(sock_.get(), bytes, timeout, describe(), "the server");
}

void LineClient::send_line(std::string_view text, Duration timeout)
{
    std::string line(text);
    line += '\n';
    send_raw(line, timeout);
}

LineClient::Fill LineClient::fill(const Deadline& deadline)
{
    if (eof_) return Fill::Eof;
    char chunk[65536];
    while (true) {
        const ssize_t n = ::recv(sock_.get(), chunk, sizeof chunk, 0);
        if (n > 0) {
            buffer_.append(chunk, static_cast<std::size_t>(n));
            total_received_ += static_cast<std::size_t>(n);
            transcript_record(describe(), Direction::Received,
                              std::string_view(chunk, static_cast<std::size_t>(n)));
            return Fill::Data;
        }
        if (n == 0) {
            eof_ = true;
            transcript_event(describe(), "the server closed the connection (EOF)");
            return Fill::Eof;
        }
        const int err = errno;
        if (err == EINTR) continue;
        if (err == ECONNRESET || err == EPIPE) {
            eof_ = true;
            transcript_event(describe(),
                             std::string("the connection was reset (") + std::strerror(err) + ")");
            return Fill::Reset;
        }
        if (err != EAGAIN && err != EWOULDBLOCK) {
            throw Failure(describe() + ": recv failed: " + std::strerror(err));
        }
        if (!wait_ready(sock_.get(), POLLIN, deadline)) return Fill::Timeout;
    }
}

std::string LineClient::expect_line(Duration timeout)
{
    const Deadline deadline(timeout);
    while (true) {
        if (const auto newline = buffer_.find('\n'); newline != std::string::npos) {
            std::string line = buffer_.substr(0, newline);
            buffer_.erase(0, newline + 1);
            return line;
        }
        switch (fill(deadline)) {
            case Fill::Data:
                continue;
            case Fill::Timeout:
                throw deadline_failure(
                    describe() + ": expected a line within " + ms(deadline.budget()) + ", got " +
                    (buffer_.empty() ? std::string("nothing")
                                     : "only '" + printable(buffer_) + "' with no newline"));
            case Fill::Eof:
            case Fill::Reset:
                throw Failure(
                    describe() + ": expected a line, but the server closed the connection" +
                    (buffer_.empty() ? std::string()
                                     : " after '" + printable(buffer_) + "' with no newline"));
        }
    }
}

std::string LineClient::read_exactly(std::size_t count, Duration timeout)
{
    const Deadline deadline(timeout);
    while (buffer_.size() < count) {
        const Fill result = fill(deadline);
        if (result == Fill::Data) continue;
        const std::string what = describe() + ": expected " + std::to_string(count) +
                                 " bytes, got " + std::to_string(buffer_.size()) + " before ";
        if (result == Fill::Timeout) {
            throw deadline_failure(what + "the deadline (" + ms(deadline.budget()) + ")");
        }
        throw Failure(what + "the server closed the connection");
    }
    std::string bytes = buffer_.substr(0, count);
    buffer_.erase(0, count);
    return bytes;
}

void LineClient::expect_silence(Duration duration)
{
    const Deadline deadline(duration);
    const std::size_t before = buffer_.size();
    const Fill result = fill(deadline);
    if (result == Fill::Data) {
        throw Failure(describe() + ": expected silence for " + ms(deadline.budget()) +
                      ", but got '" + printable(buffer_.substr(before)) + "'");
    }
    if (result != Fill::Timeout) {
        throw Failure(describe() + ": expected silence, but the server closed the connection");
    }
}

std::string LineClient::expect_eof(Duration timeout, bool allow_data)
{
    const Deadline deadline(timeout);
    while (true) {
        const Fill result = fill(deadline);
        if (result == Fill::Eof || result == Fill::Reset) break;
        if (result == Fill::Timeout) {
            throw deadline_failure(describe() +
                                   ": expected the server to close the connection within " +
                                   ms(deadline.budget()) + ", but it stayed open");
        }
        if (!allow_data) {
            throw Failure(describe() + ": expected the connection to close, but got '" +
                          printable(buffer_) + "'");
        }
    }
    return std::exchange(buffer_, std::string());
}

bool LineClient::closed_by_peer(Duration timeout)
{
    const Deadline deadline(timeout);
    while (true) {
        const Fill result = fill(deadline);
        if (result == Fill::Timeout) return false;
        if (result != Fill::Data) return true;
        buffer_.clear();
    }
}

void LineClient::shutdown_write()
{
    transcript_event(describe(), "shut down its sending side (FIN)");
    ::shutdown(sock_.get(), SHUT_WR);
}

void LineClient::close_with_rst()
{
    const linger abort_on_close{1, 0};
    ::setsockopt(sock_.get(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    transcript_event(describe(), "closed abruptly (RST)");
    sock_.reset();
}

void LineClient::close()
{
    if (sock_) transcript_event(describe(), "closed the connection");
    sock_.reset();
}

}  // namespace testkit
