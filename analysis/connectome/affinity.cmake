# Part `affinity` of analysis/connectome: calcium traces on one time base
# (Traces) and the pairwise affinities and their window × animal × pair tensor
# (Affinity).
target_sources(neuroloupe_analysis PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/Traces.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Affinity.cpp)
