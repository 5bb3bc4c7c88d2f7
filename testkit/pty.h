/// @file pty.h
/// @brief Pty: a pseudo-terminal, so a test can type at a program as a user at a keyboard would.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/fd.h"
#include "testkit/deadline.h"

namespace testkit {

/// @brief A pseudo-terminal pair: the test writes keystrokes to the master side; the program under
/// test reads them from the terminal side (the "slave", /dev/pts/N) as its stdin.
///
/// The terminal is in canonical mode, as a shell leaves it: the program's \man{read,2} returns one
/// whole line at a time, Enter ("\r") arrives as "\n" (ICRNL), and Ctrl-D (kEndOfFile) at the
/// start of a line makes \man{read,2} return 0: end of input. Echo is off, so the test need not
/// read back what it types. The program does not get the terminal as its controlling terminal (no
/// job-control signals); it only reads from it.
///
/// Owns both ends; keeps the terminal side open too, so typed keys are never lost when the program
/// has not opened it yet.
class Pty {
public:
    /// @brief Ctrl-D: the terminal's end-of-file key (VEOF).
    static constexpr char kEndOfFile = '\x04';

    /// @brief Open a new pseudo-terminal. @throws Failure if the system has none to give.
    Pty();

    /// @brief The terminal side's path, e.g. "/dev/pts/3".
    [[nodiscard]] const std::string& terminal_path() const { return terminal_path_; }

    /// @brief Type @p keys: "hello\r" is a line and Enter. @throws Failure if writing fails.
    void type(std::string_view keys);

    /// @brief The program and arguments for a ChildProcess that runs @p program with @p args and
    /// its stdin on this terminal (stdout and stderr stay the ChildProcess's pipes):
    /// `/bin/sh -c 'exec PROGRAM ARGS < /dev/pts/N'`. `exec` keeps the pid: ChildProcess::pid() is
    /// the program's own.
    [[nodiscard]] std::pair<std::string, std::vector<std::string>> command_with_stdin(
        const std::string& program, const std::vector<std::string>& args) const;

    /// @brief As command_with_stdin(), with stdout on this terminal too (stderr stays the
    /// ChildProcess's pipe): `exec PROGRAM ARGS < /dev/pts/N > /dev/pts/N`. What the program prints
    /// is read back with wait_for_output(); isatty(1) is true for it.
    [[nodiscard]] std::pair<std::string, std::vector<std::string>> command_with_terminal(
        const std::string& program, const std::vector<std::string>& args) const;

    /// @brief Read what the program printed on the terminal until it holds @p text (or the
    /// deadline passes). The terminal turns each "\n" the program writes into "\r\n" (ONLCR),
    /// as a real one does: expect that.
    /// @return true if output() holds @p text.
    bool wait_for_output(std::string_view text, Duration timeout = kDefaultWait);

    /// @brief Everything read from the terminal so far (see wait_for_output()).
    [[nodiscard]] const std::string& output() const { return output_; }

private:
    kit::Fd master_;
    kit::Fd terminal_;
    std::string terminal_path_;
    std::string output_;  // what the program printed on the terminal, read so far
};

}  // namespace testkit
