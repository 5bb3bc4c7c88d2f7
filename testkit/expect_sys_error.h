/// @file expect_sys_error.h
/// @brief A call that must fail with kit::SysError: the error it must carry, and its message for
/// the checks of what it names.
#pragma once

#include <functional>
#include <string>
#include <system_error>

namespace testkit {

/// @brief Run @p call, which must throw kit::SysError with the error @p expected (a different
/// error is a failed expectation; any other exception goes on up).
/// @return the error's message (what()), for the checks of what it names (the call, the port).
/// @throws Failure with @p must_throw if @p call returns normally: the test stops there.
std::string expect_sys_error(std::errc expected, const std::string& must_throw,
                             const std::function<void()>& call);

}  // namespace testkit
