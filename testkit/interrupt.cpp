#include "testkit/interrupt.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "testkit/failure.h"

namespace testkit {
namespace {

std::atomic<long> g_interrupts{0};

extern "C" void count_interrupt(int /*signal*/)
{
    g_interrupts.fetch_add(1);
}

void install_handler_once()
{
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction action {};
        action.sa_handler = count_interrupt;
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0;  // no SA_RESTART: interrupted calls return EINTR
        ::sigaction(SIGUSR1, &action, nullptr);
    });
}

// State letter of a thread: 'R' running, 'S' sleeping (blocked), ...
char thread_state(pid_t tid)
{
    std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close_paren = text.rfind(')');
    return close_paren == std::string::npos || close_paren + 2 >= text.size()
               ? '?'
               : text[close_paren + 2];
}

bool in_syscall(pid_t tid)
{
    std::ifstream file("/proc/self/task/" + std::to_string(tid) + "/syscall");
    std::string first;
    file >> first;
    return !first.empty() && first != "running" && first != "-1";
}

}  // namespace

pid_t this_thread_id()
{
    return static_cast<pid_t>(::syscall(SYS_gettid));
}

bool wait_until_blocked(pid_t tid, Duration timeout, const std::function<bool()>& gave_up)
{
    bool blocked = false;
    eventually(
        [&] {
            blocked = thread_state(tid) == 'S' && in_syscall(tid);
            return blocked || (gave_up && gave_up());
        },
        timeout, Duration(1));
    return blocked;
}

void interrupt_thread(pthread_t thread, Duration timeout)
{
    install_handler_once();
    const long before = g_interrupts.load();
    ::pthread_kill(thread, SIGUSR1);
    const Deadline deadline(timeout);
    while (g_interrupts.load() == before) {
        if (deadline.expired()) throw Failure("interrupt_thread: the SIGUSR1 handler did not run");
        // ok: waiting for the signal handler to run, bounded by the deadline.
        std::this_thread::yield();
    }
}

std::string interrupt_blocked_call(const std::function<void()>& call,
                                   const std::function<void()>& unblock)
{
    std::atomic<pid_t> tid{0};
    std::atomic<bool> done{false};
    std::string error;
    std::thread worker([&] {
        tid = this_thread_id();
        try {
            call();
        } catch (const std::exception& e) {
            error = e.what();
        }
        done = true;
    });
    // The worker must be joined whatever happens here (a thread left running would use the
    // test's locals after they are gone), and it only returns once unblocked.
    bool unblocked = false;
    try {
        while (tid.load() == 0)
            std::this_thread::yield();  // ok: waits for the thread's first statement only
        if (wait_until_blocked(tid.load(), kDefaultWait, [&] { return done.load(); })) {
            interrupt_thread(worker.native_handle());
        }
        unblocked = true;
        unblock();
    } catch (...) {
        if (!unblocked) unblock();
        worker.join();
        throw;
    }
    worker.join();
    return error;
}

InterruptedRead read_across_interrupt(const std::function<kit::IoResult(std::span<char>)>& read,
                                      int peer)
{
    InterruptedRead outcome;
    char buffer[64];
    outcome.error = interrupt_blocked_call([&] { outcome.result = read(buffer); },
                                           [&] {
                                               if (::write(peer, "late", 4) != 4) {
                                                   throw Failure(
                                                       "the test could not write to the other end "
                                                       "of the pair");
                                               }
                                           });
    return outcome;
}

void poke_thread(pthread_t thread)
{
    install_handler_once();
    ::pthread_kill(thread, SIGUSR1);
}

long interrupts_seen()
{
    return g_interrupts.load();
}

}  // namespace testkit
