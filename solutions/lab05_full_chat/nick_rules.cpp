// lab05, your file: the rules of names, declared in nick_rules.h (README §4.5).
// The given helpers equal_ignoring_case and starts_with_ignoring_case are in command_line.h.
#include "lab05_full_chat/nick_rules.h"

#include "common/sys_error.h"
#include "lab05_full_chat/command_line.h"

namespace room {

bool is_reserved_nick(std::string_view name)
{
    // BEGIN SOLUTION True if name equals one of kReservedNicks, or starts with
    // | kReservedNickPrefix, comparing without case (equal_ignoring_case, starts_with_ignoring_case).
    // | `Admin` and `CLIENTID7` are reserved; `administrator` and `myclientid` are not. README §4.5.
    // STUB: kit::todo("is_reserved_nick", name);
    for (const std::string_view reserved : kReservedNicks) {
        if (equal_ignoring_case(name, reserved)) return true;
    }
    return starts_with_ignoring_case(name, kReservedNickPrefix);
    // END SOLUTION
}

NickVerdict check_nick(std::string_view name)
{
    // BEGIN SOLUTION Return the first rule name breaks, in the order of NickVerdict: empty ->
    // | Missing; over kMaxNickBytes -> TooLong; first byte not an ASCII letter, or any byte not an
    // | ASCII letter, digit, '_' or '-' -> BadCharacters; is_reserved_nick -> Reserved; else Ok.
    // | Compare bytes with ranges ('a' <= c && c <= 'z'), not std::isalpha: its answer depends on
    // | the locale, and a negative char (any byte >= 0x80 where char is signed) is undefined
    // | behaviour for it. README §4.5.
    // STUB: kit::todo("check_nick", name);
    //! [check_nick]
    if (name.empty()) return NickVerdict::Missing;
    if (name.size() > kMaxNickBytes) return NickVerdict::TooLong;
    const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (!letter(name.front())) return NickVerdict::BadCharacters;
    for (const char c : name) {
        if (!letter(c) && !digit(c) && c != '_' && c != '-') return NickVerdict::BadCharacters;
    }
    // Reserved last: a reserved name is repeated in its error line, so it must be printable.
    if (is_reserved_nick(name)) return NickVerdict::Reserved;
    return NickVerdict::Ok;
    //! [check_nick]
    // END SOLUTION
}

}  // namespace room
