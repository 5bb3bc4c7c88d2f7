/// @file screen_guard.h
/// @brief lab05 (interface given, you write screen_guard.cpp): what the client does to a server's
/// line before the line reaches the user's terminal.
///
/// A terminal does not just show bytes: it obeys some of them. ESC starts a command ("clear the
/// screen", "set the window title", "hide what follows"), CR and backspace move the cursor back
/// over text already shown, and so on. The chat server relays whatever its users type, so without
/// a guard any user could clear, rewrite or hide what everybody else sees (README §5.2).
/// neutralise() turns every such byte into visible, harmless text and leaves everything else, tab
/// and valid UTF-8 included, exactly as it was:
///
///     bytes from the server                 shown as
///     printable ASCII, tab                  as they are
///     valid UTF-8 (U+00A0 and up)           as they are: "héllo", "日本語", "🙂"
///     C0 controls 0x00-0x1f but tab         ^@ ^A ... ^_   (ESC: ^[, CR: ^M, BS: ^H, BEL: ^G)
///     DEL 0x7f                              ^?
///     C1 controls U+0080-U+009F (c2 80-9f)  \u0080 ... \u009f
///     a byte that is not valid UTF-8        \x80 ... \xff  (one per byte: a raw 0x9b is \x9b)
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace room {

/// @brief The length of the UTF-8 encoded character at the start of @p bytes, if it is a valid
/// one: 1 for an ASCII byte (0x00-0x7f, controls included), 2 to 4 for a valid multi-byte
/// sequence.
///
/// @return 0 when @p bytes is empty or does not start with a valid character: a continuation
/// byte (0x80-0xbf) first, a byte UTF-8 never uses (0xc0, 0xc1, 0xf5-0xff), a sequence cut short
/// or interrupted by a byte that is not a continuation, an overlong encoding (a character written
/// with more bytes than it needs: e0 80 af for "/"), a UTF-16 surrogate (U+D800-U+DFFF: ed a0 80
/// to ed bf bf) or a code point above U+10FFFF (f4 90 80 80 and up). RFC 3629 §4 lists exactly
/// which sequences are valid (README §5.2).
std::size_t utf8_sequence_length(std::string_view bytes);

/// @brief @p line (one line from the server, without its "\n") as it is safe to show on a
/// terminal: every byte or character that could drive the terminal replaced by visible text, as
/// the table at the top of this file says; everything else unchanged, byte for byte.
///
/// Caret notation for C0 and DEL is the byte XOR 0x40 after a '^' ("\x1b" is "^[", "\x7f" is
/// "^?"); hexadecimal digits are lowercase. An invalid sequence is shown one byte at a time: each
/// byte that does not start a valid character becomes "\xNN", and the next byte is looked at
/// afresh, so "\xe6\x97A" (a cut sequence, then "A") is shown as "\xe6\x97A". See README §5.2.
std::string neutralise(std::string_view line);

}  // namespace room
