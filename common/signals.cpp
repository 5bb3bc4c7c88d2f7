#include "common/signals.h"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "common/sys_error.h"

namespace kit {
namespace {

extern "C" void exit_now(int /*signal*/)
{
    static constexpr char kMessage[] = "signal received, exiting\n";
    // The result is ignored on purpose: there is nothing left to do if stderr is gone.
    [[maybe_unused]] const auto n = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    ::_exit(0);
}

}  // namespace

void exit_cleanly_on_sigint_sigterm()
{
    struct sigaction action {};
    action.sa_handler = exit_now;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
}

void ignore_sigpipe()
{
    ::signal(SIGPIPE, SIG_IGN);
}

Fd stop_on_sigint_sigterm()
{
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    if (::sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) throw SysError("sigprocmask", errno);
    Fd stop(::signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!stop) throw SysError("signalfd(SIGINT, SIGTERM)", errno);
    return stop;
}

}  // namespace kit
