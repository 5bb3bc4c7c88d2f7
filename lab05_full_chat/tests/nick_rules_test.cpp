// Unit tests of the name rules (nick_rules.cpp), in the test process.
#include <string>
#include <string_view>
#include <utility>

#include "lab05_full_chat/nick_rules.h"
#include "testkit/failure.h"
#include "testkit/graded.h"

using room::NickVerdict;

namespace {

// Each verdict's name, for the failure messages.
constexpr std::pair<NickVerdict, const char*> kVerdictNames[] = {
    {NickVerdict::Ok, "Ok"},
    {NickVerdict::Missing, "Missing"},
    {NickVerdict::TooLong, "TooLong"},
    {NickVerdict::BadCharacters, "BadCharacters"},
    {NickVerdict::Reserved, "Reserved"},
};

// The name of @p verdict; "?" for a value that is not a NickVerdict at all.
const char* to_string(NickVerdict verdict)
{
    for (const auto& [known, name] : kVerdictNames) {
        if (known == verdict) return name;
    }
    return "?";
}

// check_nick(name) must be @p expected; the failure shows the name's bytes escaped.
void expect_verdict(std::string_view name, NickVerdict expected)
{
    const NickVerdict got = room::check_nick(name);
    EXPECT_EQ(to_string(got), std::string(to_string(expected)))
        << "check_nick(\"" << testkit::printable(name) << "\")";
}

}  // namespace

GRADED_TEST(
    NickRules, AcceptsLettersThenLettersDigitsUnderscoreAndDash, 2,
    "check_nick: a letter, then up to 15 letters, digits, '_' or '-' is a name (README §4.5)")
{
    for (const char* name : {"bob", "B", "Zoe", "a1", "x_y-z", "Bob-2_", "abcdefghijklmnop",
                             "A0123456789_-bcd", "say", "whispers", "error", "left"}) {
        expect_verdict(name, NickVerdict::Ok);
    }
}

GRADED_TEST(
    NickRules, EmptyIsMissing, 1,
    "check_nick: an empty name is Missing, which /nick answers with its usage (README §4.5)")
{
    expect_verdict("", NickVerdict::Missing);
}

GRADED_TEST(NickRules, SeventeenBytesIsTooLongWhateverTheBytes, 2,
            "check_nick: a name is at most 16 bytes, and the length is checked before the "
            "characters (README §4.5)")
{
    expect_verdict("abcdefghijklmnop", NickVerdict::Ok);
    expect_verdict("abcdefghijklmnopq", NickVerdict::TooLong);
    expect_verdict(std::string(4096, 'a'), NickVerdict::TooLong);
    expect_verdict("1 bad name with spaces", NickVerdict::TooLong);
    expect_verdict("\x1b[2J\x1b[Hwelcome back!", NickVerdict::TooLong);
}

GRADED_TEST(NickRules, StartsWithALetter, 2,
            "check_nick: the first byte is an ASCII letter: not a digit, '_', '-' or '*' (README "
            "§4.5)")
{
    for (const char* name : {"1bob", "_bob", "-bob", "*", "*bob", "9", " bob", "@bob"}) {
        expect_verdict(name, NickVerdict::BadCharacters);
    }
}

GRADED_TEST(NickRules, RefusesSpacesPunctuationAndControlBytes, 3,
            "check_nick: only letters, digits, '_' and '-': a space, ':', '*' or a control byte "
            "in a name could forge other people's lines (README §4.5)")
{
    for (const std::string_view name :
         {std::string_view("bob smith"), std::string_view("bob:"), std::string_view("b*b"),
          std::string_view("bob."), std::string_view("bob\t"), std::string_view("bob\r"),
          std::string_view("bob\x1b[31m"), std::string_view("bo\0b", 4),
          std::string_view("bob\0", 4), std::string_view("bob\x7f"), std::string_view("a>>b"),
          std::string_view("a/b"), std::string_view("ClientID 3")}) {
        expect_verdict(name, NickVerdict::BadCharacters);
    }
}

GRADED_TEST(NickRules, AsciiOnly, 2,
            "check_nick: a byte >= 0x80 is never a letter: compare with 'a'..'z', 'A'..'Z', not "
            "isalpha (README §4.5)")
{
    // Octal escapes end after three digits: "\320\260" is the Cyrillic a, then "dmin".
    for (const char* name :
         {"caf\303\251", "\303\251mile", "\320\260dmin", "bob\200", "bob\23331m", "\377"}) {
        expect_verdict(name, NickVerdict::BadCharacters);
    }
}

GRADED_TEST(NickRules, ReservedInAnyCase, 3,
            "is_reserved_nick and check_nick: server, admin, root, system, everyone, all, me and "
            "every name starting with clientid are reserved, in any case (README §4.5)")
{
    for (const char* name :
         {"server",     "SERVER",     "Server",     "admin",    "Admin",     "root",
          "rOOt",       "system",     "System",     "everyone", "Everyone",  "all",
          "ALL",        "me",         "Me",         "clientid", "clientid7", "ClientID7",
          "CLIENTID12", "ClientId-x", "clientidbob"}) {
        EXPECT_TRUE(room::is_reserved_nick(name)) << "is_reserved_nick(\"" << name << "\")";
        expect_verdict(name, NickVerdict::Reserved);
    }
}

GRADED_TEST(
    NickRules, ReservedMeansTheWholeNameOrThePrefix, 2,
    "is_reserved_nick: a reserved word inside a longer name is not reserved: 'administrator', "
    "'myclientid' (README §4.5)")
{
    for (const char* name : {"administrator", "rooted", "mee", "alls", "serverless", "myclientid",
                             "client", "clientI", "client_id", "bob"}) {
        EXPECT_FALSE(room::is_reserved_nick(name)) << "is_reserved_nick(\"" << name << "\")";
        expect_verdict(name, NickVerdict::Ok);
    }
}
