# Dense algebra on OpenBLAS / LAPACKE (Debian libopenblas-dev, liblapacke-dev).
target_sources(neuroloupe_analysis PRIVATE ${CMAKE_CURRENT_LIST_DIR}/Linalg.cpp)
find_library(NL_OPENBLAS_LIBRARY NAMES openblas REQUIRED)
find_library(NL_LAPACKE_LIBRARY NAMES lapacke REQUIRED)
find_path(NL_CBLAS_INCLUDE_DIR NAMES cblas.h PATH_SUFFIXES openblas-pthread openblas
          PATHS /usr/include/x86_64-linux-gnu REQUIRED)
find_path(NL_LAPACKE_INCLUDE_DIR NAMES lapacke.h REQUIRED)
target_include_directories(neuroloupe_analysis PRIVATE ${NL_CBLAS_INCLUDE_DIR}
                           ${NL_LAPACKE_INCLUDE_DIR})
target_link_libraries(neuroloupe_analysis PRIVATE ${NL_LAPACKE_LIBRARY} ${NL_OPENBLAS_LIBRARY})
