// lab01 (given): the main() of lab01's and lab02's echo servers (listening_server.h).
#include "lab01_blocking/listening_server.h"

#include <cstdio>
#include <exception>

#include "common/address.h"
#include "common/signals.h"
#include "lab01_blocking/net.h"

namespace net {

int run_listening_server(int argc, char** argv, const kit::ProgramInfo& info,
                         ServeForever serve_forever)
{
    const kit::Options options = kit::parse_command_line(argc, argv, info);
    try {
        kit::exit_cleanly_on_sigint_sigterm();
        const kit::Fd listener = listen_tcp(options.host, options.port);
        std::printf("listening on %s\n",
                    kit::host_port(options.host, bound_port(listener)).c_str());
        std::fflush(stdout);  // the autograder waits for this line: do not leave it in a buffer
        serve_forever(listener);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", info.name.c_str(), e.what());
        return 1;
    }
    return 0;  // serve_forever does not return: SIGINT or SIGTERM ends the process
}

}  // namespace net
