/// @file nick_rules.h
/// @brief lab05 (interface given, you write nick_rules.cpp): which names a member may take.
///
/// A name is 1 to 16 bytes: an ASCII letter, then ASCII letters, digits, '_' and '-'. Some names
/// are reserved. The rules exist because a name is printed at the start of other people's lines
/// (`<name> say >> <text>`): a name with a space, a `*`, a control byte or the look of another
/// member could make a line seem to come from somebody else, or from the server (README §4.5).
///
/// Whether another member has the name already is not a rule of the name: the room checks it
/// (ChatRoom::nick, with find_by_name).
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "lab05_full_chat/room_protocol.h"

namespace room {

/// @brief What is wrong with a name, if anything. The checks go in this order, and the first
/// that fails is the verdict.
enum class NickVerdict {
    Ok,             ///< a name anybody may take (if nobody has it)
    Missing,        ///< empty: `/nick` without a name
    TooLong,        ///< over kMaxNickBytes (16) bytes
    BadCharacters,  ///< not a letter first, or a byte that is not a letter, digit, '_' or '-'
    Reserved,       ///< one of kReservedNicks, or starts with kReservedNickPrefix, in any case
};

/// @brief Names nobody may take, in any case: they would pass for the server or for everyone.
inline constexpr std::array<std::string_view, 7> kReservedNicks = {
    "server", "admin", "root", "system", "everyone", "all", "me"};

/// @brief No name may start with this, in any case: `ClientID7` would pass for `ClientID 7`,
/// the name of a member who has not chosen one.
inline constexpr std::string_view kReservedNickPrefix = "clientid";

/// @brief True if @p name is reserved: equal to one of kReservedNicks or starting with
/// kReservedNickPrefix, ASCII letters compared without case (`ADMIN`, `ClientId12`).
bool is_reserved_nick(std::string_view name);

/// @brief Check @p name against the rules above, in the order of NickVerdict: empty, too long,
/// bad characters, reserved. ASCII only: a byte >= 0x80 is never a letter (`é`, or a Cyrillic
/// `а` that looks like a Latin `a`).
NickVerdict check_nick(std::string_view name);

/// @brief The error line for a refused @p name (@p verdict is not Ok). (Given.) Only a reserved
/// name is repeated: it passed the character rules, so it is printable and short.
inline std::string nick_refusal_line(NickVerdict verdict, std::string_view name)
{
    switch (verdict) {
        case NickVerdict::Missing:
            return std::string(kNickUsageLine);
        case NickVerdict::TooLong:
            return std::string(kNickTooLongLine);
        case NickVerdict::Reserved:
            return nick_reserved_line(name);
        case NickVerdict::BadCharacters:
        case NickVerdict::Ok:
            break;
    }
    return std::string(kNickCharactersLine);
}

}  // namespace room
