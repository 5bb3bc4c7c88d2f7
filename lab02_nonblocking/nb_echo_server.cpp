// nb_echo_server: lab02's single-threaded echo server that polls nonblocking sockets (given; the
// work is in nonblocking.cpp, line_buffer.cpp and polling_echo.cpp).
//
//   nb_echo_server [--host ADDR] [--port N]
//
// Prints "listening on ADDR:PORT" first (the real port, also for --port 0), then echoes every
// complete line of every client, many clients at once, until SIGINT/SIGTERM. It is lab01's
// program (lab01's listening_server.cpp: listen_tcp, the first line) with another serve_forever.
// No ignore_sigpipe(): nb::write_some sends with MSG_NOSIGNAL, and this server writes to nothing
// but sockets.
#include "common/cli.h"
#include "lab01_blocking/listening_server.h"
#include "lab02_nonblocking/polling_echo.h"

int main(int argc, char** argv)
{
    const kit::ProgramInfo info{
        "nb_echo_server", "lab02: echo server polling nonblocking sockets in one thread", {}};
    return net::run_listening_server(argc, argv, info, nbecho::serve_forever);
}
