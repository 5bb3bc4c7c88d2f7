/// @file run_context.h
/// @brief What the running test binary knows about itself: its path, the test, the injector.
#pragma once

#include <string>

namespace testkit {

/// @brief Facts about this test run, set once by the testkit's main().
struct RunContext {
    std::string test_binary;      ///< argv[0] of the test binary
    std::string current_test;     ///< "Suite.Name" of the test now running
    bool shortio = false;         ///< KIT_SHORTIO=1: run lab programs under the injector
    std::string shortio_seed;     ///< $SHORTIO_SEED, or a fresh random seed
    std::string shortio_library;  ///< path of libshortio.so
};

/// @brief The one RunContext of this process.
RunContext& run_context();

/// @brief The one-line shell command that reruns the current test exactly, with @p shortio_seed.
std::string replay_command(const std::string& shortio_seed);

/// @brief "gdb --args BINARY --gtest_filter=NAME" for test @p test_name, with the injector's
/// environment in front under KIT_SHORTIO ("KIT_SHORTIO=1 SHORTIO_SEED=N gdb --args ..."), so that
/// the debugged run is the one that failed.
std::string debug_command(const std::string& test_name);

}  // namespace testkit
