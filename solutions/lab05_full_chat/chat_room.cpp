// lab05, your file: the chat room's events and commands, declared in chat_room.h (README §4).
// Every line you send is built by room_protocol.h; the given helpers (broadcast, find_by_name,
// name_of) are in chat_room_helpers.cpp, the parsing helpers in command_line.h, the name rules
// (your other file) in nick_rules.h.
#include "lab05_full_chat/chat_room.h"

#include "common/sys_error.h"
#include "lab05_full_chat/command_line.h"
#include "lab05_full_chat/nick_rules.h"
#include "lab05_full_chat/room_protocol.h"

namespace room {

bool ChatRoom::join(ClientId id)
{
    // BEGIN SOLUTION Admit id (README §4.3). If the room already holds max_clients_ members: send
    // | it room_full_line(max_clients_), close_after_flush(id) and return false. Otherwise add it to
    // | members_ (no name yet), send it welcome_line(id), send joined_line(name_of(id)) to every
    // | *other* member (broadcast with except = id) and return true.
    // STUB: kit::todo("ChatRoom::join", id);
    if (members_.size() >= max_clients_) {
        out_.send(id, room_full_line(max_clients_));
        out_.close_after_flush(id);
        return false;
    }
    members_.try_emplace(id);
    out_.send(id, welcome_line(id));
    broadcast(joined_line(name_of(id)), id);
    return true;
    // END SOLUTION
}

void ChatRoom::on_line(ClientId id, std::string_view line)
{
    // BEGIN SOLUTION Sort the line (README §4.4). Ignore a non-member. "//text" says "/text" (one
    // | "/" dropped). Another line starting with "/" is a command: split_command(line), then compare
    // | its name without case (equal_ignoring_case) with nick, who, msg, quit, help and call that
    // | method with the arguments; any other name gets unknown_command_line(name). Anything else
    // | (the empty line too, as in lab03) is said: say(id, line).
    // STUB: kit::todo("ChatRoom::on_line", id, line);
    //! [on_line]
    if (!contains(id)) return;
    if (line.size() >= 2 && line[0] == '/' && line[1] == '/') return say(id, line.substr(1));
    if (line.empty() || line.front() != '/') return say(id, line);
    const CommandLine command = split_command(line);
    if (equal_ignoring_case(command.name, "nick")) return nick(id, command.args);
    if (equal_ignoring_case(command.name, "who")) return who(id);
    if (equal_ignoring_case(command.name, "msg")) return msg(id, command.args);
    if (equal_ignoring_case(command.name, "quit")) return quit(id);
    if (equal_ignoring_case(command.name, "help")) return help(id);
    out_.send(id, unknown_command_line(command.name));
    //! [on_line]
    // END SOLUTION
}

void ChatRoom::say(ClientId id, std::string_view text)
{
    // BEGIN SOLUTION Say text (README §4.4): alone in the room -> kAloneLine to id. Otherwise build
    // | say_line(name_of(id), text) ONCE and broadcast it to every member but id: a line per
    // | recipient would cost 1,000 allocations per message in a room of 1,000.
    // STUB: kit::todo("ChatRoom::say", id, text);
    //! [say]
    if (members_.size() == 1) return out_.send(id, kAloneLine);
    broadcast(say_line(name_of(id), text), id);
    //! [say]
    // END SOLUTION
}

void ChatRoom::on_too_long(ClientId id)
{
    // BEGIN SOLUTION A member's line was over the limit (README §4.4): send it kTooLongLine;
    // | nothing is said. Ignore a non-member.
    // STUB: kit::todo("ChatRoom::on_too_long", id);
    if (contains(id)) out_.send(id, kTooLongLine);
    // END SOLUTION
}

void ChatRoom::leave(ClientId id)
{
    // BEGIN SOLUTION id is gone (README §4.3): ignore a non-member (it may have left by /quit
    // | already). Keep its name (name_of), erase it from members_ (which frees the name), then
    // | send left_line(name) to everyone left.
    // STUB: kit::todo("ChatRoom::leave", id);
    if (!contains(id)) return;
    const std::string name = name_of(id);
    members_.erase(id);
    broadcast(left_line(name), 0);
    // END SOLUTION
}

void ChatRoom::shutdown()
{
    // BEGIN SOLUTION The server stops (README §4.3): kShuttingDownLine to every member.
    // STUB: kit::todo("ChatRoom::shutdown");
    broadcast(kShuttingDownLine, 0);
    // END SOLUTION
}

void ChatRoom::nick(ClientId id, std::string_view arg)
{
    // BEGIN SOLUTION /nick NAME (README §4.5). The name is arg without its outer spaces
    // | (trim_spaces). check_nick: not Ok -> nick_refusal_line(verdict, name) to id. The name id has
    // | now, in the same case -> already_named_line(name) to id. Another member has it in any case
    // | (find_by_name) -> nick_taken_line(name) to id; id itself may change the case of its own
    // | name. Otherwise store it and send renamed_line(old name, new name) to everyone, id too.
    // STUB: kit::todo("ChatRoom::nick", id, arg);
    const std::string_view wanted = trim_spaces(arg);
    const NickVerdict verdict = check_nick(wanted);
    if (verdict != NickVerdict::Ok) return out_.send(id, nick_refusal_line(verdict, wanted));
    Member& member = members_.at(id);
    if (member.nick == wanted) return out_.send(id, already_named_line(wanted));
    const ClientId holder = find_by_name(wanted);
    if (holder != 0 && holder != id) return out_.send(id, nick_taken_line(wanted));
    const std::string old_name = name_of(id);
    member.nick = wanted;
    broadcast(renamed_line(old_name, member.nick), 0);
    // END SOLUTION
}

void ChatRoom::who(ClientId id)
{
    // BEGIN SOLUTION /who (README §4.6): to id, who_line_start(count), then every member's name in
    // | join order (members_ is ordered by id, and ids grow) separated by kWhoSeparator, then "\n".
    // STUB: kit::todo("ChatRoom::who", id);
    std::string line = who_line_start(members_.size());
    bool first = true;
    for (const auto& entry : members_) {
        if (!first) line += kWhoSeparator;
        first = false;
        line += name_of(entry.first);
    }
    line += '\n';
    out_.send(id, line);
    // END SOLUTION
}

void ChatRoom::msg(ClientId id, std::string_view arg)
{
    // BEGIN SOLUTION /msg NAME TEXT (README §4.6): first_word(arg) gives NAME and TEXT. Either one
    // | empty -> kMsgUsageLine to id. Nobody has NAME (find_by_name) -> no_such_user_line(NAME) to
    // | id. Otherwise whisper_line(name_of(id), TEXT) to that member (id itself included: a
    // | whisper to yourself is delivered), then whispered_line(the member's name) to id.
    // STUB: kit::todo("ChatRoom::msg", id, arg);
    const Word to = first_word(arg);
    if (to.word.empty() || to.rest.empty()) return out_.send(id, kMsgUsageLine);
    const ClientId target = find_by_name(to.word);
    if (target == 0) return out_.send(id, no_such_user_line(to.word));
    out_.send(target, whisper_line(name_of(id), to.rest));
    out_.send(id, whispered_line(name_of(target)));
    // END SOLUTION
}

void ChatRoom::quit(ClientId id)
{
    // BEGIN SOLUTION /quit (README §4.6): kByeLine to id, close_after_flush(id), then leave(id): the
    // | others hear that it left, and the server's own leave(id) later finds nobody.
    // STUB: kit::todo("ChatRoom::quit", id);
    out_.send(id, kByeLine);
    out_.close_after_flush(id);
    leave(id);
    // END SOLUTION
}

void ChatRoom::help(ClientId id)
{
    // BEGIN SOLUTION /help (README §4.6): kHelpLine to id.
    // STUB: kit::todo("ChatRoom::help", id);
    out_.send(id, kHelpLine);
    // END SOLUTION
}

}  // namespace room
