// Unit tests of the terminal's guard (screen_guard.cpp): bytes in, text out, compared exactly.
#include <string>
#include <string_view>

#include "lab05_full_chat/screen_guard.h"
#include "testkit/failure.h"
#include "testkit/graded.h"

using room::neutralise;
using room::utf8_sequence_length;
using testkit::printable;

namespace {

using namespace std::string_literals;  // "\0"s: a NUL inside a string

// neutralise(@p line) must be exactly @p expected; say which bytes went in when it is not.
void expect_shown_as(const std::string& line, const std::string& expected)
{
    const std::string shown = neutralise(line);
    EXPECT_EQ(shown, expected) << "neutralise('" << printable(line) << "')\n";
}

// utf8_sequence_length(@p bytes) must be @p expected.
void expect_length(const std::string& bytes, std::size_t expected)
{
    EXPECT_EQ(utf8_sequence_length(bytes), expected)
        << "utf8_sequence_length('" << printable(bytes) << "')\n";
}

}  // namespace

GRADED_TEST(Utf8SequenceLength, CountsAsciiAndValidCharactersOfEveryLength, 3,
            "utf8_sequence_length: 1 for ASCII, 2-4 for a valid sequence, counted from its first "
            "byte whatever follows (README §5.2)")
{
    expect_length("A", 1);
    expect_length("\x1b[2J", 1);  // a control is one ASCII byte: neutralise() decides what to show
    expect_length("\x7f", 1);
    expect_length("\xc3\xa9t\xc3\xa9", 2);         // é, then more text
    expect_length("\xc2\x80", 2);                  // U+0080, the first two-byte character
    expect_length("\xdf\xbf", 2);                  // U+07FF, the last
    expect_length("\xe0\xa0\x80", 3);              // U+0800, the first three-byte character
    expect_length("\xe6\x97\xa5\xe6\x9c\xac", 3);  // 日本
    expect_length("\xed\x9f\xbf", 3);              // U+D7FF, just below the surrogates
    expect_length("\xef\xbf\xbd", 3);              // U+FFFD, the replacement character
    expect_length("\xf0\x90\x80\x80", 4);          // U+10000, the first four-byte character
    expect_length("\xf0\x9f\x99\x82 smile", 4);    // 🙂
    expect_length("\xf4\x8f\xbf\xbf", 4);          // U+10FFFF, the last code point
}

GRADED_TEST(Utf8SequenceLength, IsZeroForEveryInvalidStart, 4,
            "utf8_sequence_length: 0 for a stray continuation byte, c0/c1/f5-ff, a cut or "
            "interrupted sequence, an overlong form, a surrogate, a code point above U+10FFFF "
            "(README §5.2, RFC 3629 §4)")
{
    expect_length("", 0);
    expect_length("\x80", 0);  // a continuation byte cannot start a character
    expect_length("\xbf", 0);
    expect_length("\xc0\xaf", 0);  // c0 and c1 only ever start overlong forms
    expect_length("\xc1\xbf", 0);
    expect_length("\xf5\x80\x80\x80", 0);  // f5-ff are never used
    expect_length("\xff", 0);
    expect_length("\xc3", 0);  // cut short: the line ends
    expect_length("\xe6\x97", 0);
    expect_length("\xf0\x9f\x99", 0);
    // interrupted by a byte that is no continuation
    expect_length("\xc3"s + "A", 0);
    expect_length("\xe6"s + "A\xa5", 0);
    expect_length("\xe6\x97"s + "A", 0);
    expect_length("\xf0\x9f\x99"s + "A", 0);
    expect_length("\xe0\x80\xaf", 0);      // overlong "/" in three bytes
    expect_length("\xe0\x9f\xbf", 0);      // overlong U+07FF
    expect_length("\xf0\x80\x80\xaf", 0);  // overlong "/" in four bytes
    expect_length("\xf0\x8f\xbf\xbf", 0);  // overlong U+FFFF
    expect_length("\xed\xa0\x80", 0);      // U+D800, the first surrogate
    expect_length("\xed\xbf\xbf", 0);      // U+DFFF, the last
    expect_length("\xf4\x90\x80\x80", 0);  // U+110000: above the last code point
}

GRADED_TEST(Neutralise, ShowsEscapeSequencesAsText, 4,
            "neutralise: ESC (and so every escape sequence: clear the screen, set the title, hide "
            "text) is shown as ^[ and cannot drive the terminal (README §5.2)")
{
    expect_shown_as("\x1b[2J\x1b[H", "^[[2J^[[H");                        // clear the screen, home
    expect_shown_as("\x1b]0;pwned\x07", "^[]0;pwned^G");                  // set the window title
    expect_shown_as("a \x1b[8mhidden\x1b[0m b", "a ^[[8mhidden^[[0m b");  // conceal text
    expect_shown_as("\x1b"s + "c",
                    "^[c");  // reset the terminal
}

GRADED_TEST(Neutralise, ShowsEveryOtherC0ControlAndDelInCaretNotation, 4,
            "neutralise: CR, backspace, BEL, NUL and every control below 0x20 but tab, and DEL, "
            "become ^M, ^H, ^G, ^@ ... ^? (README §5.2)")
{
    expect_shown_as("alice say >> hi\rbob say >> lies", "alice say >> hi^Mbob say >> lies");
    expect_shown_as("truth\b\b\b\b\blies!", "truth^H^H^H^H^Hlies!");
    expect_shown_as("ding\x07", "ding^G");
    expect_shown_as("nul\0byte"s, "nul^@byte");
    expect_shown_as("del\x7f", "del^?");
    expect_shown_as("\x01\x0a\x0b\x0c\x1a\x1c\x1d\x1e\x1f", "^A^J^K^L^Z^\\^]^^^_");
    std::string every;
    std::string expected;
    for (int b = 0; b < 0x20; ++b) {
        if (b == '\t') continue;
        every += static_cast<char>(b);
        expected += '^';
        expected += static_cast<char>(b + 0x40);
    }
    expect_shown_as(every, expected);
}

GRADED_TEST(Neutralise, ShowsC1ControlsVisibly, 4,
            "neutralise: C1 controls (U+0080-U+009F, c2 80-9f in UTF-8; raw 0x80-0x9f) are shown "
            "as \\u0080 or \\x80 text: 0x9b is CSI, an escape sequence of its own (README §5.2)")
{
    expect_shown_as("\xc2\x9b"s + "2J",
                    "\\u009b2J");  // CSI as a UTF-8 character
    expect_shown_as("\xc2\x80\xc2\x9f", "\\u0080\\u009f");
    expect_shown_as("\x9b"s + "2J",
                    "\\x9b2J");  // CSI as a raw byte: not UTF-8 at all
    expect_shown_as("\x9d"s + "0;title\x9c",
                    "\\x9d0;title\\x9c");  // OSC ... ST, raw
    expect_shown_as("\xc2\xa0"s + "nbsp",
                    "\xc2\xa0"s + "nbsp");  // U+00A0 is text: kept
}

GRADED_TEST(Neutralise, KeepsTabsPlainTextAndValidUtf8Intact, 4,
            "neutralise: what cannot drive a terminal is not touched: tabs, printable ASCII, every "
            "valid UTF-8 character (README §5.2)")
{
    expect_shown_as("", "");
    expect_shown_as("ClientID 2 say >> hello, world!", "ClientID 2 say >> hello, world!");
    expect_shown_as("name\tscore\t42", "name\tscore\t42");
    expect_shown_as(" !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~",
                    " !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~");
    const std::string text =
        "h\xc3\xa9llo w\xc3\xb6rld \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e "
        "\xf0\x9f\x99\x82 \xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xef\xbf\xbd "
        "\xf4\x8f\xbf\xbf";
    expect_shown_as(text, text);  // héllo wörld — 日本語 🙂 привет U+FFFD U+10FFFF
}

GRADED_TEST(Neutralise, ShowsEachByteOfInvalidUtf8AsHex, 4,
            "neutralise: a byte that does not start a valid character is shown as \\xNN, one byte "
            "at a time, and the text after it is kept (README §5.2)")
{
    expect_shown_as("\x80"s + "abc",
                    "\\x80abc");  // a stray continuation
    expect_shown_as("\xe6\x97"s + "A",
                    "\\xe6\\x97A");                               // cut short by "A"
    expect_shown_as("end \xe6\x97", "end \\xe6\\x97");            // cut short by the end
    expect_shown_as("\xc0\xaf", "\\xc0\\xaf");                    // overlong "/"
    expect_shown_as("\xe0\x80\xaf", "\\xe0\\x80\\xaf");           // overlong "/"
    expect_shown_as("\xed\xa0\x80", "\\xed\\xa0\\x80");           // a surrogate
    expect_shown_as("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
    expect_shown_as("\xff\xfe"s + "x\xc3\xa9",
                    "\\xff\\xfex\xc3\xa9");                             // then valid text again
    expect_shown_as("\xe6\x97\xe6\x97\xa5", "\\xe6\\x97\xe6\x97\xa5");  // cut, then a whole 日
}
