/// @file lab.h
/// @brief Where the programs of the lab under test are (each test binary is built for one lab).
#pragma once

#include <string>

namespace testkit {

/// @brief The folder of the lab's programs, `build/bin/<lab>` for the student's build,
/// `build/bin/solutions/<lab>` for the reference. kit_add_lab defines it in a small generated file
/// of each test program, so that the test sources compile once for both builds of a lab.
extern const char* const lab_bin_dir;

/// @brief The program @p name of the lab under test: `build/bin/<lab>/<name>` for the student's
/// build, `build/bin/solutions/<lab>/<name>` for the reference.
inline std::string lab_program(const std::string& name)
{
    return std::string(lab_bin_dir) + "/" + name;
}

}  // namespace testkit
