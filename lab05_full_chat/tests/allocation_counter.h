// Counting heap allocations, for the test that a broadcast builds its line once
// (RoomChat.BuildsABroadcastLineOnceForAllItsRecipients). allocation_counter.cpp replaces the global
// operator new of the unit-test binary: it allocates as the default one does (malloc), and counts
// while an AllocationCounter is alive.
#pragma once

#include <cstddef>

namespace roomtest {

/// Counts the calls of operator new (any thread) from its construction to count().
class AllocationCounter {
public:
    AllocationCounter();
    ~AllocationCounter();
    AllocationCounter(const AllocationCounter&) = delete;
    AllocationCounter& operator=(const AllocationCounter&) = delete;

    /// Allocations since the constructor.
    [[nodiscard]] std::size_t count() const;
};

}  // namespace roomtest
