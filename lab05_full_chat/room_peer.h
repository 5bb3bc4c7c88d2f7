/// @file room_peer.h
/// @brief lab05 stage 5b, README §8 (given): what a federation of servers is to the chat room,
/// and how the room tells its own members from the members of other servers.
///
/// Several chat_server processes can share one room through Redis (README §8). Each server's
/// ChatRoom stays the one place that decides what a line or a command means; it simply holds,
/// besides its own members, a *mirror* of the members of the other servers, under ids of their
/// own (kFirstRemoteId and up). The room treats a mirrored member like any other: `/who` lists
/// it, `/nick` refuses its name, `/msg` addresses it. What the room sends it, and what the room
/// says to everyone, goes to the RoomPeer, which carries it to the other servers:
///
///     a member here says "hi" ──► ChatRoom::say ──► broadcast ──► each member here (Server)
///                                                            └──► RoomPeer::publish ──► Redis
///     /msg bob (bob elsewhere) ──► ChatRoom::msg ──► send(bob's mirror id) ──► RoomPeer::send_to
///     Redis ──► the peer ──► ChatRoom::deliver_local, deliver_to, add_remote, remove_remote
///
/// Without a peer (no `--redis`) there are no mirrored members and the room is lab05's.
#pragma once

#include <string_view>

#include "lab05_full_chat/chat_room.h"

namespace room {

/// @brief The first id of a mirrored member (a member of another server). Ids of this server's
/// own clients count up from 1 and never get near it.
inline constexpr ClientId kFirstRemoteId = ClientId{1} << 62;

/// @brief True if @p id names a member of another server (a mirror), not one of our clients.
inline constexpr bool is_remote(ClientId id)
{
    return id >= kFirstRemoteId;
}

/// @brief What the room hands to the other servers (implemented by room::Federation).
class RoomPeer {
public:
    virtual ~RoomPeer() = default;
    /// @brief The room said @p line (with its "\n") to all its members: pass it on to the
    /// members of every other server. Called after the members here got it.
    virtual void publish(std::string_view line) = 0;
    /// @brief The room sends @p line (with its "\n") to mirrored member @p to (a whisper): pass
    /// it on to the server that holds it.
    virtual void send_to(ClientId to, std::string_view line) = 0;
};

}  // namespace room
