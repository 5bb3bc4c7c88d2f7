/// @file federation.h
/// @brief lab05 stage 5b, README §8 (given): room::Federation, which joins this server's chat
/// room to the rooms of other chat_server processes through Redis, so that they are one room.
///
/// The federation is a peer of the ChatRoom, not a layer above it (room_peer.h): every command is
/// still decided by the room of the member's own server, which holds a mirror of the other
/// servers' members. The federation keeps those mirrors current and carries lines between servers.
/// What it keeps in Redis (README §8.3, docs/protocol.md "Federation"):
///
///     fed:room                  pub/sub: every server's room lines and membership changes
///     fed:to:<server>           pub/sub: whispers for the members of <server>
///     fed:alive:<server>        presence and the server's name: this process's random token,
///                               with a TTL, taken only if free, renewed only while still ours
///     fed:name:<lowercase name> the atomic claim of a chosen name: "<server> <id>", with a TTL
///
/// Two connections to Redis, both on the server's Reactor through your adapter
/// (redis_reactor_adapter.h): one subscribes (a subscribed connection can do nothing else), one
/// sends commands and publishes. One timerfd beats the heartbeat while joined, and times the
/// reconnection (with backoff) while split. A failure of Redis never stops the server: it goes on
/// serving its own members, tells them the room is split, and rejoins when Redis is back. A name
/// held by another live server is the one thing it does not wait out (README §8.3): at start the
/// server is refused, after a split it stops federating.
#pragma once

#include <hiredis/async.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/fd.h"
#include "lab05_full_chat/chat_room.h"
#include "lab05_full_chat/reactor.h"
#include "lab05_full_chat/room_peer.h"
#include "lab05_full_chat/server_log.h"

namespace room {

/// @brief Where Redis is and how the federation behaves (`chat_server --redis ...`).
struct FederationConfig {
    /// `HOST:PORT`, or the path of Redis's unix socket (anything that contains a '/').
    std::string redis;
    /// This server's name in the federation: letters, digits, '_', '-', '.'; unique among the
    /// live servers, which the federation enforces: it takes the name in Redis before joining
    /// (`--server-name`, default `chat-<hostname>-<pid>`). Its members' default names end with
    /// it: `ClientID <id>@<server>` (README §8.1).
    std::string server_name;
    /// How long a server's presence (and its members' name claims) outlive its last heartbeat
    /// (`--redis-ttl`, ms). A heartbeat goes every third of it; a server that died is noticed by
    /// the others within about ttl plus one heartbeat. The reconnection's backoff stops growing
    /// at ttl too.
    std::chrono::milliseconds ttl{3000};
};

/// @brief The first wait before reconnecting to Redis; it doubles at each failure, up to the ttl.
inline constexpr std::chrono::milliseconds kFirstRetry{50};

/// @brief To every member of this server when Redis goes away (README §8.3).
inline constexpr std::string_view kSplitLine =
    "* the room is split: the members of other servers are out of reach until it is whole again\n";
/// @brief To every member of this server when it has rejoined the federation.
inline constexpr std::string_view kWholeLine = "* the room is whole again\n";
/// @brief To every member of this server when, back from a split, it finds its name taken by
/// another live server: it stops federating for good (README §8.3).
inline constexpr std::string_view kNameLostLine =
    "* the room stays split: another server took this server's name while the room was split; "
    "this server now serves its own members only\n";

/// @brief True if @p name is a valid server name: 1 to 64 letters, digits, '_', '-' or '.'.
bool valid_server_name(std::string_view name);

/// @brief This server's part in the federation. Construct it after the Server, start() it, and
/// destroy it before the Server (it holds the Server's reactor and room).
class Federation final : public RoomPeer {
public:
    /// @brief A federation member for @p room, on @p reactor (in @p mode), that logs to @p log.
    /// Registers nothing yet. @throws kit::SysError if timerfd_create fails.
    Federation(Reactor& reactor, chat::Mode mode, ChatRoom& room, const Log& log,
               FederationConfig config);
    ~Federation() override;
    Federation(const Federation&) = delete;
    Federation& operator=(const Federation&) = delete;

    /// @brief Become the room's peer, qualify its default names with the server's name, and
    /// connect to Redis (asynchronously: the server serves its own members at once, and joins
    /// the others when Redis answers). Call it before the first member joins.
    /// @param name_taken called once, from the reactor, if the server's first connection to
    /// Redis finds its name held by another live server (its presence key is fresh): the caller
    /// stops the server (chat_server exits with status 1, as when its port is in use). The
    /// federation has closed its connections by then and will not retry. Found later (after a
    /// split, or a first attempt that failed: members may rely on this server by then), the
    /// federation stops federating instead and the server goes on alone.
    void start(std::function<void()> name_taken = nullptr);

    /// @brief RoomPeer: publish a line the room said to everyone (not the shutting-down line,
    /// which is this server's news only). Membership changes of this server are published first.
    void publish(std::string_view line) override;
    /// @brief RoomPeer: a whisper for mirrored member @p to, sent to its server's channel.
    void send_to(ClientId to, std::string_view line) override;

    /// @brief True while joined (subscribed, presence set).
    [[nodiscard]] bool joined() const { return state_ == State::Joined; }

private:
    enum class State {
        Connecting,  // a connection is being made (first time or again)
        Joined,      // subscribed and present: the room is whole
        Split,       // Redis is away: waiting for the retry timer
        Refused,     // another live server holds our name: no connection, no retry, ever
    };
    /// A mirrored member: which server holds it, under which id there.
    struct Remote {
        std::string server;
        ClientId origin = 0;
    };
    using Reply = std::function<void(redisReply*)>;

    // Connections.
    void connect();
    void on_connected(const redisAsyncContext* context, int status);
    void on_disconnected(const redisAsyncContext* context, int status);
    void on_subscribed();
    // Run the presence script (kPresenceScript): take our name, or renew it while it is ours.
    void take_presence(Reply reply);
    void on_presence(redisReply* reply);
    void joined_now();
    void name_taken();
    void lost(const std::string& why);
    void teardown();
    void on_timer();
    void arm_timer(std::chrono::milliseconds after);

    // Commands: one argv, one reply callback (nullptr: none wanted).
    void command(std::initializer_list<std::string_view> args, Reply reply = nullptr);
    static void on_reply(redisAsyncContext* context, void* reply, void* privdata);
    static void on_message(redisAsyncContext* context, void* reply, void* privdata);
    void message(std::string_view payload);

    // Membership of this server: what the others know of it.
    void sync_local();
    void announce(ClientId id, const std::string& name);
    void claim(ClientId id, const std::string& name);
    void release(const std::string& name);
    void heartbeat();

    // The mirrors of the other servers' members.
    void mirror(const std::string& server, ClientId origin, std::string name);
    void unmirror(const std::string& server, ClientId origin);
    void forget_server(const std::string& server, bool announce);
    void forget_everyone();

    [[nodiscard]] std::string me(char kind, ClientId id) const;
    // A name member @p id chose (claimed across the federation), not its default name.
    [[nodiscard]] bool chosen(ClientId id, const std::string& name) const
    {
        return name != room_.default_name_of(id);
    }

    Reactor& reactor_;
    chat::Mode mode_;
    ChatRoom& room_;
    const Log& log_;
    FederationConfig config_;
    kit::Fd timer_;
    Key timer_key_ = 0;
    redisAsyncContext* cmd_ = nullptr;  // commands and PUBLISH
    redisAsyncContext* sub_ = nullptr;  // SUBSCRIBE only
    State state_ = State::Connecting;
    bool ever_joined_ = false;
    bool ever_split_ = false;    // Redis was out of reach once: the server has served alone
    bool teardown_due_ = false;  // a connection failed: teardown() at the timer, outside hiredis
    bool refusing_ = false;      // the teardown due is for good: another server holds our name
    bool closing_ = false;       // freeing the contexts: their callbacks must change nothing
    int subscriptions_ = 0;
    std::chrono::milliseconds backoff_ = kFirstRetry;
    std::string last_error_;
    // The value of our presence key: random, so that it tells this process from another started
    // with the same --server-name (a server restarted by hand, a copy on another machine).
    std::string token_;
    std::function<void()> name_taken_;
    // What the others were told about this server's members (by id) and the names it claims.
    std::map<ClientId, std::string> published_;
    std::map<std::string, ClientId> claimed_;  // by lowercase name
    // The mirrors: by (server, its id) and by mirror id; the servers they live on.
    std::map<std::pair<std::string, ClientId>, ClientId> mirror_ids_;
    std::unordered_map<ClientId, Remote> remotes_;
    std::set<std::string> servers_;
    ClientId next_remote_ = kFirstRemoteId;
    // Reply callbacks waiting for Redis, by a number hiredis hands back to on_reply.
    std::unordered_map<std::uint64_t, Reply> waiting_;
    std::uint64_t next_request_ = 1;
};

}  // namespace room
