// chat_bench: RESP framing (see resp.h).
#include "resp.h"

#include <charconv>
#include <stdexcept>

namespace bench::resp {

std::string command(const std::vector<std::string_view>& words)
{
    std::string out = "*" + std::to_string(words.size()) + "\r\n";
    for (const std::string_view word : words) {
        out += '$';
        out += std::to_string(word.size());
        out += "\r\n";
        out.append(word);
        out += "\r\n";
    }
    return out;
}

namespace {

// The text of the header line that starts at @p at (without its "\r\n"), or npos when the line
// has not arrived whole yet.
std::size_t line_end(std::string_view bytes, std::size_t at)
{
    const std::size_t end = bytes.find("\r\n", at);
    return end;
}

std::int64_t number(std::string_view digits)
{
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc() || end != digits.data() + digits.size()) {
        throw std::runtime_error("RESP: not a number: '" + std::string(digits) + "'");
    }
    return value;
}

// One item of an array at @p at: a bulk string ("$n\r\n<n bytes>\r\n") or an integer.
// Returns the offset after it, or 0 when incomplete.
std::size_t parse_item(std::string_view bytes, std::size_t at, std::string_view& item)
{
    if (at >= bytes.size()) return 0;
    const std::size_t end = line_end(bytes, at);
    if (end == std::string_view::npos) return 0;
    const std::string_view header = bytes.substr(at + 1, end - at - 1);
    if (bytes[at] == ':') {
        item = header;
        return end + 2;
    }
    if (bytes[at] != '$') {
        throw std::runtime_error("RESP: unexpected array item type '" + std::string(1, bytes[at]) +
                                 "'");
    }
    const std::int64_t length = number(header);
    if (length < 0) throw std::runtime_error("RESP: null bulk string in a message");
    const std::size_t start = end + 2;
    if (bytes.size() < start + static_cast<std::size_t>(length) + 2) return 0;
    item = bytes.substr(start, static_cast<std::size_t>(length));
    return start + static_cast<std::size_t>(length) + 2;
}

}  // namespace

std::size_t parse(std::string_view bytes, Reply& reply)
{
    if (bytes.empty()) return 0;
    const std::size_t end = line_end(bytes, 0);
    if (end == std::string_view::npos) return 0;
    reply.type = bytes[0];
    reply.items.clear();
    const std::string_view header = bytes.substr(1, end - 1);
    switch (reply.type) {
        case ':':
            reply.integer = number(header);
            return end + 2;
        case '+':
        case '-':
            reply.text = header;
            return end + 2;
        case '*': {
            const std::int64_t count = number(header);
            std::size_t at = end + 2;
            for (std::int64_t i = 0; i < count; ++i) {
                std::string_view item;
                at = parse_item(bytes, at, item);
                if (at == 0) return 0;
                reply.items.push_back(item);
            }
            return at;
        }
        default:
            throw std::runtime_error("RESP: unexpected reply type '" + std::string(1, reply.type) +
                                     "'");
    }
}

}  // namespace bench::resp
