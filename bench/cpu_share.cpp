// cpu_share: the share of one core a running program uses, for the benchmarks' shell scripts.
//
//   cpu_share PID SECONDS     prints, e.g., "97": percent of one core PID used over SECONDS
//
// The measurement is the testkit's own (testkit::cpu_share_while_idle, /proc/PID/stat), the one
// the graded busy-loop checks use, so a benchmark and a test never disagree on what "CPU" means.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "testkit/proc.h"

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: cpu_share PID SECONDS\n");
        return 2;
    }
    try {
        const pid_t pid = static_cast<pid_t>(std::stol(argv[1]));
        const auto interval = testkit::Duration(std::lround(std::stod(argv[2]) * 1000));
        const double share = testkit::cpu_share_while_idle(pid, interval);
        std::printf("%.0f\n", share * 100);
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "cpu_share: %s\n", error.what());
        return 1;
    }
}
