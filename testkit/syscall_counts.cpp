#include "testkit/syscall_counts.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "testkit/failure.h"
#include "testkit/run_context.h"

// A counter is added by taking its room from reserved[]: the file never changes size, so a reader
// and a library of different ages still agree on where every old counter is.
static_assert(sizeof(shortio_counts) == 76 * sizeof(std::uint64_t),
              "a new counter takes its room from shortio_counts::reserved");

namespace testkit {

SyscallCounts::SyscallCounts()
{
    const char* tmpdir = std::getenv("TMPDIR");
    std::string pattern = std::string(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp") +
                          "/shortio-counts-XXXXXX";
    const int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd < 0) {
        throw Failure("SyscallCounts: cannot create " + pattern + ": " + std::strerror(errno));
    }
    ::close(fd);
    path_ = pattern;
}

SyscallCounts::~SyscallCounts()
{
    ::unlink(path_.c_str());
}

std::vector<std::string> SyscallCounts::env(bool inject) const
{
    const RunContext& context = run_context();
    std::vector<std::string> entries{"LD_PRELOAD=" + context.shortio_library,
                                     "SHORTIO_COUNTS=" + path_};
    if (inject) {
        entries.push_back("SHORTIO_SEED=" + context.shortio_seed);
    } else {
        entries.push_back("SHORTIO_INJECT=0");
    }
    // A sanitizer runtime wants to come first among the preloads (see ChildProcess).
    const char* asan_options = std::getenv("ASAN_OPTIONS");
    entries.push_back(std::string("ASAN_OPTIONS=") +
                      (asan_options != nullptr && *asan_options != '\0'
                           ? std::string(asan_options) + ":"
                           : std::string()) +
                      "verify_asan_link_order=0");
    return entries;
}

SpawnOptions SyscallCounts::spawn_options(std::optional<bool> inject) const
{
    SpawnOptions options;
    options.env = env(inject.value_or(run_context().shortio));
    options.shortio = false;  // the entries above preload the library already
    return options;
}

shortio_counts SyscallCounts::snapshot() const
{
    shortio_counts counts{};
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Failure("SyscallCounts: cannot open " + path_ + ": " + std::strerror(errno));
    // The library writes with atomic adds into a shared mapping; a read of the file sees the same
    // page cache, and an aligned 8-byte counter is never torn.
    const ssize_t n = ::pread(fd, &counts, sizeof counts, 0);
    ::close(fd);
    if (n != static_cast<ssize_t>(sizeof counts) || counts.magic == 0) return shortio_counts{};
    if (counts.magic != SHORTIO_COUNTS_MAGIC || counts.version != SHORTIO_COUNTS_VERSION) {
        throw Failure("SyscallCounts: " + path_ +
                      " was written by another version of libshortio.so");
    }
    return counts;
}

std::string describe(const shortio_counts& c)
{
    std::string text;
    const auto field = [&](const char* name, std::uint64_t value) {
        if (value == 0) return;
        text += (text.empty() ? "" : " ") + std::string(name) + "=" + std::to_string(value);
    };
#define KIT_COUNTER(name, description) field(#name, c.name);
#include "testkit/syscall_counts.def"
#undef KIT_COUNTER
    return text.empty() ? "(no calls counted: was the library loaded?)" : text;
}

}  // namespace testkit
