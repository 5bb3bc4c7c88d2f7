/// @file resp.h
/// @brief chat_bench: just enough of RESP (the REdis Serialization Protocol, version 2) to
/// SUBSCRIBE, PUBLISH and read what Redis sends back, without a client library.
///
/// The anchor of the benchmark speaks its own framing: where the chat room sends a line ending in
/// "\n", Redis sends a message as an array of length-prefixed strings:
///
///     *3\r\n $7\r\nmessage\r\n $4\r\nroom\r\n $64\r\n<64 bytes>\r\n
///
/// A length prefix lets a reader take the payload without scanning it for a delimiter; a line
/// protocol needs no prefix but must look at every byte. Both are framing over a byte stream
/// (lab 1, §4): a reply may arrive in pieces, so parse() says "incomplete" until it is whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bench::resp {

/// @brief A command as RESP sends it: an array of bulk strings, e.g. {"PUBLISH", "room", text}.
std::string command(const std::vector<std::string_view>& words);

/// @brief One reply: an integer (":3\r\n"), a simple string or error ("+OK", "-ERR ..."), or an
/// array whose items are bulk strings or integers (pub/sub messages and confirmations).
struct Reply {
    char type = 0;                        ///< ':' '+' '-' or '*'
    std::int64_t integer = 0;             ///< for ':' (and an array item that is an integer)
    std::string_view text;                ///< for '+' and '-'
    std::vector<std::string_view> items;  ///< for '*': each item's bytes (integers as digits)
};

/// @brief Parse one reply from the front of @p bytes into @p reply.
/// @return the bytes it took; 0 when the reply is not complete yet (wait for more bytes).
/// @throws std::runtime_error on bytes that are not RESP (the views in @p reply point into
/// @p bytes).
std::size_t parse(std::string_view bytes, Reply& reply);

}  // namespace bench::resp
