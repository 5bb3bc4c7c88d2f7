/// @file syscall_counts.h
/// @brief Which system calls a lab program made: the counters libshortio.so keeps, and
/// testkit::SyscallCounts, the test's side of them.
///
/// A test that must prove *how* a program works (it waits in epoll_wait, not in poll; it never
/// blocks in a read on a socket; it drains the listener with accept4 until EAGAIN) runs the program
/// with libshortio.so preloaded and `SHORTIO_COUNTS=<path>`. The library maps that file shared and
/// counts into it with atomic adds, so the test reads the numbers live, and they survive the
/// program's death, even by SIGKILL.
///
/// The struct is plain C: the library (C) and the testkit (C++) share this header.
#ifndef TESTKIT_SYSCALL_COUNTS_H
#define TESTKIT_SYSCALL_COUNTS_H

#include <stdint.h>

/// @brief First word of a counts file: "SHORTIO1" read as a little-endian number.
#define SHORTIO_COUNTS_MAGIC 0x314f4954524f4853ULL
/// @brief Layout version; bump it when a field changes meaning or position (append only).
#define SHORTIO_COUNTS_VERSION 1ULL

/// @brief The counts file: one of these, nothing else. Every field is a count of calls unless its
/// comment says otherwise; every process that preloads the library with the same SHORTIO_COUNTS
/// (a forked child, a program it execs) adds to the same counters.
///
/// "Read" means read/readv/recv/recvfrom/recvmsg, "write" means write/writev/send/sendto/sendmsg
/// (the _chk variants of _FORTIFY_SOURCE included). Calls glibc makes internally (stdio's reads and
/// writes, getaddrinfo's sockets) do not go through the dynamic linker and are not counted.
struct shortio_counts {
    uint64_t magic;    ///< SHORTIO_COUNTS_MAGIC once a process initialized the file
    uint64_t version;  ///< SHORTIO_COUNTS_VERSION
    uint64_t size;     ///< sizeof(struct shortio_counts) of the writer
    uint64_t loads;    ///< processes that loaded the library (one per exec, not per fork)

    // Readiness: the epoll family.
    uint64_t epoll_create;      ///< epoll_create and epoll_create1
    uint64_t epoll_ctl;         ///< every epoll_ctl, whatever the operation or result
    uint64_t epoll_ctl_add;     ///< successful EPOLL_CTL_ADD
    uint64_t epoll_ctl_mod;     ///< successful EPOLL_CTL_MOD
    uint64_t epoll_ctl_del;     ///< successful EPOLL_CTL_DEL
    uint64_t epoll_ctl_et;      ///< successful ADD or MOD with EPOLLET in the event mask
    uint64_t epoll_wait;        ///< epoll_wait
    uint64_t epoll_pwait;       ///< epoll_pwait
    uint64_t epoll_pwait2;      ///< epoll_pwait2
    uint64_t epoll_events;      ///< sum of the events all epoll waits returned
    uint64_t epoll_wait_empty;  ///< epoll waits with timeout 0 that returned no event (busy loop?)

    // Readiness: the older calls.
    uint64_t poll;        ///< poll (and __poll_chk)
    uint64_t ppoll;       ///< ppoll
    uint64_t select;      ///< select
    uint64_t pselect;     ///< pselect
    uint64_t poll_empty;  ///< poll/ppoll/select/pselect with a zero timeout that found nothing

    // Accepting connections.
    uint64_t accept;              ///< accept
    uint64_t accept4;             ///< accept4
    uint64_t accept_would_block;  ///< accept/accept4 that failed with EAGAIN (a drained listener)
    uint64_t accept_no_fds;       ///< accept/accept4 that failed with EMFILE or ENFILE

    // File status and descriptor flags.
    uint64_t fcntl_getfl;          ///< fcntl(F_GETFL)
    uint64_t fcntl_setfl;          ///< fcntl(F_SETFL)
    uint64_t fcntl_getfd;          ///< fcntl(F_GETFD): the wrong call for O_NONBLOCK
    uint64_t fcntl_setfd;          ///< fcntl(F_SETFD)
    uint64_t fcntl_setfl_cleared;  ///< F_SETFL that cleared a set flag other than O_NONBLOCK

    // Processes.
    uint64_t fork;  ///< fork (vfork, clone and posix_spawn are not counted)

    // Data transfer on sockets (any type) and pipes/FIFOs.
    uint64_t socket_reads;           ///< reads on sockets
    uint64_t socket_read_bytes;      ///< bytes those reads returned
    uint64_t socket_writes;          ///< writes on sockets
    uint64_t socket_write_bytes;     ///< bytes those writes took
    uint64_t pipe_reads;             ///< reads on pipes and FIFOs
    uint64_t pipe_read_bytes;        ///< bytes those reads returned
    uint64_t pipe_writes;            ///< writes on pipes and FIFOs
    uint64_t pipe_write_bytes;       ///< bytes those writes took
    uint64_t blocking_socket_reads;  ///< socket reads with O_NONBLOCK clear and no MSG_DONTWAIT
    uint64_t reads_would_block;      ///< socket/pipe reads the kernel failed with EAGAIN
    uint64_t writes_would_block;     ///< socket/pipe writes the kernel failed with EAGAIN

    // What the injector did (all zero with SHORTIO_INJECT=0).
    uint64_t injected_short;   ///< calls whose length the injector cut
    uint64_t injected_eintr;   ///< calls failed with a fake EINTR
    uint64_t injected_eagain;  ///< calls failed with a fake EAGAIN

    uint64_t reserved[32];  ///< room to grow without changing the file size
};

#ifdef __cplusplus

#include <optional>
#include <string>
#include <vector>

#include "testkit/child_process.h"

namespace testkit {

/// @brief The test's side of the syscall counters: a private counts file, the environment that
/// makes a lab program count into it, and snapshots of the counters.
///
/// @code
/// SyscallCounts counts;
/// ChildProcess server(program, {"--port", "0"}, counts.spawn_options());
/// ... drive the server ...
/// const shortio_counts c = counts.snapshot();
/// EXPECT_GT(c.epoll_wait + c.epoll_pwait, 0u) << describe(c);
/// @endcode
///
/// Owns the file: it is created empty by the constructor, filled by the library when the program
/// starts, and removed by the destructor. Every program started with this object's environment
/// adds to the same counters; use one SyscallCounts per program to tell them apart.
class SyscallCounts {
public:
    /// @brief Create an empty counts file in $TMPDIR (or /tmp). @throws Failure if it cannot.
    SyscallCounts();
    ~SyscallCounts();
    SyscallCounts(const SyscallCounts&) = delete;
    SyscallCounts& operator=(const SyscallCounts&) = delete;

    /// @brief The "NAME=value" entries that preload the library and make it count into this file:
    /// LD_PRELOAD, SHORTIO_COUNTS, ASAN_OPTIONS, and either SHORTIO_SEED (with @p inject: the
    /// run's seed, faults injected as usual) or SHORTIO_INJECT=0 (count only).
    /// Pass them with SpawnOptions::shortio = false, or use spawn_options(), which does both:
    /// ChildProcess would otherwise add a second LD_PRELOAD entry of its own.
    [[nodiscard]] std::vector<std::string> env(bool inject) const;

    /// @brief SpawnOptions that run a program with counting on: env(@p inject) and shortio=false.
    /// @p inject unset: inject faults exactly when the run does (KIT_SHORTIO=1).
    [[nodiscard]] SpawnOptions spawn_options(std::optional<bool> inject = std::nullopt) const;

    /// @brief The counters now. All zero (magic 0) while no program has loaded the library yet.
    /// @throws Failure if the file holds another layout version.
    [[nodiscard]] shortio_counts snapshot() const;

    /// @brief The counts file's path.
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string path_;
};

/// @brief The nonzero counters, one line: "loads=1 epoll_create=1 epoll_wait=12 ...", for
/// failure messages.
std::string describe(const shortio_counts& counts);

}  // namespace testkit

#endif  // __cplusplus

#endif  // TESTKIT_SYSCALL_COUNTS_H
