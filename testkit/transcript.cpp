#include "testkit/transcript.h"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <vector>

#include "testkit/failure.h"

namespace testkit {
namespace {

// A payload is shown by its first and last bytes: enough to recognise it, a line at most.
constexpr std::size_t kEndBytes = 36;
// Each side keeps only its last records: a long test must not grow the transcript without bound.
constexpr std::size_t kKeptPerSide = 64;

// One line of the transcript: an event, or bytes that went one way in one or more calls in a row
// (a server that answers 4 bytes per send must not cost the test a record, and a line, per call).
struct Entry {
    std::size_t order = 0;  // position in the whole conversation, to merge the sides in order
    std::string event;      // set for an event; empty for bytes
    Direction direction = Direction::Sent;
    std::size_t total = 0;  // bytes in all
    std::size_t calls = 0;  // how many records were merged into this one
    std::string head;       // the first bytes (all of them while total <= 2 * kEndBytes)
    std::string tail;       // the last bytes, once there are more than head can hold

    void append(std::string_view bytes)
    {
        total += bytes.size();
        ++calls;
        if (tail.empty() && head.size() + bytes.size() <= 2 * kEndBytes) {
            head.append(bytes);
            return;
        }
        if (tail.empty()) {
            // The first bytes that do not fit: head keeps the first kEndBytes of everything.
            const std::size_t take =
                std::min(bytes.size(), head.size() < kEndBytes ? kEndBytes - head.size() : 0);
            head.append(bytes.substr(0, take));
            bytes.remove_prefix(take);
            if (head.size() > kEndBytes) {
                tail = head.substr(kEndBytes);
                head.resize(kEndBytes);
            }
        }
        tail.append(bytes.substr(bytes.size() > kEndBytes ? bytes.size() - kEndBytes : 0));
        if (tail.size() > kEndBytes) tail.erase(0, tail.size() - kEndBytes);
    }

    [[nodiscard]] std::string text() const
    {
        if (!event.empty()) return "-- " + event;
        std::string line = direction == Direction::Sent ? "sent     " : "received ";
        line += std::to_string(total) + " bytes";
        if (calls > 1) line += " in " + std::to_string(calls) + " calls";
        line += ": '" + printable(head, 2 * kEndBytes) + "'";
        if (!tail.empty()) {
            line += (total > head.size() + tail.size() ? " ... '" : " '") + printable(tail) + "'";
        }
        return line;
    }
};

struct Side {
    std::deque<Entry> last;   // the most recent records of this side
    std::size_t dropped = 0;  // older records no longer kept
};

std::mutex g_mutex;
std::size_t g_next = 0;
std::map<std::string, Side, std::less<>> g_sides;
const Side* g_last_side = nullptr;  // the side of the last record, to merge runs of bytes

Side& side_of(std::string_view who)
{
    auto side = g_sides.find(who);
    if (side == g_sides.end()) side = g_sides.emplace(std::string(who), Side{}).first;
    return side->second;
}

void push(Side& side, Entry entry)
{
    entry.order = g_next++;
    side.last.push_back(std::move(entry));
    if (side.last.size() > kKeptPerSide) {
        side.last.pop_front();
        ++side.dropped;
    }
    g_last_side = &side;
}

}  // namespace

void transcript_record(std::string_view who, Direction direction, std::string_view bytes)
{
    std::lock_guard lock(g_mutex);
    Side& side = side_of(who);
    // More bytes the same way right after the last ones: the same line of the transcript.
    if (g_last_side == &side && !side.last.empty() && side.last.back().event.empty() &&
        side.last.back().direction == direction) {
        side.last.back().append(bytes);
        return;
    }
    Entry entry;
    entry.direction = direction;
    entry.append(bytes);
    push(side, std::move(entry));
}

void transcript_event(std::string_view who, std::string_view what)
{
    std::lock_guard lock(g_mutex);
    Entry entry;
    entry.event = what;
    push(side_of(who), std::move(entry));
}

void transcript_clear()
{
    std::lock_guard lock(g_mutex);
    g_sides.clear();
    g_next = 0;
    g_last_side = nullptr;
}

std::string transcript_text(std::size_t lines_per_side)
{
    std::lock_guard lock(g_mutex);
    std::vector<std::pair<const Entry*, const std::string*>> shown;
    std::string text;
    for (const auto& [who, side] : g_sides) {
        const std::size_t skip =
            side.last.size() > lines_per_side ? side.last.size() - lines_per_side : 0;
        if (skip + side.dropped > 0) {
            text += "  (" + std::to_string(skip + side.dropped) + " earlier lines of " + who +
                    " left out)\n";
        }
        for (std::size_t i = skip; i < side.last.size(); ++i)
            shown.emplace_back(&side.last[i], &who);
    }
    std::sort(shown.begin(), shown.end(),
              [](const auto& a, const auto& b) { return a.first->order < b.first->order; });
    for (const auto& [entry, who] : shown)
        text += "  " + *who + " " + entry->text() + "\n";
    return text;
}

}  // namespace testkit
