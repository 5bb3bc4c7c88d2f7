/// @file echoed_client.h
/// @brief connect_echoed(): a client that an echo server is shown to serve.
#pragma once

#include <cstdint>
#include <string>

#include "testkit/failure.h"
#include "testkit/line_client.h"

namespace testkit {

/// @brief Connect to the echo server on @p port, send the line @p text and read it back: the
/// start of every test that needs a client the server is already serving (lab01, lab02).
/// @throws Failure if the server does not echo @p text within the usual deadline.
inline LineClient connect_echoed(std::uint16_t port, const std::string& text)
{
    LineClient client = LineClient::connect(port);
    client.send_line(text);
    const std::string back = client.expect_line();
    if (back != text) {
        throw Failure("the first client sent '" + printable(text) + "' and got back '" +
                      printable(back) + "'");
    }
    return client;
}

}  // namespace testkit
