/// @file non_copyable.h
/// @brief NonCopyable: the base of every testkit class that owns something it alone releases.
#pragma once

namespace testkit {

/// @brief A base that deletes the copies (and with them the moves) of the class that derives
/// from it.
///
/// A testkit object owns something its destructor releases: a child process it reaps, a thread it
/// joins, a file it removes, a signal disposition it restores. A copy would release it twice, and a
/// moved-from object would have to know it owns nothing any more; the tests never need either, so
/// both are refused at compile time:
/// @code
/// class FakeServer : NonCopyable {
/// public:
///     FakeServer();
///     ~FakeServer();
/// };
/// @endcode
class NonCopyable {
public:
    NonCopyable(const NonCopyable&) = delete;
    NonCopyable& operator=(const NonCopyable&) = delete;

protected:
    // Only a derived class makes one, and nobody deletes a FakeServer through a NonCopyable*.
    NonCopyable() = default;
    ~NonCopyable() = default;
};

}  // namespace testkit
