/// @file failure.h
/// @brief testkit::Failure: how a testkit helper fails a test with a narrated message.
#pragma once

#include <stdexcept>
#include <string>

namespace testkit {

/// @brief Thrown by testkit helpers when what a test waited for did not happen. GoogleTest reports
/// it as the test's failure, with this message ("C++ exception with description ...").
class Failure : public std::runtime_error {
public:
    explicit Failure(const std::string& message) : std::runtime_error(message) {}
};

/// @brief A Failure for a testkit wait that ran out of time. It also tells the test's failure
/// report (test_report.h) that a deadline expired, so the report suggests TIMEOUT_SCALE.
Failure deadline_failure(const std::string& message);

/// @brief @p word quoted for a POSIX shell when it needs quoting ("a b" -> 'a b'), so that a
/// command line in a message can be pasted into a terminal, and `sh -c` runs what was meant.
std::string shell_quote(const std::string& word);

/// @brief Printable form of bytes for failure messages: escapes control and non-ASCII bytes
/// ("\n", "\x00") and cuts after @p max_bytes with a note of the total length.
std::string printable(std::string_view bytes, std::size_t max_bytes = 200);

}  // namespace testkit
