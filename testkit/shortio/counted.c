/*
 * libshortio.so, the wrappers that move no data: close and close_range and epoll_ctl keep the
 * edge-triggered table (et_table.c); epoll_ctl, the waits, poll, select, accept, fcntl and fork are
 * counted into the counts file (counts.c). None of them changes what the call does.
 */
#define _GNU_SOURCE
/* Our definition of poll must not be replaced by the header's fortified inline. */
#undef _FORTIFY_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testkit/shortio/shortio.h"

SHORTIO_REAL_SLOT(close);
SHORTIO_REAL_SLOT(close_range);
SHORTIO_REAL_SLOT(fcntl);
SHORTIO_REAL_SLOT(fcntl64);
SHORTIO_REAL_SLOT(epoll_create);
SHORTIO_REAL_SLOT(epoll_create1);
SHORTIO_REAL_SLOT(epoll_ctl);
SHORTIO_REAL_SLOT(epoll_wait);
SHORTIO_REAL_SLOT(epoll_pwait);
#if __GLIBC_PREREQ(2, 35)
SHORTIO_REAL_SLOT(epoll_pwait2);
#endif
SHORTIO_REAL_SLOT(poll);
SHORTIO_REAL_SLOT(ppoll);
SHORTIO_REAL_SLOT(select);
SHORTIO_REAL_SLOT(pselect);
SHORTIO_REAL_SLOT(accept);
SHORTIO_REAL_SLOT(accept4);
SHORTIO_REAL_SLOT(fork);

/* The _FORTIFY_SOURCE entry point a program compiled with -D_FORTIFY_SOURCE calls for poll. */
int __poll_chk(struct pollfd* fds, nfds_t nfds, int timeout, size_t fdslen);
SHORTIO_REAL_SLOT(__poll_chk);

int shortio_real_getfl(int fd)
{
    return SHORTIO_REAL(fcntl)(fd, F_GETFL);
}

/* ---------------------------------------------------------------------------------------------
 * Closing: an fd number that is closed is no longer registered anywhere under that number.
 */
SHORTIO_EXPORT int close(int fd)
{
    shortio_et_forget_fd(fd);
    return SHORTIO_REAL(close)(fd);
}

SHORTIO_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
    __typeof__(&close_range) real = SHORTIO_REAL(close_range);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    if (!(flags & CLOSE_RANGE_CLOEXEC)) {
        for (unsigned int fd = first; fd <= last && fd < SHORTIO_ET_TABLE_FDS; ++fd)
            shortio_et_forget_fd((int)fd);
    }
    return real(first, last, flags);
}

/* ---------------------------------------------------------------------------------------------
 * fcntl: counted by command. Variadic: the argument, if any, is read as a pointer-sized word and
 * passed on as such, as glibc's own fcntl does.
 */
static void count_fcntl(int fd, int cmd, void* arg)
{
    switch (cmd) {
        case F_GETFL:
            SHORTIO_COUNT(fcntl_getfl);
            break;
        case F_GETFD:
            SHORTIO_COUNT(fcntl_getfd);
            break;
        case F_SETFD:
            SHORTIO_COUNT(fcntl_setfd);
            break;
        case F_SETFL: {
            SHORTIO_COUNT(fcntl_setfl);
            if (__atomic_load_n(&shortio_counts_map, __ATOMIC_ACQUIRE) == NULL) break;
            const int saved_errno = errno;
            const int before = shortio_real_getfl(fd);
            const int after = (int)(intptr_t)arg;
            const int other = O_APPEND | O_ASYNC | O_DIRECT | O_NOATIME;
            if (before >= 0 && (before & ~after & other) != 0) SHORTIO_COUNT(fcntl_setfl_cleared);
            errno = saved_errno;
            break;
        }
        default:
            break;
    }
}

/* What fcntl and fcntl64 both do with their variadic part: read the argument from @args as a
 * pointer-sized word (see above), count the call, and return the argument for the real call. */
static void* counted_fcntl_arg(int fd, int cmd, va_list args)
{
    void* arg = va_arg(args, void*);
    count_fcntl(fd, cmd, arg);
    return arg;
}

SHORTIO_EXPORT int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void* arg = counted_fcntl_arg(fd, cmd, ap);
    va_end(ap);
    return SHORTIO_REAL(fcntl)(fd, cmd, arg);
}

SHORTIO_EXPORT int fcntl64(int fd, int cmd, ...)
{
    /* A C library without an fcntl64 of its own gets the call as fcntl. */
    __typeof__(&fcntl64) real = SHORTIO_REAL(fcntl64);
    va_list ap;
    va_start(ap, cmd);
    void* arg = counted_fcntl_arg(fd, cmd, ap);
    va_end(ap);
    return real != NULL ? real(fd, cmd, arg) : SHORTIO_REAL(fcntl)(fd, cmd, arg);
}

/* ---------------------------------------------------------------------------------------------
 * The epoll family, poll and select: counted; epoll_ctl also feeds the edge-triggered table.
 */
SHORTIO_EXPORT int epoll_create(int size)
{
    SHORTIO_COUNT(epoll_create);
    return SHORTIO_REAL(epoll_create)(size);
}

SHORTIO_EXPORT int epoll_create1(int flags)
{
    SHORTIO_COUNT(epoll_create);
    return SHORTIO_REAL(epoll_create1)(flags);
}

SHORTIO_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event* event)
{
    SHORTIO_COUNT(epoll_ctl);
    const int sets_et = (op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && event != NULL &&
                        (event->events & EPOLLET) != 0;
    /* Remember the registration before the kernel makes it, so no read can slip in between. */
    const int added = sets_et ? shortio_et_add(fd, epfd) : 0;
    const int result = SHORTIO_REAL(epoll_ctl)(epfd, op, fd, event);
    if (result != 0) {
        const int err = errno;
        if (added) shortio_et_remove(fd, epfd);
        errno = err;
        return result;
    }
    if (op == EPOLL_CTL_ADD) SHORTIO_COUNT(epoll_ctl_add);
    if (op == EPOLL_CTL_MOD) SHORTIO_COUNT(epoll_ctl_mod);
    if (op == EPOLL_CTL_DEL) SHORTIO_COUNT(epoll_ctl_del);
    if (sets_et) {
        SHORTIO_COUNT(epoll_ctl_et);
    } else {
        shortio_et_remove(fd, epfd); /* DEL, or MOD to level-triggered */
    }
    return result;
}

static void count_epoll_result(int result, int zero_timeout)
{
    if (result > 0) SHORTIO_COUNT_ADD(epoll_events, result);
    if (result == 0 && zero_timeout) SHORTIO_COUNT(epoll_wait_empty);
}

SHORTIO_EXPORT int epoll_wait(int epfd, struct epoll_event* events, int maxevents, int timeout)
{
    SHORTIO_COUNT(epoll_wait);
    const int result = SHORTIO_REAL(epoll_wait)(epfd, events, maxevents, timeout);
    count_epoll_result(result, timeout == 0);
    return result;
}

SHORTIO_EXPORT int epoll_pwait(int epfd, struct epoll_event* events, int maxevents, int timeout,
                               const sigset_t* sigmask)
{
    SHORTIO_COUNT(epoll_pwait);
    const int result = SHORTIO_REAL(epoll_pwait)(epfd, events, maxevents, timeout, sigmask);
    count_epoll_result(result, timeout == 0);
    return result;
}

static int zero_timespec(const struct timespec* ts)
{
    return ts != NULL && ts->tv_sec == 0 && ts->tv_nsec == 0;
}

#if __GLIBC_PREREQ(2, 35)
SHORTIO_EXPORT int epoll_pwait2(int epfd, struct epoll_event* events, int maxevents,
                                const struct timespec* timeout, const sigset_t* sigmask)
{
    SHORTIO_COUNT(epoll_pwait2);
    __typeof__(&epoll_pwait2) real = SHORTIO_REAL(epoll_pwait2);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    const int result = real(epfd, events, maxevents, timeout, sigmask);
    count_epoll_result(result, zero_timespec(timeout));
    return result;
}
#endif

SHORTIO_EXPORT int poll(struct pollfd* fds, nfds_t nfds, int timeout)
{
    SHORTIO_COUNT(poll);
    const int result = SHORTIO_REAL(poll)(fds, nfds, timeout);
    if (result == 0 && timeout == 0) SHORTIO_COUNT(poll_empty);
    return result;
}

SHORTIO_EXPORT int __poll_chk(struct pollfd* fds, nfds_t nfds, int timeout, size_t fdslen)
{
    if (fdslen / sizeof(*fds) < nfds) return SHORTIO_REAL(__poll_chk)(fds, nfds, timeout, fdslen);
    return poll(fds, nfds, timeout);
}

SHORTIO_EXPORT int ppoll(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout,
                         const sigset_t* sigmask)
{
    SHORTIO_COUNT(ppoll);
    const int result = SHORTIO_REAL(ppoll)(fds, nfds, timeout, sigmask);
    if (result == 0 && zero_timespec(timeout)) SHORTIO_COUNT(poll_empty);
    return result;
}

SHORTIO_EXPORT int select(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
                          struct timeval* timeout)
{
    SHORTIO_COUNT(select);
    const int zero = timeout != NULL && timeout->tv_sec == 0 && timeout->tv_usec == 0;
    const int result = SHORTIO_REAL(select)(nfds, readfds, writefds, exceptfds, timeout);
    if (result == 0 && zero) SHORTIO_COUNT(poll_empty);
    return result;
}

SHORTIO_EXPORT int pselect(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
                           const struct timespec* timeout, const sigset_t* sigmask)
{
    SHORTIO_COUNT(pselect);
    const int result = SHORTIO_REAL(pselect)(nfds, readfds, writefds, exceptfds, timeout, sigmask);
    if (result == 0 && zero_timespec(timeout)) SHORTIO_COUNT(poll_empty);
    return result;
}

/* ---------------------------------------------------------------------------------------------
 * accept and fork: counted only.
 */
static void count_accept_result(int result)
{
    if (result >= 0) return;
    const int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK) SHORTIO_COUNT(accept_would_block);
    if (err == EMFILE || err == ENFILE) SHORTIO_COUNT(accept_no_fds);
}

SHORTIO_EXPORT int accept(int fd, __SOCKADDR_ARG addr, socklen_t* addr_len)
{
    SHORTIO_COUNT(accept);
    const int result = SHORTIO_REAL(accept)(fd, addr, addr_len);
    count_accept_result(result);
    return result;
}

SHORTIO_EXPORT int accept4(int fd, __SOCKADDR_ARG addr, socklen_t* addr_len, int flags)
{
    SHORTIO_COUNT(accept4);
    const int result = SHORTIO_REAL(accept4)(fd, addr, addr_len, flags);
    count_accept_result(result);
    return result;
}

SHORTIO_EXPORT pid_t fork(void)
{
    SHORTIO_COUNT(fork);
    return SHORTIO_REAL(fork)();
}
