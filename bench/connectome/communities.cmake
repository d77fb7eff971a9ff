# Part `communities`: the paper's Table 1 on weighted LFR graphs: NMI (best
# over hierarchy levels) and seconds of our nested SBM, Leiden and Louvain;
# run_communities.sh adds graph-tool's minimize_nested_blockmodel_dl.
add_executable(neuroloupe_bench_communities ${CMAKE_CURRENT_LIST_DIR}/communities_bench.cpp)
target_link_libraries(neuroloupe_bench_communities PRIVATE neuroloupe_analysis)
target_include_directories(neuroloupe_bench_communities PRIVATE ${PROJECT_SOURCE_DIR})
neuroloupe_set_warnings(neuroloupe_bench_communities)
