/// @file record_seal.h
/// @brief The keyed checksum (HMAC-SHA-256) with which the test harness seals GoogleTest's record
/// of a graded run, so that the grader can tell its record from one the program under test wrote.
///
/// Your lab code never uses this. The grader (tools/kit/ctest.py) gives each test process a fresh
/// key on a descriptor that only the harness reads, before any code of yours runs; when the test
/// ends the harness writes `record.json.seal` beside GoogleTest's record: the test's name, its
/// result and the HMAC of both and of the record's bytes. A record without a valid seal counts as
/// tampered with (docs/autograder.md, "What code under test can and cannot do").
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace testkit {

/// @brief The descriptor on which the grader passes a test process its key: "kit-key-1 " and 64
/// characters, on a socket (tools/kit/sandbox.py KEY_FD says the same number).
constexpr int kRecordKeyFd = 100;

/// @brief A SHA-256 digest: 32 bytes.
using Digest = std::array<std::uint8_t, 32>;

/// @brief SHA-256 of @p data (FIPS 180-4).
Digest sha256(std::string_view data);

/// @brief HMAC-SHA-256 of @p message under @p key (RFC 2104): what Python's
/// hmac.new(key, message, "sha256") computes.
Digest hmac_sha256(std::string_view key, std::string_view message);

/// @brief @p digest as 64 lowercase hex digits.
std::string hex(const Digest& digest);

}  // namespace testkit
