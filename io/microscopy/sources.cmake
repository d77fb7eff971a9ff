# Sources of the microscopy readers; included by io/CMakeLists.txt.
target_sources(neuroloupe_io PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/Register.cpp
  ${CMAKE_CURRENT_LIST_DIR}/VolumeDataset.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ChunkedVolumeSource.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Codecs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ZarrReader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/Hdf5Volume.cpp
  ${CMAKE_CURRENT_LIST_DIR}/TiffStackReader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/SwcReader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/LabelVolumeWriter.cpp)
# Chunk codecs (zarr, HDF5 raw chunks) and libtiff, from Debian's -dev packages.
find_package(PkgConfig REQUIRED)
pkg_check_modules(NL_MICROSCOPY_LIBS REQUIRED IMPORTED_TARGET blosc libzstd zlib libtiff-4)
target_link_libraries(neuroloupe_io PRIVATE PkgConfig::NL_MICROSCOPY_LIBS)
