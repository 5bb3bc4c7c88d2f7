/// @file sys_error.h
/// @brief SysError: a failed system call, with the call and its arguments in the message.
#pragma once

#include <string>
#include <system_error>

namespace kit {

/// @brief A system call failed in a way the program cannot handle locally.
///
/// It is a std::system_error whose code() is the \man{errno,3} value (std::generic_category()), so
/// callers can test `e.code() == std::errc::address_in_use`. The message names the call and its
/// arguments, then the errno text: `bind(127.0.0.1:8888): Address already in use`.
///
/// Throw it for setup calls (socket, bind, listen, \man{epoll_create1,2}, pipe, fork, ...) and for
/// errno values that mean a bug. Per-connection I/O does not throw: it returns an IoStatus.
class SysError : public std::system_error {
public:
    /// @param call_and_args what was called, e.g. "bind(127.0.0.1:8888)".
    /// @param err the errno value, copied right after the failing call.
    SysError(const std::string& call_and_args, int err);

    /// @brief The errno value.
    [[nodiscard]] int error_number() const noexcept { return code().value(); }
};

/// @brief Thrown by placeholder code in an unfinished lab: names the TODO that is still open.
class NotImplemented : public std::logic_error {
public:
    explicit NotImplemented(const std::string& what_is_missing);
};

/// @brief Placeholder body of a TODO region: throws NotImplemented naming @p what.
///
/// The extra arguments are ignored; passing the function's parameters here keeps an unfinished
/// skeleton free of "unused parameter" warnings.
template <typename... Unused>
[[noreturn]] void todo(const char* what, const Unused&... /*unused*/)
{
    throw NotImplemented(what);
}

}  // namespace kit
