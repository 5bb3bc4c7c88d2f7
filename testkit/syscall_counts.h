/// @file syscall_counts.h
/// @brief Which system calls a lab program made: the counters libshortio.so keeps, and
/// testkit::SyscallCounts, the test's side of them.
///
/// A test that must prove *how* a program works (it waits in \man{epoll_wait,2}, not in poll; it
/// never blocks in a read on a socket; it drains the listener with \man{accept4,2} until EAGAIN)
/// runs the program with libshortio.so preloaded and `SHORTIO_COUNTS=<path>`. The library maps that
/// file shared and counts into it with atomic adds, so the test reads the numbers live, and they
/// survive the program's death, even by SIGKILL.
///
/// The struct is plain C: the library (C) and the testkit (C++) share this header.
#ifndef TESTKIT_SYSCALL_COUNTS_H
#define TESTKIT_SYSCALL_COUNTS_H

#include <stdint.h>

/// @brief First word of a counts file: "SHORTIO1" read as a little-endian number.
#define SHORTIO_COUNTS_MAGIC 0x314f4954524f4853ULL
/// @brief Layout version; bump it when a field changes meaning or position (append only).
#define SHORTIO_COUNTS_VERSION 1ULL

/// @brief The counts file: one of these, nothing else. After the header words come the counters of
/// testkit/syscall_counts.def, in its order, one uint64_t each (the file says what each one
/// counts); every process that preloads the library with the same SHORTIO_COUNTS (a forked child,
/// a program it execs) adds to the same counters.
///
/// "Read" means read/readv/recv/recvfrom/recvmsg, "write" means write/writev/send/sendto/sendmsg
/// (the _chk variants of _FORTIFY_SOURCE included). Calls glibc makes internally (stdio's reads and
/// writes, \man{getaddrinfo,3}'s sockets) do not go through the dynamic linker and are not counted.
struct shortio_counts {
    uint64_t magic;    ///< SHORTIO_COUNTS_MAGIC once a process initialized the file
    uint64_t version;  ///< SHORTIO_COUNTS_VERSION
    uint64_t size;     ///< sizeof(struct shortio_counts) of the writer

    // One field per line of syscall_counts.def: loads, epoll_create, ..., injected_eagain.
#define KIT_COUNTER(name, description) uint64_t name;
#include "testkit/syscall_counts.def"
#undef KIT_COUNTER

    uint64_t reserved[32];  ///< room to grow without changing the file size
};

#ifdef __cplusplus

#include <optional>
#include <string>
#include <vector>

#include "testkit/child_process.h"
#include "testkit/non_copyable.h"

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
class SyscallCounts : NonCopyable {
public:
    /// @brief Create an empty counts file in $TMPDIR (or /tmp). @throws Failure if it cannot.
    SyscallCounts();
    ~SyscallCounts();

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
