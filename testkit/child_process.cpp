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
#include <random>
#include <regex>

#include <gtest/gtest.h>

#include "testkit/failure.h"
#include "testkit/proc.h"
#include "testkit/run_context.h"

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

int open_pidfd(pid_t pid)
{
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

std::string shell_quote(const std::string& word)
{
    if (!word.empty() &&
        word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789_-./=:,+@") == std::string::npos) {
        return word;
    }
    std::string quoted = "'";
    for (char c : word)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

// The part of a sanitizer's stderr worth showing: from its "ERROR:"/"runtime error:" line on.
std::string sanitizer_report(const std::string& err)
{
    for (const char* marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                               "runtime error:", "WARNING: ThreadSanitizer"}) {
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

}  // namespace

std::string signal_name(int signal)
{
    const char* abbrev = ::sigabbrev_np(signal);
    return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
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
    : program_(std::move(program)), check_fd_leaks_(options.check_fd_leaks)
{
    // Everything the child needs is prepared before fork(): after fork() in a threaded process,
    // only async-signal-safe calls are allowed until exec.
    std::vector<std::string> argv_strings{program_};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    for (const auto& word : argv_strings)
        command_line_ += (command_line_.empty() ? "" : " ") + shell_quote(word);

    // The environment: ours, then options.env, then the injector's entries, merged by name (the
    // last one wins; ld.so and getenv must not see two different LD_PRELOAD values).
    std::map<std::string, std::string> env;
    const auto put = [&env](const std::string& entry) {
        const auto eq = entry.find('=');
        if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
    };
    for (char** e = environ; *e != nullptr; ++e)
        put(*e);
    for (const auto& e : options.env)
        put(e);
    const bool shortio = options.shortio.value_or(run_context().shortio);
    if (shortio) {
        shortio_seed_ = run_context().shortio_seed;
        put("LD_PRELOAD=" + run_context().shortio_library);
        put("SHORTIO_SEED=" + shortio_seed_);
        // A sanitizer runtime wants to be first in the list of preloads; the injector only wraps
        // I/O calls and forwards them to the next definition, which may be the sanitizer's.
        std::string& asan = env["ASAN_OPTIONS"];
        asan += (asan.empty() ? "" : ":") + std::string("verify_asan_link_order=0");
        command_line_ = "LD_PRELOAD=" + run_context().shortio_library +
                        " SHORTIO_SEED=" + shortio_seed_ + " " + command_line_;
    }
    std::vector<std::string> env_strings;
    for (const auto& [name, value] : env)
        env_strings.push_back(name + "=" + value);
    std::vector<char*> argv_ptrs;
    for (auto& s : argv_strings)
        argv_ptrs.push_back(s.data());
    argv_ptrs.push_back(nullptr);
    std::vector<char*> env_ptrs;
    for (auto& s : env_strings)
        env_ptrs.push_back(s.data());
    env_ptrs.push_back(nullptr);

    int in_pipe[2] = {-1, -1};
    int out_pipe[2];
    int err_pipe[2];
    if (options.stdin_pipe && ::pipe2(in_pipe, O_CLOEXEC) != 0) throw Failure("pipe2 failed");
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
        throw Failure("pipe2 failed");
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw Failure(std::string("fork failed: ") + std::strerror(errno));
    if (pid == 0) {
        // The child: its own process group (so the test can kill it with everything it forks),
        // killed if the test process dies, standard streams on our pipes.
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);  // the test died before prctl took effect
        const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        ::dup2(options.stdin_pipe ? in_pipe[0] : devnull, STDIN_FILENO);
        ::dup2(out_pipe[1], STDOUT_FILENO);
        ::dup2(err_pipe[1], STDERR_FILENO);
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
    pid_ = pid;
    remember_group(pid_);
    pidfd_.reset(open_pidfd(pid_));
    if (options.stdin_pipe) {
        ::close(in_pipe[0]);
        stdin_.reset(in_pipe[1]);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    stdout_.reset(out_pipe[0]);
    stderr_.reset(err_pipe[0]);
    wake_.reset(::eventfd(0, EFD_CLOEXEC));
    reader_ = std::thread([this] { read_output(); });
}

ChildProcess::~ChildProcess()
{
    check_unexpected_death();
    check_fd_leak();
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
    if (crashed || sanitizer) {
        ADD_FAILURE() << program_
                      << (crashed ? " crashed during the test" : " printed a sanitizer report")
                      << ":\n"
                      << report();
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
    wait_for(
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
    return line;
}

bool ChildProcess::wait_for_stdout(const std::string& text, Duration timeout)
{
    return wait_for([&] { return out_.find(text) != std::string::npos || out_closed_; }, timeout) &&
           stdout_text().find(text) != std::string::npos;
}

bool ChildProcess::wait_for_stderr(const std::string& text, Duration timeout)
{
    return wait_for([&] { return err_.find(text) != std::string::npos || err_closed_; }, timeout) &&
           stderr_text().find(text) != std::string::npos;
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
        throw Failure("expected the first stdout line to be 'listening on ADDR:PORT', but " +
                      std::string(running() ? "none came within " +
                                                  std::to_string(scaled(timeout).count()) +
                                                  " ms (is stdout flushed?)"
                                            : "the program ended first") +
                      "\n" + report());
    }
    static const std::regex kListening(R"(^listening on (\S+):(\d{1,5})$)");
    std::smatch match;
    if (!std::regex_match(*line, match, kListening)) {
        throw Failure("expected the first stdout line to be 'listening on ADDR:PORT', got '" +
                      printable(*line) + "'\n" + report());
    }
    const int port = std::stoi(match[2].str());
    fd_baseline_ = open_fds(pid_).size();
    fd_baseline_text_ = describe_fds(pid_);
    if (port <= 0 || port > 65535) {
        throw Failure("'listening on' names port " + match[2].str() +
                      ", not a real port (was --port 0 " +
                      "printed instead of the port the kernel chose? see bound_port)\n" + report());
    }
    return static_cast<std::uint16_t>(port);
}

void ChildProcess::write_stdin(std::string_view bytes)
{
    if (!stdin_)
        throw Failure("write_stdin: the child was started without SpawnOptions::stdin_pipe");
    while (!bytes.empty()) {
        const ssize_t n = ::write(stdin_.get(), bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            throw Failure(std::string("writing the child's stdin: ") + std::strerror(errno) + "\n" +
                          report());
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void ChildProcess::close_stdin()
{
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
    throw Failure("expected the program to exit within " + std::to_string(scaled(timeout).count()) +
                  " ms, but it is still running\n" + report());
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
        text += "  last lines of its stderr:\n" + tail_lines(err, 12) + "\n";
    }
    if (!shortio_seed_.empty()) {
        text += "  run under the short-I/O injector with seed " + shortio_seed_ +
                "; replay exactly with:\n    " + replay_command(shortio_seed_) + "\n";
    }
    return text;
}

}  // namespace testkit
