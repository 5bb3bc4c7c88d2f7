#include "testkit/socket_wait.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "testkit/failure.h"
#include "testkit/transcript.h"

namespace testkit {

std::string ms(Duration duration)
{
    return std::to_string(duration.count()) + " ms";
}

bool wait_ready(int fd, short events, const Deadline& deadline)
{
    pollfd pfd{fd, events, 0};
    while (true) {
        const int ready = ::poll(&pfd, 1, deadline.poll_timeout_ms());
        if (ready < 0 && errno == EINTR) continue;
        return ready > 0;
    }
}

void send_all_within(int fd, std::string_view bytes, Duration timeout, const std::string& who,
                     const std::string& peer)
{
    const Deadline deadline(timeout);
    std::size_t sent = 0;
    int error = 0;
    while (sent < bytes.size() && error == 0) {
        const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        const int err = errno;
        if (n < 0 && err == EINTR) continue;
        if (n < 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
            if (!wait_ready(fd, POLLOUT, deadline)) error = ETIMEDOUT;
            continue;
        }
        error = n == 0 ? EPIPE : err;
    }
    if (sent > 0) transcript_record(who, Direction::Sent, bytes.substr(0, sent));
    if (error == 0) return;
    const std::string took =
        std::to_string(sent) + " of " + std::to_string(bytes.size()) + " bytes";
    if (error == ETIMEDOUT) {
        throw deadline_failure(who + ": " + peer + " took only " + took + " within " +
                               ms(deadline.budget()) + " (is it reading?)");
    }
    throw Failure(who + ": sending failed after " + took + ": " + std::strerror(error) + " (did " +
                  peer + " close the connection?)");
}

}  // namespace testkit
