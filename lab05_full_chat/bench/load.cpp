// chat_bench: the crowd and the measured load (see load.h).
#include "load.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "resp.h"

namespace bench {

namespace {

// Nothing read for this long while something is expected: the server is stuck (or lost a
// message): the run ends with an error instead of hanging. It bounds a hang, it does not judge
// speed: a slow server still makes progress.
constexpr auto kStall = std::chrono::seconds(30);
// Clients connected but not yet greeted, at most: the rest wait, so the server's accept queue
// (SOMAXCONN) never overflows (an overflowing queue drops SYNs, and the kernel retries after 1 s).
constexpr int kConnectAhead = 128;
constexpr std::string_view kChannel = "room";
// A federation's marker line, said once on each server before a run (load.h).
constexpr std::string_view kMarker = "sync:";

std::runtime_error failure(const std::string& what)
{
    return std::runtime_error(what);
}

double process_cpu_seconds()
{
    timespec t{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

double percentile(std::vector<float>& values, double fraction)
{
    if (values.empty()) return 0;
    const auto at = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1));
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(at),
                     values.end());
    return values[at];
}

}  // namespace

struct Crowd::Conn {
    kit::Fd fd;
    std::string in;             // bytes read, not a whole line (or RESP reply) yet
    std::string out;            // bytes to write, not written yet (EPOLLOUT armed while not empty)
    int member = -1;            // its index among the receivers; -1: a Redis publishing connection
    int sender = -1;            // the sender it sends for, or -1
    bool ready = false;         // welcomed (chat) or subscribed (Redis)
    bool watching_out = false;  // EPOLLOUT is in its epoll registration
};

struct Crowd::Sender {
    struct Pending {
        Clock::time_point sent_at;
        std::uint64_t missing = 0;  // receivers that do not have it yet
    };
    std::size_t conn = 0;         // the connection it writes to
    std::uint32_t sent = 0;       // messages sent
    std::uint32_t completed = 0;  // messages every receiver has (always the oldest ones)
    std::vector<Pending> window;  // [seq % W]
};

std::uint64_t raise_fd_limit()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        throw failure("getrlimit: " + std::string(std::strerror(errno)));
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0)
        throw failure("setrlimit: " + std::string(std::strerror(errno)));
    return limit.rlim_cur;
}

Crowd::Crowd(Kind kind, const std::vector<Endpoint>& endpoints, bool federated, int clients,
             int senders)
    : kind_(kind), members_(clients), epoll_(::epoll_create1(EPOLL_CLOEXEC))
{
    if (!epoll_) throw failure("epoll_create1: " + std::string(std::strerror(errno)));
    if (endpoints.empty()) throw failure("no server to connect to");
    for (const Endpoint& endpoint : endpoints)
        addresses_.push_back(kit::resolve_address(endpoint.host, endpoint.port));
    conns_.reserve(static_cast<std::size_t>(clients + senders));
    for (int i = 0; i < clients; ++i) {
        // Chat: the first K clients send on their own connection. Redis: see below.
        connect_one(i, kind_ == Kind::Redis || i >= senders ? -1 : i);
        if (static_cast<std::uint64_t>(i + 1) - ready_ >= kConnectAhead) {
            pump_until(
                [&] { return static_cast<std::uint64_t>(i + 1) - ready_ < kConnectAhead / 2; },
                "greetings of the clients connected so far");
        }
    }
    pump_until([&] { return ready_ == static_cast<std::uint64_t>(clients); },
               "a greeting for every client (" + std::to_string(clients) + ")");
    const std::uint64_t n = static_cast<std::uint64_t>(clients);
    if (kind_ != Kind::Redis && federated) {
        // One marker said on each server (by its first client); every other client hears it
        // after whatever that server announced before it (load.h).
        const std::uint64_t servers = std::min<std::uint64_t>(addresses_.size(), n);
        for (std::size_t s = 0; s < servers; ++s) {
            conns_[s].out = std::string(kMarker) + std::to_string(s) + "\n";
            flush(s);
        }
        pump_until([&] { return markers_seen_ == servers * (n - 1); },
                   "the markers said on each server (" + std::to_string(servers * (n - 1)) +
                       " heard so far: " + std::to_string(markers_seen_) + ")");
    } else if (kind_ == Kind::Room) {
        // Every pair of members makes one join notice, to the one who came first, whatever the
        // order the server accepted them in: N(N-1)/2 in all. A run starts when all are read,
        // so that the room is quiet.
        pump_until([&] { return joins_seen_ == n * (n - 1) / 2; },
                   "the join notices (" + std::to_string(n * (n - 1) / 2) + ")");
    }
    if (kind_ == Kind::Redis) {
        for (int k = 0; k < senders; ++k)
            connect_one(-1, k);
    }
}

Crowd::~Crowd() = default;

void Crowd::connect_one(int member, int sender)
{
    const std::string which = " (client " + std::to_string(conns_.size() + 1) + ")";
    const kit::SocketAddress& address =
        addresses_[member < 0 ? 0 : static_cast<std::size_t>(member) % addresses_.size()];
    kit::Fd fd(::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw failure("socket: " + std::string(std::strerror(errno)) + which);
    // A blocking connect: on loopback it returns once the kernel completed the handshake (the
    // server need not have accepted yet); then the socket turns nonblocking for the event loop.
    if (::connect(fd.get(), address.data(), address.length) != 0) {
        throw failure("connect to " + kit::to_string(address) + which + ": " +
                      std::strerror(errno));
    }
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
    const int on = 1;  // a message is one small write: send it now, not after Nagle's wait
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = conns_.size();
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd.get(), &event) != 0) {
        throw failure("epoll_ctl: " + std::string(std::strerror(errno)));
    }
    Conn conn;
    conn.fd = std::move(fd);
    conn.member = member;
    conn.sender = sender;
    conn.ready = member < 0;  // a publishing connection has no greeting
    conns_.push_back(std::move(conn));
    if (kind_ == Kind::Redis && member >= 0) {
        conns_.back().out = resp::command({"SUBSCRIBE", kChannel});
        flush(conns_.size() - 1);
    }
}

void Crowd::pump_until(const std::function<bool()>& done, const std::string& waiting_for)
{
    std::vector<epoll_event> events(256);
    auto last_progress = Clock::now();
    while (!done()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            last_progress + kStall - Clock::now());
        if (left.count() <= 0) {
            throw failure("nothing arrived for 30 s while waiting for " + waiting_for);
        }
        const int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()),
                                   static_cast<int>(left.count()));
        if (n < 0 && errno != EINTR)
            throw failure("epoll_wait: " + std::string(std::strerror(errno)));
        if (n <= 0) continue;
        // One clock reading per batch of events: the receive time of every delivery in it.
        const auto now = Clock::now();
        last_progress = now;
        for (int i = 0; i < n; ++i) {
            const std::size_t index = events[static_cast<std::size_t>(i)].data.u64;
            if ((events[static_cast<std::size_t>(i)].events & EPOLLOUT) != 0) flush(index);
            if ((events[static_cast<std::size_t>(i)].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) !=
                0) {
                on_readable(index, now);
            }
        }
    }
}

void Crowd::on_readable(std::size_t index, Clock::time_point now)
{
    Conn& conn = conns_[index];
    char buffer[64 * 1024];
    const ssize_t n = ::read(conn.fd.get(), buffer, sizeof buffer);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        throw failure("read from the server (client " + std::to_string(index + 1) +
                      "): " + std::strerror(errno));
    }
    if (n == 0) {
        throw failure("the server closed the connection of client " + std::to_string(index + 1) +
                      (conn.in.empty() ? std::string() : ", after: " + conn.in.substr(0, 200)));
    }
    const std::string_view fresh(buffer, static_cast<std::size_t>(n));
    const auto parse = [&](std::string_view bytes) {
        return kind_ == Kind::Redis ? on_resp_bytes(conn, bytes, now)
                                    : on_chat_bytes(conn, bytes, now);
    };
    if (conn.in.empty()) {  // the common case: parse in place, keep only an unfinished tail
        const std::size_t used = parse(fresh);
        conn.in.assign(fresh.substr(used));
    } else {
        conn.in.append(fresh);
        const std::size_t used = parse(conn.in);
        conn.in.erase(0, used);
    }
}

std::size_t Crowd::on_chat_bytes(Conn& conn, std::string_view bytes, Clock::time_point now)
{
    static constexpr std::string_view kSays = " say >> ";
    std::size_t used = 0;
    for (std::size_t end; (end = bytes.find('\n', used)) != std::string_view::npos;
         used = end + 1) {
        std::string_view line = bytes.substr(used, end - used);
        if (const std::size_t says = line.find(kSays); says != std::string_view::npos) {
            const std::string_view text = line.substr(says + kSays.size());
            if (text.rfind(kMarker, 0) == 0 && senders_.empty()) {
                ++other_lines_;
                ++markers_seen_;
            } else {
                on_delivery(conn, text, now);
            }
            continue;
        }
        ++other_lines_;
        if (line.rfind("* ", 0) == 0) {  // a lab05 notice: not a delivery
            if (line.size() >= 7 && line.substr(line.size() - 7) == " joined") ++joins_seen_;
        } else if (line.rfind("Welcome to the chat room!", 0) == 0 && !conn.ready) {
            conn.ready = true;
            ++ready_;
        } else {
            throw failure("client " + std::to_string(conn.member + 1) +
                          " got a line it did not expect: '" + std::string(line.substr(0, 200)) +
                          "'");
        }
    }
    return used;
}

std::size_t Crowd::on_resp_bytes(Conn& conn, std::string_view bytes, Clock::time_point now)
{
    std::size_t used = 0;
    resp::Reply reply;
    for (std::size_t n; (n = resp::parse(bytes.substr(used), reply)) != 0; used += n) {
        if (reply.type == '*' && reply.items.size() == 3 && reply.items[0] == "message") {
            on_delivery(conn, reply.items[2], now);
        } else if (reply.type == '*' && reply.items.size() == 3 && reply.items[0] == "subscribe" &&
                   !conn.ready) {
            ++other_lines_;
            conn.ready = true;
            ++ready_;
        } else if (reply.type == ':' && conn.member < 0 && replies_due_ > 0) {
            // PUBLISH's reply: how many subscribers got the message. All of them must have.
            if (static_cast<std::uint64_t>(reply.integer) != receivers_) {
                throw failure("PUBLISH reached " + std::to_string(reply.integer) + " of " +
                              std::to_string(receivers_) + " subscribers");
            }
            --replies_due_;
        } else {
            throw failure("Redis sent what the bench did not expect (type '" +
                          std::string(1, reply.type) + "'" +
                          (reply.type == '-' ? ": " + std::string(reply.text) : "") + ")");
        }
    }
    return used;
}

void Crowd::on_delivery(const Conn& conn, std::string_view text, Clock::time_point now)
{
    const int member = conn.member;
    const auto bad = [&](const std::string& what) {
        return failure("client " + std::to_string(member + 1) + ": " + what + " (text '" +
                       std::string(text.substr(0, 80)) + "')");
    };
    if (senders_.empty()) throw bad("a message before the run started");
    if (member < 0) throw bad("a message on a publishing connection");
    // "<sender>:<seq>:xxx...": S bytes in all.
    unsigned sender = 0;
    std::uint32_t seq = 0;
    const char* p = text.data();
    const char* end = text.data() + text.size();
    auto r1 = std::from_chars(p, end, sender);
    if (r1.ec != std::errc() || r1.ptr == end || *r1.ptr != ':') throw bad("not a bench message");
    auto r2 = std::from_chars(r1.ptr + 1, end, seq);
    if (r2.ec != std::errc() || r2.ptr == end || *r2.ptr != ':' || sender >= senders_.size()) {
        throw bad("not a bench message");
    }
    if (text.size() != static_cast<std::size_t>(config_.size) ||
        text.find_first_not_of('x', static_cast<std::size_t>(r2.ptr + 1 - p)) !=
            std::string_view::npos) {
        throw bad("damaged: " + std::to_string(text.size()) + " bytes, sent " +
                  std::to_string(config_.size));
    }
    if (kind_ != Kind::Redis && conns_[senders_[sender].conn].member == member) {
        throw bad("its own message came back to it");
    }
    std::uint32_t& expected =
        next_seq_[static_cast<std::size_t>(member) * senders_.size() + sender];
    if (seq != expected) {
        throw bad(seq > expected
                      ? "lost messages " + std::to_string(expected) + ".." +
                            std::to_string(seq - 1) + " of sender " + std::to_string(sender)
                      : "message " + std::to_string(seq) + " of sender " + std::to_string(sender) +
                            " again or out of order (expected " + std::to_string(expected) + ")");
    }
    Sender& s = senders_[sender];
    if (seq >= s.sent) throw bad("a message that was not sent yet");
    ++expected;
    Sender::Pending& pending = s.window[seq % s.window.size()];
    latencies_us_.push_back(
        std::chrono::duration<float, std::micro>(now - pending.sent_at).count());
    if (--pending.missing == 0) {
        // Receivers read each sender's messages in order, so the oldest completes first.
        while (s.completed < s.sent && s.window[s.completed % s.window.size()].missing == 0)
            ++s.completed;
        last_completion_ = now;
        if (s.completed == static_cast<std::uint32_t>(config_.messages)) ++senders_done_;
        while (s.sent < static_cast<std::uint32_t>(config_.messages) &&
               s.sent - s.completed < static_cast<std::uint32_t>(config_.window)) {
            send_next(static_cast<int>(sender));
        }
    }
}

void Crowd::send_next(int sender)
{
    Sender& s = senders_[static_cast<std::size_t>(sender)];
    const std::uint32_t seq = s.sent++;
    std::string text = std::to_string(sender) + ":" + std::to_string(seq) + ":";
    if (text.size() > static_cast<std::size_t>(config_.size)) {
        throw failure("--size " + std::to_string(config_.size) + " is too small for '" + text +
                      "'");
    }
    text.resize(static_cast<std::size_t>(config_.size), 'x');
    Conn& conn = conns_[s.conn];
    if (kind_ == Kind::Redis) {
        conn.out += resp::command({"PUBLISH", kChannel, text});
        ++replies_due_;
    } else {
        conn.out += text;
        conn.out += '\n';
    }
    s.window[seq % s.window.size()] = {Clock::now(), receivers_};
    flush(s.conn);
}

void Crowd::flush(std::size_t index)
{
    Conn& conn = conns_[index];
    while (!conn.out.empty()) {
        const ssize_t n = ::send(conn.fd.get(), conn.out.data(), conn.out.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN) {
                throw failure("send to the server (client " + std::to_string(index + 1) +
                              "): " + std::strerror(errno));
            }
            break;
        }
        conn.out.erase(0, static_cast<std::size_t>(n));
    }
    // Watch for room in the socket buffer only while something waits for it (one epoll_ctl when
    // that changes, not one per message).
    if (conn.watching_out == !conn.out.empty()) return;
    conn.watching_out = !conn.out.empty();
    epoll_event event{};
    event.events = EPOLLIN | (conn.out.empty() ? 0u : static_cast<std::uint32_t>(EPOLLOUT));
    event.data.u64 = index;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, conn.fd.get(), &event);
}

LoadResult Crowd::run(const LoadConfig& config, const Deployment& server)
{
    if (!senders_.empty()) throw failure("a crowd runs once");
    if (config.senders < 1 || config.senders > members_ || config.window < 1 ||
        config.messages < 1) {
        throw failure("a run needs 1 <= senders <= clients, window >= 1, messages >= 1");
    }
    config_ = config;
    const auto k = static_cast<std::size_t>(config.senders);
    // Chat: a message goes to every other member. Redis: to every subscriber, its sender's own
    // subscription included (pub/sub has no "but me"), so a sender reads its own messages too.
    receivers_ = static_cast<std::uint64_t>(kind_ == Kind::Redis ? members_ : members_ - 1);
    senders_.resize(k);
    for (std::size_t i = 0; i < conns_.size(); ++i) {
        if (conns_[i].sender >= 0) senders_[static_cast<std::size_t>(conns_[i].sender)].conn = i;
    }
    for (Sender& s : senders_)
        s.window.resize(static_cast<std::size_t>(config.window));
    next_seq_.assign(static_cast<std::size_t>(members_) * k, 0);
    latencies_us_.clear();
    latencies_us_.reserve(receivers_ * k * static_cast<std::uint64_t>(config.messages));

    const double server_cpu_0 = server.cpu_seconds();
    const double broker_cpu_0 = server.broker_cpu_seconds();
    const double bench_cpu_0 = process_cpu_seconds();
    const auto start = Clock::now();
    for (std::size_t s = 0; s < k; ++s) {
        for (int i = 0; i < config.window && i < config.messages; ++i)
            send_next(static_cast<int>(s));
    }
    pump_until([&] { return senders_done_ == k && replies_due_ == 0; },
               "deliveries (" + std::to_string(latencies_us_.size()) + " so far)");
    const double server_cpu_1 = server.cpu_seconds();
    const double broker_cpu_1 = server.broker_cpu_seconds();
    const double bench_cpu_1 = process_cpu_seconds();

    LoadResult result;
    result.deliveries = latencies_us_.size();
    result.seconds = std::chrono::duration<double>(last_completion_ - start).count();
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    result.server_cpu = (server_cpu_1 - server_cpu_0) / wall;
    result.bench_cpu = (bench_cpu_1 - bench_cpu_0) / wall;
    result.broker_cpu = (broker_cpu_1 - broker_cpu_0) / wall;
    result.max_us = *std::max_element(latencies_us_.begin(), latencies_us_.end());
    result.p99_us = percentile(latencies_us_, 0.99);
    result.p50_us = percentile(latencies_us_, 0.50);
    return result;
}

}  // namespace bench
