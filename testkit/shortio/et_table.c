/*
 * libshortio.so, the edge-triggered table. A fake EAGAIN on an fd registered with EPOLLET would
 * make a correct program wait for an edge that never comes, so such fds get no fake failure at all
 * (see README.md beside this file). epoll_ctl and close (counted.c) keep the table.
 *
 * Per fd number we remember up to four epoll instances it is registered in with EPOLLET; more than
 * that (or an fd number beyond the table) counts as "maybe edge-triggered" until close().
 * Lock-free, so fork() in a threaded program cannot leave a lock held.
 */
#include "testkit/shortio/shortio.h"

#define ET_SLOTS 4
static int g_et_epfd[SHORTIO_ET_TABLE_FDS][ET_SLOTS]; /* epfd + 1; 0 = empty */
static unsigned char g_et_overflow[SHORTIO_ET_TABLE_FDS];

int shortio_et_maybe(int fd)
{
    if (!shortio_get_config()->track_et) return 0;
    if (fd < 0 || fd >= SHORTIO_ET_TABLE_FDS) return 1;
    if (__atomic_load_n(&g_et_overflow[fd], __ATOMIC_ACQUIRE)) return 1;
    for (int i = 0; i < ET_SLOTS; ++i) {
        if (__atomic_load_n(&g_et_epfd[fd][i], __ATOMIC_ACQUIRE) != 0) return 1;
    }
    return 0;
}

int shortio_et_add(int fd, int epfd)
{
    if (fd < 0 || fd >= SHORTIO_ET_TABLE_FDS) return 0;
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

void shortio_et_remove(int fd, int epfd)
{
    if (fd < 0 || fd >= SHORTIO_ET_TABLE_FDS) return;
    for (int i = 0; i < ET_SLOTS; ++i) {
        int expected = epfd + 1;
        __atomic_compare_exchange_n(&g_et_epfd[fd][i], &expected, 0, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE);
    }
}

void shortio_et_forget_fd(int fd)
{
    if (fd < 0 || fd >= SHORTIO_ET_TABLE_FDS) return;
    for (int i = 0; i < ET_SLOTS; ++i)
        __atomic_store_n(&g_et_epfd[fd][i], 0, __ATOMIC_RELEASE);
    __atomic_store_n(&g_et_overflow[fd], 0, __ATOMIC_RELEASE);
}
