// Counting heap allocations, for the test that a broadcast builds its line once
// (RoomChat.BuildsABroadcastLineOnceForAllItsRecipients). allocation_counter.cpp replaces the global
// operator new of the unit-test binary: it allocates as the default one does (malloc), and counts
// while allocations_during() runs its work.
#pragma once

#include <cstddef>
#include <functional>

namespace roomtest {

/// Runs @p work and returns how many times operator new was called meanwhile (on any thread).
/// @p work is built before counting starts: passing a lambda costs nothing that is counted.
std::size_t allocations_during(const std::function<void()>& work);

}  // namespace roomtest
