// lab04, your file: the client's stdin-reading child process, declared in stdin_reader.h.
#include "lab04_fork_pipe_client/stdin_reader.h"

#include <fcntl.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include "lab02_nonblocking/line_buffer.h"
#include "lab02_nonblocking/nonblocking.h"
#include "common/sys_error.h"

namespace chat {
namespace {

// Write every byte of @p data into the pipe: write(2) on a pipe may take only part of it (a
// signal, or a line longer than the pipe's buffer). False if the reader is gone.
[[maybe_unused]] bool write_all(int fd, std::string_view data)
{
    // TODO: Call nb::write_some until data is empty, dropping what each call wrote from
    //   the front of data. Return false if it says PeerGone (the parent is gone). See README §3.3.
    kit::todo("write_all", fd, data);
}

}  // namespace

bool is_exit_command(std::string_view line)
{
    // TODO: Compare the whole line with "exit", ignoring case (strncasecmp with the
    //   length, or a loop with std::tolower). "exit now" is not the command. See README §3.3.
    kit::todo("is_exit_command", line);
}

ReaderEnd forward_stdin_lines(int in_fd, int pipe_fd)
{
    nb::LineBuffer lines(kMaxUserLineBytes);
    std::array<char, 4096> chunk{};
    // TODO: Loop: nb::read_some(in_fd, chunk) and append exactly the bytes read to lines.
    //   At the end of the input, append one "\n" if bytes are left (the last line had none). After
    //   each read, pop every complete line: `exit` ends the loop, empty lines are skipped, a
    //   TooLong line gets a note on stderr; write each other line plus "\n" with write_all. Never
    //   cut a byte off a line: the "\n" is already gone. See README §3.3 (mistake 15).
    kit::todo("forward_stdin_lines", in_fd, pipe_fd, lines, chunk);
}

StdinReader start_stdin_reader(std::span<const int> close_in_child)
{
    // TODO: Create the pipe with pipe2(O_CLOEXEC) and fork. In the child (fork returned
    //   0): prctl(PR_SET_PDEATHSIG, SIGTERM), then _exit if getppid() is no longer the parent
    //   (it died before prctl); ignore SIGPIPE; close the read end and every fd of close_in_child;
    //   run forward_stdin_lines(STDIN_FILENO, write end) inside try/catch; _exit(0), or _exit(1)
    //   after an exception. In the parent: close the write end and return {pid, read end}.
    //   Throw kit::SysError if pipe2 or fork fails. See README §3.1-3.2 (mistakes 9 and 14).
    kit::todo("start_stdin_reader", close_in_child);
}

int stop_stdin_reader(StdinReader& reader, bool terminate)
{
    if (reader.pid <= 0) return -1;
    // TODO: If terminate, kill(reader.pid, SIGTERM): the child may be blocked reading
    //   stdin for ever. Then waitpid(reader.pid, &status, 0), retrying EINTR, and throw
    //   kit::SysError for another error. Set reader.pid = -1 and return the status. See README §3.4.
    kit::todo("stop_stdin_reader", terminate);
}

}  // namespace chat
