// Self-test of the failure report (testkit/test_report.h) and of ChildProcess's cleanup: what a
// failing test prints, checked on report-helper's tests that fail on purpose.
#include <sys/resource.h>
#include <unistd.h>

#include <fcntl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <string>
#include <vector>

#include "common/io_status.h"
#include "lab02_nonblocking/line_buffer.h"
#include "testkit/child_process.h"
#include "testkit/failure.h"
#include "testkit/proc.h"
#include "testkit/test_report.h"
#include "testkit/transcript.h"

namespace testkit {
namespace {

const std::string kHelper = SELFTEST_REPORT_HELPER;
const std::string kProbe = SELFTEST_PROBE;

// Whether @p text holds @p part; if not, the failure shows all of @p text.
::testing::AssertionResult contains(const std::string& text, const std::string& part)
{
    if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "'" << part << "' is not in:\n" << text;
}

// Run one report-helper test as KIT_SHORTIO=1 SHORTIO_SEED=4242 would run it; return its output.
std::string run_helper(const std::string& test, bool via_shell = false)
{
    SpawnOptions options;
    options.shortio = false;  // the helper starts its own programs under the injector
    options.env = {"KIT_SHORTIO=1", "SHORTIO_SEED=4242", "SHORTIO_QUIET=1"};
    const std::string filter = "--gtest_filter=Helper." + test;
    // A helper that crashes is run by a shell, so that its signal is the shell's news, not ours.
    ChildProcess helper =
        via_shell
            ? ChildProcess("/bin/sh", {"-c", "\"$0\" \"$1\"; echo \"exit $?\"", kHelper, filter},
                           options)
            : ChildProcess(kHelper, {filter}, options);
    const ExitStatus status = helper.expect_exit(Duration(30000));
    EXPECT_TRUE(status.exited) << status.describe();
    return helper.stdout_text() + helper.stderr_text();
}

std::size_t count(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

TEST(FailureReport, ShowsProgramsTranscriptAndReplayOncePerTest)
{
    const std::string out = run_helper("FailsAfterAConversation");
    EXPECT_EQ(count(out, "--- the programs under test ---"), 1u) << out;
    EXPECT_EQ(count(out, "--- transcript ---"), 1u) << out;
    EXPECT_TRUE(contains(out, "process: "));
    EXPECT_TRUE(contains(out, "sent     6 bytes: 'hello\\n'"));
    EXPECT_TRUE(contains(out, "received "));
    EXPECT_TRUE(contains(out, "replay exactly with:\n    KIT_SHORTIO=1 SHORTIO_SEED=4242 " +
                                  kHelper + " --gtest_filter=Helper.FailsAfterAConversation"));
    // The report comes after the test's failures, before GoogleTest's verdict.
    EXPECT_LT(out.find("farewell"), out.find("--- the programs under test ---")) << out;
    EXPECT_LT(out.find("--- end of the report ---"), out.find("[  FAILED  ]")) << out;
}

TEST(FailureReport, DeadlineFailureSuggestsTimeoutScale)
{
    const std::string out = run_helper("MissesADeadline");
    EXPECT_TRUE(contains(out, "no client connected within"));
    EXPECT_TRUE(contains(out, "if the machine is busy, try TIMEOUT_SCALE=3"));
    EXPECT_TRUE(contains(out, "SHORTIO_SEED=4242"));
}

TEST(FailureReport, NamesTheSignalThatKilledAProgramAndShowsItsStderr)
{
    const std::string out = run_helper("ProgramDiesOfSigpipe");
    EXPECT_TRUE(contains(out, "process: was killed by signal SIGPIPE (Broken pipe)"));
    EXPECT_TRUE(contains(out, "sh: about to write to a closed socket"));
}

TEST(FailureReport, CrashNamesTheSignalAndTheDebugCommandWithTheInjectorsEnvironment)
{
    const std::string out = run_helper("Crashes", true);
    EXPECT_TRUE(contains(out,
                         "CRASH: the test process was killed by SIGSEGV while running "
                         "Helper.Crashes.\n"));
    EXPECT_TRUE(contains(out, "To debug it: KIT_SHORTIO=1 SHORTIO_SEED=4242 gdb --args " + kHelper +
                                  " --gtest_filter=Helper.Crashes"));
}

TEST(FailureReport, FatalSigpipeCrashNamesSigpipe)
{
    const std::string out = run_helper("DiesOfSigpipe", true);
    EXPECT_TRUE(contains(out,
                         "CRASH: the test process was killed by SIGPIPE while running "
                         "Helper.DiesOfSigpipe.\n"));
}

TEST(FailureReport, ReportOfAProgramNamesItsSignal)
{
    {
        SpawnOptions options;
        options.shortio = false;
        ChildProcess sleeper(kProbe, {"sleep"}, options);
        ASSERT_EQ(sleeper.next_stdout_line(), "ready");
        sleeper.send_signal(SIGPIPE);
        ASSERT_TRUE(sleeper.wait_for_exit().has_value());
        EXPECT_NE(sleeper.report().find("process: was killed by signal SIGPIPE (Broken pipe)"),
                  std::string::npos)
            << sleeper.report();
    }
    // Its destructor added it to this test's report.
    const std::string report = test_failure_report();
    EXPECT_TRUE(contains(report, "--- the programs under test ---\nshortio-probe:\n"));
    EXPECT_TRUE(contains(report, "SIGPIPE"));
}

TEST(FailureReport, KitTypesPrintByName)
{
    EXPECT_EQ(testing::PrintToString(kit::IoStatus::WouldBlock), "WouldBlock");
    EXPECT_EQ(testing::PrintToString(kit::IoResult{kit::IoStatus::Ok, 5}), "{Ok, 5}");
    EXPECT_EQ(testing::PrintToString(nb::LineStatus::TooLong), "TooLong");
    EXPECT_EQ(testing::PrintToString(nb::LineResult{nb::LineStatus::Line, "hi"}), "{Line, \"hi\"}");
}

TEST(Transcript, KeepsTheLastLinesOfEachSideInOrder)
{
    for (int i = 0; i < 20; ++i) {
        transcript_record("client :1", Direction::Sent, "line " + std::to_string(i) + "\n");
        transcript_record("client :1", Direction::Received, "echo " + std::to_string(i) + "\n");
    }
    transcript_record("fake server :2", Direction::Received, std::string(1000, 'x') + "end");
    transcript_event("client :1", "closed the connection");
    const std::string text = transcript_text(12);
    EXPECT_TRUE(contains(text, "(29 earlier lines of client :1 left out)"));
    EXPECT_EQ(text.find("'echo 13\\n'"), std::string::npos) << text;
    EXPECT_LT(text.find("client :1 received 8 bytes: 'echo 19\\n'"),
              text.find("fake server :2 received 1003 bytes: 'xxx"))
        << text;
    // The first and the last 36 bytes.
    EXPECT_TRUE(contains(text, "1003 bytes: '" + std::string(36, 'x') + "' ... '" +
                                   std::string(33, 'x') + "end'\n"));
    EXPECT_TRUE(contains(text, "client :1 -- closed the connection"));
}

TEST(Transcript, MergesBytesThatGoTheSameWayInARow)
{
    for (char c = 'a'; c <= 'z'; ++c)
        transcript_record("client :1", Direction::Received, std::string(1, c));
    transcript_record("client :1", Direction::Sent, "bye\n");
    const std::string text = transcript_text(12);
    EXPECT_TRUE(contains(text,
                         "client :1 received 26 bytes in 26 calls: 'abcdefghijklmnopqrstuvwxyz'\n"
                         "  client :1 sent     4 bytes: 'bye\\n'"));
}

TEST(ChildProcessCleanup, ConstructorThatFailsLeaksNoFd)
{
    const std::vector<int> before = open_fds(::getpid());
    const int highest = before.back();
    rlimit original{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &original), 0);
    int failures = 0;
    // With 1, 3, 5, ... spare fds the constructor runs out of them at each of its steps in turn:
    // each pipe, the eventfd, pidfd_open after the fork; the last ones succeed.
    for (rlim_t spare = 0; spare <= 10; ++spare) {
        // Fill the holes below the highest fd, so that exactly `spare` fds are left to take.
        std::vector<kit::Fd> fillers;
        while (true) {
            kit::Fd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
            ASSERT_TRUE(fd.valid());
            if (fd.get() > highest) break;
            fillers.push_back(std::move(fd));
        }
        rlimit low = original;
        low.rlim_cur = static_cast<rlim_t>(highest) + 1 + spare;
        ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
        try {
            SpawnOptions options;
            options.shortio = false;
            options.stdin_pipe = true;
            ChildProcess sleeper(kProbe, {"sleep"}, options);
        } catch (const Failure& e) {
            ++failures;
            EXPECT_NE(std::string(e.what()).find("Too many open files"), std::string::npos)
                << e.what();
        }
        ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &original), 0);
        fillers.clear();
        EXPECT_EQ(open_fds(::getpid()), before)
            << "after a ChildProcess with " << spare << " spare fds:\n"
            << describe_fds(::getpid());
    }
    EXPECT_GE(failures, 3);
}

}  // namespace
}  // namespace testkit
