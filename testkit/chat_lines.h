/// @file chat_lines.h
/// @brief The chat room's lines as lab03's and lab05's black-box tests expect them, and
/// chat::join(): a client the server is shown to welcome. Lab 5 speaks lab 3's protocol and adds
/// to it (docs/protocol.md), so both labs' tests take these lines from one place.
#pragma once

#include <cstdint>
#include <string>

#include "testkit/failure.h"
#include "testkit/line_client.h"

namespace testkit::chat {

/// @brief The welcome line of client @p id, without "\n".
inline std::string welcome(std::uint64_t id)
{
    return "Welcome to the chat room! Your chat ID is: Client #" + std::to_string(id);
}

/// @brief What the others receive when client @p id (with no name chosen) says @p text, without
/// "\n".
inline std::string said(std::uint64_t id, const std::string& text)
{
    return "ClientID " + std::to_string(id) + " say >> " + text;
}

/// @brief What a client that speaks alone in the room receives, without "\n".
inline const std::string kAlone = "There is only one in the chat room!";

/// @brief Connect to the chat server on @p port and check it welcomes the client as Client
/// #@p id: the opening of every test that needs clients in the room.
/// @throws Failure if the first line is anything else (or does not come within the usual deadline).
inline LineClient join(std::uint16_t port, std::uint64_t id)
{
    LineClient client = LineClient::connect(port);
    const std::string line = client.expect_line();
    if (line != welcome(id)) {
        throw Failure("a new client expected the welcome line '" + welcome(id) + "', got '" +
                      printable(line) + "'");
    }
    return client;
}

}  // namespace testkit::chat
