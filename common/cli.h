/// @file cli.h
/// @brief The command line every program of the kit shares: `--host`, `--port`, `--help`, plus
/// extras.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kit {

/// @brief One extra flag a program accepts besides `--host`/`--port`/`--help` (e.g. lab03's
/// `--mode`).
struct ExtraFlag {
    std::string name;                  ///< without dashes: "mode"
    std::string value_name;            ///< for the usage text: "lt|et"
    std::string help;                  ///< one line for the usage text
    std::string default_value;         ///< used when the flag is absent
    std::vector<std::string> allowed;  ///< if not empty, the only accepted values
};

/// @brief What a program is, for its usage text.
struct ProgramInfo {
    std::string name;     ///< "echo_server"
    std::string summary;  ///< one line: "iterative blocking echo server (lab01)"
    std::vector<ExtraFlag> extra_flags;
};

/// @brief The parsed command line.
struct Options {
    std::string host = "127.0.0.1";            ///< `--host ADDR`
    std::uint16_t port = 8888;                 ///< `--port N` (0: any free port, for servers)
    std::map<std::string, std::string> extra;  ///< extra flags by name, defaults filled in

    /// @brief The value of extra flag @p name (its default if it was not given).
    [[nodiscard]] const std::string& get(const std::string& name) const;
};

/// @brief The usage text of @p info: the synopsis line, the summary and every flag.
std::string usage_text(const ProgramInfo& info);

/// @brief Parse argv as the program contract says: `PROGRAM [--host ADDR] [--port N] ...`.
///
/// Accepts `--flag VALUE` and `--flag=VALUE`. `--help`/`-h` prints the usage on stdout and exits 0.
/// A bad flag, a missing value or a bad value prints what is wrong and the usage on stderr and
/// exits 2 (the convention of command-line tools for "usage error").
Options parse_command_line(int argc, const char* const* argv, const ProgramInfo& info);

}  // namespace kit
