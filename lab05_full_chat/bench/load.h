/// @file load.h
/// @brief chat_bench: the crowd, N clients of one server driven from one thread with epoll, and
/// the measured load: K senders, M messages of S bytes each, at most W in flight per sender.
///
/// **What is measured.** A sender sends its next message only when fewer than W of its own are
/// still on their way to some receiver (a message is on its way until every receiver has it). The
/// bench therefore never builds a queue in the server that grows for the whole run: a server that
/// is twice as fast delivers twice as many messages per second, with the same latencies, instead
/// of a bench that outruns it and measures how long its queues got. Throughput is deliveries per
/// second (a message to 99 receivers is 99 deliveries); latency is, for every delivery, the time
/// from the sender's write to the receiver's read.
///
/// **What is checked.** Every delivery: each text carries its sender and a sequence number
/// (`<sender>:<seq>:xxxx...`, S bytes), and each receiver must see each sender's numbers exactly
/// once and in order (a gap is a loss, a repeat a duplicate), with the payload's bytes intact.
/// The first wrong delivery ends the run with an error that says which.
///
/// **A federation** (several lab05 servers sharing one room through Redis): client i connects to
/// server i mod S, and every delivery is checked the same way, so a line said on one server must
/// reach every client on every server, each sender's lines in order. The room is quiet before a
/// run when one marker line said on each server (`sync:<server>`) has reached every client: the
/// servers publish in order, so whatever a server announced before its marker (the join notices)
/// has arrived too. (One server needs no marker: its N(N-1)/2 join notices are counted.)
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/address.h"
#include "common/fd.h"
#include "deployment.h"

namespace bench {

/// @brief The load of one run.
struct LoadConfig {
    int senders = 10;    ///< K: the first K clients send
    int messages = 100;  ///< M: messages per sender
    int size = 64;       ///< S: bytes of each message's text
    int window = 8;      ///< W: messages per sender that may be in flight
};

/// @brief What one run measured.
struct LoadResult {
    std::uint64_t deliveries = 0;               ///< messages received, summed over receivers
    double seconds = 0;                         ///< from the first send to the last delivery
    double p50_us = 0, p99_us = 0, max_us = 0;  ///< latency of a delivery
    double server_cpu = 0;  ///< share of one core the server used during the run (1 = 100%)
    double bench_cpu = 0;   ///< the same for this process, the load generator
    double broker_cpu = 0;  ///< the same for a federation's Redis (part of server_cpu)
    [[nodiscard]] double deliveries_per_second() const { return deliveries / seconds; }
};

/// @brief N clients connected to one server (or spread over a federation's), each greeted
/// (welcomed, or its SUBSCRIBE confirmed), with the server's join notices (lab05) all read: a
/// quiet room, ready for a run.
class Crowd {
public:
    /// @brief Connect @p clients clients, client i to @p endpoints [i mod size] (and, for Redis,
    /// one publishing connection for each of the first @p senders: a subscribed RESP2 connection
    /// may not PUBLISH). @p federated: the endpoints share one room (markers make it quiet).
    /// @throws std::runtime_error when the server refuses, misbehaves or stalls for 30 s.
    Crowd(Kind kind, const std::vector<Endpoint>& endpoints, bool federated, int clients,
          int senders);
    ~Crowd();
    Crowd(const Crowd&) = delete;
    Crowd& operator=(const Crowd&) = delete;

    /// @brief Run @p config on this crowd (once: message numbers start at 0).
    /// @throws std::runtime_error on a lost, duplicated, reordered or damaged delivery, on any
    /// error line from the server, or when nothing moves for 30 s.
    LoadResult run(const LoadConfig& config, const Deployment& servers);

    /// @brief Messages received that were not deliveries (notices, welcomes, confirmations).
    [[nodiscard]] std::uint64_t other_lines() const { return other_lines_; }

private:
    struct Conn;
    struct Sender;
    using Clock = std::chrono::steady_clock;

    void connect_one(int member, int sender);
    void pump_until(const std::function<bool()>& done, const std::string& waiting_for);
    void on_readable(std::size_t index, Clock::time_point now);
    std::size_t on_chat_bytes(Conn& conn, std::string_view bytes, Clock::time_point now);
    std::size_t on_resp_bytes(Conn& conn, std::string_view bytes, Clock::time_point now);
    void on_delivery(const Conn& conn, std::string_view text, Clock::time_point now);
    void send_next(int sender);
    void flush(std::size_t index);

    Kind kind_;
    std::vector<kit::SocketAddress> addresses_;  // client i connects to [i mod size]
    int members_ = 0;
    kit::Fd epoll_;
    std::vector<Conn> conns_;
    std::uint64_t ready_ = 0;         // clients welcomed / subscribed
    std::uint64_t joins_seen_ = 0;    // lab05's "* ... joined" notices read
    std::uint64_t markers_seen_ = 0;  // a federation's "sync:<server>" lines read
    std::uint64_t other_lines_ = 0;
    // The run's state.
    LoadConfig config_;
    std::vector<Sender> senders_;
    std::vector<std::uint32_t> next_seq_;  // [member * K + sender]: the number expected next
    std::vector<float> latencies_us_;
    std::uint64_t receivers_ = 0;  // deliveries of each message
    std::uint64_t senders_done_ = 0;
    std::uint64_t replies_due_ = 0;  // Redis: PUBLISH replies not read yet
    Clock::time_point last_completion_{};
};

/// @brief The open-file limit: raise the soft limit to the hard one; returns what it got.
std::uint64_t raise_fd_limit();

}  // namespace bench
