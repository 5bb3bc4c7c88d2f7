#include "testkit/proc.h"

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "testkit/failure.h"

namespace testkit {
namespace {

std::string proc_path(pid_t pid, const char* rest)
{
    return "/proc/" + std::to_string(pid) + "/" + rest;
}

// The numeric entries of a /proc directory ("fd", "task", or "/proc" itself). False if it could
// not be opened (errno says why).
bool numeric_entries(const std::string& dir_path, std::vector<long>& out)
{
    DIR* dir = ::opendir(dir_path.c_str());
    if (dir == nullptr) return false;
    while (const dirent* entry = ::readdir(dir)) {
        char* end = nullptr;
        const long value = std::strtol(entry->d_name, &end, 10);
        if (end != entry->d_name && *end == '\0') out.push_back(value);
    }
    ::closedir(dir);
    std::sort(out.begin(), out.end());
    return true;
}

// The fields of /proc/PID/stat after "pid (comm)": fields[0] is the state (field 3 of proc(5)).
// The command name may hold spaces and parentheses, so the split starts after the last ')'.
bool stat_fields(pid_t pid, std::vector<std::string>& fields)
{
    std::ifstream file(proc_path(pid, "stat"));
    std::string line;
    if (!file || !std::getline(file, line)) return false;
    const auto close_paren = line.rfind(')');
    if (close_paren == std::string::npos) return false;
    std::istringstream rest(line.substr(close_paren + 1));
    std::string field;
    while (rest >> field)
        fields.push_back(field);
    return fields.size() >= 13;
}

// Every process whose stat field @p field (as stat_fields counts them: 1 is the parent's pid, 2 the
// process group) is @p value, in pid order.
std::vector<pid_t> processes_with_stat_field(std::size_t field, pid_t value)
{
    std::vector<pid_t> found;
    std::vector<long> all;
    numeric_entries("/proc", all);
    for (long pid : all) {
        std::vector<std::string> fields;
        if (stat_fields(static_cast<pid_t>(pid), fields) && std::stol(fields[field]) == value) {
            found.push_back(static_cast<pid_t>(pid));
        }
    }
    return found;
}

std::string readlink_string(const std::string& path)
{
    char target[4096];
    const ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
    if (n < 0) return "?";
    return std::string(target, static_cast<std::size_t>(n));
}

}  // namespace

std::vector<int> open_fds(pid_t pid)
{
    std::vector<long> numbers;
    if (!numeric_entries(proc_path(pid, "fd"), numbers)) {
        const int err = errno;
        throw Failure("cannot list the open fds of process " + std::to_string(pid) + ": " +
                      (err == ENOENT ? "the process is gone" : std::strerror(err)));
    }
    return {numbers.begin(), numbers.end()};
}

std::string describe_fds(pid_t pid)
{
    std::vector<long> numbers;
    if (!numeric_entries(proc_path(pid, "fd"), numbers)) {
        return "(process " + std::to_string(pid) + " is gone)";
    }
    std::string text;
    for (long fd : numbers) {
        text += std::to_string(fd) + " -> " +
                readlink_string(proc_path(pid, "fd/") + std::to_string(fd)) + "\n";
    }
    return text;
}

int count_sockets(pid_t pid)
{
    int sockets = 0;
    for (int fd : open_fds(pid)) {
        if (readlink_string(proc_path(pid, "fd/") + std::to_string(fd)).starts_with("socket:")) {
            ++sockets;
        }
    }
    return sockets;
}

std::vector<pid_t> children_of(pid_t pid)
{
    std::vector<pid_t> children;
    std::vector<long> tasks;
    if (!numeric_entries(proc_path(pid, "task"), tasks)) return children;
    bool have_children_files = false;
    for (long task : tasks) {
        std::ifstream file(proc_path(pid, "task/") + std::to_string(task) + "/children");
        if (!file) continue;
        have_children_files = true;
        pid_t child = 0;
        while (file >> child)
            children.push_back(child);
    }
    if (!have_children_files) {
        // A kernel without CONFIG_PROC_CHILDREN: find the children by their parent pid instead.
        children = processes_with_stat_field(1, pid);
    }
    std::sort(children.begin(), children.end());
    return children;
}

std::vector<pid_t> processes_in_group(pid_t pgid)
{
    return processes_with_stat_field(2, pgid);
}

char process_state(pid_t pid)
{
    std::vector<std::string> fields;
    if (!stat_fields(pid, fields) || fields[0].empty()) return '\0';
    return fields[0][0];
}

bool sleeps_in(pid_t pid, std::initializer_list<long> numbers)
{
    if (process_state(pid) != 'S') return false;
    // The first field is the call's number while the process sleeps in one; "running" or -1
    // otherwise. An unreadable file (no ptrace rights) leaves the state to judge alone.
    std::ifstream file("/proc/" + std::to_string(pid) + "/syscall");
    std::string first;
    if (!(file >> first)) return true;
    char* end = nullptr;
    const long number = std::strtol(first.c_str(), &end, 10);
    if (end == first.c_str() || *end != '\0') return false;  // "running"
    return std::find(numbers.begin(), numbers.end(), number) != numbers.end();
}

std::map<int, unsigned> epoll_registrations(int epfd)
{
    std::ifstream info("/proc/self/fdinfo/" + std::to_string(epfd));
    std::map<int, unsigned> found;
    std::string line;
    while (std::getline(info, line)) {
        int fd = -1;
        unsigned events = 0;
        if (std::sscanf(line.c_str(), "tfd: %d events: %x", &fd, &events) == 2) found[fd] = events;
    }
    return found;
}

double cpu_seconds(pid_t pid)
{
    std::vector<std::string> fields;
    if (!stat_fields(pid, fields)) {
        throw Failure("cannot read the CPU time of process " + std::to_string(pid) +
                      ": the process is gone");
    }
    // utime and stime are fields 14 and 15 of proc(5); fields[0] is field 3.
    const double ticks = std::stod(fields[11]) + std::stod(fields[12]);
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double cpu_share_while_idle(pid_t pid, Duration interval)
{
    const double cpu_before = cpu_seconds(pid);
    const auto wall_before = Clock::now();
    std::this_thread::sleep_for(interval);  // ok: measuring CPU over a fixed interval
    const double cpu_after = cpu_seconds(pid);
    const std::chrono::duration<double> wall = Clock::now() - wall_before;
    return wall.count() > 0 ? (cpu_after - cpu_before) / wall.count() : 0.0;
}

bool wait_until_fd_count(pid_t pid, std::size_t expected, Duration timeout)
{
    bool gone = false;
    const bool reached = eventually(
        [&] {
            std::vector<long> numbers;
            gone = !numeric_entries(proc_path(pid, "fd"), numbers);
            return gone || numbers.size() == expected;
        },
        timeout);
    return reached && !gone;
}

ListenQueue listen_queue(int fd)
{
    tcp_info info{};
    socklen_t length = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) {
        throw Failure("getsockopt(TCP_INFO) on fd " + std::to_string(fd) + ": " +
                      std::strerror(errno));
    }
    return {info.tcpi_unacked, info.tcpi_sacked};
}

}  // namespace testkit
