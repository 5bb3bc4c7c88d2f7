#include "testkit/socket_wait.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

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

SendProgress send_within(int fd, std::string_view bytes, const Deadline& deadline)
{
    SendProgress progress;
    while (progress.sent < bytes.size()) {
        const ssize_t n =
            ::send(fd, bytes.data() + progress.sent, bytes.size() - progress.sent, MSG_NOSIGNAL);
        if (n > 0) {
            progress.sent += static_cast<std::size_t>(n);
            continue;
        }
        const int err = errno;
        if (n < 0 && err == EINTR) continue;
        if (n < 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
            if (!wait_ready(fd, POLLOUT, deadline)) {
                progress.error = ETIMEDOUT;
                return progress;
            }
            continue;
        }
        progress.error = n == 0 ? EPIPE : err;
        return progress;
    }
    return progress;
}

}  // namespace testkit
