#include "testkit/failure.h"

#include <cstdio>

#include "testkit/test_report.h"

namespace testkit {

Failure deadline_failure(const std::string& message)
{
    note_deadline_expired();
    return Failure(message);
}

std::string shell_quote(const std::string& word)
{
    if (!word.empty() &&
        word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789_-./=:,+@") == std::string::npos) {
        return word;
    }
    std::string quoted = "'";
    for (char c : word)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

std::string printable(std::string_view bytes, std::size_t max_bytes)
{
    std::string text;
    const std::size_t shown = bytes.size() < max_bytes ? bytes.size() : max_bytes;
    for (std::size_t i = 0; i < shown; ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c == '\n') {
            text += "\\n";
        } else if (c == '\r') {
            text += "\\r";
        } else if (c == '\\') {
            text += "\\\\";
        } else if (c < 0x20 || c >= 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            text += hex;
        } else {
            text += static_cast<char>(c);
        }
    }
    if (shown < bytes.size()) text += "... (" + std::to_string(bytes.size()) + " bytes in all)";
    return text;
}

}  // namespace testkit
