execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                OUTPUT_VARIABLE MC_GIT_SHA OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT MC_GIT_SHA)
  set(MC_GIT_SHA "unknown")
endif()
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/generated)
file(WRITE ${CMAKE_BINARY_DIR}/generated/build_info.cpp.in
"#include \"core/build_info.hpp\"\nnamespace mc {\nconst char* build_version() { return \"${PROJECT_VERSION}\"; }\nconst char* build_git_sha() { return \"${MC_GIT_SHA}\"; }\n}\n")
configure_file(${CMAKE_BINARY_DIR}/generated/build_info.cpp.in ${CMAKE_BINARY_DIR}/generated/build_info.cpp COPYONLY)
