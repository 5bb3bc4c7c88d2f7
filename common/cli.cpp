#include "common/cli.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>

namespace kit {
namespace {

[[noreturn]] void usage_error(const ProgramInfo& info, const std::string& problem)
{
    std::fprintf(stderr, "%s: %s\n\n%s", info.name.c_str(), problem.c_str(),
                 usage_text(info).c_str());
    std::exit(2);
}

std::optional<std::uint16_t> parse_port(const std::string& text)
{
    unsigned value = 0;
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (text.empty() || error != std::errc{} || stop != end || value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

}  // namespace

const std::string& Options::get(const std::string& name) const
{
    const auto found = extra.find(name);
    if (found == extra.end()) throw std::out_of_range("no such command-line flag: --" + name);
    return found->second;
}

std::string usage_text(const ProgramInfo& info)
{
    std::string text = "usage: " + info.name + " [--host ADDR] [--port N]";
    for (const ExtraFlag& flag : info.extra_flags) {
        text += " [--" + flag.name + " " + flag.value_name + "]";
    }
    text += "\n" + info.summary + "\n\n";
    text += "  --host ADDR   address to use (default 127.0.0.1; IPv6 like ::1 works too)\n";
    text +=
        "  --port N      TCP port, 0-65535 (default 8888; a server given 0 takes a free port)\n";
    for (const ExtraFlag& flag : info.extra_flags) {
        text += "  --" + flag.name + " " + flag.value_name + "   " + flag.help + " (default " +
                flag.default_value + ")\n";
    }
    text += "  --help        show this text and exit\n";
    return text;
}

Options parse_command_line(int argc, const char* const* argv, const ProgramInfo& info)
{
    Options options;
    for (const ExtraFlag& flag : info.extra_flags)
        options.extra[flag.name] = flag.default_value;

    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage_text(info).c_str(), stdout);
            std::exit(0);
        }
        if (arg.rfind("--", 0) != 0) usage_error(info, "unexpected argument '" + arg + "'");

        // Split "--name=value"; otherwise the value is the next argument.
        std::string name = arg.substr(2);
        std::optional<std::string> value;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name.resize(eq);
        }
        const auto* extra = [&]() -> const ExtraFlag* {
            for (const ExtraFlag& flag : info.extra_flags) {
                if (flag.name == name) return &flag;
            }
            return nullptr;
        }();
        if (name != "host" && name != "port" && extra == nullptr) {
            usage_error(info, "unknown flag '--" + name + "'");
        }
        if (!value) {
            if (i + 1 >= argc) usage_error(info, "flag '--" + name + "' needs a value");
            value = argv[++i];
        }

        if (name == "host") {
            if (value->empty()) usage_error(info, "--host needs a non-empty address");
            options.host = *value;
        } else if (name == "port") {
            const auto port = parse_port(*value);
            if (!port) usage_error(info, "--port wants a number 0-65535, not '" + *value + "'");
            options.port = *port;
        } else {
            const auto& allowed = extra->allowed;
            if (!allowed.empty() &&
                std::find(allowed.begin(), allowed.end(), *value) == allowed.end()) {
                usage_error(info,
                            "--" + name + " wants " + extra->value_name + ", not '" + *value + "'");
            }
            options.extra[name] = *value;
        }
    }
    return options;
}

}  // namespace kit
