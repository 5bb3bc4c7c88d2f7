#include "testkit/pty.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "testkit/failure.h"
#include "testkit/transcript.h"

namespace testkit {

Pty::Pty()
{
    master_.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master_ || ::grantpt(master_.get()) != 0 || ::unlockpt(master_.get()) != 0) {
        throw Failure(std::string("pty: cannot open a pseudo-terminal: ") + std::strerror(errno));
    }
    char name[128];
    if (::ptsname_r(master_.get(), name, sizeof name) != 0) {
        throw Failure(std::string("pty: ptsname failed: ") + std::strerror(errno));
    }
    terminal_path_ = name;
    terminal_.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!terminal_)
        throw Failure("pty: cannot open " + terminal_path_ + ": " + std::strerror(errno));
    termios settings{};
    if (::tcgetattr(terminal_.get(), &settings) != 0) {
        throw Failure(std::string("pty: tcgetattr failed: ") + std::strerror(errno));
    }
    settings.c_lflag |= ICANON;
    settings.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHOE | ECHOK | ECHONL);
    settings.c_iflag |= ICRNL;
    settings.c_cc[VEOF] = kEndOfFile;
    if (::tcsetattr(terminal_.get(), TCSANOW, &settings) != 0) {
        throw Failure(std::string("pty: tcsetattr failed: ") + std::strerror(errno));
    }
}

void Pty::type(std::string_view keys)
{
    transcript_record("keyboard " + terminal_path_, Direction::Sent, keys);
    while (!keys.empty()) {
        const ssize_t n = ::write(master_.get(), keys.data(), keys.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw Failure(std::string("pty: typing failed: ") + std::strerror(errno));
        keys.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::pair<std::string, std::vector<std::string>> Pty::command_with_stdin(
    const std::string& program, const std::vector<std::string>& args) const
{
    std::string command = "exec " + shell_quote(program);
    for (const auto& arg : args)
        command += " " + shell_quote(arg);
    command += " < " + shell_quote(terminal_path_);
    return {"/bin/sh", {"-c", command}};
}

std::pair<std::string, std::vector<std::string>> Pty::command_with_terminal(
    const std::string& program, const std::vector<std::string>& args) const
{
    auto command = command_with_stdin(program, args);
    command.second.back() += " > " + shell_quote(terminal_path_);
    return command;
}

bool Pty::wait_for_output(std::string_view text, Duration timeout)
{
    const Deadline deadline(timeout);
    while (output_.find(text) == std::string::npos) {
        if (deadline.expired()) return false;
        pollfd ready{master_.get(), POLLIN, 0};
        const int n = ::poll(&ready, 1, deadline.poll_timeout_ms());
        if (n < 0 && errno != EINTR) {
            throw Failure(std::string("pty: poll failed: ") + std::strerror(errno));
        }
        if (n <= 0) continue;
        char buffer[4096];
        const ssize_t got = ::read(master_.get(), buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0)
            throw Failure(std::string("pty: reading the terminal failed: ") +
                          (got < 0 ? std::strerror(errno) : "end of file"));
        const std::string_view bytes(buffer, static_cast<std::size_t>(got));
        transcript_record("terminal " + terminal_path_, Direction::Received, bytes);
        output_.append(bytes);
    }
    return true;
}

}  // namespace testkit
