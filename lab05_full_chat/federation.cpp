// lab05 stage 5b, README §8 (given): room::Federation, declared in federation.h. The wire format
// of what it publishes is in docs/protocol.md ("Federation"); why it is built so is README §8.3.
#include "lab05_full_chat/federation.h"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "common/sys_error.h"
#include "lab05_full_chat/redis_reactor_adapter.h"
#include "lab05_full_chat/room_protocol.h"

namespace room {
namespace {

// Claim a name for "<server> <id>", or keep a claim this server already holds (a heartbeat, a
// rejoin): atomic, because Redis runs a script as one command. 1: ours; 0: someone else's.
constexpr std::string_view kClaimScript =
    "local v = redis.call('GET', KEYS[1]) "
    "if v == false or v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "
    "return 1 end return 0";
// Release a name only if this server still holds it: after a split the claim may have expired
// and been taken by another server, whose claim a plain DEL would destroy.
constexpr std::string_view kReleaseScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
    "return 0";

// Take or keep this server's name: its presence key holds our token. Atomic like the claims: two
// servers started with one name at the same instant cannot both find it free. 1: it was ours and
// is renewed; 2: it was free (a first join, or our key expired) and is ours now; 0: it holds
// another process's token, a live server of the same name (a dead one's key would have expired).
constexpr std::string_view kPresenceScript =
    "local v = redis.call('GET', KEYS[1]) "
    "if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end "
    "if v == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end "
    "return 0";

constexpr std::string_view kRoomChannel = "fed:room";

// 16 random hex digits: two processes drawing the same token is not a case worth a thought.
std::string random_token()
{
    std::random_device device;
    char text[17];
    std::snprintf(text, sizeof text, "%08x%08x", static_cast<unsigned>(device()),
                  static_cast<unsigned>(device()));
    return text;
}

std::string lowercase(std::string_view text)
{
    std::string lower(text);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return lower;
}

std::string name_key(std::string_view name)
{
    return "fed:name:" + lowercase(name);
}

std::string alive_key(std::string_view server)
{
    return "fed:alive:" + std::string(server);
}

// The next space-separated field of @p text, which loses it and the space.
std::string_view take_field(std::string_view& text)
{
    const std::size_t space = text.find(' ');
    const std::string_view field = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    return field;
}

}  // namespace

bool valid_server_name(std::string_view name)
{
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
    });
}

Federation::Federation(Reactor& reactor, chat::Mode mode, ChatRoom& room, const Log& log,
                       FederationConfig config)
    : reactor_(reactor),
      mode_(mode),
      room_(room),
      log_(log),
      config_(std::move(config)),
      timer_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC))
{
    if (!timer_) throw kit::SysError("timerfd_create(CLOCK_MONOTONIC)", errno);
    token_ = random_token();
}

Federation::~Federation()
{
    room_.set_peer(nullptr);
    closing_ = true;
    // Freeing a context calls its pending callbacks with no reply and its cleanup hook, which
    // takes its socket off the reactor: the reactor outlives us.
    for (redisAsyncContext** context : {&cmd_, &sub_}) {
        redisAsyncContext* doomed = std::exchange(*context, nullptr);
        if (doomed != nullptr) redisAsyncFree(doomed);
    }
    if (timer_key_ != 0) reactor_.remove(timer_key_);
}

void Federation::start(std::function<void()> name_taken)
{
    name_taken_ = std::move(name_taken);
    room_.set_peer(this);
    // Every server has a client 1: a default name says whose it is (README §8.1).
    room_.qualify_default_names(config_.server_name);
    timer_key_ = reactor_.add(timer_.get(), EPOLLIN, [this](std::uint32_t) {
        std::uint64_t expirations = 0;
        while (::read(timer_.get(), &expirations, sizeof expirations) > 0) {
        }
        on_timer();
    });
    connect();
}

// ----- connections ------------------------------------------------------------------------------

void Federation::connect()
{
    state_ = State::Connecting;
    subscriptions_ = 0;
    auto open = [this]() -> redisAsyncContext* {
        redisAsyncContext* context = nullptr;
        if (config_.redis.find('/') != std::string::npos) {
            context = redisAsyncConnectUnix(config_.redis.c_str());
        } else {
            const std::size_t colon = config_.redis.rfind(':');
            const std::string host = config_.redis.substr(0, colon);
            context = redisAsyncConnect(host.c_str(), std::stoi(config_.redis.substr(colon + 1)));
        }
        if (context == nullptr) {
            lost("out of memory");
            return nullptr;
        }
        if (context->err != 0) {  // refused at once: no socket to watch
            lost(context->errstr);
            redisAsyncFree(context);
            return nullptr;
        }
        context->data = this;
        attach_to_reactor(context, reactor_, mode_);
        redisAsyncSetConnectCallback(context, [](const redisAsyncContext* c, int status) {
            static_cast<Federation*>(c->data)->on_connected(c, status);
        });
        redisAsyncSetDisconnectCallback(context, [](const redisAsyncContext* c, int status) {
            static_cast<Federation*>(c->data)->on_disconnected(c, status);
        });
        return context;
    };
    cmd_ = open();
    if (cmd_ == nullptr) return;
    sub_ = open();
    if (sub_ == nullptr) return;
    // Commands queue until the connection is made: hiredis asks for EPOLLOUT, and the first
    // writable event completes the connect. The subscription's two answers make us joined.
    const std::string mine = "fed:to:" + config_.server_name;
    redisAsyncCommand(sub_, on_message, nullptr, "SUBSCRIBE %b %b", kRoomChannel.data(),
                      kRoomChannel.size(), mine.data(), mine.size());
}

void Federation::on_connected(const redisAsyncContext* context, int status)
{
    if (status == REDIS_OK) return;
    // hiredis frees a context whose connect failed, without calling its disconnect callback.
    const std::string why = context->errstr;
    if (context == cmd_) cmd_ = nullptr;
    if (context == sub_) sub_ = nullptr;
    lost(why);
}

void Federation::on_disconnected(const redisAsyncContext* context, int status)
{
    // hiredis frees the context after this call: forget it now.
    const std::string why = status == REDIS_OK ? "disconnected" : context->errstr;
    if (context == cmd_) cmd_ = nullptr;
    if (context == sub_) sub_ = nullptr;
    lost(why);
}

void Federation::lost(const std::string& why)
{
    if (closing_ || teardown_due_) return;
    // Not here: we may be deep inside hiredis (a callback of the failing context), where freeing
    // the other context, or this one, is not allowed. The timer fires at once, outside it.
    last_error_ = why;
    teardown_due_ = true;
    arm_timer(std::chrono::milliseconds(0));
}

void Federation::teardown()
{
    const bool was_joined = state_ == State::Joined;
    closing_ = true;  // the callbacks that freeing runs must not start another teardown
    for (redisAsyncContext** context : {&cmd_, &sub_}) {
        redisAsyncContext* doomed = std::exchange(*context, nullptr);
        if (doomed != nullptr) redisAsyncFree(doomed);
    }
    closing_ = false;
    waiting_.clear();
    subscriptions_ = 0;
    state_ = State::Split;
    // Whoever is on other servers is out of reach now: /who, /msg and /nick see this server only.
    forget_everyone();
    published_.clear();
    claimed_.clear();
    if (refusing_) {
        // Our name is another live server's: federating on would mix two servers' members,
        // whispers and claims under one name. No retry: it would be refused again.
        state_ = State::Refused;
        // Refused at start (exit 1) only if nobody has relied on this server yet: once it has
        // served alone through a split, or federated, its members stay and it goes on alone.
        if (ever_joined_ || ever_split_) {
            room_.deliver_local(kNameLostLine);
            log_.info(
                "federation: another server named %s joined the federation while the room was "
                "split: this server stops federating and serves its own members only",
                config_.server_name.c_str());
        } else {
            log_.info(
                "federation: another server named %s is alive in this federation: not "
                "joining; stopping",
                config_.server_name.c_str());
            if (name_taken_) name_taken_();
        }
        return;
    }
    ever_split_ = true;
    const auto retry = backoff_;
    backoff_ = std::min(backoff_ * 2, config_.ttl);
    if (was_joined) {
        room_.deliver_local(kSplitLine);
        log_.info("federation: room split: lost redis %s (%s); retrying in %lld ms",
                  config_.redis.c_str(), last_error_.c_str(),
                  static_cast<long long>(retry.count()));
    } else {
        log_.info("federation: cannot reach redis %s (%s); retrying in %lld ms",
                  config_.redis.c_str(), last_error_.c_str(),
                  static_cast<long long>(retry.count()));
    }
    arm_timer(retry);
}

void Federation::on_subscribed()
{
    // Our name first: not joined (no hello, no member published) until Redis says it is ours.
    take_presence([this](redisReply* reply) { on_presence(reply); });
}

void Federation::take_presence(Reply reply)
{
    command({"EVAL", kPresenceScript, "1", alive_key(config_.server_name), token_,
             std::to_string(config_.ttl.count())},
            std::move(reply));
}

void Federation::on_presence(redisReply* reply)
{
    if (reply->type != REDIS_REPLY_INTEGER) {
        // A Redis that cannot run the script cannot keep the name: as if it were away.
        return lost(reply->type == REDIS_REPLY_ERROR ? std::string(reply->str, reply->len)
                                                     : "unexpected answer to the presence script");
    }
    if (reply->integer == 0) return name_taken();
    joined_now();
}

void Federation::name_taken()
{
    // We are inside hiredis (a reply): the connections are closed at the timer, as for a failure.
    refusing_ = true;
    lost("another server holds the name " + config_.server_name);
}

void Federation::joined_now()
{
    state_ = State::Joined;
    backoff_ = kFirstRetry;
    // Hello: every other server answers with its members; ours follow the hello, so that the
    // others first forget what they knew of us (we may have lost members while away).
    command({"PUBLISH", kRoomChannel, me('H', 0)});
    published_.clear();
    sync_local();
    log_.info("federation: %s as %s via redis %s", ever_joined_ ? "rejoined" : "joined",
              config_.server_name.c_str(), config_.redis.c_str());
    if (ever_joined_) room_.deliver_local(kWholeLine);
    ever_joined_ = true;
    arm_timer(config_.ttl / 3);
}

void Federation::arm_timer(std::chrono::milliseconds after)
{
    itimerspec spec{};
    // 0 would disarm the timer: "at once" is one nanosecond.
    const auto ns = std::max<long long>(1, std::chrono::nanoseconds(after).count());
    spec.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
    spec.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
    if (::timerfd_settime(timer_.get(), 0, &spec, nullptr) != 0) {
        throw kit::SysError("timerfd_settime(fd " + std::to_string(timer_.get()) + ")", errno);
    }
}

void Federation::on_timer()
{
    if (teardown_due_) {
        teardown_due_ = false;
        return teardown();
    }
    if (state_ == State::Split) return connect();
    if (state_ == State::Joined) {
        heartbeat();
        arm_timer(config_.ttl / 3);
    }
}

// ----- commands and messages -------------------------------------------------------------------

void Federation::command(std::initializer_list<std::string_view> args, Reply reply)
{
    if (cmd_ == nullptr || teardown_due_) return;
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const std::string_view arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
    }
    std::uint64_t request = 0;
    if (reply) {
        request = next_request_++;
        waiting_.emplace(request, std::move(reply));
    }
    const int status =
        redisAsyncCommandArgv(cmd_, request != 0 ? on_reply : nullptr,
                              reinterpret_cast<void*>(static_cast<std::uintptr_t>(request)),
                              static_cast<int>(argv.size()), argv.data(), lengths.data());
    if (status != REDIS_OK && request != 0) waiting_.erase(request);
}

void Federation::on_reply(redisAsyncContext* context, void* reply, void* privdata)
{
    auto* self = static_cast<Federation*>(context->data);
    const auto request = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(privdata));
    const auto found = self->waiting_.find(request);
    if (found == self->waiting_.end()) return;
    const Reply callback = std::move(found->second);
    self->waiting_.erase(found);
    // No reply: the context is being freed. The federation is tearing down; nothing to do.
    if (reply != nullptr && !self->closing_) callback(static_cast<redisReply*>(reply));
}

void Federation::on_message(redisAsyncContext* context, void* reply, void*)
{
    auto* self = static_cast<Federation*>(context->data);
    const auto* r = static_cast<redisReply*>(reply);
    if (r == nullptr || self->closing_ || r->type != REDIS_REPLY_ARRAY || r->elements != 3) return;
    const std::string_view kind(r->element[0]->str, r->element[0]->len);
    if (kind == "subscribe") {
        if (++self->subscriptions_ == 2) self->on_subscribed();
    } else if (kind == "message" && r->element[2]->type == REDIS_REPLY_STRING) {
        self->message(std::string_view(r->element[2]->str, r->element[2]->len));
    }
}

void Federation::message(std::string_view payload)
{
    // "<server> <kind> <id> <rest>" (docs/protocol.md, "Federation").
    const std::string server(take_field(payload));
    const std::string_view kind = take_field(payload);
    const std::string_view id_text = take_field(payload);
    if (server == config_.server_name || kind.size() != 1) return;  // our own, or garbage
    // Subscribed but not yet sure of our name: nothing to mirror (our hello will ask again).
    if (state_ != State::Joined) return;
    ClientId id = 0;
    for (const char c : id_text) {
        if (c < '0' || c > '9') return;
        id = id * 10 + static_cast<ClientId>(c - '0');
    }
    switch (kind[0]) {
        case 'L':  // a line its room said to everyone
            return room_.deliver_local(payload);
        case 'W':  // a whisper for our member id
            return room_.deliver_to(id, payload);
        case 'J':  // member id is there, named payload (joined, renamed, or a list)
            return mirror(server, id, std::string(payload));
        case 'X':  // member id left (its room said so with an L line)
            return unmirror(server, id);
        case 'H':  // it (re)joined: forget what we knew of it, tell it who is here
            forget_server(server, false);
            servers_.insert(server);
            for (const auto& [member, name] : published_)
                announce(member, name);
            return;
        default:
            return;
    }
}

std::string Federation::me(char kind, ClientId id) const
{
    return config_.server_name + ' ' + kind + ' ' + std::to_string(id) + ' ';
}

// ----- this server's members --------------------------------------------------------------------

void Federation::publish(std::string_view line)
{
    // The shutting-down line is this server's: the others' members are not leaving.
    if (line == kShuttingDownLine || state_ != State::Joined || teardown_due_) return;
    // Every change of membership is announced by a line the room says to everyone (joined, left,
    // is now): tell the others what changed first, so that a name is known before it is heard.
    sync_local();
    command({"PUBLISH", kRoomChannel, me('L', 0) + std::string(line)});
}

void Federation::send_to(ClientId to, std::string_view line)
{
    const auto found = remotes_.find(to);
    if (found == remotes_.end() || state_ != State::Joined) return;
    const std::string channel = "fed:to:" + found->second.server;
    command({"PUBLISH", channel, me('W', found->second.origin) + std::string(line)});
}

void Federation::sync_local()
{
    std::map<ClientId, std::string> now = room_.local_names();
    for (const auto& [id, name] : published_) {
        if (now.count(id) != 0) continue;
        if (chosen(id, name)) release(name);
        command({"PUBLISH", kRoomChannel, me('X', id)});
    }
    for (const auto& [id, name] : now) {
        const auto before = published_.find(id);
        if (before != published_.end() && before->second == name) continue;
        if (before != published_.end() && chosen(id, before->second)) release(before->second);
        if (chosen(id, name)) claim(id, name);
        announce(id, name);
    }
    published_ = std::move(now);
}

void Federation::announce(ClientId id, const std::string& name)
{
    command({"PUBLISH", kRoomChannel, me('J', id) + name});
}

void Federation::claim(ClientId id, const std::string& name)
{
    claimed_[lowercase(name)] = id;
    const std::string owner = config_.server_name + ' ' + std::to_string(id);
    const std::string ttl = std::to_string(config_.ttl.count());
    command({"EVAL", kClaimScript, "1", name_key(name), owner, ttl},
            [this, id, name](redisReply* reply) {
                if (reply->type != REDIS_REPLY_INTEGER || reply->integer != 0) return;
                // Another server claimed it first (both rooms saw it free in their mirrors).
                const auto held = claimed_.find(lowercase(name));
                if (held == claimed_.end() || held->second != id) return;
                claimed_.erase(held);
                log_.info(
                    "federation: the name %s is claimed on another server: client #%llu "
                    "goes back to its default name",
                    name.c_str(), static_cast<unsigned long long>(id));
                room_.refuse_name(id, name);
            });
}

void Federation::release(const std::string& name)
{
    const auto held = claimed_.find(lowercase(name));
    if (held == claimed_.end()) return;
    const std::string owner = config_.server_name + ' ' + std::to_string(held->second);
    claimed_.erase(held);
    command({"EVAL", kReleaseScript, "1", name_key(name), owner});
}

void Federation::heartbeat()
{
    // Renew our presence only while it holds our token. 2: it had expired (a stall longer than
    // the ttl), and the others have forgotten our members: say hello again. 0: meanwhile another
    // server of our name took it: stop federating (README §8.3).
    take_presence([this](redisReply* reply) {
        if (reply->type != REDIS_REPLY_INTEGER || state_ != State::Joined) return;
        if (reply->integer == 0) return name_taken();
        if (reply->integer != 2) return;
        if (!published_.empty()) {
            log_.info("federation: our presence had expired: announcing our members again");
        }
        command({"PUBLISH", kRoomChannel, me('H', 0)});
        published_.clear();
        claimed_.clear();
        sync_local();
    });
    // Keep our claims (the script keeps only what is still ours; one lost meanwhile is refused).
    const std::map<std::string, ClientId> claims = claimed_;
    for (const auto& [lower, id] : claims) {
        const auto name = published_.find(id);
        if (name != published_.end()) claim(id, name->second);
    }
    // Who else is still alive.
    for (const std::string& server : servers_) {
        command({"EXISTS", alive_key(server)}, [this, server](redisReply* reply) {
            if (reply->type != REDIS_REPLY_INTEGER || reply->integer != 0) return;
            if (servers_.count(server) == 0) return;
            std::size_t members = 0;
            for (const auto& entry : mirror_ids_)
                members += entry.first.first == server ? 1 : 0;
            log_.info(
                "federation: server %s is gone (no heartbeat for %lld ms): %zu members "
                "removed",
                server.c_str(), static_cast<long long>(config_.ttl.count()), members);
            forget_server(server, true);
        });
    }
}

// ----- the mirrors ------------------------------------------------------------------------------

void Federation::mirror(const std::string& server, ClientId origin, std::string name)
{
    servers_.insert(server);
    const auto key = std::make_pair(server, origin);
    auto found = mirror_ids_.find(key);
    if (found == mirror_ids_.end()) {
        found = mirror_ids_.emplace(key, next_remote_++).first;
        remotes_.emplace(found->second, Remote{server, origin});
    }
    room_.add_remote(found->second, std::move(name));
}

void Federation::unmirror(const std::string& server, ClientId origin)
{
    const auto found = mirror_ids_.find(std::make_pair(server, origin));
    if (found == mirror_ids_.end()) return;
    room_.remove_remote(found->second, false);
    remotes_.erase(found->second);
    mirror_ids_.erase(found);
}

void Federation::forget_server(const std::string& server, bool announce)
{
    for (auto it = mirror_ids_.lower_bound(std::make_pair(server, ClientId{0}));
         it != mirror_ids_.end() && it->first.first == server;) {
        room_.remove_remote(it->second, announce);
        remotes_.erase(it->second);
        it = mirror_ids_.erase(it);
    }
    servers_.erase(server);
}

void Federation::forget_everyone()
{
    const std::set<std::string> servers = servers_;
    for (const std::string& server : servers)
        forget_server(server, false);
}

}  // namespace room
