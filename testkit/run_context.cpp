#include "testkit/run_context.h"

#include <cstdlib>
#include <random>

namespace testkit {

RunContext& run_context()
{
    static RunContext context = [] {
        RunContext c;
        const char* shortio = std::getenv("KIT_SHORTIO");
        c.shortio = shortio != nullptr && std::string(shortio) == "1";
        const char* seed = std::getenv("SHORTIO_SEED");
        if (seed != nullptr && *seed != '\0') {
            c.shortio_seed = seed;
        } else {
            std::random_device entropy;
            c.shortio_seed = std::to_string(entropy() % 1000000000u);
        }
        c.shortio_library = KIT_SHORTIO_LIB;
        return c;
    }();
    return context;
}

std::string replay_command(const std::string& shortio_seed)
{
    const RunContext& c = run_context();
    return "KIT_SHORTIO=1 SHORTIO_SEED=" + shortio_seed + " " + c.test_binary +
           " --gtest_filter=" + c.current_test;
}

std::string debug_command(const std::string& test_name)
{
    const RunContext& c = run_context();
    const std::string environment =
        c.shortio ? "KIT_SHORTIO=1 SHORTIO_SEED=" + c.shortio_seed + " " : "";
    return environment + "gdb --args " + c.test_binary + " --gtest_filter=" + test_name;
}

}  // namespace testkit
