/// @file transcript.h
/// @brief The conversation of a test: what each test client, fake server and keyboard sent and
/// received, kept so that a failing test can show it (the failure report prints it once).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace testkit {

/// @brief Which way bytes went, seen from the test's side.
enum class Direction {
    Sent,      ///< the test's side sent them to the program under test
    Received,  ///< the test's side received them from the program under test
};

/// @brief Record that @p who ("client :41234", "fake server :5000", "keyboard") sent or received
/// @p bytes. Bytes that go the same way right after the last record of the same side join it
/// ("received 4096 bytes in 700 calls"), and long payloads show only their first and last bytes,
/// so a test that moves a mebibyte in tiny pieces costs one line. Thread-safe: a fake server
/// records from its reader thread.
void transcript_record(std::string_view who, Direction direction, std::string_view bytes);

/// @brief Record an event without bytes: "connected", "EOF", "closed".
void transcript_event(std::string_view who, std::string_view what);

/// @brief Forget the conversation (each test starts with an empty one).
void transcript_clear();

/// @brief The conversation, one line per record in the order they happened, at most
/// @p lines_per_side of the last records of each side ("who"); empty if nothing was recorded.
std::string transcript_text(std::size_t lines_per_side = 12);

}  // namespace testkit
