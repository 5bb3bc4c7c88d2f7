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
