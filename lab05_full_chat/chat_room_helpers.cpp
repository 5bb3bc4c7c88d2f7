// lab05 (given): the helpers of ChatRoom that chat_room.cpp calls, declared in chat_room.h.
// They are kept apart from your file so that it holds only your work (`make diff`).
#include "lab05_full_chat/chat_room.h"

#include "lab05_full_chat/command_line.h"
#include "lab05_full_chat/room_peer.h"
#include "lab05_full_chat/room_protocol.h"

namespace room {

ChatRoom::ChatRoom(Outbox& outbox, std::size_t max_clients)
    : router_(outbox, peer_), out_(router_), max_clients_(max_clients)
{
}

void ChatRoom::Router::send(ClientId to, std::string_view line)
{
    if (!is_remote(to)) return local_.send(to, line);
    if (peer_ != nullptr) peer_->send_to(to, line);
}

void ChatRoom::Router::close_after_flush(ClientId who)
{
    if (!is_remote(who)) local_.close_after_flush(who);  // a mirror has no connection here
}

std::string ChatRoom::name_of(ClientId id) const
{
    const auto found = members_.find(id);
    if (found == members_.end()) return {};
    return found->second.nick.empty() ? default_name_of(id) : found->second.nick;
}

std::string ChatRoom::default_name_of(ClientId id) const
{
    // Outside a federation exactly lab03's name, so that a single server's lines are lab03's. In
    // one, every server counts its clients from 1: the server's name makes the default unique,
    // and '@' (which no chosen name may hold, nick_rules.h) keeps it from passing for one.
    if (server_.empty()) return default_name(id);
    return default_name(id) + '@' + server_;
}

void ChatRoom::broadcast(std::string_view line, ClientId except)
{
    // One line, built once by the caller, and the same bytes handed to every recipient: with 1,000
    // members a copy per recipient would be 1,000 allocations per message. The Outbox copies the
    // bytes into each client's queue, which it must do anyway.
    for (const auto& entry : members_) {
        if (is_remote(entry.first)) break;  // ordered by id: the mirrors come last
        if (entry.first != except) out_.send(entry.first, line);
    }
    // The other servers' members hear it from their own server, once per server, not once each.
    if (peer_ != nullptr) peer_->publish(line);
}

void ChatRoom::add_remote(ClientId id, std::string name)
{
    if (!is_remote(id)) return;
    members_[id].nick = std::move(name);
}

void ChatRoom::remove_remote(ClientId id, bool announce)
{
    const auto found = members_.find(id);
    if (!is_remote(id) || found == members_.end()) return;
    const std::string name = found->second.nick;
    members_.erase(found);
    if (announce) deliver_local(left_line(name));
}

void ChatRoom::deliver_local(std::string_view line)
{
    for (const auto& entry : members_) {
        if (is_remote(entry.first)) break;
        out_.send(entry.first, line);
    }
}

void ChatRoom::deliver_to(ClientId id, std::string_view line)
{
    if (!is_remote(id) && contains(id)) out_.send(id, line);
}

std::map<ClientId, std::string> ChatRoom::local_names() const
{
    std::map<ClientId, std::string> names;
    for (const auto& entry : members_) {
        if (is_remote(entry.first)) break;
        names.emplace(entry.first, name_of(entry.first));
    }
    return names;
}

void ChatRoom::refuse_name(ClientId id, std::string_view name)
{
    const auto found = members_.find(id);
    if (is_remote(id) || found == members_.end() || found->second.nick != name) return;
    found->second.nick.clear();
    broadcast(renamed_line(name, default_name_of(id)), 0);
    out_.send(id, nick_taken_line(name));
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
