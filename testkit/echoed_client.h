/// @file echoed_client.h
/// @brief echo_of() and connect_echoed(): a line sent to an echo server and what came back.
#pragma once

#include <cstdint>
#include <string>

#include "testkit/failure.h"
#include "testkit/line_client.h"

namespace testkit {

/// @brief Send the line @p text on @p client and return the line that comes back, to compare with
/// @p text: `EXPECT_EQ(echo_of(client, "hello"), "hello");`.
/// @throws Failure if no line comes back within the usual deadline (LineClient::expect_line).
inline std::string echo_of(LineClient& client, const std::string& text)
{
    client.send_line(text);
    return client.expect_line();
}

/// @brief Connect to the echo server on @p port, send the line @p text and read it back: the
/// start of every test that needs a client the server is already serving (lab01, lab02).
/// @throws Failure if the server does not echo @p text within the usual deadline.
inline LineClient connect_echoed(std::uint16_t port, const std::string& text)
{
    LineClient client = LineClient::connect(port);
    const std::string back = echo_of(client, text);
    if (back != text) {
        throw Failure("the first client sent '" + printable(text) + "' and got back '" +
                      printable(back) + "'");
    }
    return client;
}

}  // namespace testkit
