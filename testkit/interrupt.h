/// @file interrupt.h
/// @brief Make a thread's blocking system call return EINTR, deterministically.
#pragma once

#include <pthread.h>
#include <sys/types.h>

#include <functional>
#include <span>
#include <string>

#include "common/io_status.h"
#include "testkit/deadline.h"

namespace testkit {

/// @brief The kernel thread id of the calling thread (for wait_until_blocked).
pid_t this_thread_id();

/// @brief Wait until thread @p tid of this process sleeps inside a system call (a blocking
/// \man{recv,2}, send, accept, ...), read from /proc/self/task/TID/{stat,syscall}.
/// @param gave_up checked on every round: true stops the wait early (e.g. the thread returned).
/// @return false if it did not block within @p timeout, or gave_up() became true.
bool wait_until_blocked(pid_t tid, Duration timeout = kDefaultWait,
                        const std::function<bool()>& gave_up = {});

/// @brief Interrupt thread @p thread with SIGUSR1 and wait until the signal handler ran.
///
/// The handler is installed without SA_RESTART, so a blocking call in progress returns -1 with
/// \man{errno,3} EINTR (or, if it had moved some bytes, returns that short count): exactly what a
/// real signal does to a real server. Code that treats EINTR as an error fails visibly.
/// @throws Failure if the handler did not run within @p timeout.
void interrupt_thread(pthread_t thread, Duration timeout = kDefaultWait);

/// @brief The harness of every "a signal interrupts a blocked call" test: run @p call on a new
/// thread; once it sleeps in a system call, interrupt it once (interrupt_thread); then run
/// @p unblock on this thread (send what the call waits for, or start draining what it sends) and
/// wait until @p call returns. If @p call returns before it ever blocks, nothing is interrupted.
/// @return what @p call threw (std::exception::what()), or "" if it returned normally.
std::string interrupt_blocked_call(const std::function<void()>& call,
                                   const std::function<void()>& unblock);

/// @brief What read_across_interrupt saw: what the read threw ("" if nothing) and what it returned.
struct InterruptedRead {
    std::string error;
    kit::IoResult result{kit::IoStatus::PeerGone, 0};
};

/// @brief The "a signal interrupts a blocked read" test of every lab's read function (recv_some,
/// read_some): @p read reads the empty end of a pair into the 64-byte buffer it is given; once it
/// blocks, it is interrupted (interrupt_blocked_call), and then 4 bytes ("late") are written to
/// @p peer, the other end. A read that retries after EINTR returns {Ok, 4}.
InterruptedRead read_across_interrupt(const std::function<kit::IoResult(std::span<char>)>& read,
                                      int peer);

/// @brief Send SIGUSR1 to @p thread without waiting (for a storm of interruptions).
void poke_thread(pthread_t thread);

/// @brief How many SIGUSR1 the testkit's handler has seen in this process.
long interrupts_seen();

}  // namespace testkit
