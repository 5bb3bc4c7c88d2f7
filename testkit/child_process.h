/// @file child_process.h
/// @brief ChildProcess: run a lab program under test, read its output, and always clean it up.
#pragma once

#include <csignal>

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/fd.h"
#include "testkit/deadline.h"
#include "testkit/non_copyable.h"

namespace testkit {

/// @brief How a process ended.
struct ExitStatus {
    bool exited = false;  ///< true: \man{exit,3} with @c code; false: killed by @c signal
    int code = 0;
    int signal = 0;

    /// @brief "exited with code 1" or "was killed by signal SIGSEGV (Segmentation fault)".
    [[nodiscard]] std::string describe() const;
    [[nodiscard]] bool exited_with(int expected) const { return exited && code == expected; }
};

/// @brief How to start a child process.
struct SpawnOptions {
    std::vector<std::string> env;  ///< extra "NAME=value" entries
    /// Run the program under the short-I/O injector. Unset: as the KIT_SHORTIO environment
    /// variable says (the ".UnderShortIO" CTest entries set it).
    std::optional<bool> shortio;
    /// Give the program its stdin as a pipe we write to (write_stdin); otherwise /dev/null.
    bool stdin_pipe = false;
    /// Leak check for servers: the number of open fds when the program announced it was listening
    /// (wait_for_listening) is its baseline; when the ChildProcess is destroyed at the end of a
    /// test that otherwise passed, with every test client closed, the program must be back at (or
    /// below) that baseline within a short deadline, or the test fails naming the leaked fds.
    bool check_fd_leaks = true;
};

/// @brief A lab program running as a child process of the test, in its own process group.
///
/// When the test ends, a program that crashed (a signal the test did not send) or printed a
/// sanitizer report fails the test, even if the test's own assertions did not look at it. And
/// whenever a test fails, its failure report (test_report.h) shows report() of every program the
/// test started: a student always sees the exit status or signal, the stderr, the sanitizer's stack.
///
/// The destructor kills the whole process group with SIGKILL and reaps it, whatever the test did:
/// no test leaves a process behind. If the test process itself dies, the child gets SIGKILL too
/// (PR_SET_PDEATHSIG), and the testkit's watchdog kills every live group before a hung test ends.
/// stdout and stderr are read all the time by a background thread, so a chatty program never
/// blocks on a full pipe; the test reads them line by line or whole.
class ChildProcess : NonCopyable {
public:
    /// @brief Start @p program with @p args. @throws Failure, naming the call that failed and its
    /// \man{errno,3} text, if it cannot be started (every fd opened on the way is closed again).
    ChildProcess(std::string program, std::vector<std::string> args, SpawnOptions options = {});
    ~ChildProcess();

    /// @brief Wait for the program's first stdout line, `listening on ADDR:PORT`, and return PORT.
    /// @throws Failure naming what went wrong: another first line, an early exit (with its code or
    ///         signal and its stderr), or no line within @p timeout.
    std::uint16_t wait_for_listening(Duration timeout = kDefaultWait);

    /// @brief After wait_for_listening(): wait until the program sleeps in one of the system calls
    /// @p calls (e.g. {SYS_accept, SYS_accept4}: its server loop runs and waits for a client), or
    /// has ended. A server whose loop is not written yet ends right after its listening line; a
    /// test that connects at once then passes or fails as the race between its connect and that
    /// exit goes. Waiting first makes the verdict the same on every run.
    /// @return true if it sleeps in one of @p calls (it still holds its sockets: connect now);
    ///         false if it ended (report() tells how).
    /// @throws Failure if neither happened within @p timeout.
    bool wait_until_sleeps_in(std::initializer_list<long> calls, Duration timeout = kDefaultWait);

    /// @brief The next complete stdout line (without '\n'), or nothing after @p timeout or at EOF.
    std::optional<std::string> next_stdout_line(Duration timeout = kDefaultWait);
    /// @brief Wait until stdout contains @p text (anywhere); true if it did within @p timeout.
    bool wait_for_stdout(const std::string& text, Duration timeout = kDefaultWait);
    /// @brief Wait until stderr contains @p text (anywhere); true if it did within @p timeout.
    bool wait_for_stderr(const std::string& text, Duration timeout = kDefaultWait);
    /// @brief Everything read from stdout / stderr so far.
    [[nodiscard]] std::string stdout_text() const;
    [[nodiscard]] std::string stderr_text() const;

    /// @brief Write to the child's stdin (SpawnOptions::stdin_pipe). @throws Failure if it is gone.
    void write_stdin(std::string_view bytes);
    /// @brief Close our end of the child's stdin: the child reads EOF.
    void close_stdin();

    /// @brief Wait for the child to end; nothing if it still runs after @p timeout.
    std::optional<ExitStatus> wait_for_exit(Duration timeout = kDefaultWait);
    /// @brief wait_for_exit() that fails the test with report() if the child does not end in time.
    ExitStatus expect_exit(Duration timeout = kDefaultWait);
    /// @brief True while the child has not ended.
    bool running();
    /// @brief Send @p signal to the child (not its group).
    void send_signal(int signal);
    /// @brief Stop the child with SIGSTOP and wait until /proc says it is stopped ('T'):
    /// \man{kill,2} returns before the stop happens, so without the wait the child may still read
    /// what the test sends next. What the test sends until resume() waits in the child's sockets.
    /// @throws testkit::Failure if the child does not stop within the default wait.
    void pause();
    /// @brief Let a pause()d child run again (SIGCONT).
    void resume() { send_signal(SIGCONT); }

    /// @brief The child's pid (its process group id too).
    [[nodiscard]] pid_t pid() const { return pid_; }
    /// @brief The program's path as started.
    [[nodiscard]] const std::string& program() const { return program_; }

    /// @brief Everything a failure report says about the child: the command line, how it ended
    /// (`process: ` and ExitStatus::describe(), or "still running"), a sanitizer report if it
    /// printed one, else the tail of its stderr. The failure report adds it by itself when the
    /// test fails; the seed and the replay command are in the report's rerun section.
    [[nodiscard]] std::string report() const;

private:
    void read_output();
    void reap_group();
    void check_fd_leak();
    void check_unexpected_death();
    bool wait_for(const std::function<bool()>& done, Duration timeout);
    bool wait_for_text(const std::string& stream, const bool& closed, const std::string& text,
                       Duration timeout);

    std::string program_;
    std::string name_;  // the program's file name, in messages
    std::string command_line_;
    pid_t pid_ = -1;
    kit::Fd pidfd_;
    kit::Fd stdin_;
    kit::Fd stdout_;
    kit::Fd stderr_;
    kit::Fd wake_;  // eventfd: tells the reader thread to stop
    std::optional<ExitStatus> exit_status_;
    bool check_fd_leaks_ = true;
    std::vector<int> signals_sent_;
    std::optional<std::size_t> fd_baseline_;
    std::string fd_baseline_text_;
    std::string shortio_seed_;

    mutable std::mutex mutex_;
    std::condition_variable output_changed_;
    std::string out_;
    std::string err_;
    std::size_t out_consumed_ = 0;  // bytes of out_ already returned by next_stdout_line
    bool out_closed_ = false;
    bool err_closed_ = false;
    std::thread reader_;
};

/// @brief Kill every process group a ChildProcess owns right now. Async-signal-safe: the testkit's
/// watchdog and crash handler call it so that even a dying test process leaves nothing behind.
void kill_all_children() noexcept;

/// @brief The name of signal @p signal: "SIGSEGV" ("signal 42" for one without a name).
std::string signal_name(int signal);

/// @brief The name of signal @p signal ("SIGSEGV"), or nullptr. Async-signal-safe: a lookup in a
/// constant table, for the crash handler.
const char* signal_abbrev(int signal) noexcept;

}  // namespace testkit
