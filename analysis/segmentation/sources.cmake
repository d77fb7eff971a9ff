# Sources of analysis/segmentation (neuron instance segmentation of MCFO
# light-microscopy volumes); included by analysis/CMakeLists.txt.
target_sources(neuroloupe_analysis PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/Filters.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Gmm.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Segment.cpp)
