// Unit tests of line_buffer.cpp: LineBuffer alone, fed the ways TCP may cut a stream.
#include <chrono>
#include <string>
#include <vector>

#include "testkit/failure.h"
#include "testkit/graded.h"
#include "lab02_nonblocking/line_buffer.h"

using nb::LineBuffer;
using nb::LineStatus;

namespace {

// Every outcome pop_line() has ready, until Incomplete: a line as itself, TooLong as "<TooLong>".
std::vector<std::string> pop_all(LineBuffer& buffer)
{
    std::vector<std::string> out;
    for (nb::LineResult next = buffer.pop_line(); next.status != LineStatus::Incomplete;
         next = buffer.pop_line()) {
        out.push_back(next.status == LineStatus::Line ? next.line : "<TooLong>");
    }
    return out;
}

std::string show(const std::vector<std::string>& lines)
{
    std::string out = "[";
    for (const std::string& line : lines)
        out += (out.size() > 1 ? ", \"" : "\"") + testkit::printable(line, 60) + "\"";
    return out + "]";
}

const char kSample[] = "hello\nworld\r\n\nlast line\n";
const std::vector<std::string> kSampleLines = {"hello", "world", "", "last line"};

}  // namespace

GRADED_TEST(LineBuffer, PopsALineOnlyOnceItsNewlineArrived, 2,
            "TCP has no message boundaries: bytes without '\\n' are not a line yet (README §3, "
            "mistake 12)")
{
    LineBuffer buffer;
    buffer.append("hel");
    EXPECT_EQ(buffer.pop_line().status, LineStatus::Incomplete) << "after append(\"hel\")";
    buffer.append("lo");
    EXPECT_EQ(buffer.pop_line().status, LineStatus::Incomplete)
        << "after append(\"hel\"), append(\"lo\")";
    EXPECT_EQ(buffer.buffered(), 5u) << "the unfinished line is kept";
    buffer.append("\n");
    const nb::LineResult line = buffer.pop_line();
    EXPECT_EQ(line.status, LineStatus::Line);
    EXPECT_EQ(line.line, "hello");
    EXPECT_EQ(buffer.pop_line().status, LineStatus::Incomplete);
    EXPECT_EQ(buffer.buffered(), 0u);
}

GRADED_TEST(LineBuffer, SameLinesWhereverTheStreamIsCut, 4,
            "a line may be split across reads at any byte: every split point into two and three "
            "chunks gives the same lines (README §3, mistake 12)")
{
    const std::string sample = kSample;
    for (std::size_t i = 0; i <= sample.size(); ++i) {
        for (std::size_t j = i; j <= sample.size(); ++j) {
            LineBuffer buffer;
            std::vector<std::string> lines;
            for (const std::string& chunk :
                 {sample.substr(0, i), sample.substr(i, j - i), sample.substr(j)}) {
                buffer.append(chunk);
                for (const std::string& line : pop_all(buffer))
                    lines.push_back(line);
            }
            ASSERT_EQ(lines, kSampleLines)
                << "cut at bytes " << i << " and " << j << " of \"" << testkit::printable(sample)
                << "\": got " << show(lines);
        }
    }
}

GRADED_TEST(LineBuffer, ReadsOneByteAtATime, 2,
            "one byte per append, as a slow sender gives them (README §3)")
{
    LineBuffer buffer;
    std::vector<std::string> lines;
    for (const char byte : std::string(kSample)) {
        buffer.append(std::string_view(&byte, 1));
        for (const std::string& line : pop_all(buffer))
            lines.push_back(line);
    }
    EXPECT_EQ(lines, kSampleLines) << show(lines);
}

GRADED_TEST(LineBuffer, PopsManyLinesFromOneChunkInOrder, 2,
            "one read may hold many lines: pop them all, in order (README §3, mistake 12)")
{
    LineBuffer buffer;
    std::string chunk;
    std::vector<std::string> expected;
    for (int i = 0; i < 1000; ++i) {
        expected.push_back("line " + std::to_string(i));
        chunk += expected.back() + "\n";
    }
    chunk += "unfinished";
    buffer.append(chunk);
    const std::vector<std::string> lines = pop_all(buffer);
    ASSERT_EQ(lines.size(), expected.size()) << "from one chunk of 1000 lines and a half";
    EXPECT_EQ(lines, expected);
    EXPECT_EQ(buffer.buffered(), std::string("unfinished").size())
        << "the half line stays buffered";
}

GRADED_TEST(LineBuffer, KeepsEmptyLinesAndStripsOnlyAFinalCarriageReturn, 2,
            "\"\\n\" and \"\\r\\n\" end lines; empty lines are lines; a '\\r' elsewhere is data "
            "(README §3)")
{
    LineBuffer buffer;
    buffer.append("\n\r\n\na\rb\r\nc\r\r\n\rd\n");
    const std::vector<std::string> lines = pop_all(buffer);
    EXPECT_EQ(lines, (std::vector<std::string>{"", "", "", "a\rb", "c\r", "\rd"})) << show(lines);
}

GRADED_TEST(LineBuffer, KeepsNulBytesInsideALine, 2,
            "lines are bytes, not C strings: a NUL does not end a line (README §3)")
{
    LineBuffer buffer;
    const std::string with_nul("a\0b\0\0c", 6);
    buffer.append(with_nul + "\n");
    const nb::LineResult line = buffer.pop_line();
    EXPECT_EQ(line.status, LineStatus::Line);
    EXPECT_EQ(testkit::printable(line.line), testkit::printable(with_nul));
}

GRADED_TEST(LineBuffer, AcceptsALineOfExactlyTheLimit, 2,
            "max_line bytes are allowed, with a \"\\n\" or a \"\\r\\n\" ending (README §3)")
{
    LineBuffer buffer(8);
    buffer.append("12345678\n12345678\r\n");
    EXPECT_EQ(pop_all(buffer), (std::vector<std::string>{"12345678", "12345678"}));
    // The same, with the "\r" and the "\n" in different appends.
    buffer.append("12345678\r");
    EXPECT_EQ(buffer.pop_line().status, LineStatus::Incomplete)
        << "8 bytes and a '\\r' may still be a line of 8 with a \"\\r\\n\" ending";
    buffer.append("\n");
    EXPECT_EQ(pop_all(buffer), (std::vector<std::string>{"12345678"}));
}

GRADED_TEST(LineBuffer, RejectsALineOneByteOverTheLimit, 2,
            "max_line + 1 bytes is TooLong, once, and the next line is fine (README §3)")
{
    LineBuffer buffer(8);
    buffer.append("ok\n123456789\nnext\n");
    const std::vector<std::string> got = pop_all(buffer);
    EXPECT_EQ(got, (std::vector<std::string>{"ok", "<TooLong>", "next"})) << show(got);
    buffer.append("12345678\r9\n");  // a '\r' inside makes it 10 bytes of content
    EXPECT_EQ(pop_all(buffer), (std::vector<std::string>{"<TooLong>"}));
}

GRADED_TEST(LineBuffer, ReportsTooLongBeforeTheNewlineArrives, 2,
            "the server must be able to answer at once: TooLong as soon as the unfinished line "
            "passes the limit, then its rest is dropped up to its '\\n' (README §3)")
{
    LineBuffer buffer(8);
    buffer.append("123456789");
    const nb::LineResult result = buffer.pop_line();
    EXPECT_EQ(result.status, LineStatus::TooLong)
        << "9 bytes without '\\n' already pass a limit of 8";
    EXPECT_LE(buffer.buffered(), 9u);
    buffer.append("still the same line");
    EXPECT_EQ(buffer.pop_line().status, LineStatus::Incomplete)
        << "one TooLong per line, not per append";
    buffer.append(" ends here\nfine\n");
    const std::vector<std::string> got = pop_all(buffer);
    EXPECT_EQ(got, (std::vector<std::string>{"fine"})) << show(got);
}

GRADED_TEST(LineBuffer, KeepsMemoryBoundedFor1MiBWithoutNewline, 4,
            "a peer that never sends '\\n' must not make the buffer grow: at most max_line + 1 "
            "bytes of an unfinished line (README §3)")
{
    LineBuffer buffer(4096);
    const std::string chunk(1000, 'z');
    int too_long = 0;
    for (int i = 0; i < 1049; ++i) {  // 1 MiB and a bit, 1000 bytes per append
        buffer.append(chunk);
        ASSERT_LE(buffer.buffered(), 4097u)
            << "after appending " << (i + 1) * chunk.size() << " bytes without a newline";
        for (const std::string& outcome : pop_all(buffer)) {
            EXPECT_EQ(outcome, "<TooLong>");
            ++too_long;
        }
    }
    EXPECT_EQ(too_long, 1) << "one line too long, one TooLong";

    LineBuffer whole(4096);  // the same in a single append
    whole.append(std::string(1024 * 1024, 'z'));
    EXPECT_LE(whole.buffered(), 4097u) << "after one append of 1 MiB without a newline";
    whole.append("\nafter\n");
    const std::vector<std::string> got = pop_all(whole);
    EXPECT_EQ(got, (std::vector<std::string>{"<TooLong>", "after"})) << show(got);
}

GRADED_TEST(LineBuffer, FramesTwoMebibytesOfShortLinesInLinearTime, 2,
            "popping a line must not copy the whole buffer (erase the front per line is O(n^2)) "
            "(README §3)")
{
    std::string chunk;
    for (int i = 0; i < 200000; ++i)
        chunk += "line " + std::to_string(i % 1000) + "\n";
    LineBuffer buffer;
    const auto start = std::chrono::steady_clock::now();
    buffer.append(chunk);
    std::size_t lines = 0;
    while (buffer.pop_line().status == LineStatus::Line)
        ++lines;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    EXPECT_EQ(lines, 200000u);
    // Linear framing takes a few ms here; moving the rest of 2 MiB per line takes minutes.
    EXPECT_LT(elapsed.count(), 3000)
        << "framing 200000 lines (" << chunk.size() << " bytes) took " << elapsed.count() << " ms";
}
