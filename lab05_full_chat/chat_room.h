/// @file chat_room.h
/// @brief lab05 (interface given, you write chat_room.cpp): the chat-room layer: who is here,
/// their names, and what each line they send means.
///
/// The room knows nothing about sockets or epoll. The server hands it events (a client joined,
/// sent a line, left) and the room answers through an Outbox: "queue this line for that client".
/// That split lets the unit tests drive the room with a fake outbox, and lets lab05's bonus stage
/// share one room between several servers. Every line it sends is built in room_protocol.h, and
/// docs/protocol.md lists them all.
///
/// A client that never sends a command sees lab03's protocol: the same welcome, `ClientID <id> say
/// >> <text>` for the others' lines, the same "alone" and "too long" answers; lab05 adds notices
/// (lines starting `* `) when others join, leave or change their names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace room {

class RoomPeer;  // room_peer.h: the other servers of a federation (README §8)

/// @brief A client's chat id: 1, 2, 3, ... in order of arrival, never reused while the server runs.
using ClientId = std::uint64_t;

/// @brief What the room asks of whoever carries its lines: the server, or a fake in tests.
class Outbox {
public:
    virtual ~Outbox() = default;
    /// @brief Queue @p line (it ends with "\n") for client @p to. Never blocks: the server writes
    /// every client's queue once, at the end of the turn. @p line is only borrowed: a broadcast
    /// passes the same bytes to every recipient, so copy them. Never calls back into the room
    /// (the room may be walking its members): a client to drop, for a queue over its limit, is
    /// marked here and told to the room with leave() after the event.
    virtual void send(ClientId to, std::string_view line) = 0;
    /// @brief Close @p who's connection once everything queued for it is written (`/quit`, a full
    /// room). The room has already forgotten @p who, or is told by leave() later: see there.
    virtual void close_after_flush(ClientId who) = 0;
};

/// @brief One chat room: its members, their names, the commands.
class ChatRoom {
public:
    /// @brief An empty room that sends through @p outbox (which must outlive it) and holds at
    /// most @p max_clients members.
    ChatRoom(Outbox& outbox, std::size_t max_clients);

    /// @brief Client @p id connected. If the room has space: send it the welcome line, tell the
    /// others by its name (name_of: `* ClientID <id> joined`), return true. If it is full: send
    /// it the room-full line, close_after_flush(@p id), return false (it never became a member).
    bool join(ClientId id);

    /// @brief Member @p id sent @p line (without its "\n"; it may hold any byte but "\n").
    /// A line starting with "/" is a command (`/nick`, `/who`, `/msg`, `/quit`, `/help`; the
    /// command's name in any case); "//" starts a chat line that begins with one "/". Anything
    /// else is said to the room: `<name> say >> <line>` to every other member, or the "alone"
    /// line back when nobody else is here. Unknown ids are ignored.
    void on_line(ClientId id, std::string_view line);

    /// @brief Member @p id sent a line over the limit: tell it so (lab03's line); nothing is said.
    void on_too_long(ClientId id);

    /// @brief Member @p id is gone (end of file, reset, dropped for not reading, `/quit`): forget
    /// it, free its name, tell the others (`* <name> left`). Unknown ids are ignored.
    void leave(ClientId id);

    /// @brief The server is shutting down: send every member the shutting-down line.
    void shutdown();

    /// @brief Members right now.
    [[nodiscard]] std::size_t size() const { return members_.size(); }
    /// @brief True if @p id is a member.
    [[nodiscard]] bool contains(ClientId id) const { return members_.count(id) != 0; }
    /// @brief @p id's name: the one it chose, or its default name (default_name_of); empty for a
    /// non-member.
    [[nodiscard]] std::string name_of(ClientId id) const;
    /// @brief The name of member @p id before it chooses one: `ClientID <id>`, or, once
    /// qualify_default_names() was called, `ClientID <id>@<server>`. (Given.)
    [[nodiscard]] std::string default_name_of(ClientId id) const;

    /// @name The federation's side (README §8; given, in chat_room_helpers.cpp)
    /// A federation (room_peer.h) keeps in every server's room a mirror of the other servers'
    /// members, under ids from kFirstRemoteId up. The room's commands treat them as members;
    /// what it sends them goes to the peer instead of the Outbox. Without set_peer(), none of
    /// these is ever called and the room is lab05's.
    /// @{

    /// @brief Hand what the room says to everyone, and what it sends to mirrored members, to
    /// @p peer too (nullptr: nobody; the room then only talks to its own members).
    void set_peer(RoomPeer* peer) { peer_ = peer; }
    /// @brief From now on the default names of this server's members are `ClientID <id>@<server>`
    /// (@p server: this server's name in the federation, unique among its servers): every
    /// server has a client 1, and a name must say which one it is, the same on every server
    /// (README §8.1). Call it before the first member joins: a name never changes under a member.
    void qualify_default_names(std::string server) { server_ = std::move(server); }
    /// @brief Mirror a member of another server under @p id (is_remote(@p id)) named @p name, or
    /// rename the mirror if it exists. Nobody is told: its own server said so to everyone.
    void add_remote(ClientId id, std::string name);
    /// @brief Forget the mirrored member @p id. With @p announce, the members here hear
    /// `* <name> left` (its server died and cannot say it); without, they hear nothing.
    void remove_remote(ClientId id, bool announce);
    /// @brief Send @p line to every member of this server (a line another server published).
    void deliver_local(std::string_view line);
    /// @brief Send @p line to member @p id of this server, if it is one (a whisper from afar).
    void deliver_to(ClientId id, std::string_view line);
    /// @brief The members of this server and their names, by id.
    [[nodiscard]] std::map<ClientId, std::string> local_names() const;
    /// @brief The federation refused member @p id the name @p name (another server claimed it
    /// first): @p id goes back to its default name, everyone hears the rename, and @p id hears
    /// nick_taken_line(@p name). Nothing happens if @p id no longer has that name.
    void refuse_name(ClientId id, std::string_view name);
    /// @}

private:
    /// Where the room's lines go: members here to the Outbox, mirrored members to the peer.
    class Router final : public Outbox {
    public:
        Router(Outbox& local, RoomPeer*& peer) : local_(local), peer_(peer) {}
        void send(ClientId to, std::string_view line) override;
        void close_after_flush(ClientId who) override;

    private:
        Outbox& local_;
        RoomPeer*& peer_;
    };

    struct Member {
        std::string nick;  // empty until /nick: the name is then default_name_of(id)
    };

    /// Send @p line to every member but @p except (0: everyone). (Given, chat_room_helpers.cpp.)
    void broadcast(std::string_view line, ClientId except);
    /// The member who chose the name @p name (case-insensitively), or 0. Members without a name
    /// are never found: `ClientID <id>` holds a space, which a name never does. (Given.)
    [[nodiscard]] ClientId find_by_name(std::string_view name) const;

    /// @p text said by @p id: `<name> say >> <text>` to every other member, or the "alone" line.
    void say(ClientId id, std::string_view text);

    // The commands, each with its argument text (after the command's name and its spaces).
    void nick(ClientId id, std::string_view arg);
    void who(ClientId id);
    void msg(ClientId id, std::string_view arg);
    void quit(ClientId id);
    void help(ClientId id);

    RoomPeer* peer_ = nullptr;  // declared before router_, which refers to it
    Router router_;             // declared before out_, which refers to it
    Outbox& out_;               // router_: the Outbox for members here, the peer for mirrors
    std::size_t max_clients_;
    std::string server_;                  // qualify_default_names(): empty outside a federation
    std::map<ClientId, Member> members_;  // by id: ordered, so /who and broadcasts go in join order
};

}  // namespace room
