/*
 * libshortio.so, the counts file (SHORTIO_COUNTS): struct shortio_counts of
 * testkit/syscall_counts.h in a shared mapping, so the counts are visible while the program runs,
 * shared with its forked children, and survive its death (see README.md beside this file).
 */
#define _GNU_SOURCE

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testkit/shortio/shortio.h"

SHORTIO_REAL_SLOT(close);

struct shortio_counts* shortio_counts_map;

/* It is created if missing; if another process (a program that exec'd us, a second program of the
 * same test) already set it up, we add to its counters. */
void shortio_counts_open(const char* path)
{
    const int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        shortio_write_stderr("shortio: cannot open SHORTIO_COUNTS file; not counting\n");
        return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || ((size_t)st.st_size < sizeof(struct shortio_counts) &&
                                ftruncate(fd, (off_t)sizeof(struct shortio_counts)) != 0)) {
        SHORTIO_REAL(close)(fd);
        shortio_write_stderr("shortio: cannot size SHORTIO_COUNTS file; not counting\n");
        return;
    }
    void* map =
        mmap(NULL, sizeof(struct shortio_counts), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    SHORTIO_REAL(close)(fd);
    if (map == MAP_FAILED) {
        shortio_write_stderr("shortio: cannot map SHORTIO_COUNTS file; not counting\n");
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
        shortio_write_stderr("shortio: SHORTIO_COUNTS file holds something else; not counting\n");
        return;
    }
    __atomic_store_n(&shortio_counts_map, counts, __ATOMIC_RELEASE);
    SHORTIO_COUNT(loads);
}
