#include "testkit/expect_sys_error.h"

#include <gtest/gtest.h>

#include "common/sys_error.h"
#include "testkit/failure.h"

namespace testkit {

std::string expect_sys_error(std::errc expected, const std::string& must_throw,
                             const std::function<void()>& call)
{
    try {
        call();
    } catch (const kit::SysError& e) {
        EXPECT_EQ(e.code(), expected) << e.what();
        return e.what();
    }
    throw Failure(must_throw);
}

}  // namespace testkit
