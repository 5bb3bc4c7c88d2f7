// echo_server: lab01's iterative, blocking echo server (given; the work is in net.cpp and echo.cpp).
//
//   echo_server [--host ADDR] [--port N]
//
// Prints "listening on ADDR:PORT" first (the real port, also for --port 0), then serves one client
// at a time until SIGINT/SIGTERM. The steps (listen_tcp, bound_port, the first line) are in
// listening_server.cpp, which lab02's server shares.
#include "common/cli.h"
#include "lab01_blocking/echo.h"
#include "lab01_blocking/listening_server.h"

int main(int argc, char** argv)
{
    const kit::ProgramInfo info{"echo_server", "lab01: iterative blocking echo server", {}};
    return net::run_listening_server(argc, argv, info, echo::serve_forever);
}
