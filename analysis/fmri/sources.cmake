# Sources of analysis/fmri (first-level GLM, ROI patterns, volume → surface
# projection); included by analysis/CMakeLists.txt.
target_sources(neuroloupe_analysis PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/Distributions.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Hrf.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Design.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Contrast.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Glm.cpp
  ${CMAKE_CURRENT_LIST_DIR}/VolumeGrid.cpp
  ${CMAKE_CURRENT_LIST_DIR}/RoiPatterns.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Projection.cpp)
