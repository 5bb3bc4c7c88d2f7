#include "testkit/test_report.h"

#include <atomic>
#include <mutex>
#include <vector>

#include "testkit/run_context.h"
#include "testkit/transcript.h"

namespace testkit {
namespace {

// How many program reports a failure report shows at the most.
constexpr std::size_t kProgramsShown = 4;

std::mutex g_mutex;
std::vector<std::string> g_programs;  // one report per program, in the order they ended
std::atomic<bool> g_deadline_expired{false};

}  // namespace

void begin_test_report()
{
    {
        std::lock_guard lock(g_mutex);
        g_programs.clear();
    }
    g_deadline_expired = false;
    transcript_clear();
}

void add_program_report(const std::string& name, const std::string& report)
{
    std::lock_guard lock(g_mutex);
    g_programs.push_back(name + ":\n" + report);
}

void note_deadline_expired()
{
    g_deadline_expired = true;
}

std::string test_failure_report()
{
    std::string text;
    {
        std::lock_guard lock(g_mutex);
        if (!g_programs.empty()) text += "--- the programs under test ---\n";
        // A test that starts programs in a loop shows the last ones: they are what failed.
        const std::size_t skip =
            g_programs.size() > kProgramsShown ? g_programs.size() - kProgramsShown : 0;
        if (skip > 0) {
            text += "  (" + std::to_string(skip) + " programs that ended earlier left out)\n";
        }
        for (std::size_t i = skip; i < g_programs.size(); ++i)
            text += g_programs[i];
    }
    if (const std::string conversation = transcript_text(); !conversation.empty()) {
        text += "--- transcript ---\n" + conversation;
    }
    const RunContext& context = run_context();
    if (context.shortio || g_deadline_expired) {
        text += "--- how to rerun ---\n";
        if (context.shortio) {
            text += "  run under the short-I/O injector with seed " + context.shortio_seed +
                    "; replay exactly with:\n    " + replay_command(context.shortio_seed) + "\n";
        }
        if (g_deadline_expired)
            text += "  a deadline expired: " + std::string(kTimeoutScaleHint) + "\n";
    }
    if (!text.empty()) text += "--- end of the report ---\n";
    return text;
}

}  // namespace testkit
