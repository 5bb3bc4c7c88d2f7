/// @file deadline.h
/// @brief Time limits for tests, all scaled by the TIMEOUT_SCALE environment variable.
#pragma once

#include <chrono>
#include <functional>

namespace testkit {

/// @brief The unit of every wait in the testkit.
using Duration = std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

/// @brief The factor every deadline is multiplied by: $TIMEOUT_SCALE (default 1; e.g. 3 on a slow
/// machine or under sanitizers). Values below 1 are taken as 1: a deadline is a bound on a wait
/// for an event that will come, so making it longer never changes a correct result.
double timeout_scale();

/// @brief @p base times timeout_scale().
Duration scaled(Duration base);

/// @brief The default time to wait for something a correct program does at once (a reply line,
/// an accept): 5 s before scaling. Long enough for a loaded CI machine, short enough to fail fast.
/// Every testkit function takes unscaled durations and scales them itself.
///
/// A deadline bounds a hang; it never judges speed. So no graded test waits on one step that takes
/// a correct program more than a fraction of this: bulk transfers go in pieces, each with its own
/// deadline (a progress deadline: a stall fails within one wait, a slow machine only takes longer),
/// and the work done under the short-I/O injector is sized so that its many tiny calls finish in
/// well under a second. Measured on 2 cores at load 10 (tools/busy_machine_check.sh, README
/// "Timings"), the slowest graded reference test takes about 2 s in all, its longest single wait
/// well under 1 s: 5 s per wait and the watchdog's 20 s per test (KIT_TEST_BUDGET_S) stay margins.
inline constexpr Duration kDefaultWait{5000};

/// @brief A point in time to give up at. Built from an unscaled duration, scaled on construction.
class Deadline {
public:
    /// @param budget how long from now (multiplied by timeout_scale()).
    explicit Deadline(Duration budget);

    /// @brief Time left (zero once expired).
    [[nodiscard]] Duration remaining() const;
    [[nodiscard]] bool expired() const { return remaining().count() == 0; }
    /// @brief remaining() as a \man{poll,2} timeout in milliseconds.
    [[nodiscard]] int poll_timeout_ms() const;
    /// @brief The scaled budget, for messages: "within 5000 ms".
    [[nodiscard]] Duration budget() const { return budget_; }

private:
    Duration budget_;
    Clock::time_point end_;
};

/// @brief Check @p condition every @p interval until it holds or @p timeout (scaled) has passed.
///
/// Only for states the kernel sends no notification about: the contents of /proc (a thread that
/// blocked, a process that exited its group, an fd count), or counters in shared memory. Every
/// other wait in the kit waits on the real event (poll, a pidfd, a condition variable).
/// @return true as soon as condition() is true; false if it still is not at the deadline.
bool eventually(const std::function<bool()>& condition, Duration timeout = kDefaultWait,
                Duration interval = Duration(2));

}  // namespace testkit
