// Self-test of the /proc helpers (testkit/proc.h) on helper programs with known fds, children
// and CPU use.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "common/fd.h"
#include "testkit/child_process.h"
#include "testkit/failure.h"
#include "testkit/proc.h"

namespace testkit {
namespace {

const std::string kProbe = SELFTEST_PROBE;

SpawnOptions plain(bool stdin_pipe = false)
{
    SpawnOptions options;
    options.shortio = false;
    options.stdin_pipe = stdin_pipe;
    return options;
}

// The pid after "child " / "zombie " in the probe's first line.
pid_t announced_pid(ChildProcess& probe)
{
    const auto line = probe.next_stdout_line();
    if (!line) throw Failure("the probe announced no pid\n" + probe.report());
    return static_cast<pid_t>(std::stol(line->substr(line->find(' ') + 1)));
}

TEST(Proc, ListsAndDescribesOpenFds)
{
    ChildProcess probe(kProbe, {"fds"}, plain(true));
    ASSERT_EQ(probe.next_stdout_line(), "ready") << probe.report();
    const std::vector<int> fds = open_fds(probe.pid());
    ASSERT_GE(fds.size(), 6u) << describe_fds(probe.pid());
    EXPECT_EQ(std::vector<int>(fds.begin(), fds.begin() + 3), (std::vector<int>{0, 1, 2}));
    EXPECT_TRUE(std::is_sorted(fds.begin(), fds.end()));
    EXPECT_EQ(count_sockets(probe.pid()), 3) << describe_fds(probe.pid());
    const std::string described = describe_fds(probe.pid());
    EXPECT_NE(described.find("0 -> pipe:["), std::string::npos) << described;
    std::size_t socket_lines = 0;
    for (auto at = described.find(" -> socket:["); at != std::string::npos;
         at = described.find(" -> socket:[", at + 1)) {
        ++socket_lines;
    }
    EXPECT_EQ(socket_lines, 3u) << described;
}

TEST(Proc, WaitsForTheFdCountToReturnToBaseline)
{
    ChildProcess probe(kProbe, {"fds"}, plain(true));
    ASSERT_EQ(probe.next_stdout_line(), "ready") << probe.report();
    const std::size_t with_sockets = open_fds(probe.pid()).size();
    EXPECT_FALSE(wait_until_fd_count(probe.pid(), with_sockets - 3, Duration(50)))
        << "the sockets are still open";
    probe.write_stdin("close them\n");
    EXPECT_TRUE(wait_until_fd_count(probe.pid(), with_sockets - 3)) << describe_fds(probe.pid());
    EXPECT_EQ(count_sockets(probe.pid()), 0) << describe_fds(probe.pid());
}

TEST(Proc, FindsChildrenAndGroupMembers)
{
    ChildProcess probe(kProbe, {"fork-child"}, plain());
    const pid_t child = announced_pid(probe);
    EXPECT_EQ(children_of(probe.pid()), std::vector<pid_t>{child});
    EXPECT_EQ(processes_in_group(probe.pid()),
              (std::vector<pid_t>{std::min(probe.pid(), child), std::max(probe.pid(), child)}));
    const char state = process_state(probe.pid());  // on its way into pause(), or in it
    EXPECT_TRUE(state == 'S' || state == 'R') << "state " << state;
}

TEST(Proc, SeesAnUnreapedChildAsZombie)
{
    ChildProcess probe(kProbe, {"zombie"}, plain());
    const pid_t zombie = announced_pid(probe);
    EXPECT_EQ(process_state(zombie), 'Z');
    EXPECT_EQ(children_of(probe.pid()), std::vector<pid_t>{zombie});
}

TEST(Proc, SleepingProgramUsesNoCpu)
{
    ChildProcess probe(kProbe, {"sleep"}, plain());
    ASSERT_EQ(probe.next_stdout_line(), "ready") << probe.report();
    const double share = cpu_share_while_idle(probe.pid(), Duration(400));
    EXPECT_LT(share, 0.1) << "a program blocked in pause() should use no CPU";
}

TEST(Proc, SpinningProgramUsesACore)
{
    ChildProcess probe(kProbe, {"spin"}, plain());
    ASSERT_EQ(probe.next_stdout_line(), "ready") << probe.report();
    const double before = cpu_seconds(probe.pid());
    const double share = cpu_share_while_idle(probe.pid(), Duration(400));
    // Alone it uses a whole core; on a machine busy with parallel tests, its share of one.
    EXPECT_GT(share, 0.05) << "a busy loop should use a good part of a core";
    EXPECT_LT(share, 1.2);
    EXPECT_GT(cpu_seconds(probe.pid()), before);
}

TEST(Proc, ReportsAGoneProcess)
{
    ChildProcess probe(kProbe, {"file"}, plain());
    ASSERT_TRUE(probe.expect_exit().exited_with(0)) << probe.report();
    EXPECT_EQ(process_state(probe.pid()), '\0');
    EXPECT_THROW(open_fds(probe.pid()), Failure);
    EXPECT_THROW(cpu_seconds(probe.pid()), Failure);
    EXPECT_NE(describe_fds(probe.pid()).find("is gone"), std::string::npos);
    EXPECT_FALSE(wait_until_fd_count(probe.pid(), 0, Duration(10)));
    EXPECT_TRUE(children_of(probe.pid()).empty());
}

TEST(Proc, ReadsTheAcceptQueueOfAListener)
{
    const kit::Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    auto* raw = reinterpret_cast<sockaddr*>(&address);
    ASSERT_EQ(::bind(listener.get(), raw, length), 0);
    ASSERT_EQ(::listen(listener.get(), 7), 0);
    ASSERT_EQ(::getsockname(listener.get(), raw, &length), 0);
    EXPECT_EQ(listen_queue(listener.get()).limit, 7u);
    EXPECT_EQ(listen_queue(listener.get()).queued, 0u);
    const kit::Fd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_EQ(::connect(client.get(), raw, length), 0);
    EXPECT_TRUE(eventually([&] { return listen_queue(listener.get()).queued == 1; }));
    EXPECT_THROW(listen_queue(-1), Failure);
}

}  // namespace
}  // namespace testkit
