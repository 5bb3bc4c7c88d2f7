// Self-test of the short-I/O injector (testkit/shortio) and of the syscall counters: a correct
// program works the same under the injector, a naive one breaks, a seed replays a run, an
// edge-triggered reader never gets a fake EAGAIN, and the counters count what was called.
#include <dlfcn.h>
#include <elf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "testkit/child_process.h"
#include "testkit/failure.h"
#include "testkit/line_client.h"
#include "testkit/run_context.h"
#include "testkit/syscall_counts.h"

namespace testkit {
namespace {

const std::string kProbe = SELFTEST_PROBE;
const std::string kEchoOnce = SELFTEST_ECHO_ONCE;
const std::string kEchoOnceAsan = SELFTEST_ECHO_ONCE_ASAN;

// The tests choose every injector setting themselves: settings inherited from the shell (a replay
// with SHORTIO_SEED=..., say) would come first in the child's environment and win.
class Injector : public testing::Test {
protected:
    void SetUp() override
    {
        for (const char* name :
             {"LD_PRELOAD", "SHORTIO_SEED", "SHORTIO_MAX_BYTES", "SHORTIO_FAIL_PERCENT",
              "SHORTIO_QUIET", "SHORTIO_INJECT", "SHORTIO_COUNTS", "SHORTIO_TRACK_ET"}) {
            ::unsetenv(name);
        }
    }
};

using SyscallCounting = Injector;

// Run a program under the injector with a fixed seed and extra settings.
SpawnOptions injected(std::uint64_t seed, const std::vector<std::string>& extra = {})
{
    SpawnOptions options;
    options.shortio = false;  // we set LD_PRELOAD ourselves, with our own seed
    options.env = {"LD_PRELOAD=" + run_context().shortio_library,
                   "SHORTIO_SEED=" + std::to_string(seed), "ASAN_OPTIONS=verify_asan_link_order=0"};
    options.env.insert(options.env.end(), extra.begin(), extra.end());
    return options;
}

// What a program printed on stdout, after it exited with code 0.
std::string output_of(ChildProcess& child)
{
    const ExitStatus status = child.expect_exit();
    EXPECT_TRUE(status.exited_with(0)) << child.report();
    return child.stdout_text();
}

// The probe's "calls epoll" run, counted and not injected. It stops after its calls until its stdin
// closes, so that a test reads the counts while it still runs.
ChildProcess start_epoll_calls(const SyscallCounts& counts)
{
    SpawnOptions options = counts.spawn_options(false);
    options.stdin_pipe = true;
    return ChildProcess(kProbe, {"calls", "epoll"}, options);
}

std::string run_probe(const std::vector<std::string>& args, const SpawnOptions& options)
{
    ChildProcess probe(kProbe, args, options);
    return output_of(probe);
}

// The byte counts a "chunks" run printed, all lines together ("EINTR" and labels skipped).
std::vector<int> chunk_sizes(const std::string& chunks_output)
{
    std::vector<int> sizes;
    std::istringstream words(chunks_output);
    std::string word;
    while (words >> word) {
        if (word.find_first_not_of("0123456789") == std::string::npos)
            sizes.push_back(std::stoi(word));
    }
    return sizes;
}

std::size_t occurrences(const std::string& text, const std::string& what)
{
    std::size_t count = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++count;
    return count;
}

const std::string kLongLine(300, 'a');

// Start an echo-once server, send it one long line, and return what came back (or why nothing).
std::string echo_through(ChildProcess& server)
{
    const std::uint16_t port = server.wait_for_listening();
    LineClient client = LineClient::connect(port);
    client.send_line(kLongLine);
    try {
        return client.expect_line();
    } catch (const Failure& failure) {
        return std::string("no line: ") + failure.what();
    }
}

TEST_F(Injector, BreaksAnEchoServerThatAssumesOneRecvGetsTheLine)
{
    SpawnOptions options;
    options.shortio = true;
    ChildProcess server(kEchoOnce, {"naive"}, options);
    const std::string reply = echo_through(server);
    EXPECT_NE(reply, kLongLine) << "a single recv() should get at most 7 bytes under the injector\n"
                                << server.report();
}

TEST_F(Injector, NaiveEchoServerWorksWithoutInjector)
{
    SpawnOptions options;
    options.shortio = false;
    ChildProcess server(kEchoOnce, {"naive"}, options);
    EXPECT_EQ(echo_through(server), kLongLine) << server.report();
}

TEST_F(Injector, LoopingEchoServerWorksUnderEverySeed)
{
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        ChildProcess server(kEchoOnce, {"loop"}, injected(seed));
        EXPECT_EQ(echo_through(server), kLongLine) << "seed " << seed << "\n" << server.report();
        EXPECT_TRUE(server.expect_exit().exited_with(0)) << server.report();
    }
}

TEST_F(Injector, WorksWithAddressSanitizerRuntime)
{
    if (kEchoOnceAsan.empty()) GTEST_SKIP() << "the compiler cannot build with -fsanitize=address";
    SpawnOptions options;
    options.shortio = true;  // as the graded tests run it: ChildProcess adds ASAN_OPTIONS
    ChildProcess server(kEchoOnceAsan, {"loop"}, options);
    EXPECT_EQ(echo_through(server), kLongLine) << server.report();
    EXPECT_TRUE(server.expect_exit().exited_with(0)) << server.report();
    EXPECT_EQ(server.stderr_text().find("Sanitizer"), std::string::npos) << server.report();
    EXPECT_NE(server.stderr_text().find("shortio: seed="), std::string::npos) << server.report();
}

TEST_F(Injector, PrintsItsSeedOnceAtStart)
{
    ChildProcess probe(kProbe, {"chunks"}, injected(4242));
    output_of(probe);
    const std::string banner =
        "shortio: seed=4242 max_bytes=7 fail_percent=10 (replay with SHORTIO_SEED=4242)\n";
    EXPECT_EQ(occurrences(probe.stderr_text(), banner), 1u) << probe.stderr_text();
    EXPECT_EQ(occurrences(probe.stderr_text(), "shortio:"), 1u) << probe.stderr_text();
}

TEST_F(Injector, QuietSuppressesTheBanner)
{
    ChildProcess probe(kProbe, {"chunks"}, injected(4242, {"SHORTIO_QUIET=1"}));
    output_of(probe);
    EXPECT_EQ(probe.stderr_text(), "");
}

TEST_F(Injector, SameSeedReplaysTheSameChunkSizes)
{
    const std::string first = run_probe({"chunks"}, injected(777));
    const std::string again = run_probe({"chunks"}, injected(777));
    const std::string other = run_probe({"chunks"}, injected(778));
    EXPECT_EQ(first, again) << "the same seed must give the same sequence of calls";
    EXPECT_NE(first, other) << "another seed should give another sequence";
    const std::vector<int> sizes = chunk_sizes(first);
    ASSERT_FALSE(sizes.empty()) << first;
    for (int size : sizes)
        EXPECT_TRUE(size >= 1 && size <= 7) << first;
    EXPECT_NE(first.find("EINTR"), std::string::npos)
        << "blocking calls should fail with a fake EINTR now and then:\n"
        << first;
}

TEST_F(Injector, HonoursMaxBytesAndFailPercent)
{
    ChildProcess probe(kProbe, {"chunks"},
                       injected(99, {"SHORTIO_MAX_BYTES=3", "SHORTIO_FAIL_PERCENT=0"}));
    const std::string out = output_of(probe);
    for (int size : chunk_sizes(out))
        EXPECT_TRUE(size >= 1 && size <= 3) << out;
    EXPECT_EQ(out.find("EINTR"), std::string::npos) << out;
    EXPECT_NE(probe.stderr_text().find("max_bytes=3 fail_percent=0"), std::string::npos)
        << probe.stderr_text();
}

TEST_F(Injector, InjectZeroChangesNothing)
{
    const std::string out = run_probe({"chunks"}, injected(5, {"SHORTIO_INJECT=0"}));
    EXPECT_EQ(out, "socket write: 300\nsocket read: 300\npipe write: 300\npipe read: 300\n");
}

// 20,000 bytes at 1-7 bytes a read are thousands of reads per seed, each with a 10% chance of a
// fake failure: plenty to catch a missing edge-triggered guard, and quick enough that a busy
// machine never runs the test into the watchdog (100,000 bytes took 16 s on an idle one).
TEST_F(Injector, NeverFakesEagainOnAnEdgeTriggeredPipe)
{
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        ChildProcess probe(kProbe, {"et-pipe", "20000", "2000"}, injected(seed));
        EXPECT_EQ(output_of(probe), "received 20000 bytes\n") << "seed " << seed << "\n"
                                                              << probe.report();
    }
}

TEST_F(Injector, NeverFakesEagainOnAnEdgeTriggeredSocket)
{
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        ChildProcess probe(kProbe, {"et-socket", "20000", "2000"}, injected(seed));
        EXPECT_EQ(output_of(probe), "received 20000 bytes\n") << "seed " << seed << "\n"
                                                              << probe.report();
    }
}

// The control for the two tests above: with the edge-triggered bookkeeping off, a fake EAGAIN
// does stall a correct edge-triggered reader, so those tests would catch its absence.
TEST_F(Injector, FakeEagainWouldStallAnEdgeTriggeredReader)
{
    ChildProcess probe(kProbe, {"et-pipe", "100000", "300"}, injected(1, {"SHORTIO_TRACK_ET=0"}));
    const ExitStatus status = probe.expect_exit();
    EXPECT_TRUE(status.exited_with(3)) << probe.report();
    EXPECT_NE(probe.stdout_text().find("stalled"), std::string::npos) << probe.report();
}

TEST_F(Injector, LeavesRegularFilesAndEventfdsAlone)
{
    EXPECT_EQ(run_probe({"file"}, injected(3, {"SHORTIO_FAIL_PERCENT=50"})), "ok\n");
}

TEST_F(Injector, LibstdcxxStreamsStillWork)
{
    const std::string out = run_probe({"cout", "2000"}, injected(11));
    std::string expected;
    for (int i = 0; i < 2000; ++i)
        expected += "line " + std::to_string(i) + "\n";
    EXPECT_EQ(out, expected);

    SpawnOptions options = injected(12);
    options.stdin_pipe = true;
    ChildProcess copier(kProbe, {"cin"}, options);
    copier.write_stdin(expected);
    copier.close_stdin();
    EXPECT_EQ(output_of(copier), expected);
}

// --- the counters -------------------------------------------------------------------------------

// The names a shared library defines for others to call: the defined global and weak symbols of
// its dynamic symbol table (what `nm -D --defined-only` lists).
std::vector<std::string> exported_names(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    const std::string image((std::istreambuf_iterator<char>(file)),
                            std::istreambuf_iterator<char>());
    if (image.size() < sizeof(Elf64_Ehdr)) throw Failure("cannot read " + path);
    const auto* header = reinterpret_cast<const Elf64_Ehdr*>(image.data());
    const auto* sections = reinterpret_cast<const Elf64_Shdr*>(image.data() + header->e_shoff);
    std::vector<std::string> names;
    for (int i = 0; i < header->e_shnum; ++i) {
        if (sections[i].sh_type != SHT_DYNSYM) continue;
        const char* strings = image.data() + sections[sections[i].sh_link].sh_offset;
        const auto* symbols =
            reinterpret_cast<const Elf64_Sym*>(image.data() + sections[i].sh_offset);
        for (std::size_t k = 0; k < sections[i].sh_size / sizeof(Elf64_Sym); ++k) {
            const int binding = ELF64_ST_BIND(symbols[k].st_info);
            if (symbols[k].st_shndx != SHN_UNDEF &&
                (binding == STB_GLOBAL || binding == STB_WEAK)) {
                names.emplace_back(strings + symbols[k].st_name);
            }
        }
    }
    return names;
}

// Built with hidden visibility, the library exports the libc functions it wraps and nothing else:
// a helper of its own could otherwise take the place of a same-named function of the program.
TEST_F(Injector, ExportsOnlyTheLibcFunctionsItWraps)
{
    const std::vector<std::string> names = exported_names(run_context().shortio_library);
    for (const char* wrapped : {"read", "recv", "send", "writev", "epoll_ctl", "close", "fork"}) {
        EXPECT_NE(std::find(names.begin(), names.end(), wrapped), names.end()) << wrapped;
    }
    for (const std::string& name : names) {
        // This test program does not preload the library: the name must be libc's own.
        EXPECT_NE(::dlsym(RTLD_DEFAULT, name.c_str()), nullptr)
            << "libshortio.so exports " << name << ", which is not a libc function";
    }
}

TEST_F(SyscallCounting, IsEmptyBeforeAnyProgramRan)
{
    SyscallCounts counts;
    const shortio_counts c = counts.snapshot();
    EXPECT_EQ(c.magic, 0u);
    EXPECT_EQ(c.loads, 0u);
}

TEST_F(SyscallCounting, CountsEpollCallsExactlyAndLive)
{
    SyscallCounts counts;
    ChildProcess probe = start_epoll_calls(counts);
    ASSERT_TRUE(probe.wait_for_stdout("done")) << probe.report();
    // The program is still running: the counts are visible while it runs.
    const shortio_counts c = counts.snapshot();
    const std::string all = describe(c);
    EXPECT_EQ(c.magic, SHORTIO_COUNTS_MAGIC);
    EXPECT_EQ(c.loads, 1u) << all;
    EXPECT_EQ(c.epoll_create, 1u) << all;
    EXPECT_EQ(c.epoll_ctl, 3u) << all;
    EXPECT_EQ(c.epoll_ctl_add, 2u) << all;
    EXPECT_EQ(c.epoll_ctl_del, 1u) << all;
    EXPECT_EQ(c.epoll_ctl_et, 1u) << all;
    EXPECT_EQ(c.epoll_wait, 3u) << all;
    EXPECT_EQ(c.epoll_wait_empty, 3u) << all;
    EXPECT_EQ(c.epoll_events, 0u) << all;
    EXPECT_EQ(c.poll + c.ppoll + c.select + c.pselect, 0u) << all;
    EXPECT_EQ(c.fork, 1u) << all;
    EXPECT_EQ(c.fcntl_getfl, 1u) << all;
    EXPECT_EQ(c.fcntl_setfl, 1u) << all;
    EXPECT_EQ(c.fcntl_getfd, 0u) << all;
    EXPECT_EQ(c.socket_reads, 2u) << all;
    EXPECT_EQ(c.blocking_socket_reads, 1u) << all;
    EXPECT_EQ(c.reads_would_block, 1u) << all;
    EXPECT_EQ(c.socket_writes, 1u) << all;
    EXPECT_EQ(c.socket_write_bytes, 1u) << all;
    EXPECT_EQ(c.accept4, 1u) << all;
    EXPECT_EQ(c.accept_would_block, 1u) << all;
    EXPECT_EQ(c.injected_short + c.injected_eintr + c.injected_eagain, 0u) << all;
    probe.close_stdin();
    EXPECT_TRUE(probe.expect_exit().exited_with(0)) << probe.report();
    EXPECT_NE(probe.stderr_text().find("shortio: injection off"), std::string::npos)
        << probe.report();
}

TEST_F(SyscallCounting, TellsPollFromEpoll)
{
    SyscallCounts counts;
    ChildProcess probe(kProbe, {"calls", "poll"}, counts.spawn_options(false));
    EXPECT_TRUE(probe.expect_exit().exited_with(0)) << probe.report();
    const shortio_counts c = counts.snapshot();
    const std::string all = describe(c);
    EXPECT_EQ(c.poll, 2u) << all;
    EXPECT_EQ(c.select, 1u) << all;
    EXPECT_EQ(c.poll_empty, 3u) << all;
    EXPECT_EQ(c.epoll_create + c.epoll_ctl + c.epoll_wait + c.epoll_pwait + c.epoll_pwait2, 0u)
        << all;
}

TEST_F(SyscallCounting, CountsSurviveSigkill)
{
    SyscallCounts counts;
    ChildProcess probe = start_epoll_calls(counts);
    ASSERT_TRUE(probe.wait_for_stdout("done")) << probe.report();
    probe.send_signal(SIGKILL);
    EXPECT_FALSE(probe.expect_exit().exited) << probe.report();
    EXPECT_EQ(counts.snapshot().epoll_wait, 3u) << describe(counts.snapshot());
}

TEST_F(SyscallCounting, CountsWhileInjecting)
{
    SyscallCounts counts;
    ChildProcess probe(kProbe, {"chunks"}, counts.spawn_options(true));
    output_of(probe);
    const shortio_counts c = counts.snapshot();
    EXPECT_GT(c.injected_short, 0u) << describe(c);
    EXPECT_EQ(c.socket_read_bytes, 300u) << describe(c);
    EXPECT_EQ(c.pipe_write_bytes, 300u) << describe(c);
    EXPECT_EQ(c.blocking_socket_reads, c.socket_reads) << describe(c);
    EXPECT_NE(probe.stderr_text().find("shortio: seed=" + run_context().shortio_seed),
              std::string::npos)
        << probe.report();
}

}  // namespace
}  // namespace testkit
