# Non-negative tensor factorization (part ntf of issue #17): the 3-D tensor,
# HALS / BCD / multiplicative updates, factor match score, core consistency
# and rank selection.
target_sources(neuroloupe_analysis PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/TensorData.cpp
  ${CMAKE_CURRENT_LIST_DIR}/NtfFactorization.cpp
  ${CMAKE_CURRENT_LIST_DIR}/NtfKernels.cpp)
