# iothub_module(NAME DEPS ...): builds src/NAME/*.cc into the static library iothub_NAME
# (header-only when the folder has no .cc yet) and remembers NAME for its unit tests.
set(IOTHUB_MODULES "" CACHE INTERNAL "")

function(iothub_module name)
  cmake_parse_arguments(M "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cc)
  if(sources)
    add_library(iothub_${name} STATIC ${sources})
    target_include_directories(iothub_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(iothub_${name} PUBLIC ${M_DEPS})
  else()
    add_library(iothub_${name} INTERFACE)
    target_include_directories(iothub_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(iothub_${name} INTERFACE ${M_DEPS})
  endif()
  set(IOTHUB_MODULES ${IOTHUB_MODULES} ${name} CACHE INTERNAL "")
endfunction()

# Modules whose unit tests include PostgreSQL-backed ones (see iothub_module_tests).
set(IOTHUB_POSTGRES_TEST_MODULES store registry)

# One test binary per module: tests/unit/NAME/*_test.cc linked with iothub_NAME.
# Tests may also use the helpers in tests/support (temp dirs, free ports, processes).
function(iothub_module_tests)
  include(GoogleTest)
  file(GLOB support CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/support/*.cc)
  add_library(iothub_test_support STATIC ${support})
  target_include_directories(iothub_test_support PUBLIC ${PROJECT_SOURCE_DIR}/tests
                                                        ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(iothub_test_support PUBLIC GTest::gtest GTest::gmock iothub_common
                                                   iothub_proto)
  target_compile_definitions(iothub_test_support PUBLIC
    IOTHUB_BINARY_DIR="${PROJECT_BINARY_DIR}" IOTHUB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  foreach(name ${IOTHUB_MODULES})
    file(GLOB tests CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/unit/${name}/*_test.cc)
    if(tests)
      add_executable(${name}_test ${tests})
      target_link_libraries(${name}_test PRIVATE iothub_${name} iothub_test_support
                                                 GTest::gtest_main)
      # Tests against a real PostgreSQL (instantiations and suites named Postgres*) run
      # as one ctest test, so that the binary starts its server once for all of them.
      gtest_discover_tests(${name}_test DISCOVERY_TIMEOUT 60 TEST_FILTER "-Postgres*"
                           PROPERTIES LABELS unit)
      if(name IN_LIST IOTHUB_POSTGRES_TEST_MODULES)
        add_test(NAME ${name}_test.Postgres COMMAND ${name}_test --gtest_filter=Postgres*)
        set_tests_properties(${name}_test.Postgres PROPERTIES LABELS unit)
      endif()
    endif()
  endforeach()
endfunction()
