/// @file listening_server.h
/// @brief lab01 (given): the main() of a server that listens on one socket and serves it forever,
/// kept to the kit's program contract (README §6). lab01's echo_server and lab02's nb_echo_server
/// are this program with their own serve_forever.
#pragma once

#include "common/cli.h"
#include "common/fd.h"

namespace net {

/// @brief What a listening server does with its socket: serve it until the process ends.
using ServeForever = void (*)(const kit::Fd& listener);

/// @brief Run a listening server: parse the command line (`--host`, `--port`, exit 2 on a bad
/// flag), make SIGINT and SIGTERM end the program with status 0, listen_tcp(), print
/// `listening on ADDR:PORT` with the real port (bound_port) on stdout, flushed at once (the tests
/// wait for this line), then @p serve_forever(listener).
/// @return 1 after printing `<name>: <what()>` on stderr if anything throws (a port in use: your
/// listen_tcp's kit::SysError names the call and the address); main() returns it.
int run_listening_server(int argc, char** argv, const kit::ProgramInfo& info,
                         ServeForever serve_forever);

}  // namespace net
