# Helpers that give every module the same shape (STYLE.md "Build").
#   sluice_library(NAME broker SRCS a.cc b.cc DEPS sluice::storage)  -> target sluice::broker
#   sluice_test(NAME broker_test SRCS x_test.cc DEPS sluice::broker LABELS unit)

set(SLUICE_WARNINGS -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)

function(sluice_library)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(sluice_${A_NAME} STATIC ${A_SRCS})
  add_library(sluice::${A_NAME} ALIAS sluice_${A_NAME})
  target_include_directories(sluice_${A_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(sluice_${A_NAME} PRIVATE ${SLUICE_WARNINGS})
  target_link_libraries(sluice_${A_NAME} PUBLIC ${A_DEPS})
endfunction()

function(sluice_test)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_compile_options(${A_NAME} PRIVATE ${SLUICE_WARNINGS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT A_LABELS)
    set(A_LABELS unit)
  endif()
  add_test(NAME ${A_NAME} COMMAND ${A_NAME})
  set_tests_properties(${A_NAME} PROPERTIES LABELS "${A_LABELS}" TIMEOUT 300)
endfunction()

#   sluice_bench(NAME codec_bench SRCS codec_bench.cc DEPS sluice::model)
# A Google Benchmark executable in bench/ (built with SLUICE_BENCH, never run as a test).
function(sluice_bench)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_compile_options(${A_NAME} PRIVATE ${SLUICE_WARNINGS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} benchmark::benchmark)
endfunction()
