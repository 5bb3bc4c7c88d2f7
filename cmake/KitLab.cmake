# kit_add_lab(): the one place that says how a lab builds. The top-level CMakeLists.txt calls it once
# per lab, with the lists of the lab's manifest (kit_add_lab_from_manifest, at the end).
#
# Each lab builds twice, from the same given files:
#   student   the lab folder's own files       -> build/bin/<lab>/,            tests named <lab>.*
#   solution  solutions/<lab>/ (same names)     -> build/bin/solutions/<lab>/,  tests named ref.<lab>.*
# Black-box tests are registered twice more with the suffix ".UnderShortIO": the same test, with the
# lab's programs run under the short-I/O fault injector (testkit/shortio).

# Warnings are errors in everything the kit ships; a student's own files only warn.
function(kit_strict_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Werror)
endfunction()

# Under KIT_SANITIZE, AddressSanitizer and UBSan instrument the code a lab is about: its library
# (student or reference files, given files), its programs and common/. The test harness (the test
# sources, testkit, GoogleTest) is compiled as in every other tree, so ccache serves its objects from
# the main build, and only linked with the sanitizer runtime (CMakeLists.txt): code that is not
# instrumented is not checked, and the harness is not what the sanitizer tree is there to check.
function(kit_sanitize target)
  if(KIT_SANITIZE)
    # GCC 12 reports false "maybe uninitialized" warnings in the standard library under ASan.
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined -Wno-maybe-uninitialized)
  endif()
endfunction()

# CTest's own timeout is only a backstop: the testkit's watchdog (KIT_TEST_BUDGET_S, times
# TIMEOUT_SCALE) stops a hanging test first, kills its child processes and says what hung.
set(KIT_CTEST_BACKSTOP_S 600)

# The library of lab <lab> that a <variant> build links (for USES: carry-forward of earlier labs).
function(kit_lab_library out lab variant)
  if(variant STREQUAL "solution" OR NOT KIT_STACK STREQUAL "mine")
    set(${out} ref-${lab}-lib PARENT_SCOPE)
  else()
    set(${out} ${lab}-lib PARENT_SCOPE)
  endif()
endfunction()

# kit_import_prebuilt_reference(<lab> <uses>): in a student edition without solutions/<lab>/, the
# reference library ref-<lab>-lib that STACK=solutions links into later labs, from
# prebuilt/<lab>/libref-<lab>-lib.a (tools/release.sh compiles it in the instructor's kit). No
# reference programs or reference tests then: grade.py takes the list of tests from the student's
# own test binaries (the instructor's grading never runs in a student edition).
function(kit_import_prebuilt_reference lab uses)
  set(archive ${CMAKE_SOURCE_DIR}/prebuilt/${lab}/libref-${lab}-lib.a)
  if(NOT EXISTS ${archive})
    return()  # no later lab of this edition links it
  endif()
  add_library(ref-${lab}-lib STATIC IMPORTED GLOBAL)
  set(used_libs "")
  foreach(used IN LISTS uses)
    list(APPEND used_libs ref-${used}-lib)
  endforeach()
  set_target_properties(ref-${lab}-lib PROPERTIES
    IMPORTED_LOCATION ${archive}
    INTERFACE_INCLUDE_DIRECTORIES ${CMAKE_SOURCE_DIR}
    INTERFACE_LINK_LIBRARIES "kit_common;Threads::Threads;${used_libs}")
endfunction()

# kit_add_lab(<lab>
#   STUDENT        <files>     the student's files; solutions/<lab>/ holds the complete ones, same names
#   GIVEN          <files>     given sources (not mains) compiled with them
#   PROGRAMS       <name>=<main.cpp> ...
#   UNIT_TESTS     <files>     link the lab's library; run in-process
#   BLACKBOX_TESTS <files>     run the lab's programs as child processes
#   USES           <labs>      earlier labs whose library this lab links
#   LAB_DIR        <dir>       the lab folder (default: the calling CMakeLists.txt's folder))
function(kit_add_lab lab)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "LAB_DIR" "STUDENT;GIVEN;PROGRAMS;UNIT_TESTS;BLACKBOX_TESTS;USES")
  if(ARG_LAB_DIR)
    set(lab_dir ${ARG_LAB_DIR})
  else()
    set(lab_dir ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
  # Sources are named relative to the lab folder, wherever kit_add_lab is called from.
  foreach(kind GIVEN UNIT_TESTS BLACKBOX_TESTS)
    list(TRANSFORM ARG_${kind} PREPEND ${lab_dir}/)
  endforeach()

  # The test sources compile once, into an object library per kind that both builds of the lab link:
  # they are the same sources with the same flags, and where a build's programs are (testkit/lab.h)
  # comes from a small generated file of each test program instead.
  set(unit_sources ${ARG_UNIT_TESTS})
  set(blackbox_sources ${ARG_BLACKBOX_TESTS})
  foreach(kind unit blackbox)
    if(${kind}_sources)
      add_library(${lab}-${kind}-objects OBJECT ${${kind}_sources})
      target_link_libraries(${lab}-${kind}-objects PRIVATE testkit)
      target_compile_definitions(${lab}-${kind}-objects PRIVATE KIT_LAB="${lab}")
      kit_strict_warnings(${lab}-${kind}-objects)
    endif()
  endforeach()

  foreach(variant IN LISTS KIT_VARIANTS)
    if(variant STREQUAL "student")
      set(prefix "")
      set(src_dir ${lab_dir})
      set(out_sub ${lab})
      set(test_prefix "${lab}.")
    else()
      set(prefix "ref-")
      set(src_dir ${KIT_SOLUTIONS_DIR}/${lab})
      set(out_sub solutions/${lab})
      set(test_prefix "ref.${lab}.")
      if(NOT EXISTS ${src_dir})
        # A student edition (make release) ships no solution sources for a lab whose solution is not
        # released: only, when a later lab links it, its reference library, compiled (prebuilt/).
        kit_import_prebuilt_reference(${lab} "${ARG_USES}")
        continue()
      endif()
    endif()
    set(bin_dir ${CMAKE_BINARY_DIR}/bin/${out_sub})
    set(all_targets "")

    # The lab's library: the student's (or reference) files plus the given sources.
    set(lib ${prefix}${lab}-lib)
    list(TRANSFORM ARG_STUDENT PREPEND ${src_dir}/ OUTPUT_VARIABLE student_sources)
    if(KIT_SHARED_LAB_LIBRARIES)
      add_library(${lib} SHARED ${student_sources} ${ARG_GIVEN})
    else()
      add_library(${lib} STATIC ${student_sources} ${ARG_GIVEN})
    endif()
    target_include_directories(${lib} PUBLIC ${CMAKE_SOURCE_DIR})
    target_link_libraries(${lib} PUBLIC kit_common Threads::Threads)
    target_compile_options(${lib} PRIVATE -Wall -Wextra -Wshadow)
    kit_sanitize(${lib})
    if(variant STREQUAL "solution")
      target_compile_options(${lib} PRIVATE -Werror)
    elseif(ARG_GIVEN)
      set_source_files_properties(${ARG_GIVEN} TARGET_DIRECTORY ${lib} PROPERTIES COMPILE_OPTIONS -Werror)
    endif()
    foreach(used IN LISTS ARG_USES)
      kit_lab_library(used_lib ${used} ${variant})
      target_link_libraries(${lib} PUBLIC ${used_lib})
    endforeach()
    list(APPEND all_targets ${lib})

    # The lab's programs.
    set(programs "")
    foreach(spec IN LISTS ARG_PROGRAMS)
      string(REPLACE "=" ";" parts ${spec})
      list(GET parts 0 program)
      list(GET parts 1 main_file)
      set(target ${prefix}${lab}-${program})
      add_executable(${target} ${lab_dir}/${main_file})
      set_target_properties(${target} PROPERTIES OUTPUT_NAME ${program} RUNTIME_OUTPUT_DIRECTORY ${bin_dir})
      target_link_libraries(${target} PRIVATE ${lib})
      kit_strict_warnings(${target})
      kit_sanitize(${target})
      list(APPEND programs ${target})
    endforeach()
    list(APPEND all_targets ${programs})

    # The autograder: one executable for unit tests, one for black-box tests.
    foreach(kind unit blackbox)
      if(NOT ${kind}_sources)
        continue()
      endif()
      set(target ${prefix}${lab}-${kind})
      set(bin_dir_source ${CMAKE_BINARY_DIR}/generated/${target}-bin-dir.cpp)
      file(CONFIGURE OUTPUT ${bin_dir_source} CONTENT
           "// Generated by cmake/KitLab.cmake: where ${target} finds the programs it tests.\n#include \"testkit/lab.h\"\n\nconst char* const testkit::lab_bin_dir = \"${bin_dir}\";\n")
      add_executable(${target} ${bin_dir_source} $<TARGET_OBJECTS:${lab}-${kind}-objects>)
      set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/${out_sub})
      target_link_libraries(${target} PRIVATE ${lib} testkit testkit_main)
      kit_strict_warnings(${target})
      gtest_discover_tests(${target} TEST_PREFIX ${test_prefix} DISCOVERY_MODE PRE_TEST NO_PRETTY_VALUES
                           DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT ${KIT_CTEST_BACKSTOP_S})
      if(kind STREQUAL "blackbox")
        add_dependencies(${target} ${programs} shortio)
        gtest_discover_tests(${target} TEST_PREFIX ${test_prefix} TEST_SUFFIX .UnderShortIO NO_PRETTY_VALUES
                             DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60
                             PROPERTIES TIMEOUT ${KIT_CTEST_BACKSTOP_S} ENVIRONMENT KIT_SHORTIO=1)
      endif()
      list(APPEND all_targets ${target})
    endforeach()

    # `cmake --build build --target lab01_blocking` (or ref-lab01_blocking) builds one lab's side.
    add_custom_target(${prefix}${lab})
    add_dependencies(${prefix}${lab} ${all_targets})
    set_property(GLOBAL APPEND PROPERTY KIT_${variant}_TARGETS ${prefix}${lab})
  endforeach()
endfunction()

# Each lab's facts live in one file, lab0N_name/lab.json, its manifest (tools/kit/labs.py documents
# the keys). JSON because both CMake (string(JSON), 3.19+) and Python read it without any extra
# package, so the build, the grade report, the skeleton generator and the mutant runner all read the
# same list of student files, programs and tests; rustlings' info.toml and Exercism's
# .meta/config.json are the models. Adding a lab is adding its folder: the top-level CMakeLists.txt
# finds every lab*/lab.json.
function(kit_json_list out json key)
  set(items "")
  string(JSON type ERROR_VARIABLE missing TYPE "${json}" ${key})
  if(NOT missing AND type STREQUAL "ARRAY")
    string(JSON count LENGTH "${json}" ${key})
    if(count GREATER 0)
      math(EXPR last "${count} - 1")
      foreach(i RANGE ${last})
        string(JSON item GET "${json}" ${key} ${i})
        list(APPEND items "${item}")
      endforeach()
    endif()
  endif()
  set(${out} "${items}" PARENT_SCOPE)
endfunction()

# kit_add_lab_from_manifest(<lab folder>): kit_add_lab() with the lists of the folder's lab.json.
function(kit_add_lab_from_manifest lab_dir)
  get_filename_component(lab ${lab_dir} NAME)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${lab_dir}/lab.json)
  file(READ ${lab_dir}/lab.json json)
  foreach(key student given unit_tests blackbox_tests uses)
    kit_json_list(${key} "${json}" ${key})
  endforeach()
  set(programs "")
  string(JSON count ERROR_VARIABLE no_programs LENGTH "${json}" programs)
  if(NOT no_programs AND count GREATER 0)
    math(EXPR last "${count} - 1")
    foreach(i RANGE ${last})
      string(JSON name GET "${json}" programs ${i} name)
      string(JSON main GET "${json}" programs ${i} main)
      list(APPEND programs "${name}=${main}")
    endforeach()
  endif()
  kit_add_lab(${lab} LAB_DIR ${lab_dir} STUDENT ${student} GIVEN ${given} PROGRAMS ${programs}
              UNIT_TESTS ${unit_tests} BLACKBOX_TESTS ${blackbox_tests} USES ${uses})
endfunction()
