# Sources of analysis/rsa; included by analysis/CMakeLists.txt.
target_sources(neuroloupe_analysis PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/Rdm.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Compare.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Inference.cpp
  ${CMAKE_CURRENT_LIST_DIR}/NoiseCeiling.cpp
  ${CMAKE_CURRENT_LIST_DIR}/LayerMapping.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Mds.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Parallel.cpp)
# std::thread for the resampling analyses.
find_package(Threads REQUIRED)
target_link_libraries(neuroloupe_analysis PRIVATE Threads::Threads)
