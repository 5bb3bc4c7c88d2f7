/*
 * libshortio.so: the short-I/O fault injector and syscall counter (see README.md beside this file).
 *
 * Preloaded into a lab program (LD_PRELOAD), it wraps the calls that move bytes on sockets and
 * pipes and makes them behave as the kernel is allowed to but rarely does on a quiet machine: a
 * send or recv moves only a few bytes, and now and then a call fails with EINTR (blocking fd) or
 * EAGAIN (nonblocking fd) without moving anything. A correct program does not notice; a program
 * that assumes one send() sends everything breaks at once, and the seed printed at start replays
 * the same run.
 *
 * With SHORTIO_COUNTS=<path> it also counts the calls that show how a program works (epoll_wait
 * or poll, accept4 until EAGAIN, blocking socket reads, F_SETFL, fork) into a shared file
 * (struct shortio_counts, testkit/syscall_counts.h).
 *
 * Every wrapper forwards to the next definition (dlsym(RTLD_NEXT)), which is libc's or a
 * sanitizer's interceptor. Nothing here may call a wrapped function through the dynamic linker
 * (no stdio on sockets), and a call passed through unchanged leaves errno as the real call left it.
 */
#define _GNU_SOURCE
/* Our definitions of read/recv/poll must not be replaced by the header's fortified inlines. */
#undef _FORTIFY_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "testkit/syscall_counts.h"

#define EXPORT __attribute__((visibility("default")))

/* ---------------------------------------------------------------------------------------------
 * The real functions, resolved on first use: a wrapper may run before our constructor (another
 * library's constructor may already do I/O).
 */
static void* resolve(void** slot, const char* name)
{
    void* fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (fn == NULL) {
        fn = dlsym(RTLD_NEXT, name);
        __atomic_store_n(slot, fn, __ATOMIC_RELEASE);
    }
    return fn;
}

#define REAL_SLOT(fn) static void* real_slot_##fn
#define REAL(fn) ((__typeof__(&fn))resolve(&real_slot_##fn, #fn))

REAL_SLOT(read);
REAL_SLOT(readv);
REAL_SLOT(recv);
REAL_SLOT(recvfrom);
REAL_SLOT(recvmsg);
REAL_SLOT(write);
REAL_SLOT(writev);
REAL_SLOT(send);
REAL_SLOT(sendto);
REAL_SLOT(sendmsg);
REAL_SLOT(close);
REAL_SLOT(close_range);
REAL_SLOT(fcntl);
REAL_SLOT(fcntl64);
REAL_SLOT(epoll_create);
REAL_SLOT(epoll_create1);
REAL_SLOT(epoll_ctl);
REAL_SLOT(epoll_wait);
REAL_SLOT(epoll_pwait);
#if __GLIBC_PREREQ(2, 35)
REAL_SLOT(epoll_pwait2);
#endif
REAL_SLOT(poll);
REAL_SLOT(ppoll);
REAL_SLOT(select);
REAL_SLOT(pselect);
REAL_SLOT(accept);
REAL_SLOT(accept4);
REAL_SLOT(fork);

/* The _FORTIFY_SOURCE entry points a program compiled with -D_FORTIFY_SOURCE calls instead. */
ssize_t __read_chk(int fd, void* buf, size_t nbytes, size_t buflen);
ssize_t __recv_chk(int fd, void* buf, size_t len, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void* buf, size_t len, size_t buflen, int flags, __SOCKADDR_ARG addr,
                       socklen_t* addr_len);
int __poll_chk(struct pollfd* fds, nfds_t nfds, int timeout, size_t fdslen);
REAL_SLOT(__read_chk);
REAL_SLOT(__recv_chk);
REAL_SLOT(__recvfrom_chk);
REAL_SLOT(__poll_chk);

/* The one fcntl we call ourselves (F_GETFL); no counting, no recursion. */
static int real_getfl(int fd)
{
    return REAL(fcntl)(fd, F_GETFL);
}

/* ---------------------------------------------------------------------------------------------
 * Configuration, read from the environment once: by the constructor, or by the first wrapper
 * that runs before it.
 */
static uint64_t g_seed;
static unsigned g_max_bytes = 7;
static unsigned g_fail_percent = 10;
static int g_inject = 1;
static int g_track_et = 1;
static int g_config_state; /* 0: not read, 1: being read, 2: ready */

static long env_long(const char* name, long fallback, long low, long high)
{
    const char* text = getenv(name);
    if (text == NULL || *text == '\0') return fallback;
    char* end = NULL;
    errno = 0;
    const long value = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0') return fallback;
    return value < low ? low : value > high ? high : value;
}

static uint64_t mix64(uint64_t z)
{
    /* splitmix64's finalizer: every input bit affects every output bit. */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t parse_seed(void)
{
    const char* text = getenv("SHORTIO_SEED");
    if (text != NULL && *text != '\0') {
        char* end = NULL;
        errno = 0;
        const unsigned long long value = strtoull(text, &end, 10);
        if (errno == 0 && *end == '\0') return value;
        /* Not a number: any string is a seed, hashed (FNV-1a) to one. */
        uint64_t hash = 0xcbf29ce484222325ULL;
        for (const char* c = text; *c != '\0'; ++c)
            hash = (hash ^ (unsigned char)*c) * 0x100000001b3ULL;
        return hash % 1000000000ULL;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return mix64((uint64_t)now.tv_nsec ^ ((uint64_t)now.tv_sec << 20) ^ (uint64_t)getpid()) %
           1000000000ULL;
}

static void ensure_config(void)
{
    if (__atomic_load_n(&g_config_state, __ATOMIC_ACQUIRE) == 2) return;
    int expected = 0;
    if (!__atomic_compare_exchange_n(&g_config_state, &expected, 1, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(&g_config_state, __ATOMIC_ACQUIRE) != 2) {
        }
        return;
    }
    const int saved_errno = errno;
    g_seed = parse_seed();
    g_max_bytes = (unsigned)env_long("SHORTIO_MAX_BYTES", 7, 1, 1L << 30);
    g_fail_percent = (unsigned)env_long("SHORTIO_FAIL_PERCENT", 10, 0, 100);
    g_inject = env_long("SHORTIO_INJECT", 1, 0, 1) != 0;
    g_track_et = env_long("SHORTIO_TRACK_ET", 1, 0, 1) != 0;
    errno = saved_errno;
    __atomic_store_n(&g_config_state, 2, __ATOMIC_RELEASE);
}

/* The n-th random number of this process: a counter hashed with the seed, so the same seed and the
 * same sequence of affected calls give the same decisions (a forked child continues the parent's
 * sequence from where it was at fork). */
static uint64_t g_draws;

static uint64_t next_random(void)
{
    const uint64_t n = __atomic_fetch_add(&g_draws, 1, __ATOMIC_RELAXED);
    return mix64(g_seed * 0x9e3779b97f4a7c15ULL + mix64(n + 1));
}

/* ---------------------------------------------------------------------------------------------
 * Counters (SHORTIO_COUNTS).
 */
static struct shortio_counts* g_counts;

#define COUNT_ADD(field, n)                                                                        \
    do {                                                                                           \
        struct shortio_counts* counts_ = __atomic_load_n(&g_counts, __ATOMIC_ACQUIRE);             \
        if (counts_ != NULL) __atomic_fetch_add(&counts_->field, (uint64_t)(n), __ATOMIC_RELAXED); \
    } while (0)
#define COUNT(field) COUNT_ADD(field, 1)

static void write_stderr(const char* text)
{
    size_t left = strlen(text);
    while (left > 0) {
        const ssize_t n = REAL(write)(STDERR_FILENO, text, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        text += n;
        left -= (size_t)n;
    }
}

/* Map the counts file. It is created if missing; if another process (a program that exec'd us,
 * a second program of the same test) already set it up, we add to its counters. */
static void open_counts(const char* path)
{
    const int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        write_stderr("shortio: cannot open SHORTIO_COUNTS file; not counting\n");
        return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || ((size_t)st.st_size < sizeof(struct shortio_counts) &&
                                ftruncate(fd, (off_t)sizeof(struct shortio_counts)) != 0)) {
        REAL(close)(fd);
        write_stderr("shortio: cannot size SHORTIO_COUNTS file; not counting\n");
        return;
    }
    void* map =
        mmap(NULL, sizeof(struct shortio_counts), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REAL(close)(fd);
    if (map == MAP_FAILED) {
        write_stderr("shortio: cannot map SHORTIO_COUNTS file; not counting\n");
        return;
    }
    struct shortio_counts* counts = map;
    uint64_t magic = 0;
    if (__atomic_compare_exchange_n(&counts->magic, &magic, SHORTIO_COUNTS_MAGIC, 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        counts->version = SHORTIO_COUNTS_VERSION;
        counts->size = sizeof(struct shortio_counts);
    } else if (magic != SHORTIO_COUNTS_MAGIC) {
        munmap(map, sizeof(struct shortio_counts));
        write_stderr("shortio: SHORTIO_COUNTS file holds something else; not counting\n");
        return;
    }
    __atomic_store_n(&g_counts, counts, __ATOMIC_RELEASE);
    COUNT(loads);
}

__attribute__((constructor)) static void shortio_init(void)
{
    const int saved_errno = errno;
    ensure_config();
    const char* counts_path = getenv("SHORTIO_COUNTS");
    if (counts_path != NULL && *counts_path != '\0') open_counts(counts_path);
    const char* quiet = getenv("SHORTIO_QUIET");
    if (quiet == NULL || strcmp(quiet, "1") != 0) {
        char line[256];
        if (g_inject) {
            snprintf(
                line, sizeof line,
                "shortio: seed=%llu max_bytes=%u fail_percent=%u (replay with SHORTIO_SEED=%llu)\n",
                (unsigned long long)g_seed, g_max_bytes, g_fail_percent,
                (unsigned long long)g_seed);
        } else {
            snprintf(line, sizeof line, "shortio: injection off (SHORTIO_INJECT=0)%s\n",
                     g_counts != NULL ? ", counting syscalls" : "");
        }
        write_stderr(line);
    }
    errno = saved_errno;
}

/* ---------------------------------------------------------------------------------------------
 * Edge-triggered registrations. A fake EAGAIN on an fd registered with EPOLLET would make a
 * correct program wait for an edge that never comes, so such fds get no fake failure at all.
 * Per fd number we remember up to four epoll instances it is registered in with EPOLLET; more
 * than that (or an fd number beyond the table) counts as "maybe edge-triggered" until close().
 * Lock-free, so fork() in a threaded program cannot leave a lock held.
 */
#define ET_TABLE_FDS 65536
#define ET_SLOTS 4
static int g_et_epfd[ET_TABLE_FDS][ET_SLOTS]; /* epfd + 1; 0 = empty */
static unsigned char g_et_overflow[ET_TABLE_FDS];

static int maybe_edge_triggered(int fd)
{
    if (!g_track_et) return 0;
    if (fd < 0 || fd >= ET_TABLE_FDS) return 1;
    if (__atomic_load_n(&g_et_overflow[fd], __ATOMIC_ACQUIRE)) return 1;
    for (int i = 0; i < ET_SLOTS; ++i) {
        if (__atomic_load_n(&g_et_epfd[fd][i], __ATOMIC_ACQUIRE) != 0) return 1;
    }
    return 0;
}

/* Returns 1 if this call added the registration (so a failed epoll_ctl can undo it). */
static int et_add(int fd, int epfd)
{
    if (fd < 0 || fd >= ET_TABLE_FDS) return 0;
    for (int i = 0; i < ET_SLOTS; ++i) {
        if (__atomic_load_n(&g_et_epfd[fd][i], __ATOMIC_ACQUIRE) == epfd + 1) return 0;
    }
    for (int i = 0; i < ET_SLOTS; ++i) {
        int empty = 0;
        if (__atomic_compare_exchange_n(&g_et_epfd[fd][i], &empty, epfd + 1, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            return 1;
        }
    }
    __atomic_store_n(&g_et_overflow[fd], 1, __ATOMIC_RELEASE);
    return 0;
}

static void et_remove(int fd, int epfd)
{
    if (fd < 0 || fd >= ET_TABLE_FDS) return;
    for (int i = 0; i < ET_SLOTS; ++i) {
        int expected = epfd + 1;
        __atomic_compare_exchange_n(&g_et_epfd[fd][i], &expected, 0, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE);
    }
}

static void et_forget_fd(int fd)
{
    if (fd < 0 || fd >= ET_TABLE_FDS) return;
    for (int i = 0; i < ET_SLOTS; ++i)
        __atomic_store_n(&g_et_epfd[fd][i], 0, __ATOMIC_RELEASE);
    __atomic_store_n(&g_et_overflow[fd], 0, __ATOMIC_RELEASE);
}

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
    const int flags = real_getfl(fd);
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
    ensure_config();
    if (!g_inject || !kind->injectable || len == 0) return v;
    const uint64_t r = next_random();
    if ((what & CALL_MAY_FAIL) && (r % 100) < g_fail_percent && !maybe_edge_triggered(fd)) {
        /* A blocking call can be interrupted by a signal before it moves anything; a nonblocking
         * one can find the buffer empty (or full). */
        v.fail_errno = kind->nonblocking || dontwait ? EAGAIN : EINTR;
        return v;
    }
    const size_t limit = 1 + (size_t)((r >> 32) % g_max_bytes);
    if ((what & CALL_MAY_SHORTEN) && limit < len) v.limit = limit;
    return v;
}

static ssize_t inject_failure(int err)
{
    if (err == EINTR) {
        COUNT(injected_eintr);
    } else {
        COUNT(injected_eagain);
    }
    errno = err;
    return -1;
}

static void count_transfer(const struct fd_kind* kind, int is_read, int dontwait, ssize_t result,
                           int err)
{
    if (kind->socket) {
        if (is_read) {
            COUNT(socket_reads);
            if (!kind->nonblocking && !dontwait) COUNT(blocking_socket_reads);
            if (result > 0) COUNT_ADD(socket_read_bytes, result);
        } else {
            COUNT(socket_writes);
            if (result > 0) COUNT_ADD(socket_write_bytes, result);
        }
    } else if (kind->pipe) {
        if (is_read) {
            COUNT(pipe_reads);
            if (result > 0) COUNT_ADD(pipe_read_bytes, result);
        } else {
            COUNT(pipe_writes);
            if (result > 0) COUNT_ADD(pipe_write_bytes, result);
        }
    } else {
        return;
    }
    if (result < 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
        if (is_read) {
            COUNT(reads_would_block);
        } else {
            COUNT(writes_would_block);
        }
    }
}

/* Copy the first @limit bytes' worth of @iov into @out (at most @out_max entries, empty ones
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
 * The data-moving wrappers. Each one: classify the fd, judge, then call the real function with
 * errno as the caller left it, and count the result.
 */
static ssize_t do_read(int fd, void* buf, size_t len)
{
    const int saved_errno = errno;
    const struct fd_kind kind = classify(fd);
    const struct verdict v = judge(fd, &kind, len, 0, CALL_MAY_FAIL | CALL_MAY_SHORTEN);
    if (v.fail_errno) {
        count_transfer(&kind, 1, 0, -1, v.fail_errno);
        return inject_failure(v.fail_errno);
    }
    if (v.limit < len) COUNT(injected_short);
    errno = saved_errno;
    const ssize_t n = REAL(read)(fd, buf, v.limit < len ? v.limit : len);
    const int err = errno;
    count_transfer(&kind, 1, 0, n, err);
    errno = err;
    return n;
}

static ssize_t do_write(int fd, const void* buf, size_t len)
{
    const int saved_errno = errno;
    const struct fd_kind kind = classify(fd);
    const struct verdict v = judge(fd, &kind, len, 0, CALL_MAY_FAIL | CALL_MAY_SHORTEN);
    if (v.fail_errno) {
        count_transfer(&kind, 0, 0, -1, v.fail_errno);
        return inject_failure(v.fail_errno);
    }
    if (v.limit < len) COUNT(injected_short);
    errno = saved_errno;
    const ssize_t n = REAL(write)(fd, buf, v.limit < len ? v.limit : len);
    const int err = errno;
    count_transfer(&kind, 0, 0, n, err);
    errno = err;
    return n;
}

/* recv/recvfrom: MSG_PEEK may be cut but not failed (a peek that fails would be a different
 * program); MSG_WAITALL is never cut (the kernel promises the whole length). */
static int recv_what(int flags)
{
    int what = 0;
    if (!(flags & MSG_PEEK)) what |= CALL_MAY_FAIL;
    if (!(flags & MSG_WAITALL)) what |= CALL_MAY_SHORTEN;
    return what;
}

static ssize_t do_recvfrom(int fd, void* buf, size_t len, int flags, __SOCKADDR_ARG addr,
                           socklen_t* addr_len, int plain_recv)
{
    const int saved_errno = errno;
    const int dontwait = (flags & MSG_DONTWAIT) != 0;
    const struct fd_kind kind = classify(fd);
    const struct verdict v = judge(fd, &kind, len, dontwait, recv_what(flags));
    if (v.fail_errno) {
        count_transfer(&kind, 1, dontwait, -1, v.fail_errno);
        return inject_failure(v.fail_errno);
    }
    if (v.limit < len) COUNT(injected_short);
    const size_t cut = v.limit < len ? v.limit : len;
    errno = saved_errno;
    const ssize_t n = plain_recv ? REAL(recv)(fd, buf, cut, flags)
                                 : REAL(recvfrom)(fd, buf, cut, flags, addr, addr_len);
    const int err = errno;
    count_transfer(&kind, 1, dontwait, n, err);
    errno = err;
    return n;
}

static ssize_t do_sendto(int fd, const void* buf, size_t len, int flags, __CONST_SOCKADDR_ARG addr,
                         socklen_t addr_len, int plain_send)
{
    const int saved_errno = errno;
    const int dontwait = (flags & MSG_DONTWAIT) != 0;
    const struct fd_kind kind = classify(fd);
    const struct verdict v = judge(fd, &kind, len, dontwait, CALL_MAY_FAIL | CALL_MAY_SHORTEN);
    if (v.fail_errno) {
        count_transfer(&kind, 0, dontwait, -1, v.fail_errno);
        return inject_failure(v.fail_errno);
    }
    if (v.limit < len) COUNT(injected_short);
    const size_t cut = v.limit < len ? v.limit : len;
    errno = saved_errno;
    const ssize_t n = plain_send ? REAL(send)(fd, buf, cut, flags)
                                 : REAL(sendto)(fd, buf, cut, flags, addr, addr_len);
    const int err = errno;
    count_transfer(&kind, 0, dontwait, n, err);
    errno = err;
    return n;
}

static ssize_t do_readv_writev(int fd, const struct iovec* iov, int iovcnt, int is_read)
{
    const int saved_errno = errno;
    const struct fd_kind kind = classify(fd);
    const size_t len = iovcnt > 0 ? iov_total(iov, (size_t)iovcnt) : 0;
    const struct verdict v = judge(fd, &kind, len, 0, CALL_MAY_FAIL | CALL_MAY_SHORTEN);
    if (v.fail_errno) {
        count_transfer(&kind, is_read, 0, -1, v.fail_errno);
        return inject_failure(v.fail_errno);
    }
    struct iovec local[IOV_COPY_MAX];
    if (v.limit < len) {
        COUNT(injected_short);
        iovcnt = cut_iov(iov, (size_t)iovcnt, v.limit, local);
        iov = local;
    }
    errno = saved_errno;
    const ssize_t n = is_read ? REAL(readv)(fd, iov, iovcnt) : REAL(writev)(fd, iov, iovcnt);
    const int err = errno;
    count_transfer(&kind, is_read, 0, n, err);
    errno = err;
    return n;
}

static ssize_t do_msg(int fd, struct msghdr* msg, int flags, int is_read)
{
    const int saved_errno = errno;
    const int dontwait = (flags & MSG_DONTWAIT) != 0;
    const struct fd_kind kind = classify(fd);
    const size_t len =
        msg != NULL && msg->msg_iov != NULL ? iov_total(msg->msg_iov, msg->msg_iovlen) : 0;
    const int what = is_read ? recv_what(flags) : CALL_MAY_FAIL | CALL_MAY_SHORTEN;
    const struct verdict v = judge(fd, &kind, len, dontwait, what);
    if (v.fail_errno) {
        count_transfer(&kind, is_read, dontwait, -1, v.fail_errno);
        return inject_failure(v.fail_errno);
    }
    ssize_t n;
    int err;
    if (v.limit < len) {
        COUNT(injected_short);
        struct iovec local[IOV_COPY_MAX];
        struct msghdr cut = *msg;
        cut.msg_iov = local;
        cut.msg_iovlen = (size_t)cut_iov(msg->msg_iov, msg->msg_iovlen, v.limit, local);
        errno = saved_errno;
        n = is_read ? REAL(recvmsg)(fd, &cut, flags) : REAL(sendmsg)(fd, &cut, flags);
        err = errno;
        if (is_read) {
            /* What recvmsg reports besides the data goes back into the caller's header. */
            msg->msg_namelen = cut.msg_namelen;
            msg->msg_controllen = cut.msg_controllen;
            msg->msg_flags = cut.msg_flags;
        }
    } else {
        errno = saved_errno;
        n = is_read ? REAL(recvmsg)(fd, msg, flags) : REAL(sendmsg)(fd, msg, flags);
        err = errno;
    }
    count_transfer(&kind, is_read, dontwait, n, err);
    errno = err;
    return n;
}

EXPORT ssize_t read(int fd, void* buf, size_t len)
{
    return do_read(fd, buf, len);
}

EXPORT ssize_t __read_chk(int fd, void* buf, size_t nbytes, size_t buflen)
{
    if (nbytes > buflen) return REAL(__read_chk)(fd, buf, nbytes, buflen); /* reports overflow */
    return do_read(fd, buf, nbytes);
}

EXPORT ssize_t write(int fd, const void* buf, size_t len)
{
    return do_write(fd, buf, len);
}

EXPORT ssize_t readv(int fd, const struct iovec* iov, int iovcnt)
{
    return do_readv_writev(fd, iov, iovcnt, 1);
}

EXPORT ssize_t writev(int fd, const struct iovec* iov, int iovcnt)
{
    return do_readv_writev(fd, iov, iovcnt, 0);
}

EXPORT ssize_t recv(int fd, void* buf, size_t len, int flags)
{
    return do_recvfrom(fd, buf, len, flags, (struct sockaddr*)NULL, NULL, 1);
}

EXPORT ssize_t __recv_chk(int fd, void* buf, size_t len, size_t buflen, int flags)
{
    if (len > buflen) return REAL(__recv_chk)(fd, buf, len, buflen, flags);
    return do_recvfrom(fd, buf, len, flags, (struct sockaddr*)NULL, NULL, 1);
}

EXPORT ssize_t recvfrom(int fd, void* buf, size_t len, int flags, __SOCKADDR_ARG addr,
                        socklen_t* addr_len)
{
    return do_recvfrom(fd, buf, len, flags, addr, addr_len, 0);
}

EXPORT ssize_t __recvfrom_chk(int fd, void* buf, size_t len, size_t buflen, int flags,
                              __SOCKADDR_ARG addr, socklen_t* addr_len)
{
    if (len > buflen) return REAL(__recvfrom_chk)(fd, buf, len, buflen, flags, addr, addr_len);
    return do_recvfrom(fd, buf, len, flags, addr, addr_len, 0);
}

EXPORT ssize_t recvmsg(int fd, struct msghdr* msg, int flags)
{
    return do_msg(fd, msg, flags, 1);
}

EXPORT ssize_t send(int fd, const void* buf, size_t len, int flags)
{
    return do_sendto(fd, buf, len, flags, (const struct sockaddr*)NULL, 0, 1);
}

EXPORT ssize_t sendto(int fd, const void* buf, size_t len, int flags, __CONST_SOCKADDR_ARG addr,
                      socklen_t addr_len)
{
    return do_sendto(fd, buf, len, flags, addr, addr_len, 0);
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr* msg, int flags)
{
    /* do_msg only changes *msg for reads. */
    return do_msg(fd, (struct msghdr*)msg, flags, 0);
}

/* ---------------------------------------------------------------------------------------------
 * Closing: an fd number that is closed is no longer registered anywhere under that number.
 */
EXPORT int close(int fd)
{
    et_forget_fd(fd);
    return REAL(close)(fd);
}

EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
    __typeof__(&close_range) real = REAL(close_range);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    if (!(flags & CLOSE_RANGE_CLOEXEC)) {
        for (unsigned int fd = first; fd <= last && fd < ET_TABLE_FDS; ++fd)
            et_forget_fd((int)fd);
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
            COUNT(fcntl_getfl);
            break;
        case F_GETFD:
            COUNT(fcntl_getfd);
            break;
        case F_SETFD:
            COUNT(fcntl_setfd);
            break;
        case F_SETFL: {
            COUNT(fcntl_setfl);
            if (__atomic_load_n(&g_counts, __ATOMIC_ACQUIRE) == NULL) break;
            const int saved_errno = errno;
            const int before = real_getfl(fd);
            const int after = (int)(intptr_t)arg;
            const int other = O_APPEND | O_ASYNC | O_DIRECT | O_NOATIME;
            if (before >= 0 && (before & ~after & other) != 0) COUNT(fcntl_setfl_cleared);
            errno = saved_errno;
            break;
        }
        default:
            break;
    }
}

EXPORT int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void* arg = va_arg(ap, void*);
    va_end(ap);
    count_fcntl(fd, cmd, arg);
    return REAL(fcntl)(fd, cmd, arg);
}

EXPORT int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void* arg = va_arg(ap, void*);
    va_end(ap);
    count_fcntl(fd, cmd, arg);
    __typeof__(&fcntl64) real = REAL(fcntl64);
    return real != NULL ? real(fd, cmd, arg) : REAL(fcntl)(fd, cmd, arg);
}

/* ---------------------------------------------------------------------------------------------
 * The epoll family, poll and select: counted; epoll_ctl also feeds the edge-triggered table.
 */
EXPORT int epoll_create(int size)
{
    COUNT(epoll_create);
    return REAL(epoll_create)(size);
}

EXPORT int epoll_create1(int flags)
{
    COUNT(epoll_create);
    return REAL(epoll_create1)(flags);
}

EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event* event)
{
    COUNT(epoll_ctl);
    const int sets_et = (op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && event != NULL &&
                        (event->events & EPOLLET) != 0;
    /* Remember the registration before the kernel makes it, so no read can slip in between. */
    const int added = sets_et ? et_add(fd, epfd) : 0;
    const int result = REAL(epoll_ctl)(epfd, op, fd, event);
    if (result != 0) {
        const int err = errno;
        if (added) et_remove(fd, epfd);
        errno = err;
        return result;
    }
    if (op == EPOLL_CTL_ADD) COUNT(epoll_ctl_add);
    if (op == EPOLL_CTL_MOD) COUNT(epoll_ctl_mod);
    if (op == EPOLL_CTL_DEL) COUNT(epoll_ctl_del);
    if (sets_et) {
        COUNT(epoll_ctl_et);
    } else {
        et_remove(fd, epfd); /* DEL, or MOD to level-triggered */
    }
    return result;
}

static void count_epoll_result(int result, int zero_timeout)
{
    if (result > 0) COUNT_ADD(epoll_events, result);
    if (result == 0 && zero_timeout) COUNT(epoll_wait_empty);
}

EXPORT int epoll_wait(int epfd, struct epoll_event* events, int maxevents, int timeout)
{
    COUNT(epoll_wait);
    const int result = REAL(epoll_wait)(epfd, events, maxevents, timeout);
    count_epoll_result(result, timeout == 0);
    return result;
}

EXPORT int epoll_pwait(int epfd, struct epoll_event* events, int maxevents, int timeout,
                       const sigset_t* sigmask)
{
    COUNT(epoll_pwait);
    const int result = REAL(epoll_pwait)(epfd, events, maxevents, timeout, sigmask);
    count_epoll_result(result, timeout == 0);
    return result;
}

static int zero_timespec(const struct timespec* ts)
{
    return ts != NULL && ts->tv_sec == 0 && ts->tv_nsec == 0;
}

#if __GLIBC_PREREQ(2, 35)
EXPORT int epoll_pwait2(int epfd, struct epoll_event* events, int maxevents,
                        const struct timespec* timeout, const sigset_t* sigmask)
{
    COUNT(epoll_pwait2);
    __typeof__(&epoll_pwait2) real = REAL(epoll_pwait2);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    const int result = real(epfd, events, maxevents, timeout, sigmask);
    count_epoll_result(result, zero_timespec(timeout));
    return result;
}
#endif

EXPORT int poll(struct pollfd* fds, nfds_t nfds, int timeout)
{
    COUNT(poll);
    const int result = REAL(poll)(fds, nfds, timeout);
    if (result == 0 && timeout == 0) COUNT(poll_empty);
    return result;
}

EXPORT int __poll_chk(struct pollfd* fds, nfds_t nfds, int timeout, size_t fdslen)
{
    if (fdslen / sizeof(*fds) < nfds) return REAL(__poll_chk)(fds, nfds, timeout, fdslen);
    return poll(fds, nfds, timeout);
}

EXPORT int ppoll(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout,
                 const sigset_t* sigmask)
{
    COUNT(ppoll);
    const int result = REAL(ppoll)(fds, nfds, timeout, sigmask);
    if (result == 0 && zero_timespec(timeout)) COUNT(poll_empty);
    return result;
}

EXPORT int select(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
                  struct timeval* timeout)
{
    COUNT(select);
    const int zero = timeout != NULL && timeout->tv_sec == 0 && timeout->tv_usec == 0;
    const int result = REAL(select)(nfds, readfds, writefds, exceptfds, timeout);
    if (result == 0 && zero) COUNT(poll_empty);
    return result;
}

EXPORT int pselect(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
                   const struct timespec* timeout, const sigset_t* sigmask)
{
    COUNT(pselect);
    const int result = REAL(pselect)(nfds, readfds, writefds, exceptfds, timeout, sigmask);
    if (result == 0 && zero_timespec(timeout)) COUNT(poll_empty);
    return result;
}

/* ---------------------------------------------------------------------------------------------
 * accept and fork: counted only.
 */
static void count_accept_result(int result)
{
    if (result >= 0) return;
    const int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK) COUNT(accept_would_block);
    if (err == EMFILE || err == ENFILE) COUNT(accept_no_fds);
}

EXPORT int accept(int fd, __SOCKADDR_ARG addr, socklen_t* addr_len)
{
    COUNT(accept);
    const int result = REAL(accept)(fd, addr, addr_len);
    count_accept_result(result);
    return result;
}

EXPORT int accept4(int fd, __SOCKADDR_ARG addr, socklen_t* addr_len, int flags)
{
    COUNT(accept4);
    const int result = REAL(accept4)(fd, addr, addr_len, flags);
    count_accept_result(result);
    return result;
}

EXPORT pid_t fork(void)
{
    COUNT(fork);
    return REAL(fork)();
}
