// lab05 (given): the server's log, see server_log.h.
#include "lab05_full_chat/server_log.h"

#include <cstdarg>
#include <cstdio>

namespace room {

namespace {

void write_line(const char* format, va_list args)
{
    // One fprintf per line into a buffer first: stderr is unbuffered, and a line written in
    // pieces could interleave with another process's lines on a shared terminal.
    char line[1024];
    const int n = std::vsnprintf(line, sizeof line, format, args);
    if (n < 0) return;
    std::fprintf(stderr, "chat_server: %s\n", line);
}

}  // namespace

LogLevel parse_log_level(std::string_view text)
{
    return text == "debug" ? LogLevel::Debug : LogLevel::Info;
}

void Log::info(const char* format, ...) const
{
    va_list args;
    va_start(args, format);
    write_line(format, args);
    va_end(args);
}

void Log::debug(const char* format, ...) const
{
    if (!debug_enabled()) return;
    va_list args;
    va_start(args, format);
    write_line(format, args);
    va_end(args);
}

}  // namespace room
