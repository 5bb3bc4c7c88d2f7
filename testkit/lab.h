/// @file lab.h
/// @brief Where the programs of the lab under test are (each test binary is built for one lab).
#pragma once

#include <string>

namespace testkit {

/// @brief The program @p name of the lab under test: `build/bin/<lab>/<name>` for the student's
/// build, `build/bin/solutions/<lab>/<name>` for the reference. KIT_BIN_DIR is set by kit_add_lab.
inline std::string lab_program(const std::string& name)
{
    return std::string(KIT_BIN_DIR) + "/" + name;
}

}  // namespace testkit
