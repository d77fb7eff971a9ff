# HALS sweeps per second on the issue's 2,000 × 10 × 10,000 rank-10 tensor
# (generated in the bench) beside the NumPy peer: run_ntf.sh.
add_executable(neuroloupe_bench_connectome_ntf ${CMAKE_CURRENT_LIST_DIR}/NtfBench.cpp)
target_link_libraries(neuroloupe_bench_connectome_ntf PRIVATE neuroloupe_analysis)
target_include_directories(neuroloupe_bench_connectome_ntf PRIVATE ${PROJECT_SOURCE_DIR})
neuroloupe_set_warnings(neuroloupe_bench_connectome_ntf)
