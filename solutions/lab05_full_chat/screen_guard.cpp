// lab05, your file: the terminal's guard, declared in screen_guard.h. Pure functions: bytes in,
// text out; the client's given code (client_screen.cpp) calls neutralise() on every server line.
#include "lab05_full_chat/screen_guard.h"

#include <cstdint>
#include <cstdio>

#include "common/sys_error.h"

namespace room {

std::size_t utf8_sequence_length(std::string_view bytes)
{
    // BEGIN SOLUTION From the first byte b0 (as unsigned char): 0x00-0x7f is 1; 0xc2-0xdf
    // | starts 2 bytes, 0xe0-0xef 3, 0xf0-0xf4 4; anything else (a continuation 0x80-0xbf, 0xc0,
    // | 0xc1, 0xf5-0xff) is 0. Then each following byte must be there and be a continuation
    // | (0x80-0xbf), else 0. The second byte has tighter bounds for four first bytes: after 0xe0 it
    // | is 0xa0-0xbf (shorter: overlong), after 0xed 0x80-0x9f (higher: a surrogate), after 0xf0
    // | 0x90-0xbf (overlong), after 0xf4 0x80-0x8f (higher: above U+10FFFF). README §5.2.
    // STUB: kit::todo("utf8_sequence_length", bytes);
    if (bytes.empty()) return 0;
    const auto b0 = static_cast<unsigned char>(bytes[0]);
    if (b0 < 0x80) return 1;
    std::size_t length = 0;
    unsigned char low = 0x80;  // the bounds of the second byte (RFC 3629 §4)
    unsigned char high = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
        length = 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
        length = 3;
        if (b0 == 0xe0) low = 0xa0;   // e0 80-9f would fit in two bytes: overlong
        if (b0 == 0xed) high = 0x9f;  // ed a0-bf encodes U+D800-U+DFFF: surrogates
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        length = 4;
        if (b0 == 0xf0) low = 0x90;   // f0 80-8f would fit in three bytes: overlong
        if (b0 == 0xf4) high = 0x8f;  // f4 90 and up is above U+10FFFF
    } else {
        return 0;  // a continuation byte first, c0/c1 (always overlong), or f5-ff (never used)
    }
    if (bytes.size() < length) return 0;  // cut short
    for (std::size_t i = 1; i < length; ++i) {
        const auto b = static_cast<unsigned char>(bytes[i]);
        const unsigned char min = i == 1 ? low : 0x80;
        const unsigned char max = i == 1 ? high : 0xbf;
        if (b < min || b > max) return 0;
    }
    return length;
    // END SOLUTION
}

std::string neutralise(std::string_view line)
{
    std::string shown;
    shown.reserve(line.size());
    // BEGIN SOLUTION Walk through line. A printable ASCII byte (0x20-0x7e) or a tab: copy it. Another
    // | byte below 0x80 (C0 or DEL): '^' and the byte XOR 0x40. Else n = utf8_sequence_length of
    // | the rest: 0 means "\xNN" for this one byte (lowercase hex, e.g. with snprintf "%02x"); a
    // | two-byte C1 control (first byte 0xc2, second 0x80-0x9f) becomes "\u00NN" (NN: the second
    // | byte); any other character is copied whole (n bytes). README §5.2.
    // STUB: kit::todo("neutralise", line, shown);
    //! [neutralise]
    std::size_t i = 0;
    while (i < line.size()) {
        const auto b = static_cast<unsigned char>(line[i]);
        if ((b >= 0x20 && b < 0x7f) || b == '\t') {
            shown += static_cast<char>(b);
            ++i;
            continue;
        }
        if (b < 0x80) {  // C0 controls and DEL: caret notation, as `cat -v` and the tty show them
            shown += '^';
            shown += static_cast<char>(b ^ 0x40);
            ++i;
            continue;
        }
        const std::size_t length = utf8_sequence_length(line.substr(i));
        char hex[8];
        if (length == 0) {  // not UTF-8: show the byte's value, and look at the next byte afresh
            std::snprintf(hex, sizeof hex, "\\x%02x", b);
            shown += hex;
            i += 1;
        } else if (b == 0xc2 && static_cast<unsigned char>(line[i + 1]) < 0xa0) {
            // U+0080-U+009F: the C1 controls, which some terminals obey in UTF-8 too (U+009B: CSI)
            std::snprintf(hex, sizeof hex, "\\u%04x", static_cast<unsigned char>(line[i + 1]));
            shown += hex;
            i += 2;
        } else {
            shown.append(line.substr(i, length));
            i += length;
        }
    }
    return shown;
    //! [neutralise]
    // END SOLUTION
}

}  // namespace room
