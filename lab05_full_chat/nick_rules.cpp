// lab05, your file: the rules of names, declared in nick_rules.h (README §4.5).
// The given helpers equal_ignoring_case and starts_with_ignoring_case are in command_line.h.
#include "lab05_full_chat/nick_rules.h"

#include "common/sys_error.h"
#include "lab05_full_chat/command_line.h"

namespace room {

bool is_reserved_nick(std::string_view name)
{
    // TODO: True if name equals one of kReservedNicks, or starts with
    //   kReservedNickPrefix, comparing without case (equal_ignoring_case, starts_with_ignoring_case).
    //   `Admin` and `CLIENTID7` are reserved; `administrator` and `myclientid` are not. README §4.5.
    kit::todo("is_reserved_nick", name);
}

NickVerdict check_nick(std::string_view name)
{
    // TODO: Return the first rule name breaks, in the order of NickVerdict: empty ->
    //   Missing; over kMaxNickBytes -> TooLong; first byte not an ASCII letter, or any byte not an
    //   ASCII letter, digit, '_' or '-' -> BadCharacters; is_reserved_nick -> Reserved; else Ok.
    //   Compare bytes with ranges ('a' <= c && c <= 'z'), not std::isalpha: its answer depends on
    //   the locale, and a negative char (any byte >= 0x80 where char is signed) is undefined
    //   behaviour for it. README §4.5.
    kit::todo("check_nick", name);
}

}  // namespace room
