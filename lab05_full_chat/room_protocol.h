/// @file room_protocol.h
/// @brief lab05 (given): every line the chat room sends, built in one place.
///
/// Lines of text ending in "\n" (docs/protocol.md, "Lab 5"; README §4.1). lab03's lines are reused
/// as they are (lab03_epoll_server/protocol.h), so a client that never sends a command sees lab03's
/// protocol. lab05 adds two kinds of lines, told apart by how they start:
///
///     * ...        a notice from the server: someone joined, left, changed names; /who, /help
///     error: ...   a refusal, sent only to the member whose line caused it
///
/// A member's name can start neither way (names start with a letter, nick_rules.h), so no member
/// can make a line look like it came from the server (README §4.5).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lab03_epoll_server/protocol.h"
#include "lab05_full_chat/command_line.h"

namespace room {

/// @brief The longest line a member may send, without its "\n" (lab03's limit).
inline constexpr std::size_t kMaxLineBytes = chat::kMaxLineBytes;

/// @brief The longest name, in bytes.
inline constexpr std::size_t kMaxNickBytes = 16;

/// @brief The name of a member who has not chosen one: `ClientID <id>`, so that its chat lines
/// are lab03's `ClientID <id> say >> <text>`. (A federated server's room adds `@<server>`:
/// ChatRoom::default_name_of, README §8.1.)
inline std::string default_name(std::uint64_t id)
{
    return "ClientID " + std::to_string(id);
}

/// @brief The line that greets client @p id (lab03's welcome), with its "\n".
inline std::string welcome_line(std::uint64_t id)
{
    return chat::welcome_line(id);
}

/// @brief What every other member receives when @p name says @p text: `<name> say >> <text>`.
/// @p text may hold any byte but "\n"; it is passed on as it is.
inline std::string say_line(std::string_view name, std::string_view text)
{
    std::string line;
    line.reserve(name.size() + 8 + text.size() + 1);
    line.append(name).append(" say >> ").append(text) += '\n';
    return line;
}

/// @brief The reply to a member who speaks while alone (lab03's line).
inline constexpr std::string_view kAloneLine = chat::kAloneLine;

/// @brief The reply to a line over kMaxLineBytes, which is not said (lab03's line).
inline constexpr std::string_view kTooLongLine = chat::kTooLongLine;

/// @brief To every other member when a newcomer arrives, named by @p name: the room's name for
/// it, its default name (`* ClientID <id> joined`; `* ClientID <id>@<server> joined` in a
/// federation, README §8.1).
inline std::string joined_line(std::string_view name)
{
    return "* " + std::string(name) + " joined\n";
}

/// @brief To every other member when @p name leaves (end of file, reset, dropped, /quit).
inline std::string left_line(std::string_view name)
{
    return "* " + std::string(name) + " left\n";
}

/// @brief To everyone, the renamed member included: `* <old> is now <new>`.
inline std::string renamed_line(std::string_view old_name, std::string_view new_name)
{
    return "* " + std::string(old_name) + " is now " + std::string(new_name) + "\n";
}

/// @brief To a member whose `/nick` names the name it already has, in the same case.
inline std::string already_named_line(std::string_view name)
{
    return "* you are already " + std::string(name) + "\n";
}

/// @brief `/nick` without a name.
inline constexpr std::string_view kNickUsageLine = "error: usage: /nick NAME\n";

/// @brief `/nick` with a name over kMaxNickBytes.
inline constexpr std::string_view kNickTooLongLine = "error: a name is at most 16 bytes\n";

/// @brief `/nick` with a name that does not start with a letter or holds other bytes than
/// letters, digits, '_' and '-'. It never repeats the name: the name may hold anything.
inline constexpr std::string_view kNickCharactersLine =
    "error: a name starts with a letter and holds only letters, digits, '_' and '-'\n";

/// @brief `/nick` with a reserved name (nick_rules.h says which).
inline std::string nick_reserved_line(std::string_view name)
{
    return "error: the name " + std::string(name) + " is reserved\n";
}

/// @brief `/nick` with a name another member has, in any case.
inline std::string nick_taken_line(std::string_view name)
{
    return "error: the name " + std::string(name) + " is taken\n";
}

/// @brief The start of the answer to `/who`: `* in the room (<count>): ` (the names follow, in
/// join order, separated by ", ", then "\n").
inline std::string who_line_start(std::size_t count)
{
    return "* in the room (" + std::to_string(count) + "): ";
}

/// @brief The separator between two names of the `/who` line.
inline constexpr std::string_view kWhoSeparator = ", ";

/// @brief To the addressee of `/msg NAME TEXT`: `<sender> whispers >> <text>`.
inline std::string whisper_line(std::string_view sender, std::string_view text)
{
    std::string line;
    line.reserve(sender.size() + 13 + text.size() + 1);
    line.append(sender).append(" whispers >> ").append(text) += '\n';
    return line;
}

/// @brief To the sender of a whisper that was delivered: `* whispered to <name>`.
inline std::string whispered_line(std::string_view to_name)
{
    return "* whispered to " + std::string(to_name) + "\n";
}

/// @brief `/msg` without a name, or without text.
inline constexpr std::string_view kMsgUsageLine = "error: usage: /msg NAME TEXT\n";

/// @brief `/msg` to a name nobody has.
inline std::string no_such_user_line(std::string_view name)
{
    return "error: no user named " + std::string(name) + "\n";
}

/// @brief The answer to `/help`.
inline constexpr std::string_view kHelpLine =
    "* commands: /nick NAME, /who, /msg NAME TEXT, /quit, /help; start a line with // to say "
    "something that begins with /\n";

/// @brief The answer to `/quit`, the last line its sender receives.
inline constexpr std::string_view kByeLine = "* bye\n";

/// @brief The longest command name that unknown_command_line() repeats.
inline constexpr std::size_t kMaxEchoedCommandBytes = 32;

/// @brief The answer to an unknown command: `error: unknown command /<name>; /help lists the
/// commands`. @p name is repeated only if it is printable ASCII and at most
/// kMaxEchoedCommandBytes long; otherwise the line names no command.
inline std::string unknown_command_line(std::string_view name)
{
    // The name is the sender's own bytes, but it is repeated only when it cannot drive a terminal
    // and cannot fill a screen.
    if (name.size() > kMaxEchoedCommandBytes || !is_printable_ascii(name)) {
        return "error: unknown command; /help lists the commands\n";
    }
    return "error: unknown command /" + std::string(name) + "; /help lists the commands\n";
}

/// @brief To a client that arrives when the room holds @p max_clients members already.
inline std::string room_full_line(std::size_t max_clients)
{
    return "error: the room is full (" + std::to_string(max_clients) + " users); try again later\n";
}

/// @brief To every member when the server stops (SIGINT, SIGTERM).
inline constexpr std::string_view kShuttingDownLine = "* the server is shutting down\n";

}  // namespace room
