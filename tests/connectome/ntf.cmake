# Non-negative tensor factorization (part ntf of #17): HALS, BCD and
# multiplicative updates against the NumPy peer's sweeps
# (bench/connectome/ntf_hals_numpy.py → data/ntf_reference.json), planted
# factors recovered, masking, rank selection, bad input and the
# connectome.ntf plugin through the runner.
add_executable(neuroloupe_connectome_ntf_tests ${PROJECT_SOURCE_DIR}/tests/support/main.cpp
               ${CMAKE_CURRENT_LIST_DIR}/NtfHalsTest.cpp ${CMAKE_CURRENT_LIST_DIR}/NtfRecoveryTest.cpp
               ${CMAKE_CURRENT_LIST_DIR}/NtfPluginTest.cpp ${CMAKE_CURRENT_LIST_DIR}/NtfKernelsTest.cpp)
target_link_libraries(neuroloupe_connectome_ntf_tests PRIVATE neuroloupe_plugins neuroloupe_analysis
                      neuroloupe_io GTest::gtest)
target_include_directories(neuroloupe_connectome_ntf_tests PRIVATE ${PROJECT_SOURCE_DIR})
neuroloupe_test_paths(neuroloupe_connectome_ntf_tests
  NEUROLOUPE_FIXTURES_DIR=${PROJECT_SOURCE_DIR}/../shared/fixtures
  NEUROLOUPE_PLUGIN_DIR=${NEUROLOUPE_BUILD_PLUGIN_DIR}
  NTF_REFERENCE_JSON=${CMAKE_CURRENT_LIST_DIR}/data/ntf_reference.json)
add_dependencies(neuroloupe_connectome_ntf_tests connectome_ntf)
neuroloupe_set_warnings(neuroloupe_connectome_ntf_tests)
gtest_discover_tests(neuroloupe_connectome_ntf_tests DISCOVERY_TIMEOUT 60 DISCOVERY_MODE PRE_TEST)
