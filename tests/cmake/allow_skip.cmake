# Which tests may skip, and why. A test skips by exiting 77; ctest counts that as a skip only
# for a test declared here, and as a failure for every other, so a test that quietly stopped
# running (a tool missing from the install step, a fixture that no longer applies) fails the
# suite instead of passing it.
#
# virdomm_allow_skip(TEST <name>... REASON <text>...)
#   Call it in the directory that added the tests (ctest properties are per directory). REASON
#   says on which machines the test cannot run and why that is no defect of this one; it goes
#   to the test's VIRDOMM_SKIP_REASON property and to <build>/declared-skips.txt, which
#   tests/run-tests.sh prints after the run.
function(virdomm_allow_skip)
  # REASON may come as several quoted pieces, so that a long one fits the line width.
  cmake_parse_arguments(ARG "" "" "TEST;REASON" ${ARGN})
  list(JOIN ARG_REASON "" reason)
  if(NOT ARG_TEST OR NOT reason OR ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "virdomm_allow_skip(TEST <name>... REASON <text>...), got: ${ARGN}")
  endif()
  set_tests_properties(${ARG_TEST} PROPERTIES SKIP_RETURN_CODE 77 VIRDOMM_SKIP_REASON "${reason}")
  foreach(test ${ARG_TEST})
    set_property(GLOBAL APPEND PROPERTY VIRDOMM_DECLARED_SKIPS "${test}: ${reason}")
  endforeach()
endfunction()

# After every test is added: writes the declared list, and refuses a SKIP_RETURN_CODE set
# anywhere but above, which would let a test skip without a reason on record.
function(virdomm_finish_skip_declarations)
  file(GLOB_RECURSE lists "${PROJECT_SOURCE_DIR}/tests/*CMakeLists.txt")
  foreach(list ${lists})
    file(STRINGS "${list}" raw REGEX "SKIP_RETURN_CODE")
    if(raw)
      message(FATAL_ERROR "${list} sets SKIP_RETURN_CODE itself; declare the skip with "
        "virdomm_allow_skip(TEST ... REASON ...) (tests/cmake/allow_skip.cmake)")
    endif()
  endforeach()
  get_property(declared GLOBAL PROPERTY VIRDOMM_DECLARED_SKIPS)
  list(SORT declared)
  list(JOIN declared "\n" text)
  if(text)
    string(APPEND text "\n")
  endif()
  file(WRITE "${PROJECT_BINARY_DIR}/declared-skips.txt" "${text}")
endfunction()
