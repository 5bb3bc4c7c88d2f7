// chat_bench: lab05's load benchmark (ungraded; make bench runs it through tools/bench_lab05.sh).
//
//   chat_bench --target NAME=KIND:PATH [--target ...] [--rows 10x10,100x10,1000x5,5000x5]
//              [--runs 3] [--size 64] [--window 8] [--deliveries 300000 | --messages M]
//              [--server-cpu 0] [--redis-server PROGRAM]
//              [--log-dir DIR] [--tsv FILE] [--compare NAME]
//   chat_bench --target ... --memory 10000          resident memory per idle client
//   chat_bench --target ... --perf FILE             one run with `perf record` on the server
//
// A target is NAME=KIND:PATH (KIND: chat for lab03's protocol, room for lab05's, redis), a server
// the bench starts for every run, or NAME=KIND@HOST:PORT, a server already running that the bench
// only connects to (no CPU or memory figures then, and lab05's room must be empty).
// NAME=fedN:PATH is lab05's federation (README §7, 5b): N lab05 servers PATH, each started with
// --redis on one redis-server (--redis-server, default: the one in PATH) that the bench starts
// too, the clients spread over the N servers; NAME=room@HOST:PORT,PORT,... is one already running.
// A federation's figures (CPU, memory) are those of all its processes, Redis included.
//
// For every row (N clients, K senders) and every run, each target in turn (A, B, C, A, B, C, ...)
// is started fresh, gets its N clients, then the load of load.h: K senders, M messages of S bytes,
// at most W in flight per sender; every delivery is checked. Each figure of the table is the
// median of the runs of one target: interleaving spreads whatever else the machine does over all
// targets alike, and the median ignores the one run that something disturbed. The server runs
// pinned to --server-cpu with taskset; run the bench itself pinned to another core (make bench
// does: taskset -c 1), so that the two never share a core. README §6 of lab05 explains the rest.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "deployment.h"
#include "load.h"
#include "perf_recording.h"

namespace {

using bench::Kind;
using bench::LoadConfig;
using bench::LoadResult;
using bench::Target;

constexpr const char* kUsage =
    "usage: chat_bench --target NAME=KIND:PATH|NAME=KIND@HOST:PORT [--target ...]\n"
    "         (KIND: chat, room, redis; PATH: started by the bench, HOST:PORT: already running)\n"
    "         [--rows NxK,...] [--runs R] [--size S] [--window W] [--deliveries D | --messages M]\n"
    "         [--server-cpu C] [--log-dir DIR] [--tsv FILE] [--compare NAME]\n"
    "         [--memory N] [--perf FILE] [--wrap 'CMD ARGS'] [--redis-server PROGRAM]\n"
    "       a federation of N lab05 servers through a Redis the bench starts: NAME=fedN:PATH;\n"
    "       one already running: NAME=room@HOST:PORT,PORT,... (clients spread over the ports)\n";

struct Row {
    int clients = 0;
    int senders = 0;
};

struct Options {
    std::vector<Target> targets;
    std::vector<Row> rows{{10, 10}, {100, 10}, {1000, 5}, {5000, 5}};
    int runs = 3;
    int size = 64;
    int window = 8;
    long deliveries = 300000;  // per run; M follows from it (at least 2 windows per sender)
    int messages = 0;          // M itself, when given (--messages): then --deliveries is ignored
    int server_cpu = -1;
    std::string log_dir;
    std::string tsv;
    std::string compare;
    int memory = 0;
    std::string perf;
    std::vector<std::string> wrap;
    std::string redis_server = "redis-server";  // a federation's broker
};

std::vector<std::string> split(const std::string& text, char by)
{
    std::vector<std::string> parts;
    std::istringstream in(text);
    for (std::string part; std::getline(in, part, by);)
        if (!part.empty()) parts.push_back(part);
    return parts;
}

// The flags that set one field of Options as they are: a number, or a text.
const std::map<std::string, int Options::*> kNumberFlags{{"--runs", &Options::runs},
                                                         {"--size", &Options::size},
                                                         {"--window", &Options::window},
                                                         {"--messages", &Options::messages},
                                                         {"--server-cpu", &Options::server_cpu},
                                                         {"--memory", &Options::memory}};
const std::map<std::string, std::string Options::*> kTextFlags{
    {"--log-dir", &Options::log_dir},
    {"--tsv", &Options::tsv},
    {"--compare", &Options::compare},
    {"--perf", &Options::perf},
    {"--redis-server", &Options::redis_server}};

Options parse(int argc, char** argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        }
        if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
        const std::string value = argv[++i];
        if (flag == "--target") {
            o.targets.push_back(bench::parse_target(value));
        } else if (flag == "--rows") {
            o.rows.clear();
            for (const std::string& row : split(value, ',')) {
                const std::size_t x = row.find('x');
                if (x == std::string::npos) throw std::invalid_argument("a row is CLIENTSxSENDERS");
                o.rows.push_back({std::stoi(row.substr(0, x)), std::stoi(row.substr(x + 1))});
            }
        } else if (const auto number = kNumberFlags.find(flag); number != kNumberFlags.end()) {
            o.*(number->second) = std::stoi(value);
        } else if (flag == "--deliveries") {
            o.deliveries = std::stol(value);
        } else if (const auto text = kTextFlags.find(flag); text != kTextFlags.end()) {
            o.*(text->second) = value;
        } else if (flag == "--wrap") {
            o.wrap = split(value, ' ');
        } else {
            throw std::invalid_argument("unknown flag " + flag);
        }
    }
    if (o.targets.empty()) throw std::invalid_argument("no --target");
    if (o.runs < 1 || o.size < 16 || o.window < 1) {
        throw std::invalid_argument("--runs >= 1, --size >= 16, --window >= 1");
    }
    return o;
}

bench::StartOptions start_options(const Options& o, const Target& target, int clients)
{
    bench::StartOptions start;
    start.cpu = o.server_cpu;
    start.wrap = o.wrap;
    if (!o.log_dir.empty()) {
        start.stderr_path = o.log_dir + "/" + target.name + ".stderr";
        start.work_dir = o.log_dir;
    }
    start.max_clients = clients + 1000;
    return start;
}

// Messages per sender: enough for about --deliveries deliveries, and at least two windows.
int messages_for(const Options& o, const Row& row, Kind kind)
{
    if (o.messages > 0) return o.messages;
    const long receivers = kind == Kind::Redis ? row.clients : row.clients - 1;
    const long m = o.deliveries / (static_cast<long>(row.senders) * std::max(1L, receivers));
    return static_cast<int>(std::max<long>(m, 2L * o.window));
}

std::string with_commas(double value)
{
    const std::string digits = std::to_string(static_cast<long long>(value + 0.5));
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string us(double value)
{
    char text[32];
    if (value >= 10000) {
        std::snprintf(text, sizeof text, "%.1f ms", value / 1000);
    } else {
        std::snprintf(text, sizeof text, "%.0f us", value);
    }
    return text;
}

// One run: a fresh server, a fresh crowd, the load; the server stopped before the crowd leaves
// (a lab05 server would otherwise announce every departure to everyone still there).
LoadResult run_once(const Options& o, const Target& target, const Row& row, bool profile)
{
    bench::Deployment server(target, start_options(o, target, row.clients), o.redis_server);
    LoadResult result;
    {
        bench::Crowd crowd(target.kind, server.endpoints(), server.federated(), row.clients,
                           row.senders);
        LoadConfig config;
        config.senders = row.senders;
        config.size = o.size;
        config.window = o.window;
        config.messages = messages_for(o, row, target.kind);
        std::unique_ptr<bench::PerfRecording> perf;
        if (profile) {
            perf = std::make_unique<bench::PerfRecording>(server.pid(), o.perf);
            perf->enable();
        }
        result = crowd.run(config, server);
        if (perf) {
            perf->disable();
            perf.reset();  // perf writes its file and ends
        }
        const std::string how = server.stop();
        if (server.started() && how != "exit 0") {
            std::fprintf(stderr, "chat_bench: note: %s ended with %s, not exit 0\n",
                         target.name.c_str(), how.c_str());
        }
    }
    return result;
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int table(const Options& o, std::uint64_t fd_limit)
{
    std::map<std::pair<int, std::string>, std::vector<LoadResult>> results;
    std::ofstream tsv;
    if (!o.tsv.empty()) {
        tsv.open(o.tsv);
        tsv << "clients\tsenders\ttarget\trun\tdeliveries\tseconds\tdeliveries_per_s\tp50_us\tp99_"
               "us"
               "\tmax_us\tserver_cpu\tbench_cpu\tbroker_cpu\n";
    }
    std::vector<Row> rows;
    std::map<std::string, std::string> failed;  // target -> why; it is not run again
    for (const Row& row : o.rows) {
        const auto needed = static_cast<std::uint64_t>(row.clients + row.senders + 32);
        if (needed > fd_limit) {
            std::fprintf(stderr,
                         "chat_bench: skipping %d clients: they need about %llu descriptors, the "
                         "limit is %llu (raise the hard limit: ulimit -Hn)\n",
                         row.clients, static_cast<unsigned long long>(needed),
                         static_cast<unsigned long long>(fd_limit));
            continue;
        }
        rows.push_back(row);
        for (int run = 1; run <= o.runs; ++run) {
            for (const Target& target : o.targets) {
                if (failed.count(target.name) != 0) continue;
                LoadResult r;
                try {
                    r = run_once(o, target, row, false);
                } catch (const std::exception& e) {
                    // One target that fails (a student's unfinished server, a lost message) is
                    // reported and left out; the others still get their figures.
                    std::fprintf(stderr, "  %5d clients x %2d senders, %-6s FAILED: %s\n",
                                 row.clients, row.senders, target.name.c_str(), e.what());
                    failed[target.name] = e.what();
                    continue;
                }
                std::fprintf(stderr,
                             "  %5d clients x %2d senders, %-6s run %d/%d: %10s deliveries/s, "
                             "p50 %s, p99 %s, max %s; server %.0f%% of a core, bench %.0f%%\n",
                             row.clients, row.senders, target.name.c_str(), run, o.runs,
                             with_commas(r.deliveries_per_second()).c_str(), us(r.p50_us).c_str(),
                             us(r.p99_us).c_str(), us(r.max_us).c_str(), 100 * r.server_cpu,
                             100 * r.bench_cpu);
                results[{row.clients, target.name}].push_back(r);
                if (tsv) {
                    tsv << row.clients << '\t' << row.senders << '\t' << target.name << '\t' << run
                        << '\t' << r.deliveries << '\t' << r.seconds << '\t'
                        << r.deliveries_per_second() << '\t' << r.p50_us << '\t' << r.p99_us << '\t'
                        << r.max_us << '\t' << r.server_cpu << '\t' << r.bench_cpu << '\t'
                        << r.broker_cpu << '\n';
                }
            }
        }
    }
    std::printf(
        "\n%d-byte messages, at most %d in flight per sender; each figure is the median of "
        "%d interleaved runs\n\n",
        o.size, o.window, o.runs);
    std::printf("%7s %7s  %-8s %13s %10s %9s %9s %9s %7s %7s\n", "clients", "senders", "server",
                "deliveries/s", "per cpu-s", "p50", "p99", "max", "server", "bench");
    for (const Row& row : rows) {
        std::map<std::string, double> rate;
        for (const Target& target : o.targets) {
            const auto& runs = results[{row.clients, target.name}];
            if (runs.empty()) {
                std::printf("%7d %7d  %-8s %13s  (no figures: it failed, see above)\n", row.clients,
                            row.senders, target.name.c_str(), "-");
                continue;
            }
            const auto pick = [&](auto field) {
                std::vector<double> values;
                for (const LoadResult& r : runs)
                    values.push_back(field(r));
                return median(values);
            };
            rate[target.name] = pick([](const LoadResult& r) { return r.deliveries_per_second(); });
            // Deliveries per second of the server's own CPU time: unknown ("-") for a server the
            // bench did not start.
            const double cpu = pick([](const LoadResult& r) { return r.server_cpu; });
            const std::string per_cpu = cpu > 0 ? with_commas(pick([](const LoadResult& r) {
                return r.deliveries_per_second() / std::max(r.server_cpu, 1e-6);
            }))
                                                : "-";
            std::printf("%7d %7d  %-8s %13s %10s %9s %9s %9s %6.0f%% %6.0f%%\n", row.clients,
                        row.senders, target.name.c_str(), with_commas(rate[target.name]).c_str(),
                        per_cpu.c_str(),
                        us(pick([](const LoadResult& r) { return r.p50_us; })).c_str(),
                        us(pick([](const LoadResult& r) { return r.p99_us; })).c_str(),
                        us(pick([](const LoadResult& r) { return r.max_us; })).c_str(), 100 * cpu,
                        100 * pick([](const LoadResult& r) { return r.bench_cpu; }));
        }
        // A federation's Redis: its part of the federation's CPU time (the rest is its servers').
        std::string brokers;
        for (const Target& target : o.targets) {
            const auto& runs = results[{row.clients, target.name}];
            if (target.federated == 0 || runs.empty()) continue;
            std::vector<double> shares;
            for (const LoadResult& r : runs)
                shares.push_back(r.server_cpu > 0 ? r.broker_cpu / r.server_cpu : 0);
            char text[64];
            std::snprintf(text, sizeof text, "%s%s %.0f%%", brokers.empty() ? "" : ", ",
                          target.name.c_str(), 100 * median(shares));
            brokers += text;
        }
        if (!brokers.empty()) {
            std::printf("%7s %7s  (Redis's part of the CPU: %s)\n", "", "", brokers.c_str());
        }
        if (rate.count(o.compare) != 0) {
            std::string line;
            for (const Target& target : o.targets) {
                if (target.name == o.compare || rate.count(target.name) == 0) continue;
                char text[96];
                std::snprintf(text, sizeof text, "%s%s / %s: %.2fx", line.empty() ? "" : ", ",
                              o.compare.c_str(), target.name.c_str(),
                              rate[o.compare] / rate[target.name]);
                line += text;
            }
            if (!line.empty()) std::printf("%7s %7s  (%s)\n", "", "", line.c_str());
        }
    }
    std::printf(
        "\n(per cpu-s: deliveries per second of the server's own CPU time, the figure a "
        "shared machine disturbs least;\n server, bench: the share of one core each used "
        "during the run)\n");
    return failed.empty() ? 0 : 1;
}

// The server's RSS once it has settled (a federation's: every process of it, Redis included): a server may give memory back a while after its last
// burst (lab05 does, after 250 ms of idleness, §3.4), so sample every 100 ms until the figure has
// not fallen for a second, or 10 s have passed. An idle client is one that has been idle a while.
long settled_rss_kib(const bench::Deployment& server)
{
    using namespace std::chrono;
    const auto give_up = steady_clock::now() + seconds(10);
    long lowest = server.rss_kib();
    auto lowest_since = steady_clock::now();
    while (steady_clock::now() < give_up && steady_clock::now() - lowest_since < seconds(1)) {
        std::this_thread::sleep_for(
            milliseconds(100));  // sampling a figure, not waiting for an event
        const long now = server.rss_kib();
        if (now < lowest) {
            lowest = now;
            lowest_since = steady_clock::now();
        }
    }
    return lowest;
}

int memory(const Options& o, std::uint64_t fd_limit)
{
    if (static_cast<std::uint64_t>(o.memory) + 32 > fd_limit) {
        std::fprintf(stderr,
                     "chat_bench: %d clients need about %d descriptors, the limit is %llu (raise "
                     "the hard limit: ulimit -Hn)\n",
                     o.memory, o.memory + 32, static_cast<unsigned long long>(fd_limit));
        return 1;
    }
    std::printf(
        "\nresident memory (VmRSS) per idle client: %d clients connected, greeted and "
        "quiet, the server's RSS settled (not falling for 1 s)\n\n",
        o.memory);
    std::printf("%-8s %14s %14s %12s\n", "server", "RSS before", "RSS after", "per client");
    int status = 0;
    for (const Target& target : o.targets) {
        try {
            bench::Deployment server(target, start_options(o, target, o.memory), o.redis_server);
            const long before = server.rss_kib();
            long after = 0;
            {
                // Greeted and quiet (lab05: every join notice read), so that no output waits in
                // the server's queues: what is left is what an idle client costs.
                bench::Crowd crowd(target.kind, server.endpoints(), server.federated(), o.memory,
                                   0);
                after = settled_rss_kib(server);
                server.stop();
            }
            std::printf("%-8s %10ld KiB %10ld KiB %8.2f KiB\n", target.name.c_str(), before, after,
                        static_cast<double>(after - before) / o.memory);
        } catch (const std::exception& e) {
            std::printf("%-8s failed: %s\n", target.name.c_str(), e.what());
            status = 1;
        }
    }
    std::printf("\n(user-space memory only: the kernel's socket buffers are not in RSS)\n");
    return status;
}

}  // namespace

int main(int argc, char** argv)
{
    try {
        const Options o = parse(argc, argv);
        const std::uint64_t fd_limit = bench::raise_fd_limit();
        std::fprintf(stderr, "chat_bench: open-file limit (RLIMIT_NOFILE) raised to %llu\n",
                     static_cast<unsigned long long>(fd_limit));
        if (o.memory > 0) return memory(o, fd_limit);
        if (!o.perf.empty()) {
            // One run of the first row, on the first target, with perf on its server.
            const LoadResult r = run_once(o, o.targets.front(), o.rows.front(), true);
            std::fprintf(stderr,
                         "chat_bench: profiled %s, %d clients x %d senders: %s "
                         "deliveries/s; perf data in %s\n",
                         o.targets.front().name.c_str(), o.rows.front().clients,
                         o.rows.front().senders, with_commas(r.deliveries_per_second()).c_str(),
                         o.perf.c_str());
            return 0;
        }
        return table(o, fd_limit);
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "chat_bench: %s\n%s", e.what(), kUsage);
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chat_bench: %s\n", e.what());
        return 1;
    }
}
