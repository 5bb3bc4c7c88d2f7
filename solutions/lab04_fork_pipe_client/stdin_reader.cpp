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
    // BEGIN SOLUTION Call nb::write_some until data is empty, dropping what each call wrote from
    // | the front of data. Return false if it says PeerGone (the parent is gone). See README §3.3.
    // STUB: kit::todo("write_all", fd, data);
    while (!data.empty()) {
        const kit::IoResult wrote = nb::write_some(fd, data);
        if (wrote.status == kit::IoStatus::PeerGone) return false;
        data.remove_prefix(wrote.bytes);  // maybe only part of it: loop for the rest
    }
    return true;
    // END SOLUTION
}

}  // namespace

bool is_exit_command(std::string_view line)
{
    // BEGIN SOLUTION Compare the whole line with "exit", ignoring case (strncasecmp with the
    // | length, or a loop with std::tolower). "exit now" is not the command. See README §3.3.
    // STUB: kit::todo("is_exit_command", line);
    return line.size() == 4 && ::strncasecmp(line.data(), "exit", 4) == 0;
    // END SOLUTION
}

ReaderEnd forward_stdin_lines(int in_fd, int pipe_fd)
{
    nb::LineBuffer lines(kMaxUserLineBytes);
    std::array<char, 4096> chunk{};
    // BEGIN SOLUTION Loop: nb::read_some(in_fd, chunk) and append exactly the bytes read to lines.
    // | At the end of the input, append one "\n" if bytes are left (the last line had none). After
    // | each read, pop every complete line: `exit` ends the loop, empty lines are skipped, a
    // | TooLong line gets a note on stderr; write each other line plus "\n" with write_all. Never
    // | cut a byte off a line: the "\n" is already gone. See README §3.3 (mistake 15).
    // STUB: kit::todo("forward_stdin_lines", in_fd, pipe_fd, lines, chunk);
    //! [forward_stdin_lines]
    bool input_ended = false;
    while (!input_ended) {
        const kit::IoResult got = nb::read_some(in_fd, chunk);
        if (got.status == kit::IoStatus::Ok) {
            lines.append(std::string_view(chunk.data(), got.bytes));
        } else {
            // Eof (or a terminal that hung up). The last line may lack its "\n": end it.
            input_ended = true;
            if (lines.buffered() > 0) lines.append("\n");
        }
        for (nb::LineResult next = lines.pop_line(); next.status != nb::LineStatus::Incomplete;
             next = lines.pop_line()) {
            if (next.status == nb::LineStatus::TooLong) {
                std::fprintf(stderr, "chat_client: a line over %zu bytes was not sent\n",
                             kMaxUserLineBytes);
                continue;
            }
            if (is_exit_command(next.line)) return ReaderEnd::ExitTyped;
            if (next.line.empty()) continue;  // nothing to say: not a message
            next.line += '\n';
            if (!write_all(pipe_fd, next.line)) return ReaderEnd::ParentGone;
        }
    }
    return ReaderEnd::EndOfInput;
    //! [forward_stdin_lines]
    // END SOLUTION
}

StdinReader start_stdin_reader(std::span<const int> close_in_child)
{
    // BEGIN SOLUTION Create the pipe with pipe2(O_CLOEXEC) and fork. In the child (fork returned
    // | 0): prctl(PR_SET_PDEATHSIG, SIGTERM), then _exit if getppid() is no longer the parent
    // | (it died before prctl); ignore SIGPIPE; close the read end and every fd of close_in_child;
    // | run forward_stdin_lines(STDIN_FILENO, write end) inside try/catch; _exit(0), or _exit(1)
    // | after an exception. In the parent: close the write end and return {pid, read end}.
    // | Throw kit::SysError if pipe2 or fork fails. See README §3.1-3.2 (mistakes 9 and 14).
    // STUB: kit::todo("start_stdin_reader", close_in_child);
    //! [start_stdin_reader]
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) throw kit::SysError("pipe2(O_CLOEXEC)", errno);
    kit::Fd read_end(ends[0]);
    kit::Fd write_end(ends[1]);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw kit::SysError("fork()", errno);
    if (pid == 0) {
        // The child. Die with the parent: the kernel sends SIGTERM when it exits, even by SIGKILL.
        // If the parent died before prctl took effect, we are already an orphan: leave now.
        if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || ::getppid() != parent) ::_exit(0);
        ::signal(SIGPIPE, SIG_IGN);  // a gone parent is then EPIPE (ParentGone), not a signal
        // fork copied every fd, close-on-exec or not: drop the ones that are the parent's job.
        read_end.reset();
        for (const int fd : close_in_child)
            ::close(fd);
        int status = 0;
        try {
            forward_stdin_lines(STDIN_FILENO, write_end.get());
        } catch (const std::exception& e) {
            std::fprintf(stderr, "chat_client (stdin reader): %s\n", e.what());
            status = 1;
        }
        // _exit, not exit or return: the parent's stack, atexit handlers and stdio buffers are
        // copies of the parent's, and are not ours to unwind or flush.
        ::_exit(status);
    }
    // The parent. The pipe reports EOF only when every write end is closed: ours too.
    write_end.reset();
    return StdinReader{pid, std::move(read_end)};
    //! [start_stdin_reader]
    // END SOLUTION
}

int stop_stdin_reader(StdinReader& reader, bool terminate)
{
    if (reader.pid <= 0) return -1;
    // BEGIN SOLUTION If terminate, kill(reader.pid, SIGTERM): the child may be blocked reading
    // | stdin for ever. Then waitpid(reader.pid, &status, 0), retrying EINTR, and throw
    // | kit::SysError for another error. Set reader.pid = -1 and return the status. See README §3.4.
    // STUB: kit::todo("stop_stdin_reader", terminate);
    //! [stop_stdin_reader]
    if (terminate) ::kill(reader.pid, SIGTERM);
    int status = 0;
    while (::waitpid(reader.pid, &status, 0) < 0) {
        const int err = errno;
        if (err == EINTR) continue;
        throw kit::SysError("waitpid(" + std::to_string(reader.pid) + ")", err);
    }
    reader.pid = -1;
    return status;
    //! [stop_stdin_reader]
    // END SOLUTION
}

}  // namespace chat
