# Sources of the surface and volume readers (GIfTI, FreeSurfer, MGH, NIfTI);
# included by io/CMakeLists.txt. zlib comes from io/CMakeLists.txt; expat
# parses GIfTI's XML.
target_sources(neuroloupe_io PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/Register.cpp
  ${CMAKE_CURRENT_LIST_DIR}/SurfaceIo.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Volume.cpp
  ${CMAKE_CURRENT_LIST_DIR}/FreeSurfer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Mgh.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Nifti.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Gifti.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Fsaverage.cpp)
find_package(EXPAT REQUIRED)
target_link_libraries(neuroloupe_io PRIVATE EXPAT::EXPAT)
