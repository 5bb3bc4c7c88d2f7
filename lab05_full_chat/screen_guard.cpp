// lab05, your file: the terminal's guard, declared in screen_guard.h. Pure functions: bytes in,
// text out; the client's given code (client_screen.cpp) calls neutralise() on every server line.
#include "lab05_full_chat/screen_guard.h"

#include <cstdint>
#include <cstdio>

#include "common/sys_error.h"

namespace room {

std::size_t utf8_sequence_length(std::string_view bytes)
{
    // TODO: From the first byte b0 (as unsigned char): 0x00-0x7f is 1; 0xc2-0xdf
    //   starts 2 bytes, 0xe0-0xef 3, 0xf0-0xf4 4; anything else (a continuation 0x80-0xbf, 0xc0,
    //   0xc1, 0xf5-0xff) is 0. Then each following byte must be there and be a continuation
    //   (0x80-0xbf), else 0. The second byte has tighter bounds for four first bytes: after 0xe0 it
    //   is 0xa0-0xbf (shorter: overlong), after 0xed 0x80-0x9f (higher: a surrogate), after 0xf0
    //   0x90-0xbf (overlong), after 0xf4 0x80-0x8f (higher: above U+10FFFF). README §5.2.
    kit::todo("utf8_sequence_length", bytes);
}

std::string neutralise(std::string_view line)
{
    std::string shown;
    shown.reserve(line.size());
    // TODO: Walk through line. A printable ASCII byte (0x20-0x7e) or a tab: copy it. Another
    //   byte below 0x80 (C0 or DEL): '^' and the byte XOR 0x40. Else n = utf8_sequence_length of
    //   the rest: 0 means "\xNN" for this one byte (lowercase hex, e.g. with snprintf "%02x"); a
    //   two-byte C1 control (first byte 0xc2, second 0x80-0x9f) becomes "\u00NN" (NN: the second
    //   byte); any other character is copied whole (n bytes). README §5.2.
    kit::todo("neutralise", line, shown);
}

}  // namespace room
