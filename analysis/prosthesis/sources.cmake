# Sources of analysis/prosthesis (visual cortical prosthesis: retinotopy,
# phosphenes, percept objective, constraints, planner); included by
# analysis/CMakeLists.txt.
target_sources(neuroloupe_analysis PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/Retinotopy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/SurfaceRetinotopy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Phosphene.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Objective.cpp
  ${CMAKE_CURRENT_LIST_DIR}/TaskImages.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Constraints.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Planner.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Loaders.cpp)
