// Black-box test of lab05's chat_server with many clients at once: a thousand connections, ten
// thousand whispers, not one lost. Runs again under the short-I/O injector (".UnderShortIO").
#include <string>
#include <vector>

#include "lab05_full_chat/tests/server_test_support.h"

using namespace lab05;

GRADED_TEST(Load, AThousandClientsTenWhispersEachNoneLost, 5,
            "Server::accept_clients until EAGAIN, read_from, the batched output of end_of_turn and "
            "flush: 1,000 clients connect at once and each sends 10 lines: every line arrives, "
            "once and in order per sender (README §3.1-3.3)")
{
    constexpr int kSenders = 1000;
    constexpr int kLines = 10;
    testkit::raise_fd_limit(4 * kSenders);
    // Under the injector, pieces of at most 4 KiB: the join notices alone are megabytes.
    testkit::SpawnOptions options;
    options.env.push_back("SHORTIO_MAX_BYTES=4096");
    ServerProcess server({}, options);
    LineClient observer = join(server, 1);
    observer.send_line("/nick observer");
    ASSERT_EQ(observer.expect_line(), "* ClientID 1 is now observer");
    // All connect first (the kernel completes each handshake, the server accepts them in bursts),
    // then each reads its welcome.
    std::vector<LineClient> senders;
    senders.reserve(kSenders);
    for (int i = 0; i < kSenders; ++i)
        senders.push_back(LineClient::connect(server.port));
    for (int i = 0; i < kSenders; ++i) {
        const std::string line = senders[i].expect_line();
        ASSERT_EQ(line, welcome(static_cast<std::uint64_t>(i) + 2)) << "sender " << i;
    }
    for (int i = 0; i < kSenders; ++i)
        ASSERT_EQ(observer.expect_line(), joined(static_cast<std::uint64_t>(i) + 2));
    // Ten rounds: every sender whispers one line to the observer, which then reads the round's
    // thousand lines (reading as it goes, it stays far below the output limit).
    std::vector<int> next(kSenders, 0);  // per sender: the number of its next expected line
    for (int round = 0; round < kLines; ++round) {
        for (int i = 0; i < kSenders; ++i)
            senders[i].send_line("/msg observer m" + std::to_string(i) + "-" +
                                 std::to_string(round));
        for (int n = 0; n < kSenders; ++n) {
            const std::string line = observer.expect_line();
            int id = 0;
            int sender = -1;
            int number = -1;
            ASSERT_EQ(
                std::sscanf(line.c_str(), "ClientID %d whispers >> m%d-%d", &id, &sender, &number),
                3)
                << "round " << round << ": " << testkit::printable(line);
            ASSERT_TRUE(sender >= 0 && sender < kSenders && id == sender + 2)
                << testkit::printable(line);
            ASSERT_EQ(number, next[sender])
                << "sender " << sender << "'s lines arrived out of order, or one was lost";
            ++next[sender];
        }
    }
    observer.expect_silence(Duration(50));
    // Each sender got its ten receipts, after the join notices of those who came after it.
    for (int i = 0; i < kSenders; ++i) {
        for (int later = i + 1; later < kSenders; ++later)
            ASSERT_EQ(senders[i].expect_line(), joined(static_cast<std::uint64_t>(later) + 2));
        for (int round = 0; round < kLines; ++round)
            ASSERT_EQ(senders[i].expect_line(), "* whispered to observer") << "sender " << i;
    }
}
