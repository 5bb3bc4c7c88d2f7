/*
 * libshortio.so, the data-moving wrappers: read, readv, recv, recvfrom, recvmsg, write, writev,
 * send, sendto, sendmsg and the _FORTIFY_SOURCE variants. Each one describes its call as a
 * struct transfer and hands it to transfer(), the one routine that decides what to do to a call
 * (see README.md beside this file), makes it and counts it.
 *
 * Nothing here may call a wrapped function through the dynamic linker (no stdio on sockets), and a
 * call passed through unchanged leaves errno as the real call left it.
 */
#define _GNU_SOURCE
/* Our definitions of read/recv must not be replaced by the header's fortified inlines. */
#undef _FORTIFY_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "testkit/shortio/shortio.h"

SHORTIO_REAL_SLOT(read);
SHORTIO_REAL_SLOT(readv);
SHORTIO_REAL_SLOT(recv);
SHORTIO_REAL_SLOT(recvfrom);
SHORTIO_REAL_SLOT(recvmsg);
SHORTIO_REAL_SLOT(write);
SHORTIO_REAL_SLOT(writev);
SHORTIO_REAL_SLOT(send);
SHORTIO_REAL_SLOT(sendto);
SHORTIO_REAL_SLOT(sendmsg);

/* The _FORTIFY_SOURCE entry points a program compiled with -D_FORTIFY_SOURCE calls instead. */
ssize_t __read_chk(int fd, void* buf, size_t nbytes, size_t buflen);
ssize_t __recv_chk(int fd, void* buf, size_t len, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void* buf, size_t len, size_t buflen, int flags, __SOCKADDR_ARG addr,
                       socklen_t* addr_len);
SHORTIO_REAL_SLOT(__read_chk);
SHORTIO_REAL_SLOT(__recv_chk);
SHORTIO_REAL_SLOT(__recvfrom_chk);

/* ---------------------------------------------------------------------------------------------
 * What kind of fd a call is on, and what to do to the call.
 */
struct fd_kind {
    int socket;      /* any socket: counted */
    int pipe;        /* pipe or FIFO: counted */
    int injectable;  /* a stream socket or a byte-stream pipe: faults may be injected */
    int nonblocking; /* O_NONBLOCK set */
};

static struct fd_kind classify(int fd)
{
    struct fd_kind kind = {0, 0, 0, 0};
    struct stat st;
    if (fstat(fd, &st) != 0) return kind;
    if (S_ISSOCK(st.st_mode)) {
        kind.socket = 1;
        int type = 0;
        socklen_t len = sizeof type;
        /* Datagram boundaries are part of the data: cutting one would lose bytes. */
        kind.injectable =
            getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
    } else if (S_ISFIFO(st.st_mode)) {
        kind.pipe = 1;
        kind.injectable = 1;
    } else {
        return kind;
    }
    const int flags = shortio_real_getfl(fd);
    kind.nonblocking = flags >= 0 && (flags & O_NONBLOCK) != 0;
    if (kind.pipe && flags >= 0 && (flags & O_DIRECT) != 0) kind.injectable = 0; /* packet pipe */
    return kind;
}

/* The verdict for one call: pass it unchanged, fail it (fail_errno), or cut it to limit bytes. */
struct verdict {
    int fail_errno; /* nonzero: fail with this errno, move nothing */
    size_t limit;   /* the most bytes the call may move (SIZE_MAX: unchanged) */
};

enum { CALL_MAY_FAIL = 1, CALL_MAY_SHORTEN = 2 };

static struct verdict judge(int fd, const struct fd_kind* kind, size_t len, int dontwait, int what)
{
    struct verdict v = {0, SIZE_MAX};
    const struct shortio_config* config = shortio_get_config();
    if (!config->inject || !kind->injectable || len == 0) return v;
    const uint64_t r = shortio_next_random();
    if ((what & CALL_MAY_FAIL) && (r % 100) < config->fail_percent && !shortio_et_maybe(fd)) {
        /* A blocking call can be interrupted by a signal before it moves anything; a nonblocking
         * one can find the buffer empty (or full). */
        v.fail_errno = kind->nonblocking || dontwait ? EAGAIN : EINTR;
        return v;
    }
    const size_t limit = 1 + (size_t)((r >> 32) % config->max_bytes);
    if ((what & CALL_MAY_SHORTEN) && limit < len) v.limit = limit;
    return v;
}

/* recv and its kin: MSG_PEEK may be cut but not failed (a peek that fails would be a different
 * program); MSG_WAITALL is never cut (the kernel promises the whole length). Writes, and reads
 * without flags, may be both. */
static int what_may_happen(int is_read, int flags)
{
    if (!is_read) return CALL_MAY_FAIL | CALL_MAY_SHORTEN;
    int what = 0;
    if (!(flags & MSG_PEEK)) what |= CALL_MAY_FAIL;
    if (!(flags & MSG_WAITALL)) what |= CALL_MAY_SHORTEN;
    return what;
}

static void count_transfer(const struct fd_kind* kind, int is_read, int dontwait, ssize_t result,
                           int err)
{
    if (kind->socket) {
        if (is_read) {
            SHORTIO_COUNT(socket_reads);
            if (!kind->nonblocking && !dontwait) SHORTIO_COUNT(blocking_socket_reads);
            if (result > 0) SHORTIO_COUNT_ADD(socket_read_bytes, result);
        } else {
            SHORTIO_COUNT(socket_writes);
            if (result > 0) SHORTIO_COUNT_ADD(socket_write_bytes, result);
        }
    } else if (kind->pipe) {
        if (is_read) {
            SHORTIO_COUNT(pipe_reads);
            if (result > 0) SHORTIO_COUNT_ADD(pipe_read_bytes, result);
        } else {
            SHORTIO_COUNT(pipe_writes);
            if (result > 0) SHORTIO_COUNT_ADD(pipe_write_bytes, result);
        }
    } else {
        return;
    }
    if (result < 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
        if (is_read) {
            SHORTIO_COUNT(reads_would_block);
        } else {
            SHORTIO_COUNT(writes_would_block);
        }
    }
}

/* Copy the first @limit bytes' worth of @iov into @out (at most IOV_COPY_MAX entries, empty ones
 * dropped); returns the number of entries. */
#define IOV_COPY_MAX 64
static int cut_iov(const struct iovec* iov, size_t count, size_t limit, struct iovec* out)
{
    int used = 0;
    for (size_t i = 0; i < count && limit > 0 && used < IOV_COPY_MAX; ++i) {
        if (iov[i].iov_len == 0) continue;
        out[used].iov_base = iov[i].iov_base;
        out[used].iov_len = iov[i].iov_len < limit ? iov[i].iov_len : limit;
        limit -= out[used].iov_len;
        ++used;
    }
    return used;
}

static size_t iov_total(const struct iovec* iov, size_t count)
{
    size_t total = 0;
    for (size_t i = 0; i < count; ++i)
        total += iov[i].iov_len;
    return total;
}

/* ---------------------------------------------------------------------------------------------
 * The one transfer routine.
 */

/* Which call a transfer is; the reads come first. */
enum call {
    CALL_READ,
    CALL_READV,
    CALL_RECV,
    CALL_RECVFROM,
    CALL_RECVMSG,
    CALL_WRITE,
    CALL_WRITEV,
    CALL_SEND,
    CALL_SENDTO,
    CALL_SENDMSG,
};

/* One call that moves bytes, with the arguments of its kind (the others stay zero). */
struct transfer {
    enum call call;
    int fd;
    int flags;               /* MSG_* of the recv and send family; 0 for the others */
    void* buf;               /* read, recv, recvfrom (and, cast, write, send, sendto) */
    size_t len;              /* with buf */
    const struct iovec* iov; /* readv, writev */
    int iovcnt;              /* with iov */
    struct msghdr* msg;      /* recvmsg (and, cast, sendmsg: never changed for a write) */
    __SOCKADDR_ARG from;     /* recvfrom */
    socklen_t* from_len;     /* recvfrom */
    __CONST_SOCKADDR_ARG to; /* sendto */
    socklen_t to_len;        /* sendto */
};

/* The bytes the caller asks to move. */
static size_t transfer_length(const struct transfer* t)
{
    switch (t->call) {
        case CALL_READV:
        case CALL_WRITEV:
            return t->iovcnt > 0 ? iov_total(t->iov, (size_t)t->iovcnt) : 0;
        case CALL_RECVMSG:
        case CALL_SENDMSG:
            return t->msg != NULL && t->msg->msg_iov != NULL
                       ? iov_total(t->msg->msg_iov, t->msg->msg_iovlen)
                       : 0;
        default:
            return t->len;
    }
}

/* The real call with @t's arguments, moving at most @limit bytes when @cut (an iovec list is cut
 * into a local copy; the caller's is never written). Leaves errno as the real call left it. */
static ssize_t perform(const struct transfer* t, int cut, size_t limit)
{
    const size_t len = cut ? limit : t->len;
    struct iovec local[IOV_COPY_MAX];
    switch (t->call) {
        case CALL_READ:
            return SHORTIO_REAL(read)(t->fd, t->buf, len);
        case CALL_RECV:
            return SHORTIO_REAL(recv)(t->fd, t->buf, len, t->flags);
        case CALL_RECVFROM:
            return SHORTIO_REAL(recvfrom)(t->fd, t->buf, len, t->flags, t->from, t->from_len);
        case CALL_WRITE:
            return SHORTIO_REAL(write)(t->fd, t->buf, len);
        case CALL_SEND:
            return SHORTIO_REAL(send)(t->fd, t->buf, len, t->flags);
        case CALL_SENDTO:
            return SHORTIO_REAL(sendto)(t->fd, t->buf, len, t->flags, t->to, t->to_len);
        case CALL_READV:
        case CALL_WRITEV: {
            const struct iovec* iov = t->iov;
            int iovcnt = t->iovcnt;
            if (cut) {
                iovcnt = cut_iov(iov, (size_t)iovcnt, limit, local);
                iov = local;
            }
            return t->call == CALL_READV ? SHORTIO_REAL(readv)(t->fd, iov, iovcnt)
                                         : SHORTIO_REAL(writev)(t->fd, iov, iovcnt);
        }
        case CALL_RECVMSG:
        case CALL_SENDMSG: {
            const int is_read = t->call == CALL_RECVMSG;
            if (!cut) {
                return is_read ? SHORTIO_REAL(recvmsg)(t->fd, t->msg, t->flags)
                               : SHORTIO_REAL(sendmsg)(t->fd, t->msg, t->flags);
            }
            struct msghdr shorter = *t->msg;
            shorter.msg_iov = local;
            shorter.msg_iovlen = (size_t)cut_iov(t->msg->msg_iov, t->msg->msg_iovlen, limit, local);
            const ssize_t n = is_read ? SHORTIO_REAL(recvmsg)(t->fd, &shorter, t->flags)
                                      : SHORTIO_REAL(sendmsg)(t->fd, &shorter, t->flags);
            if (is_read) {
                /* What recvmsg reports besides the data goes back into the caller's header. */
                t->msg->msg_namelen = shorter.msg_namelen;
                t->msg->msg_controllen = shorter.msg_controllen;
                t->msg->msg_flags = shorter.msg_flags;
            }
            return n;
        }
    }
    errno = ENOSYS; /* not reached: every call is handled above */
    return -1;
}

/* Classify the fd, judge the call, then make it with errno as the caller left it, and count the
 * result. */
static ssize_t transfer(const struct transfer* t)
{
    const int saved_errno = errno;
    const int is_read = t->call < CALL_WRITE;
    const int dontwait = (t->flags & MSG_DONTWAIT) != 0;
    const struct fd_kind kind = classify(t->fd);
    const size_t len = transfer_length(t);
    const struct verdict v = judge(t->fd, &kind, len, dontwait, what_may_happen(is_read, t->flags));
    if (v.fail_errno) {
        count_transfer(&kind, is_read, dontwait, -1, v.fail_errno);
        if (v.fail_errno == EINTR) {
            SHORTIO_COUNT(injected_eintr);
        } else {
            SHORTIO_COUNT(injected_eagain);
        }
        errno = v.fail_errno;
        return -1;
    }
    const int cut = v.limit < len;
    if (cut) SHORTIO_COUNT(injected_short);
    errno = saved_errno;
    const ssize_t n = perform(t, cut, v.limit);
    const int err = errno;
    count_transfer(&kind, is_read, dontwait, n, err);
    errno = err;
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * The wrappers: each describes its call and hands it over. The three calls a _chk variant shares
 * are static functions, so the variant reaches them directly, not back through the dynamic linker
 * (where a sanitizer's interceptor may sit first).
 */
static ssize_t do_read(int fd, void* buf, size_t len)
{
    return transfer(&(struct transfer){.call = CALL_READ, .fd = fd, .buf = buf, .len = len});
}

static ssize_t do_recv(int fd, void* buf, size_t len, int flags)
{
    return transfer(
        &(struct transfer){.call = CALL_RECV, .fd = fd, .flags = flags, .buf = buf, .len = len});
}

static ssize_t do_recvfrom(int fd, void* buf, size_t len, int flags, __SOCKADDR_ARG addr,
                           socklen_t* addr_len)
{
    return transfer(&(struct transfer){.call = CALL_RECVFROM,
                                       .fd = fd,
                                       .flags = flags,
                                       .buf = buf,
                                       .len = len,
                                       .from = addr,
                                       .from_len = addr_len});
}

SHORTIO_EXPORT ssize_t read(int fd, void* buf, size_t len)
{
    return do_read(fd, buf, len);
}

SHORTIO_EXPORT ssize_t __read_chk(int fd, void* buf, size_t nbytes, size_t buflen)
{
    if (nbytes > buflen) {
        return SHORTIO_REAL(__read_chk)(fd, buf, nbytes, buflen); /* reports the overflow */
    }
    return do_read(fd, buf, nbytes);
}

SHORTIO_EXPORT ssize_t readv(int fd, const struct iovec* iov, int iovcnt)
{
    return transfer(&(struct transfer){.call = CALL_READV, .fd = fd, .iov = iov, .iovcnt = iovcnt});
}

SHORTIO_EXPORT ssize_t recv(int fd, void* buf, size_t len, int flags)
{
    return do_recv(fd, buf, len, flags);
}

SHORTIO_EXPORT ssize_t __recv_chk(int fd, void* buf, size_t len, size_t buflen, int flags)
{
    if (len > buflen) return SHORTIO_REAL(__recv_chk)(fd, buf, len, buflen, flags);
    return do_recv(fd, buf, len, flags);
}

SHORTIO_EXPORT ssize_t recvfrom(int fd, void* buf, size_t len, int flags, __SOCKADDR_ARG addr,
                                socklen_t* addr_len)
{
    return do_recvfrom(fd, buf, len, flags, addr, addr_len);
}

SHORTIO_EXPORT ssize_t __recvfrom_chk(int fd, void* buf, size_t len, size_t buflen, int flags,
                                      __SOCKADDR_ARG addr, socklen_t* addr_len)
{
    if (len > buflen) {
        return SHORTIO_REAL(__recvfrom_chk)(fd, buf, len, buflen, flags, addr, addr_len);
    }
    return do_recvfrom(fd, buf, len, flags, addr, addr_len);
}

SHORTIO_EXPORT ssize_t recvmsg(int fd, struct msghdr* msg, int flags)
{
    return transfer(&(struct transfer){.call = CALL_RECVMSG, .fd = fd, .flags = flags, .msg = msg});
}

SHORTIO_EXPORT ssize_t write(int fd, const void* buf, size_t len)
{
    /* The buffer is only read: perform() passes it back as const to write. */
    return transfer(
        &(struct transfer){.call = CALL_WRITE, .fd = fd, .buf = (void*)buf, .len = len});
}

SHORTIO_EXPORT ssize_t writev(int fd, const struct iovec* iov, int iovcnt)
{
    return transfer(
        &(struct transfer){.call = CALL_WRITEV, .fd = fd, .iov = iov, .iovcnt = iovcnt});
}

SHORTIO_EXPORT ssize_t send(int fd, const void* buf, size_t len, int flags)
{
    return transfer(&(struct transfer){
        .call = CALL_SEND, .fd = fd, .flags = flags, .buf = (void*)buf, .len = len});
}

SHORTIO_EXPORT ssize_t sendto(int fd, const void* buf, size_t len, int flags,
                              __CONST_SOCKADDR_ARG addr, socklen_t addr_len)
{
    return transfer(&(struct transfer){.call = CALL_SENDTO,
                                       .fd = fd,
                                       .flags = flags,
                                       .buf = (void*)buf,
                                       .len = len,
                                       .to = addr,
                                       .to_len = addr_len});
}

SHORTIO_EXPORT ssize_t sendmsg(int fd, const struct msghdr* msg, int flags)
{
    /* perform() writes into the header only for recvmsg. */
    return transfer(&(struct transfer){
        .call = CALL_SENDMSG, .fd = fd, .flags = flags, .msg = (struct msghdr*)msg});
}
