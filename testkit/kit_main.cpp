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
//
// The record seal (testkit/record_seal.h). When the grader runs a test it passes a fresh key on
// descriptor kRecordKeyFd; take_record_key() reads it from .preinit_array, which the loader runs
// before every constructor of the executable and of the libraries it loads (the lab's library among
// them), and closes it. After RUN_ALL_TESTS has written GoogleTest's JSON record, seal_and_exit()
// writes <record>.seal (the test, its result, the HMAC of both and of the record's bytes) and ends
// the process at once: no atexit handler or static destructor of the program under test runs after
// the seal. Without the key (make test, ctest, a student's own run) nothing changes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>

#include "testkit/child_process.h"
#include "testkit/crash.h"
#include "testkit/deadline.h"
#include "testkit/graded.h"
#include "testkit/record_seal.h"
#include "testkit/run_context.h"
#include "testkit/test_report.h"

// LeakSanitizer's check, when the sanitizer runtime is linked (make check's sanitizer tree): run it
// before the seal, since the process then ends without the at-exit check.
extern "C" void __lsan_do_leak_check() __attribute__((weak));

namespace {

// The key is kept masked, the mask apart on a page of its own: no 64 bytes of this process's memory
// are the key, so finding it takes reading this file and the binary, not a scan for a key-shaped run
// of bytes. (Anything in the process can still undo this: see docs/autograder.md.)
constexpr std::size_t kKeySize = 64;
constexpr char kKeyPrefix[] = "kit-key-1 ";
std::uint8_t key_mask[kKeySize];
std::uint8_t* masked_key = nullptr;

void take_record_key(int, char**, char**)
{
    struct stat info{};
    if (::fstat(testkit::kRecordKeyFd, &info) != 0 || !S_ISSOCK(info.st_mode)) return;
    // Only the grader's socket starts with the prefix: a descriptor someone else left open at that
    // number is left alone (a peek reads nothing away).
    char buffer[sizeof kKeyPrefix - 1 + kKeySize + 1];
    const ssize_t peeked = ::recv(testkit::kRecordKeyFd, buffer, sizeof kKeyPrefix - 1,
                                  MSG_PEEK | MSG_DONTWAIT);
    if (peeked != ssize_t(sizeof kKeyPrefix - 1) ||
        std::memcmp(buffer, kKeyPrefix, sizeof kKeyPrefix - 1) != 0)
        return;
    const ssize_t got = ::recv(testkit::kRecordKeyFd, buffer, sizeof buffer, MSG_DONTWAIT);
    ::close(testkit::kRecordKeyFd);
    void* page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (got == ssize_t(sizeof buffer - 1) && page != MAP_FAILED &&
        ::getrandom(key_mask, sizeof key_mask, 0) == ssize_t(sizeof key_mask)) {
        ::madvise(page, 4096, MADV_DONTDUMP);
        masked_key = static_cast<std::uint8_t*>(page) + (key_mask[0] & 0x3f) * 32;
        for (std::size_t i = 0; i < kKeySize; ++i)
            masked_key[i] = std::uint8_t(buffer[sizeof kKeyPrefix - 1 + i]) ^ key_mask[i];
    }
    ::explicit_bzero(buffer, sizeof buffer);
}

// Runs before every constructor: see the top of this file.
[[gnu::used, gnu::section(".preinit_array")]] void (*const kit_take_record_key)(
    int, char**, char**) = take_record_key;

// Seal GoogleTest's record of the one test this process ran, then end the process with `code`.
[[noreturn]] void seal_and_exit(int code)
{
    if (__lsan_do_leak_check != nullptr) __lsan_do_leak_check();
    const std::string output = GTEST_FLAG_GET(output);
    const testing::UnitTest& unit = *testing::UnitTest::GetInstance();
    std::string ran, verdict = "failed";
    int count = 0;
    for (int s = 0; s < unit.total_test_suite_count(); ++s) {
        const testing::TestSuite& suite = *unit.GetTestSuite(s);
        for (int t = 0; t < suite.total_test_count(); ++t) {
            const testing::TestInfo& test = *suite.GetTestInfo(t);
            if (!test.should_run()) continue;
            ++count;
            ran = std::string(suite.name()) + "." + test.name();
            if (test.result()->Skipped())
                verdict = "skipped";
            else if (test.result()->Passed() && unit.Passed())
                verdict = "passed";
        }
    }
    if (count == 1 && output.rfind("json:", 0) == 0) {
        const std::string path = output.substr(5);
        std::ifstream in(path, std::ios::binary);
        const std::string record{std::istreambuf_iterator<char>(in), {}};
        std::string key(kKeySize, '\0');
        for (std::size_t i = 0; i < kKeySize; ++i) key[i] = char(masked_key[i] ^ key_mask[i]);
        const std::string mac =
            testkit::hex(testkit::hmac_sha256(key, ran + "\n" + verdict + "\n" + record));
        ::explicit_bzero(key.data(), key.size());
        std::ofstream(path + ".seal") << ran << '\t' << verdict << '\t' << mac << '\n';
    }
    std::fflush(nullptr);
    std::_Exit(code);
}

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
    const int code = RUN_ALL_TESTS();
    if (masked_key != nullptr) seal_and_exit(code);
    return code;
}
