# Sources of the voxel grid and the NIfTI / MGH volume readers; included by
# io/CMakeLists.txt (zlib comes from there).
target_sources(neuroloupe_io PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/VolumeGrid.cpp
  ${CMAKE_CURRENT_LIST_DIR}/VoxelArray.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Nifti.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Mgh.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Register.cpp)
