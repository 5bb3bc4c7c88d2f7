// echo_client: lab01's echo client (given; it uses your connect_tcp, send_all and recv_some).
//
//   echo_client [--host ADDR] [--port N]
//
// Sends each line typed on stdin to the echo server, prints the echo, and quits on "exit" (any
// case) or at the end of the input.
#include <strings.h>

#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "common/cli.h"
#include "lab01_blocking/net.h"

namespace {

// Read back exactly @p size bytes of echo and print them. False if the server went away first.
bool print_echo(const kit::Fd& server, std::size_t size)
{
    char buffer[4096];
    while (size > 0) {
        const std::size_t want = size < sizeof buffer ? size : sizeof buffer;
        const kit::IoResult got = net::recv_some(server, std::span<char>(buffer, want));
        if (got.status != kit::IoStatus::Ok) return false;
        std::fwrite(buffer, 1, got.bytes, stdout);
        size -= got.bytes;
    }
    std::fflush(stdout);
    return true;
}

}  // namespace

int main(int argc, char** argv)
{
    const kit::ProgramInfo info{
        "echo_client", "lab01: send stdin lines to an echo server, print the echoes", {}};
    const kit::Options options = kit::parse_command_line(argc, argv, info);
    try {
        const kit::Fd server = net::connect_tcp(options.host, options.port);
        std::string line;
        while (std::getline(std::cin, line)) {
            if (::strcasecmp(line.c_str(), "exit") == 0) break;
            line += '\n';
            if (net::send_all(server, line) != kit::IoStatus::Ok ||
                !print_echo(server, line.size())) {
                std::fprintf(stderr, "echo_client: the server closed the connection\n");
                return 1;
            }
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo_client: %s\n", e.what());
        return 1;
    }
}
