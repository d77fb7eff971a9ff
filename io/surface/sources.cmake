# Sources of the surface readers; included by io/CMakeLists.txt.
target_sources(neuroloupe_io PRIVATE ${CMAKE_CURRENT_LIST_DIR}/Register.cpp)
