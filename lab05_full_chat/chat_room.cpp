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
    // TODO: Admit id (README §4.3). If the room already holds max_clients_ members: send
    //   it room_full_line(max_clients_), close_after_flush(id) and return false. Otherwise add it to
    //   members_ (no name yet), send it welcome_line(id), send joined_line(name_of(id)) to every
    //   *other* member (broadcast with except = id) and return true.
    kit::todo("ChatRoom::join", id);
}

void ChatRoom::on_line(ClientId id, std::string_view line)
{
    // TODO: Sort the line (README §4.4). Ignore a non-member. "//text" says "/text" (one
    //   "/" dropped). Another line starting with "/" is a command: split_command(line), then compare
    //   its name without case (equal_ignoring_case) with nick, who, msg, quit, help and call that
    //   method with the arguments; any other name gets unknown_command_line(name). Anything else
    //   (the empty line too, as in lab03) is said: say(id, line).
    kit::todo("ChatRoom::on_line", id, line);
}

void ChatRoom::say(ClientId id, std::string_view text)
{
    // TODO: Say text (README §4.4): alone in the room -> kAloneLine to id. Otherwise build
    //   say_line(name_of(id), text) ONCE and broadcast it to every member but id: a line per
    //   recipient would cost 1,000 allocations per message in a room of 1,000.
    kit::todo("ChatRoom::say", id, text);
}

void ChatRoom::on_too_long(ClientId id)
{
    // TODO: A member's line was over the limit (README §4.4): send it kTooLongLine;
    //   nothing is said. Ignore a non-member.
    kit::todo("ChatRoom::on_too_long", id);
}

void ChatRoom::leave(ClientId id)
{
    // TODO: id is gone (README §4.3): ignore a non-member (it may have left by /quit
    //   already). Keep its name (name_of), erase it from members_ (which frees the name), then
    //   send left_line(name) to everyone left.
    kit::todo("ChatRoom::leave", id);
}

void ChatRoom::shutdown()
{
    // TODO: The server stops (README §4.3): kShuttingDownLine to every member.
    kit::todo("ChatRoom::shutdown");
}

void ChatRoom::nick(ClientId id, std::string_view arg)
{
    // TODO: /nick NAME (README §4.5). The name is arg without its outer spaces
    //   (trim_spaces). check_nick: not Ok -> nick_refusal_line(verdict, name) to id. The name id has
    //   now, in the same case -> already_named_line(name) to id. Another member has it in any case
    //   (find_by_name) -> nick_taken_line(name) to id; id itself may change the case of its own
    //   name. Otherwise store it and send renamed_line(old name, new name) to everyone, id too.
    kit::todo("ChatRoom::nick", id, arg);
}

void ChatRoom::who(ClientId id)
{
    // TODO: /who (README §4.6): to id, who_line_start(count), then every member's name in
    //   join order (members_ is ordered by id, and ids grow) separated by kWhoSeparator, then "\n".
    kit::todo("ChatRoom::who", id);
}

void ChatRoom::msg(ClientId id, std::string_view arg)
{
    // TODO: /msg NAME TEXT (README §4.6): first_word(arg) gives NAME and TEXT. Either one
    //   empty -> kMsgUsageLine to id. Nobody has NAME (find_by_name) -> no_such_user_line(NAME) to
    //   id. Otherwise whisper_line(name_of(id), TEXT) to that member (id itself included: a
    //   whisper to yourself is delivered), then whispered_line(the member's name) to id.
    kit::todo("ChatRoom::msg", id, arg);
}

void ChatRoom::quit(ClientId id)
{
    // TODO: /quit (README §4.6): kByeLine to id, close_after_flush(id), then leave(id): the
    //   others hear that it left, and the server's own leave(id) later finds nobody.
    kit::todo("ChatRoom::quit", id);
}

void ChatRoom::help(ClientId id)
{
    // TODO: /help (README §4.6): kHelpLine to id.
    kit::todo("ChatRoom::help", id);
}

}  // namespace room
