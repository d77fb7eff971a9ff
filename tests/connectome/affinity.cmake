# Part `affinity`: the affinities' properties, alignment by names and times,
# every calcium input format on the real fixtures and on small committed NWB
# and suite2p files (data/affinity, made by data/affinity/make_fixtures.py),
# the connectome.affinity plugin end to end, and the zebrafish assemblies.
add_executable(neuroloupe_connectome_affinity_tests ${CMAKE_CURRENT_LIST_DIR}/../support/main.cpp
               ${CMAKE_CURRENT_LIST_DIR}/AffinityPropertiesTest.cpp
               ${CMAKE_CURRENT_LIST_DIR}/AffinityAlignTest.cpp
               ${CMAKE_CURRENT_LIST_DIR}/AffinityInputTest.cpp
               ${CMAKE_CURRENT_LIST_DIR}/AffinityPluginTest.cpp)
target_link_libraries(neuroloupe_connectome_affinity_tests PRIVATE neuroloupe_plugins
                      neuroloupe_analysis neuroloupe_io GTest::gtest)
target_include_directories(neuroloupe_connectome_affinity_tests PRIVATE ${PROJECT_SOURCE_DIR})
neuroloupe_test_paths(neuroloupe_connectome_affinity_tests
  NEUROLOUPE_FIXTURES_DIR=${PROJECT_SOURCE_DIR}/../shared/fixtures
  NEUROLOUPE_AFFINITY_DATA=${CMAKE_CURRENT_LIST_DIR}/data/affinity
  NEUROLOUPE_PLUGIN_DIR=${NEUROLOUPE_BUILD_PLUGIN_DIR})
add_dependencies(neuroloupe_connectome_affinity_tests connectome_affinity)
neuroloupe_set_warnings(neuroloupe_connectome_affinity_tests)
gtest_discover_tests(neuroloupe_connectome_affinity_tests DISCOVERY_TIMEOUT 60 DISCOVERY_MODE PRE_TEST)
