#include "testkit/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <regex>

#include <gtest/gtest.h>

#include "common/sys_error.h"
#include "testkit/failure.h"
#include "testkit/fd_pair.h"
#include "testkit/proc.h"
#include "testkit/run_context.h"
#include "testkit/test_report.h"
#include "testkit/transcript.h"

namespace testkit {
namespace {

// Live process groups, for kill_all_children(). A fixed array of atomics, so that a signal handler
// can walk it without taking a lock.
constexpr int kMaxChildren = 4096;
std::atomic<pid_t> g_live_groups[kMaxChildren];

void remember_group(pid_t pgid)
{
    for (auto& slot : g_live_groups) {
        pid_t empty = 0;
        if (slot.compare_exchange_strong(empty, pgid)) return;
    }
}

void forget_group(pid_t pgid)
{
    for (auto& slot : g_live_groups) {
        pid_t expected = pgid;
        if (slot.compare_exchange_strong(expected, 0)) return;
    }
}

// What a sanitizer runtime prints first when it finds an error: testkit/sanitizer_markers.txt,
// one marker per line, turned into this list by testkit/CMakeLists.txt (tools/grade.py reads the
// same file).
constexpr const char* kSanitizerMarkers[] = {
#include "testkit/sanitizer_markers.inc"
};

// Signal names for messages. A fixed table of literals: the crash handler reads it, so looking a
// name up must not allocate or lock.
struct SignalName {
    int number;
    const char* name;
};
constexpr SignalName kSignalNames[] = {
    {SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"},
    {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
    {SIGKILL, "SIGKILL"}, {SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
    {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"}, {SIGCHLD, "SIGCHLD"},
    {SIGCONT, "SIGCONT"}, {SIGSTOP, "SIGSTOP"}, {SIGTSTP, "SIGTSTP"}, {SIGTTIN, "SIGTTIN"},
    {SIGTTOU, "SIGTTOU"}, {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"}, {SIGSYS, "SIGSYS"},
};

// The part of a sanitizer's stderr worth showing: from its "ERROR:"/"runtime error:" line on.
std::string sanitizer_report(const std::string& err)
{
    for (const char* marker : kSanitizerMarkers) {
        const auto at = err.find(marker);
        if (at == std::string::npos) continue;
        const auto line_start = err.rfind('\n', at);
        const std::string from = err.substr(line_start == std::string::npos ? 0 : line_start + 1);
        // The first 40 lines hold the kind of error and the stack that matters.
        std::size_t end = 0;
        for (int line = 0; line < 40 && end != std::string::npos; ++line) {
            end = from.find('\n', end == 0 ? 0 : end + 1);
        }
        return from.substr(0, end);
    }
    return {};
}

std::string tail_lines(const std::string& text, int lines)
{
    std::size_t pos = text.size();
    if (pos > 0 && text[pos - 1] == '\n') --pos;
    for (int i = 0; i < lines && pos != std::string::npos && pos > 0; ++i) {
        pos = text.rfind('\n', pos - 1);
    }
    return pos == std::string::npos || pos == 0 ? text : text.substr(pos + 1);
}

// The program's file name, as the failure report names it.
std::string base_name(const std::string& path)
{
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The child's environment: ours, then @p extra, then the injector's entries when @p shortio_seed
// is set, merged by name (the last one wins; ld.so and getenv must not see two LD_PRELOADs).
std::vector<std::string> child_environment(const std::vector<std::string>& extra,
                                           const std::string& shortio_seed)
{
    std::map<std::string, std::string> env;
    const auto put = [&env](const std::string& entry) {
        const auto eq = entry.find('=');
        if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
    };
    for (char** e = environ; *e != nullptr; ++e)
        put(*e);
    for (const auto& e : extra)
        put(e);
    if (!shortio_seed.empty()) {
        put("LD_PRELOAD=" + run_context().shortio_library);
        put("SHORTIO_SEED=" + shortio_seed);
        // A sanitizer runtime wants to be first in the list of preloads; the injector only wraps
        // I/O calls and forwards them to the next definition, which may be the sanitizer's.
        std::string& asan = env["ASAN_OPTIONS"];
        asan += (asan.empty() ? "" : ":") + std::string("verify_asan_link_order=0");
    }
    std::vector<std::string> entries;
    for (const auto& [name, value] : env)
        entries.push_back(name + "=" + value);
    return entries;
}

// Fork and exec @p argv with @p env in a new process group, its standard streams on the given
// fds (@p stdin_fd -1: /dev/null). Returns the child's pid. @throws Failure if fork fails.
pid_t spawn(std::vector<std::string> argv, std::vector<std::string> env, int stdin_fd,
            int stdout_fd, int stderr_fd)
{
    // Everything the child needs is prepared before fork(): after fork() in a threaded process,
    // only async-signal-safe calls are allowed until exec.
    std::vector<char*> argv_ptrs;
    for (auto& s : argv)
        argv_ptrs.push_back(s.data());
    argv_ptrs.push_back(nullptr);
    std::vector<char*> env_ptrs;
    for (auto& s : env)
        env_ptrs.push_back(s.data());
    env_ptrs.push_back(nullptr);

    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw Failure(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        // The child: its own process group (so the test can kill it with everything it forks),
        // killed if the test process dies, standard streams on our pipes.
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);  // the test died before prctl took effect
        const int in = stdin_fd >= 0 ? stdin_fd : ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        ::dup2(in, STDIN_FILENO);
        ::dup2(stdout_fd, STDOUT_FILENO);
        ::dup2(stderr_fd, STDERR_FILENO);
        // Nothing else of the test process (CTest's log, other children's pipes) leaks into the
        // program: its fd table holds 0, 1 and 2 only, so fd counts mean what the program did.
        ::close_range(3, ~0U, 0);
        // Signals the test process ignores (SIGPIPE) would stay ignored across exec: reset them.
        ::signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(argv_ptrs[0], argv_ptrs.data(), env_ptrs.data());
        static constexpr char kMessage[] = "testkit: exec failed\n";
        [[maybe_unused]] auto n = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
        ::_exit(127);
    }
    // Set the group from this side too, so it exists before anyone signals it.
    ::setpgid(pid, pid);
    return pid;
}

}  // namespace

const char* signal_abbrev(int signal) noexcept
{
    for (const SignalName& entry : kSignalNames) {
        if (entry.number == signal) return entry.name;
    }
    return nullptr;
}

std::string signal_name(int signal)
{
    const char* name = signal_abbrev(signal);
    return name ? std::string(name) : "signal " + std::to_string(signal);
}

std::string ExitStatus::describe() const
{
    if (exited) return "exited with code " + std::to_string(code);
    const char* text = ::sigdescr_np(signal);
    return "was killed by signal " + signal_name(signal) +
           (text ? " (" + std::string(text) + ")" : "");
}

void kill_all_children() noexcept
{
    for (auto& slot : g_live_groups) {
        const pid_t pgid = slot.load();
        if (pgid > 0) ::kill(-pgid, SIGKILL);
    }
}

ChildProcess::ChildProcess(std::string program, std::vector<std::string> args, SpawnOptions options)
    : program_(std::move(program)),
      name_(base_name(program_)),
      check_fd_leaks_(options.check_fd_leaks)
{
    std::vector<std::string> argv{program_};
    argv.insert(argv.end(), args.begin(), args.end());
    for (const auto& word : argv)
        command_line_ += (command_line_.empty() ? "" : " ") + shell_quote(word);
    if (options.shortio.value_or(run_context().shortio)) {
        shortio_seed_ = run_context().shortio_seed;
        command_line_ = "LD_PRELOAD=" + run_context().shortio_library +
                        " SHORTIO_SEED=" + shortio_seed_ + " " + command_line_;
    }
    std::vector<std::string> env = child_environment(options.env, shortio_seed_);

    // Every fd is owned from the moment it exists: if anything below throws, none leaks.
    FdPair in;
    FdPair out;
    FdPair err;
    try {
        if (options.stdin_pipe) in = pipe_pair();
        out = pipe_pair();
        err = pipe_pair();
    } catch (const kit::SysError& e) {
        throw Failure("cannot start " + program_ + ": " + e.what());
    }
    kit::Fd wake(::eventfd(0, EFD_CLOEXEC));
    if (!wake) throw Failure("cannot start " + program_ + ": eventfd: " + std::strerror(errno));

    pid_ = spawn(std::move(argv), std::move(env), in.first ? in.first.get() : -1, out.second.get(),
                 err.second.get());
    remember_group(pid_);
    pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
    if (!pidfd_) {
        const int error = errno;
        reap_group();
        throw Failure("started " + program_ + ", but pidfd_open(" + std::to_string(pid_) +
                      ") failed: " + std::strerror(error) + " (the testkit needs Linux 5.3+)");
    }
    // Our copies of the child's ends (in.first, out.second, err.second) close at the end of this
    // scope, so that the child's exit is seen as EOF.
    stdin_ = std::move(in.second);
    stdout_ = std::move(out.first);
    stderr_ = std::move(err.first);
    wake_ = std::move(wake);
    reader_ = std::thread([this] { read_output(); });
}

ChildProcess::~ChildProcess()
{
    // When the test is failing, a program that is ending (the client just saw it close its
    // sockets) gets a moment to finish, so the report can say how it ended and show its stderr.
    if (!exit_status_ && (std::uncaught_exceptions() > 0 || ::testing::Test::HasFailure())) {
        wait_for_exit(Duration(300));
    }
    check_unexpected_death();
    check_fd_leak();
    add_program_report(name_, report());
    reap_group();
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
    if (reader_.joinable()) reader_.join();
}

void ChildProcess::check_unexpected_death()
{
    // Also while a failed expectation unwinds the test: that is when the report matters most.
    running();  // collects the exit status if the program has ended
    const bool crashed = exit_status_ && !exit_status_->exited &&
                         std::find(signals_sent_.begin(), signals_sent_.end(),
                                   exit_status_->signal) == signals_sent_.end();
    const bool sanitizer = !sanitizer_report(stderr_text()).empty();
    // The failure says what happened in one line; the test's failure report shows the rest.
    if (crashed) {
        ADD_FAILURE() << name_ << " " << exit_status_->describe()
                      << " during the test (a signal the test did not send)";
    } else if (sanitizer) {
        ADD_FAILURE() << name_ << " printed a sanitizer report (below)";
    }
}

void ChildProcess::check_fd_leak()
{
    // Only a clean run says something about leaks: after a failure the state is anyone's guess.
    if (!check_fd_leaks_ || !fd_baseline_ || std::uncaught_exceptions() > 0 ||
        ::testing::Test::HasFailure() || exit_status_ || !running()) {
        return;
    }
    std::size_t now = 0;
    eventually(
        [&] {
            now = open_fds(pid_).size();
            return now <= *fd_baseline_ || !running();
        },
        Duration(2000));
    if (running() && now > *fd_baseline_) {
        ADD_FAILURE() << "fd leak: " << program_ << " had " << *fd_baseline_
                      << " open fds when it started listening, and still has " << now
                      << " after every test client closed its connection (a connection's socket "
                         "is not closed when the client leaves?)\n  when listening:\n"
                      << fd_baseline_text_ << "  now:\n"
                      << describe_fds(pid_);
    }
}

void ChildProcess::reap_group()
{
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    // The test process is a child subreaper (see kit_main.cpp), so everything the program forked
    // is, or becomes, our child: reap the whole group until none is left.
    int status = 0;
    if (!exit_status_) {
        if (::waitpid(pid_, &status, 0) == pid_) {
            exit_status_ = ExitStatus{WIFEXITED(status), WEXITSTATUS(status),
                                      WIFSIGNALED(status) ? WTERMSIG(status) : 0};
        }
    }
    while (::waitpid(-pid_, &status, 0) > 0 || errno == EINTR) {
    }
    forget_group(pid_);
}

void ChildProcess::read_output()
{
    pollfd fds[3] = {
        {stdout_.get(), POLLIN, 0}, {stderr_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    int open_streams = 2;
    char buffer[65536];
    while (open_streams > 0) {
        if (::poll(fds, 3, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[2].revents != 0) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].revents == 0) continue;
            const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            std::lock_guard lock(mutex_);
            if (n <= 0) {
                fds[i].fd = -1;  // poll ignores negative fds
                --open_streams;
                (i == 0 ? out_closed_ : err_closed_) = true;
            } else {
                (i == 0 ? out_ : err_).append(buffer, static_cast<std::size_t>(n));
            }
            output_changed_.notify_all();
        }
    }
    std::lock_guard lock(mutex_);
    out_closed_ = true;
    err_closed_ = true;
    output_changed_.notify_all();
}

bool ChildProcess::wait_for(const std::function<bool()>& done, Duration timeout)
{
    const Deadline deadline(timeout);
    std::unique_lock lock(mutex_);
    return output_changed_.wait_for(lock, deadline.remaining(), done);
}

std::optional<std::string> ChildProcess::next_stdout_line(Duration timeout)
{
    std::optional<std::string> line;
    const bool done = wait_for(
        [&] {
            const auto newline = out_.find('\n', out_consumed_);
            if (newline != std::string::npos) {
                line = out_.substr(out_consumed_, newline - out_consumed_);
                out_consumed_ = newline + 1;
                return true;
            }
            return out_closed_;
        },
        timeout);
    if (!done) note_deadline_expired();
    return line;
}

bool ChildProcess::wait_for_text(const std::string& stream, const bool& closed,
                                 const std::string& text, Duration timeout)
{
    // Both are members guarded by mutex_, which wait_for holds while it checks.
    if (!wait_for([&] { return stream.find(text) != std::string::npos || closed; }, timeout)) {
        note_deadline_expired();
        return false;
    }
    std::lock_guard lock(mutex_);
    return stream.find(text) != std::string::npos;
}

bool ChildProcess::wait_for_stdout(const std::string& text, Duration timeout)
{
    return wait_for_text(out_, out_closed_, text, timeout);
}

bool ChildProcess::wait_for_stderr(const std::string& text, Duration timeout)
{
    return wait_for_text(err_, err_closed_, text, timeout);
}

std::string ChildProcess::stdout_text() const
{
    std::lock_guard lock(mutex_);
    return out_;
}

std::string ChildProcess::stderr_text() const
{
    std::lock_guard lock(mutex_);
    return err_;
}

std::uint16_t ChildProcess::wait_for_listening(Duration timeout)
{
    const auto line = next_stdout_line(timeout);
    if (!line) {
        wait_for_exit(Duration(500));
        const std::string expected =
            "expected the first stdout line of " + name_ + " to be 'listening on ADDR:PORT', but ";
        if (!running()) throw Failure(expected + "the program ended first");
        throw deadline_failure(expected + "none came within " +
                               std::to_string(scaled(timeout).count()) +
                               " ms (is stdout flushed?)");
    }
    static const std::regex kListening(R"(^listening on (\S+):(\d{1,5})$)");
    std::smatch match;
    if (!std::regex_match(*line, match, kListening)) {
        throw Failure("expected the first stdout line of " + name_ +
                      " to be 'listening on ADDR:PORT', got '" + printable(*line) + "'");
    }
    const int port = std::stoi(match[2].str());
    try {
        fd_baseline_ = open_fds(pid_).size();
        fd_baseline_text_ = describe_fds(pid_);
    } catch (const Failure&) {
        // A program that ends right after its line (its loop not written yet) may be half-way
        // out already: once its memory is gone, /proc shows its fds to root only (EACCES), a
        // moment before it can be reaped. It leaks nothing, and the test's own steps say what is
        // wrong; only a program that goes on running with its fds hidden is an error here.
        if (!wait_for_exit()) throw;
    }
    if (port <= 0 || port > 65535) {
        throw Failure("'listening on' names port " + match[2].str() +
                      ", not a real port (was --port 0 " +
                      "printed instead of the port the kernel chose? see bound_port)");
    }
    return static_cast<std::uint16_t>(port);
}

void ChildProcess::write_stdin(std::string_view bytes)
{
    if (!stdin_)
        throw Failure("write_stdin: the child was started without SpawnOptions::stdin_pipe");
    transcript_record("stdin of " + name_, Direction::Sent, bytes);
    while (!bytes.empty()) {
        const ssize_t n = ::write(stdin_.get(), bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Failure("writing the stdin of " + name_ + ": " + std::strerror(errno));
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void ChildProcess::close_stdin()
{
    if (stdin_) transcript_event("stdin of " + name_, "closed (the program reads EOF)");
    stdin_.reset();
}

std::optional<ExitStatus> ChildProcess::wait_for_exit(Duration timeout)
{
    if (exit_status_) return exit_status_;
    pollfd pfd{pidfd_.get(), POLLIN, 0};
    const Deadline deadline(timeout);
    while (true) {
        const int ready = ::poll(&pfd, 1, deadline.poll_timeout_ms());
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return std::nullopt;
        break;
    }
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) return std::nullopt;
    exit_status_ = ExitStatus{WIFEXITED(status), WEXITSTATUS(status),
                              WIFSIGNALED(status) ? WTERMSIG(status) : 0};
    // Wait for the reader to see EOF on stdout and stderr (so both texts are complete), unless a
    // grandchild still holds a pipe: that is bounded by a short deadline.
    wait_for([&] { return out_closed_ && err_closed_; }, Duration(1000));
    return exit_status_;
}

ExitStatus ChildProcess::expect_exit(Duration timeout)
{
    if (auto status = wait_for_exit(timeout)) return *status;
    throw deadline_failure("expected " + name_ + " to exit within " +
                           std::to_string(scaled(timeout).count()) +
                           " ms, but it is still running");
}

bool ChildProcess::running()
{
    return !wait_for_exit(Duration(0)).has_value();
}

void ChildProcess::send_signal(int signal)
{
    signals_sent_.push_back(signal);
    if (!exit_status_) ::kill(pid_, signal);
}

bool ChildProcess::wait_until_sleeps_in(std::initializer_list<long> calls, Duration timeout)
{
    bool sleeping = false;
    const bool settled = eventually(
        [&] {
            // The exit is checked first: a process that ended is never "asleep", and one that
            // sleeps in the call now still holds its sockets when the test connects.
            if (!running()) return true;
            sleeping = sleeps_in(pid_, calls);
            return sleeping;
        },
        timeout, Duration(1));
    if (!settled) {
        note_deadline_expired();
        throw Failure(name_ +
                      " neither waited in the expected system call nor ended within the "
                      "deadline (state '" +
                      std::string(1, process_state(pid_)) + "')");
    }
    return sleeping;
}

void ChildProcess::pause()
{
    send_signal(SIGSTOP);
    if (!eventually([&] { return process_state(pid_) == 'T'; })) {
        throw Failure(name_ + " did not stop after SIGSTOP (state '" +
                      std::string(1, process_state(pid_)) + "')");
    }
}

std::string ChildProcess::report() const
{
    std::string text = "  command: " + command_line_ + "\n";
    text +=
        "  process: " + (exit_status_ ? exit_status_->describe() : std::string("still running")) +
        "\n";
    const std::string err = stderr_text();
    if (const std::string sanitizer = sanitizer_report(err); !sanitizer.empty()) {
        text += "  sanitizer report:\n" + sanitizer + "\n";
    } else if (!err.empty()) {
        // Indented, so that the program's lines stand apart from the report's own.
        std::string tail = tail_lines(err, 12);
        if (!tail.empty() && tail.back() == '\n') tail.pop_back();
        text += "  last lines of its stderr:\n";
        std::size_t start = 0;
        while (start <= tail.size()) {
            const auto end = std::min(tail.find('\n', start), tail.size());
            text += "    " + tail.substr(start, end - start) + "\n";
            start = end + 1;
        }
    }
    return text;
}

}  // namespace testkit
