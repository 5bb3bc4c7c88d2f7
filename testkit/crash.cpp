#include "testkit/crash.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "testkit/child_process.h"
#include "testkit/run_context.h"

namespace testkit {
namespace {

// Everything the handler prints after the signal's name, prepared when each test starts.
char g_crash_message[2048] = " while running a test.\n";
std::size_t g_crash_message_length = std::strlen(g_crash_message);

void write_text(const char* text, std::size_t length)
{
    while (length > 0) {
        const ssize_t n = ::write(STDERR_FILENO, text, length);
        if (n <= 0) return;
        text += n;
        length -= static_cast<std::size_t>(n);
    }
}

void write_text(const char* text)
{
    write_text(text, std::strlen(text));  // strlen is async-signal-safe
}

// Async-signal-safe only: write(2), a lookup in a constant table, kill(2), signal(2), raise(3).
extern "C" void on_crash(int signal)
{
    write_text("\nCRASH: the test process was killed by ");
    const char* name = signal_abbrev(signal);
    write_text(name != nullptr ? name : "a signal");
    write_text(g_crash_message, g_crash_message_length);
    kill_all_children();
    ::signal(signal, SIG_DFL);
    ::raise(signal);
}

}  // namespace

void prepare_crash_report(const std::string& test_name)
{
    const int length = std::snprintf(g_crash_message, sizeof g_crash_message,
                                     " while running %s.\n  To debug it: %s\n", test_name.c_str(),
                                     debug_command(test_name).c_str());
    g_crash_message_length =
        std::min(static_cast<std::size_t>(length > 0 ? length : 0), sizeof g_crash_message - 1);
}

void report_crash_on(int signal)
{
    ::signal(signal, on_crash);
}

FatalSigpipe::FatalSigpipe()
{
    report_crash_on(SIGPIPE);
}

void FatalSigpipe::restore()
{
    if (active_) ::signal(SIGPIPE, SIG_IGN);
    active_ = false;
}

}  // namespace testkit
