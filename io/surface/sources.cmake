# Sources of the surface readers (GIfTI, FreeSurfer; NIfTI and MGH are in io/volume);
# included by io/CMakeLists.txt. zlib comes from io/CMakeLists.txt; expat
# parses GIfTI's XML.
target_sources(neuroloupe_io PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/Register.cpp
  ${CMAKE_CURRENT_LIST_DIR}/SurfaceIo.cpp
  ${CMAKE_CURRENT_LIST_DIR}/FreeSurfer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Gifti.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Fsaverage.cpp)
find_package(EXPAT REQUIRED)
target_link_libraries(neuroloupe_io PRIVATE EXPAT::EXPAT)
