#include "common/signals.h"

#include <unistd.h>
#include <csignal>

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

}  // namespace kit
