/// @file graded.h
/// @brief GRADED_TEST: a GoogleTest test that carries points and names the lesson it checks.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace testkit {

/// @brief One graded test as the grade report sees it.
struct GradedTest {
    std::string name;    ///< "Suite.Name", as GoogleTest names it
    int points = 0;      ///< what passing it is worth
    std::string lesson;  ///< one line: what it checks, and where to read about it
    bool bonus = false;  ///< BONUS_TEST: its points are extra, never needed for the full score
};

/// @brief Record a graded test (GRADED_TEST and BONUS_TEST do this before main runs; @p bonus
/// for BONUS_TEST). Returns true.
bool register_graded(const char* name, int points, const char* lesson, bool bonus = false);

/// @brief Every graded test of this binary, in registration order.
const std::vector<GradedTest>& graded_tests();

}  // namespace testkit

/// @brief Define a graded test: like TEST(suite, name), plus its points and a one-line lesson.
///
/// The lesson line is what a student reads when the test fails, so it says what is checked and
/// where the chapter explains it:
/// @code
/// GRADED_TEST(SendAll, DeliversEveryByteDespitePartialSends, 10,
///             "send() may take only part of the data; send_all must loop (README §4 Partial sends)")
/// {
///     ...
/// }
/// @endcode
/// Tests defined with plain TEST() are helper tests: they run and are reported, but carry no points.
#define GRADED_TEST(suite, name, points, lesson)                      \
    [[maybe_unused]] static const bool kit_graded_##suite##_##name =  \
        ::testkit::register_graded(#suite "." #name, points, lesson); \
    TEST(suite, name)

/// @brief Define a graded value-parameterized test: like TEST_P(suite, name), plus points and a
/// lesson. Every instantiation ("Prefix/Suite.Name/Param", e.g. lab03's ".../Lt" and ".../Et") is
/// graded on its own and worth @p points; tools/grade.py finds the points under "Suite.Name".
/// @code
/// GRADED_TEST_P(ChatRoom, TwoUsersChatBothWays, 4, "broadcast to every other client (README §4.5)")
/// {
///     ChatServerProcess server(GetParam());
///     ...
/// }
/// INSTANTIATE_TEST_SUITE_P(Mode, ChatRoom, ::testing::Values("lt", "et"), ...);
/// @endcode
#define GRADED_TEST_P(suite, name, points, lesson)                    \
    [[maybe_unused]] static const bool kit_graded_##suite##_##name =  \
        ::testkit::register_graded(#suite "." #name, points, lesson); \
    TEST_P(suite, name)

/// @brief Define a bonus test: like GRADED_TEST, but its points are extra credit. The grade report
/// counts them apart ("245/245 (+40 bonus)"), so a lab's full score never needs them; results.json
/// gives them `max_score` 0 (Gradescope's extra credit). Like every graded test it must fail on
/// the untouched skeleton and pass on the reference. Lab 5's stage 5b is the first user:
/// @code
/// BONUS_TEST(RedisAdapter, TalksToARealRedis, 4, "the hooks ... (README §8.2)")
/// {
///     ...
/// }
/// @endcode
#define BONUS_TEST(suite, name, points, lesson)                             \
    [[maybe_unused]] static const bool kit_graded_##suite##_##name =        \
        ::testkit::register_graded(#suite "." #name, points, lesson, true); \
    TEST(suite, name)
