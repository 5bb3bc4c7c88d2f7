// chat_bench: perf record around the measured part of a run (see perf_recording.h).
#include "perf_recording.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace bench {

PerfRecording::PerfRecording(pid_t pid, const std::string& file)
{
    int control[2];
    int ack[2];
    if (::pipe2(control, O_CLOEXEC) != 0 || ::pipe2(ack, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    }
    perf_ = ::fork();
    if (perf_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (perf_ == 0) {
        // perf inherits the read end of the commands and the write end of the answers.
        ::fcntl(control[0], F_SETFD, 0);
        ::fcntl(ack[1], F_SETFD, 0);
        const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        ::dup2(null, STDIN_FILENO);
        ::dup2(null, STDOUT_FILENO);
        ::dup2(null, STDERR_FILENO);
        const std::string control_arg =
            "fd:" + std::to_string(control[0]) + "," + std::to_string(ack[1]);
        const std::string pid_arg = std::to_string(pid);
        // DWARF call graphs: the kit builds without frame pointers, so "-g" alone would give
        // callers that make no sense. 999 samples a second, off (-D -1) until "enable".
        const std::vector<const char*> argv = {"perf",         "record",
                                               "--call-graph", "dwarf",
                                               "-F",           "999",
                                               "-D",           "-1",
                                               "--control",    control_arg.c_str(),
                                               "-p",           pid_arg.c_str(),
                                               "-o",           file.c_str(),
                                               nullptr};
        ::execvp("perf", const_cast<char* const*>(argv.data()));
        ::_exit(127);
    }
    ::close(control[0]);
    ::close(ack[1]);
    control_ = kit::Fd(control[1]);
    ack_ = kit::Fd(ack[0]);
}

PerfRecording::~PerfRecording()
{
    // SIGINT is perf's "stop and write the file" (its control pipe stays open until then: perf
    // takes the pipe's end for an error and would not finish its file).
    ::kill(perf_, SIGINT);
    int status = 0;
    ::waitpid(perf_, &status, 0);
}

void PerfRecording::command(const std::string& what)
{
    const std::string line = what + "\n";
    if (::write(control_.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        throw std::runtime_error("perf is not listening (is it installed? try: perf record true)");
    }
    // Wait for "ack" (perf may put a NUL before it), for at most 30 s.
    std::string answer;
    while (answer.find("ack") == std::string::npos) {
        pollfd p{ack_.get(), POLLIN, 0};
        if (::poll(&p, 1, 30000) <= 0)
            throw std::runtime_error("perf did not answer '" + what + "'");
        char buffer[64];
        const ssize_t n = ::read(ack_.get(), buffer, sizeof buffer);
        if (n <= 0) throw std::runtime_error("perf ended before it answered '" + what + "'");
        answer.append(buffer, static_cast<std::size_t>(n));
    }
}

}  // namespace bench
