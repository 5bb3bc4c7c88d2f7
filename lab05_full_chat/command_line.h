/// @file command_line.h
/// @brief lab05 (given): taking a command line apart, and comparing names without case.
///
/// A member's command is one line: `/` then the command's name, then its arguments, separated by
/// spaces:
///
///     /msg   bob   see you at 5
///      ^^^   ^^^   ^^^^^^^^^^^^
///      name  word  rest (the text: its inner spaces are kept)
///
/// These helpers only cut the line into views of its own bytes (nothing is copied, nothing is
/// allocated); what a command means is chat_room.cpp's business (README §4.4).
#pragma once

#include <string_view>

namespace room {

/// @brief A command line taken apart: the command's name and the text after it.
struct CommandLine {
    std::string_view name;  ///< after the "/", up to the first space: "msg" (in the case sent)
    std::string_view args;  ///< after the spaces that follow the name: "bob   see you at 5"
};

/// @brief Split @p line, which starts with "/", into the command's name and its arguments.
/// `/who` gives {"who", ""}; `/nick  bob` gives {"nick", "bob"}; `/` gives {"", ""}.
CommandLine split_command(std::string_view line);

/// @brief The first word of @p text and what follows it.
struct Word {
    std::string_view word;  ///< up to the first space ("" if @p text is empty or all spaces)
    std::string_view rest;  ///< after the spaces that follow the word (its inner spaces kept)
};

/// @brief Cut the first space-separated word off @p text (leading spaces are skipped).
/// `"bob  see you"` gives {"bob", "see you"}; `"bob"` gives {"bob", ""}.
Word first_word(std::string_view text);

/// @brief @p text without the spaces at its start and at its end.
std::string_view trim_spaces(std::string_view text);

/// @brief ASCII letters only, other bytes compared as they are: `Bob` equals `bOB`. (Names are
/// ASCII; a locale-dependent \man{tolower,3} would make two servers disagree on who is who.)
bool equal_ignoring_case(std::string_view a, std::string_view b);

/// @brief True if @p text starts with @p prefix, ASCII letters compared without case.
bool starts_with_ignoring_case(std::string_view text, std::string_view prefix);

/// @brief True if every byte of @p text is printable ASCII (0x20 ' ' to 0x7e '~'): nothing that
/// could move a terminal's cursor, change its colours or end a line.
bool is_printable_ascii(std::string_view text);

}  // namespace room
