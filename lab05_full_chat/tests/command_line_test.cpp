// Tests of the given parsing helpers (command_line.h) and of the lines room_protocol.h builds. Plain
// TESTs, without points: this code is given, so it passes on the untouched skeleton too; they are
// here so that a change to the given files cannot break the protocol unnoticed.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "lab03_epoll_server/protocol.h"
#include "lab05_full_chat/command_line.h"
#include "lab05_full_chat/nick_rules.h"
#include "lab05_full_chat/room_protocol.h"

namespace {

// A text and the two parts a helper that cuts it must give: split_command's name and arguments,
// first_word's word and rest (each helper answers with a struct of two string_views).
struct Cut {
    std::string_view text;
    std::string_view first;
    std::string_view rest;
};

// Check that @p cut gives each of @p cases its two parts; a failure names the text it cut.
template <typename Helper>
void expect_cuts(Helper cut, std::initializer_list<Cut> cases)
{
    for (const Cut& c : cases) {
        const auto [first, rest] = cut(c.text);
        EXPECT_EQ(first, c.first) << "cutting '" << c.text << "'";
        EXPECT_EQ(rest, c.rest) << "cutting '" << c.text << "'";
    }
}

}  // namespace

TEST(CommandLineHelpers, SplitCommandCutsTheNameAtTheFirstSpace)
{
    expect_cuts(room::split_command, {{"/who", "who", ""},
                                      {"/nick bob", "nick", "bob"},
                                      {"/nick   bob  ", "nick", "bob  "},
                                      {"/msg bob hi  there", "msg", "bob hi  there"},
                                      {"/", "", ""},
                                      {"/ nick", "", "nick"},
                                      {"/nickbob", "nickbob", ""}});
}

TEST(CommandLineHelpers, FirstWordSkipsSpacesAndKeepsTheRest)
{
    expect_cuts(room::first_word, {{"", "", ""},
                                   {"   ", "", ""},
                                   {"bob", "bob", ""},
                                   {"bob ", "bob", ""},
                                   {"  bob   see  you ", "bob", "see  you "}});
}

TEST(CommandLineHelpers, TrimSpacesOnlyDropsOuterSpaces)
{
    EXPECT_EQ(room::trim_spaces("  a b  "), "a b");
    EXPECT_EQ(room::trim_spaces("    "), "");
    EXPECT_EQ(room::trim_spaces("\tx\t"), "\tx\t") << "only ' ' separates arguments";
}

TEST(CommandLineHelpers, CaseIsIgnoredForAsciiLettersOnly)
{
    EXPECT_TRUE(room::equal_ignoring_case("Bob", "bOB"));
    EXPECT_FALSE(room::equal_ignoring_case("bob", "bobb"));
    EXPECT_FALSE(room::equal_ignoring_case("\xc3\xa9", "\xc3\x89")) << "é and É are not ASCII";
    EXPECT_FALSE(room::equal_ignoring_case("@", "`")) << "0x40 and 0x60 differ by 32 too";
    EXPECT_TRUE(room::starts_with_ignoring_case("ClientID7", "clientid"));
    EXPECT_FALSE(room::starts_with_ignoring_case("client", "clientid"));
}

TEST(CommandLineHelpers, PrintableAsciiIsSpaceToTilde)
{
    EXPECT_TRUE(room::is_printable_ascii(" ~abc"));
    EXPECT_TRUE(room::is_printable_ascii(""));
    for (const char c : {'\0', '\t', '\r', '\x1b', '\x7f', '\x80', '\xff'}) {
        EXPECT_FALSE(room::is_printable_ascii(std::string(1, c))) << static_cast<int>(c);
    }
}

TEST(RoomProtocol, Lab03LinesAreLab03s)
{
    EXPECT_EQ(room::welcome_line(12), chat::welcome_line(12));
    EXPECT_EQ(room::say_line(room::default_name(12), "hi"), chat::chat_line(12, "hi"));
    EXPECT_EQ(room::kAloneLine, chat::kAloneLine);
    EXPECT_EQ(room::kTooLongLine, chat::kTooLongLine);
}

TEST(RoomProtocol, UnknownCommandLineRepeatsOnlyShortPrintableNames)
{
    EXPECT_EQ(room::unknown_command_line("foo"),
              "error: unknown command /foo; /help lists the commands\n");
    EXPECT_EQ(room::unknown_command_line(std::string(32, 'x')),
              "error: unknown command /" + std::string(32, 'x') + "; /help lists the commands\n");
    EXPECT_EQ(room::unknown_command_line(std::string(33, 'x')),
              "error: unknown command; /help lists the commands\n");
    EXPECT_EQ(room::unknown_command_line("a\x1b"),
              "error: unknown command; /help lists the commands\n");
}

TEST(RoomProtocol, NickRefusalLinesRepeatOnlyReservedNames)
{
    using room::NickVerdict;
    EXPECT_EQ(room::nick_refusal_line(NickVerdict::Missing, ""), "error: usage: /nick NAME\n");
    EXPECT_EQ(room::nick_refusal_line(NickVerdict::TooLong, "x\x1b"),
              "error: a name is at most 16 bytes\n");
    EXPECT_EQ(room::nick_refusal_line(NickVerdict::BadCharacters, "x\x1b"),
              "error: a name starts with a letter and holds only letters, digits, '_' and '-'\n");
    EXPECT_EQ(room::nick_refusal_line(NickVerdict::Reserved, "Admin"),
              "error: the name Admin is reserved\n");
}
