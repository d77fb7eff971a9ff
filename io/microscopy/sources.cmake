# Sources of the microscopy readers; included by io/CMakeLists.txt.
target_sources(neuroloupe_io PRIVATE ${CMAKE_CURRENT_LIST_DIR}/Register.cpp)
