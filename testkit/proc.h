/// @file proc.h
/// @brief What /proc says about a lab program: its open fds, its children, its state, its CPU use.
///
/// The leak and busy-loop checks of the labs: "the server's open fds return to their baseline
/// after the clients leave", "the client's forked child does not outlive it", "an idle server
/// uses no CPU". Every function reads /proc at the moment it is called (Linux only).
#pragma once

#include <sys/syscall.h>
#include <sys/types.h>

#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "testkit/deadline.h"

namespace testkit {

/// @brief The numbers of @p pid's open file descriptors, ascending.
/// @throws Failure if the process does not exist (it exited and was reaped) or /proc denies it.
std::vector<int> open_fds(pid_t pid);

/// @brief One line per open fd with what it refers to: "3 -> socket:[1234]",
/// "4 -> anon_inode:[eventpoll]", "5 -> pipe:[987]"; for failure messages. Never throws: a
/// vanished process gives "(process PID is gone)".
std::string describe_fds(pid_t pid);

/// @brief How many of @p pid's fds are sockets. @throws Failure as open_fds.
int count_sockets(pid_t pid);

/// @brief The pids whose parent is @p pid (all its threads' children), ascending; empty if the
/// process is gone.
std::vector<pid_t> children_of(pid_t pid);

/// @brief Every live process (zombies included) in process group @p pgid, ascending.
std::vector<pid_t> processes_in_group(pid_t pgid);

/// @brief The state letter of /proc/PID/stat: 'R' running, 'S' sleeping, 'D' disk wait,
/// 'Z' zombie, 'T' stopped, ...; '\0' if there is no such process.
char process_state(pid_t pid);

/// @brief True while @p pid sleeps ('S') inside one of the system calls @p numbers (SYS_accept,
/// SYS_epoll_wait, ... from <sys/syscall.h>), read from /proc/PID/stat and /proc/PID/syscall. Where
/// the kernel does not show the call (it needs ptrace rights over @p pid), sleeping alone counts.
/// False for a process that is running, gone, a zombie, or asleep in another call.
bool sleeps_in(pid_t pid, std::initializer_list<long> numbers);

/// @brief The calls a blocking \man{accept,2} sleeps in, for sleeps_in() and
/// ChildProcess::wait_until_sleeps_in() (the C library makes accept() an accept4 on some systems).
inline constexpr std::initializer_list<long> kAcceptCalls = {
#ifdef SYS_accept
    SYS_accept,
#endif
    SYS_accept4};

/// @brief The registrations of this process's epoll instance @p epfd, from /proc/self/fdinfo:
/// each watched fd and its event mask (EPOLLIN, EPOLLET, ...) as the kernel holds it.
std::map<int, unsigned> epoll_registrations(int epfd);

/// @brief CPU time @p pid has used so far (user + system, all its threads), in seconds, with the
/// kernel's clock-tick resolution (usually 10 ms). @throws Failure if the process is gone.
double cpu_seconds(pid_t pid);

/// @brief CPU seconds used by @p pid per wall-clock second over the next @p interval (not scaled
/// by TIMEOUT_SCALE: it is a measurement, not a wait). About 0 for a program that waits in
/// \man{epoll_wait,2}, about 1 for one that spins alone on a core. Use an interval of at least 300
/// ms: the clock tick is 10 ms. A spinning program shares the CPUs with whatever else runs (CTest
/// runs tests in parallel), so it may show far less than 1: a busy-loop check should compare with a
/// low bound (an idle program shows 0.00-0.03; flag, say, more than 0.1).
/// @throws Failure if the process is gone.
double cpu_share_while_idle(pid_t pid, Duration interval);

/// @brief Wait until @p pid has exactly @p expected open fds, checking /proc every few
/// milliseconds, for at most @p timeout (scaled). True if it did; false on timeout or if the
/// process is gone. Use it for "fds return to the baseline after clients leave": a correct
/// server closes a departed client's socket a moment after the test closes its end.
bool wait_until_fd_count(pid_t pid, std::size_t expected, Duration timeout = kDefaultWait);

/// @brief The accept queue of a listening TCP socket of this process, as the kernel reports it.
struct ListenQueue {
    unsigned queued = 0;  ///< connections that finished the handshake and wait for \man{accept,2}
    unsigned limit = 0;   ///< the backlog given to \man{listen,2} (capped by net.core.somaxconn)
};

/// @brief The accept queue of the listening socket @p fd, from getsockopt(TCP_INFO) (for a
/// listener, Linux reports the queue length as tcpi_unacked and the backlog as tcpi_sacked).
/// @throws Failure if @p fd is not a TCP socket.
ListenQueue listen_queue(int fd);

}  // namespace testkit
