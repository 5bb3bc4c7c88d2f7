#include "testkit/transcript.h"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <vector>

#include "testkit/failure.h"

namespace testkit {
namespace {

// Payloads longer than this are cut in the transcript: the beginning says enough.
constexpr std::size_t kShownBytes = 72;
// Each side keeps only its last records: a long test must not grow the transcript without bound.
constexpr std::size_t kKeptPerSide = 64;

struct Entry {
    std::size_t order;  // position in the whole conversation, to merge the sides back in order
    std::string text;
};

struct Side {
    std::deque<Entry> last;   // the most recent records of this side
    std::size_t dropped = 0;  // older records no longer kept
};

std::mutex g_mutex;
std::size_t g_next = 0;
std::map<std::string, Side, std::less<>> g_sides;

void add(std::string_view who, std::string text)
{
    std::lock_guard lock(g_mutex);
    auto side = g_sides.find(who);
    if (side == g_sides.end()) side = g_sides.emplace(std::string(who), Side{}).first;
    side->second.last.push_back({g_next++, std::string(who) + " " + std::move(text)});
    if (side->second.last.size() > kKeptPerSide) {
        side->second.last.pop_front();
        ++side->second.dropped;
    }
}

}  // namespace

void transcript_record(std::string_view who, Direction direction, std::string_view bytes)
{
    const char* arrow = direction == Direction::Sent ? "sent     " : "received ";
    add(who,
        arrow + std::to_string(bytes.size()) + " bytes: '" + printable(bytes, kShownBytes) + "'");
}

void transcript_event(std::string_view who, std::string_view what)
{
    add(who, "-- " + std::string(what));
}

void transcript_clear()
{
    std::lock_guard lock(g_mutex);
    g_sides.clear();
    g_next = 0;
}

std::string transcript_text(std::size_t lines_per_side)
{
    std::lock_guard lock(g_mutex);
    std::vector<const Entry*> shown;
    std::string text;
    for (const auto& [who, side] : g_sides) {
        const std::size_t skip =
            side.last.size() > lines_per_side ? side.last.size() - lines_per_side : 0;
        if (skip + side.dropped > 0) {
            text += "  (" + std::to_string(skip + side.dropped) + " earlier lines of " + who +
                    " left out)\n";
        }
        for (std::size_t i = skip; i < side.last.size(); ++i)
            shown.push_back(&side.last[i]);
    }
    std::sort(shown.begin(), shown.end(),
              [](const Entry* a, const Entry* b) { return a->order < b->order; });
    for (const Entry* entry : shown)
        text += "  " + entry->text + "\n";
    return text;
}

}  // namespace testkit
