// echo_server: lab01's iterative, blocking echo server (given; the work is in net.cpp and echo.cpp).
//
//   echo_server [--host ADDR] [--port N]
//
// Prints "listening on ADDR:PORT" first (the real port, also for --port 0), then serves one client
// at a time until SIGINT/SIGTERM.
#include <cstdio>
#include <exception>

#include "common/address.h"
#include "common/cli.h"
#include "lab01_blocking/echo.h"
#include "lab01_blocking/net.h"
#include "common/signals.h"

int main(int argc, char** argv)
{
    const kit::ProgramInfo info{"echo_server", "lab01: iterative blocking echo server", {}};
    const kit::Options options = kit::parse_command_line(argc, argv, info);
    try {
        kit::exit_cleanly_on_sigint_sigterm();
        const kit::Fd listener = net::listen_tcp(options.host, options.port);
        std::printf("listening on %s\n",
                    kit::host_port(options.host, net::bound_port(listener)).c_str());
        std::fflush(stdout);  // the autograder waits for this line: do not leave it in a buffer
        echo::serve_forever(listener);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo_server: %s\n", e.what());
        return 1;
    }
}
