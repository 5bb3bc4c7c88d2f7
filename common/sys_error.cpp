#include "common/sys_error.h"

namespace kit {

SysError::SysError(const std::string& call_and_args, int err)
    : std::system_error(err, std::generic_category(), call_and_args)
{
}

NotImplemented::NotImplemented(const std::string& what_is_missing)
    : std::logic_error("TODO not done yet: " + what_is_missing)
{
}

}  // namespace kit
