# Sources of analysis/biclustering (Wei 2023 bi-clustering); included by analysis/CMakeLists.txt.
target_sources(neuroloupe_analysis PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/Random.cpp
  ${CMAKE_CURRENT_LIST_DIR}/PolyaGamma.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Kalman.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Dynamics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Clustering.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Summaries.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Sampler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/SplitMerge.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Serialise.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Run.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Simulation.cpp)
find_package(Threads REQUIRED)
target_link_libraries(neuroloupe_analysis PRIVATE Threads::Threads)
