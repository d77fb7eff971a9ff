# Proofreading edits of label volumes and their incremental FISBe score;
# included by analysis/fisbe/sources.cmake.
target_sources(neuroloupe_analysis PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/LabelVolume.cpp
  ${CMAKE_CURRENT_LIST_DIR}/LabelEdit.cpp
  ${CMAKE_CURRENT_LIST_DIR}/EditJson.cpp
  ${CMAKE_CURRENT_LIST_DIR}/IncrementalScore.cpp
  ${CMAKE_CURRENT_LIST_DIR}/LabelPreview.cpp)
