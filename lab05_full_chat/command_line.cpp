// lab05 (given): the parsing helpers of command_line.h.
#include "lab05_full_chat/command_line.h"

#include <cstddef>

namespace room {
namespace {

// Drop the spaces at the start of @p text (only ' ': the protocol separates arguments by spaces).
std::string_view skip_spaces(std::string_view text)
{
    const std::size_t start = text.find_first_not_of(' ');
    return start == std::string_view::npos ? std::string_view() : text.substr(start);
}

// The ASCII lower case of @p c; every other byte as it is (whatever the locale says).
char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

Word first_word(std::string_view text)
{
    text = skip_spaces(text);
    const std::size_t end = text.find(' ');
    if (end == std::string_view::npos) return {text, {}};
    return {text.substr(0, end), skip_spaces(text.substr(end))};
}

CommandLine split_command(std::string_view line)
{
    if (!line.empty() && line.front() == '/') line.remove_prefix(1);
    // The name is what follows the "/" at once: "/ nick" names the empty command, not "nick".
    const std::size_t end = line.find(' ');
    if (end == std::string_view::npos) return {line, {}};
    return {line.substr(0, end), skip_spaces(line.substr(end))};
}

std::string_view trim_spaces(std::string_view text)
{
    text = skip_spaces(text);
    const std::size_t last = text.find_last_not_of(' ');
    return last == std::string_view::npos ? std::string_view() : text.substr(0, last + 1);
}

bool equal_ignoring_case(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix)
{
    return text.size() >= prefix.size() &&
           equal_ignoring_case(text.substr(0, prefix.size()), prefix);
}

bool is_printable_ascii(std::string_view text)
{
    for (const char c : text) {
        if (c < ' ' || c > '~') return false;  // char may be signed: bytes >= 0x80 are negative
    }
    return true;
}

}  // namespace room
