# PNG and JPEG images (task images of the prosthesis planner), decoded with
# Debian's libpng and libjpeg-turbo; included by io/CMakeLists.txt.
target_sources(neuroloupe_io PRIVATE ${CMAKE_CURRENT_LIST_DIR}/RasterImage.cpp)
find_package(PkgConfig REQUIRED)
pkg_check_modules(NL_IMAGE_LIBS REQUIRED IMPORTED_TARGET libpng libjpeg)
target_link_libraries(neuroloupe_io PRIVATE PkgConfig::NL_IMAGE_LIBS)
