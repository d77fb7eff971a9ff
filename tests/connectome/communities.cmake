# Part `communities`: ΔΣ of every move against full recomputation, planted
# partitions recovered, the LFR generator's statistics, NMI values, the igraph
# baselines, and connectome.communities through the plugin runner.
add_executable(neuroloupe_connectome_communities_tests
  ${CMAKE_CURRENT_LIST_DIR}/../biclustering/main.cpp
  ${CMAKE_CURRENT_LIST_DIR}/SbmTest.cpp
  ${CMAKE_CURRENT_LIST_DIR}/SbmGraphToolTest.cpp
  ${CMAKE_CURRENT_LIST_DIR}/LfrTest.cpp
  ${CMAKE_CURRENT_LIST_DIR}/CommunitiesPluginTest.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ZebrafishAssembliesTest.cpp)
target_link_libraries(neuroloupe_connectome_communities_tests PRIVATE neuroloupe_plugins
                      neuroloupe_analysis neuroloupe_io GTest::gtest)
target_include_directories(neuroloupe_connectome_communities_tests PRIVATE ${PROJECT_SOURCE_DIR})
neuroloupe_test_paths(neuroloupe_connectome_communities_tests
  NEUROLOUPE_FIXTURES_DIR=${PROJECT_SOURCE_DIR}/../shared/fixtures
  NEUROLOUPE_PLUGIN_DIR=${NEUROLOUPE_BUILD_PLUGIN_DIR})
if(TRUE)
  add_dependencies(neuroloupe_connectome_communities_tests connectome_communities
                   connectome_affinity connectome_ntf)
endif()
neuroloupe_set_warnings(neuroloupe_connectome_communities_tests)
gtest_discover_tests(neuroloupe_connectome_communities_tests DISCOVERY_TIMEOUT 60
                     DISCOVERY_MODE PRE_TEST)
