// lab05 (given): the helpers of ChatRoom that chat_room.cpp calls, declared in chat_room.h.
// They are kept apart from your file so that it holds only your work (`make diff`).
#include "lab05_full_chat/chat_room.h"

#include "lab05_full_chat/command_line.h"
#include "lab05_full_chat/room_protocol.h"

namespace room {

ChatRoom::ChatRoom(Outbox& outbox, std::size_t max_clients)
    : out_(outbox), max_clients_(max_clients)
{
}

std::string ChatRoom::name_of(ClientId id) const
{
    const auto found = members_.find(id);
    if (found == members_.end()) return {};
    return found->second.nick.empty() ? default_name(id) : found->second.nick;
}

void ChatRoom::broadcast(std::string_view line, ClientId except)
{
    // One line, built once by the caller, and the same bytes handed to every recipient: with 1,000
    // members a copy per recipient would be 1,000 allocations per message. The Outbox copies the
    // bytes into each client's queue, which it must do anyway.
    for (const auto& entry : members_) {
        if (entry.first != except) out_.send(entry.first, line);
    }
}

ClientId ChatRoom::find_by_name(std::string_view name) const
{
    // A walk over every member: /nick and /msg are rare next to chat lines, and 1,000 comparisons
    // of 16 bytes cost less than keeping a second index in step with every rename and departure.
    for (const auto& [id, member] : members_) {
        if (!member.nick.empty() && equal_ignoring_case(member.nick, name)) return id;
    }
    return 0;
}

}  // namespace room
