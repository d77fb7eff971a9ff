# Sources of analysis/fisbe (the FISBe instance-segmentation evaluation);
# included by analysis/CMakeLists.txt.
target_sources(neuroloupe_analysis PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/Skeletonize.cpp
  ${CMAKE_CURRENT_LIST_DIR}/SkeletonLength.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Instances.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Evaluate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Aggregate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/MetricsJson.cpp
  ${CMAKE_CURRENT_LIST_DIR}/VolumeLabels.cpp)
include(${CMAKE_CURRENT_LIST_DIR}/edit/sources.cmake)
