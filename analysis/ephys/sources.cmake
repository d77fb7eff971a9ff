# Sources of analysis/ephys added by domain work (the older ephys files are
# listed in analysis/CMakeLists.txt); included by analysis/CMakeLists.txt.
target_sources(neuroloupe_analysis PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/Waveforms.cpp)
