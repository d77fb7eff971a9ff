# Part `communities` of analysis/connectome: the weighted graph, the nested
# weighted SBM by minimum description length, the LFR benchmark generator,
# NMI/modularity, and the Leiden/Louvain baselines through igraph.
target_sources(neuroloupe_analysis PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/Graph.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Sbm.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Lfr.cpp
  ${CMAKE_CURRENT_LIST_DIR}/CommunityMetrics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/CommunityBaselines.cpp)
find_package(PkgConfig REQUIRED)
pkg_check_modules(NEUROLOUPE_IGRAPH REQUIRED IMPORTED_TARGET igraph)
target_link_libraries(neuroloupe_analysis PRIVATE PkgConfig::NEUROLOUPE_IGRAPH)
