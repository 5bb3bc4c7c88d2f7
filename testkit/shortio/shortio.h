/// @file shortio.h
/// @brief What the parts of libshortio.so share (internal: no program includes it).
///
/// The library is split by concern, one file each, behind this one header:
/// - config.c: the configuration from the environment, the random numbers, the banner;
/// - counts.c: the counts file (SHORTIO_COUNTS), a shared mapping of struct shortio_counts;
/// - et_table.c: which fds are registered edge-triggered (they get no fake failures);
/// - transfer.c: the data-moving wrappers (read, recv, send, writev, ...) and the one transfer
///   routine they all call;
/// - counted.c: the wrappers that only count (epoll, poll, select, accept, fcntl, fork) or feed
///   the edge-triggered table (epoll_ctl, close).
///
/// Everything here is compiled with hidden visibility: the library exports exactly the libc
/// functions it wraps (marked SHORTIO_EXPORT), and nothing else can clash with the program's own
/// names.
#ifndef TESTKIT_SHORTIO_SHORTIO_H
#define TESTKIT_SHORTIO_SHORTIO_H

#include <stddef.h>
#include <stdint.h>

#include "testkit/syscall_counts.h"

#pragma GCC visibility push(hidden)

/// @brief Marks a wrapped libc function: the only symbols the library exports.
#define SHORTIO_EXPORT __attribute__((visibility("default")))

/// @brief The next definition of @p name after this library (libc's, or a sanitizer's
/// interceptor), looked up once and kept in @p slot. Resolved on first use, not in a constructor:
/// a wrapper may run before ours (another library's constructor may already do I/O).
void* shortio_resolve(void** slot, const char* name);

/// @brief Declares the slot that keeps the real @p fn of one file (each file resolves what it
/// calls).
#define SHORTIO_REAL_SLOT(fn) static void* real_slot_##fn
/// @brief The real @p fn, with its own type: `SHORTIO_REAL(read)(fd, buf, len)`.
#define SHORTIO_REAL(fn) ((__typeof__(&fn))shortio_resolve(&real_slot_##fn, #fn))

/// @brief The configuration, read from the environment once (config.c).
struct shortio_config {
    uint64_t seed;          ///< SHORTIO_SEED, or one made from the time and the pid
    unsigned max_bytes;     ///< SHORTIO_MAX_BYTES: the most bytes one call moves
    unsigned fail_percent;  ///< SHORTIO_FAIL_PERCENT: chance that a call fails
    int inject;             ///< SHORTIO_INJECT: 0 to count only
    int track_et;           ///< SHORTIO_TRACK_ET: 0 to forget about edge-triggered fds
};

/// @brief The configuration, read on first use: by the constructor, or by the first wrapper that
/// runs before it. Leaves errno as it was.
const struct shortio_config* shortio_get_config(void);

/// @brief The next random number of this process: a counter hashed with the seed, so the same
/// seed and the same sequence of affected calls give the same decisions.
uint64_t shortio_next_random(void);

/// @brief Writes @p text to stderr with the real write (never through our wrapper).
void shortio_write_stderr(const char* text);

/// @brief Maps the counts file at @p path (created if missing) and counts one load into it; on
/// failure says so on stderr and counts nothing.
void shortio_counts_open(const char* path);

/// @brief The mapped counters, or NULL when not counting. Set once, read by every wrapper.
extern struct shortio_counts* shortio_counts_map;

/// @brief Adds @p n to counter @p field of the counts file, if there is one.
#define SHORTIO_COUNT_ADD(field, n)                                                              \
    do {                                                                                         \
        struct shortio_counts* counts_ = __atomic_load_n(&shortio_counts_map, __ATOMIC_ACQUIRE); \
        if (counts_ != NULL) {                                                                   \
            __atomic_fetch_add(&counts_->field, (uint64_t)(n), __ATOMIC_RELAXED);                \
        }                                                                                        \
    } while (0)
/// @brief Counts one call into counter @p field.
#define SHORTIO_COUNT(field) SHORTIO_COUNT_ADD(field, 1)

/// @brief The fd numbers the edge-triggered table tracks; higher ones count as edge-triggered.
#define SHORTIO_ET_TABLE_FDS 65536

/// @brief Whether @p fd may be registered with EPOLLET somewhere (always 0 with
/// SHORTIO_TRACK_ET=0): such an fd must get no fake failure.
int shortio_et_maybe(int fd);

/// @brief Remembers that @p fd is being registered with EPOLLET in @p epfd. Returns 1 if this
/// call added the registration (so a failed epoll_ctl can undo it).
int shortio_et_add(int fd, int epfd);

/// @brief Forgets the registration of @p fd in @p epfd (EPOLL_CTL_DEL, or MOD to
/// level-triggered).
void shortio_et_remove(int fd, int epfd);

/// @brief Forgets every registration of @p fd: the number was closed.
void shortio_et_forget_fd(int fd);

/// @brief F_GETFL with the real fcntl: no counting, no recursion.
int shortio_real_getfl(int fd);

#pragma GCC visibility pop

#endif  // TESTKIT_SHORTIO_SHORTIO_H
