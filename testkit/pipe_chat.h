/// @file pipe_chat.h
/// @brief PipeChat: the lab's chat_client connected to a FakeServer, its stdin a pipe the test
/// writes. The opening of lab04's and lab05's black-box client tests.
#pragma once

#include "testkit/child_process.h"
#include "testkit/fake_server.h"
#include "testkit/lab.h"

namespace testkit {

/// @brief The lab's chat_client (`--port` of a FakeServer that has accepted it), with its stdin
/// a pipe: `PipeChat chat; chat.client.write_stdin("hello\n");`, then what the server received.
/// The client is destroyed first (it is declared last): the program is killed and reaped before
/// the server closes.
struct PipeChat {
    FakeServer server;
    ChildProcess client{lab_program("chat_client"), {"--port", server.port_arg()}, stdin_pipe()};
    PipeChat() { server.accept_client(); }

    /// @brief SpawnOptions with SpawnOptions::stdin_pipe set.
    static SpawnOptions stdin_pipe()
    {
        SpawnOptions options;
        options.stdin_pipe = true;
        return options;
    }
};

}  // namespace testkit
