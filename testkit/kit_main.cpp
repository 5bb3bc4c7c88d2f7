// The main() of every autograder binary: GoogleTest, plus what makes a student's crash or hang fail
// one test cleanly instead of the whole run.
//
//   --kit_manifest   print every graded test as "Suite.Name<TAB>points<TAB>lesson" and exit
//                    (a BONUS_TEST's points as "+N")
//                    (tools/grade.py reads it from the reference binaries only, and counts a test
//                    as passed only from GoogleTest's own record of it: --gtest_output=json and
//                    TEST_PREMATURE_EXIT_FILE, never from this process's exit status alone)
//
// Each test gets a watchdog: if it runs longer than KIT_TEST_BUDGET_S seconds (times TIMEOUT_SCALE)
// it is stopped with a message that says so, and every child process is killed first. A crash of
// the test process (a student's function dereferencing null, say) is named the same way.
//
// What a failing test prints, after GoogleTest's own failure messages and before "[  FAILED  ]":
// the failure report of testkit/test_report.h, once per test ("--- the programs under test ---",
// "--- transcript ---", "--- how to rerun ---", "--- end of the report ---"). A test process that
// is stopped prints instead, on stderr, one of:
//
//   TIMEOUT: Suite.Name did not finish within 20 s (TIMEOUT_SCALE=1).
//     ... if the machine is busy, try TIMEOUT_SCALE=3
//     To debug it: [KIT_SHORTIO=1 SHORTIO_SEED=N] gdb --args BINARY --gtest_filter=Suite.Name
//   (then the failure report as far as it goes)
//
//   CRASH: the test process was killed by SIGSEGV while running Suite.Name.
//     To debug it: [KIT_SHORTIO=1 SHORTIO_SEED=N] gdb --args BINARY --gtest_filter=Suite.Name
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "testkit/child_process.h"
#include "testkit/crash.h"
#include "testkit/deadline.h"
#include "testkit/graded.h"
#include "testkit/run_context.h"
#include "testkit/test_report.h"

namespace {

// Prints each failing test's failure report (testkit/test_report.h) once, when the test ends.
class FailureReporter : public testing::EmptyTestEventListener {
public:
    void OnTestStart(const testing::TestInfo& /*test*/) override { testkit::begin_test_report(); }

    void OnTestEnd(const testing::TestInfo& test) override
    {
        if (!test.result()->Failed()) return;
        const std::string report = testkit::test_failure_report();
        std::fwrite(report.data(), 1, report.size(), stdout);
        std::fflush(stdout);
    }
};

class Watchdog : public testing::EmptyTestEventListener {
public:
    Watchdog() : thread_([this] { run(); }) {}
    ~Watchdog() override
    {
        {
            std::lock_guard lock(mutex_);
            quit_ = true;
        }
        changed_.notify_all();
        thread_.join();
    }

    void OnTestStart(const testing::TestInfo& test) override
    {
        const std::string name = std::string(test.test_suite_name()) + "." + test.name();
        testkit::run_context().current_test = name;
        testkit::prepare_crash_report(name);
        std::lock_guard lock(mutex_);
        test_name_ = name;
        deadline_ = testkit::Clock::now() + budget();
        armed_ = true;
        changed_.notify_all();
    }

    void OnTestEnd(const testing::TestInfo& /*test*/) override
    {
        std::lock_guard lock(mutex_);
        armed_ = false;
        changed_.notify_all();
    }

private:
    static testkit::Duration budget()
    {
        const char* text = std::getenv("KIT_TEST_BUDGET_S");
        const long seconds = text != nullptr ? std::atol(text) : KIT_TEST_BUDGET_S;
        return testkit::scaled(
            testkit::Duration(1000 * (seconds > 0 ? seconds : KIT_TEST_BUDGET_S)));
    }

    void run()
    {
        std::unique_lock lock(mutex_);
        while (!quit_) {
            if (!armed_) {
                changed_.wait(lock);
                continue;
            }
            if (changed_.wait_until(lock, deadline_) == std::cv_status::timeout && armed_ &&
                testkit::Clock::now() >= deadline_) {
                std::fprintf(
                    stderr,
                    "\nTIMEOUT: %s did not finish within %lld s (TIMEOUT_SCALE=%g).\n"
                    "  Something waited forever: a blocking call that never returns, or a loop "
                    "that never ends (or, %s).\n"
                    "  The test and its child processes were killed.\n"
                    "  To debug it: %s\n",
                    test_name_.c_str(), static_cast<long long>(budget().count() / 1000),
                    testkit::timeout_scale(), testkit::kTimeoutScaleHint,
                    testkit::debug_command(test_name_).c_str());
                // What the test saw until now: the conversation, the seed and the replay line.
                const std::string report = testkit::test_failure_report();
                std::fwrite(report.data(), 1, report.size(), stderr);
                std::fflush(stderr);
                testkit::kill_all_children();
                std::_Exit(124);
            }
        }
    }

    std::mutex mutex_;
    std::condition_variable changed_;
    bool armed_ = false;
    bool quit_ = false;
    std::string test_name_;
    testkit::Clock::time_point deadline_;
    std::thread thread_;
};

}  // namespace

int main(int argc, char** argv)
{
    if (argc > 1 && std::strcmp(argv[1], "--kit_manifest") == 0) {
        for (const auto& test : testkit::graded_tests()) {
            // A bonus test's points are written "+N" (tools/kit/ctest.py reads them so).
            std::printf("%s\t%s%d\t%s\n", test.name.c_str(), test.bonus ? "+" : "", test.points,
                        test.lesson.c_str());
        }
        return 0;
    }
    testing::InitGoogleTest(&argc, argv);
    testkit::run_context().test_binary = argv[0];

    // Orphans of a lab program (a forked child whose parent died) are re-parented to this process
    // instead of init, so ChildProcess can reap them: no test leaves a process behind.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    // A server that closes first must not kill the test with SIGPIPE; sends fail with EPIPE.
    ::signal(SIGPIPE, SIG_IGN);
    for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT})
        testkit::report_crash_on(signal);

    testing::UnitTest::GetInstance()->listeners().Append(new Watchdog);
    testing::UnitTest::GetInstance()->listeners().Append(new FailureReporter);
    return RUN_ALL_TESTS();
}
