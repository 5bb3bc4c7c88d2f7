#include "testkit/pty.h"

#include <fcntl.h>
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

}  // namespace testkit
