/// @file protocol.h
/// @brief lab03 (given): the chat room's wire protocol — every line the server sends.
///
/// Text lines ending in "\n" (docs/protocol.md, summed up in docs/architecture.md, "The program
/// contracts"). The server sends exactly these bytes: no padding, no terminating NUL, no fixed-size
/// buffer (the tutorial sent 65535 bytes per line: mistake 4).
///
///     on connect:                Welcome to the chat room! Your chat ID is: Client #<id>
///     to every other client:     ClientID <id> say >> <text>
///     to a sender who is alone:  There is only one in the chat room!
///     to a sender whose line is over kMaxLineBytes: error: ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chat {

/// @brief The longest line a client may send, without its "\n": 4096 bytes (docs/architecture.md,
/// "The program contracts").
inline constexpr std::size_t kMaxLineBytes = 4096;

/// @brief The line that greets client @p id, with its "\n".
inline std::string welcome_line(std::uint64_t id)
{
    return "Welcome to the chat room! Your chat ID is: Client #" + std::to_string(id) + "\n";
}

/// @brief What every other client receives when client @p id says @p text, with its "\n".
/// @p text may hold any bytes but '\n' (NUL and invalid UTF-8 are passed on as they are).
inline std::string chat_line(std::uint64_t id, std::string_view text)
{
    std::string line = "ClientID " + std::to_string(id) + " say >> ";
    line.append(text);
    line += '\n';
    return line;
}

/// @brief The reply to a sender who is the only client connected.
inline constexpr std::string_view kAloneLine = "There is only one in the chat room!\n";

/// @brief The reply to a line longer than kMaxLineBytes (which is not broadcast).
inline constexpr std::string_view kTooLongLine =
    "error: line too long (the limit is 4096 bytes); it was not sent\n";

}  // namespace chat
