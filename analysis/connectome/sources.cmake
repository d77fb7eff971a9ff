# Sources of analysis/connectome (Dyballa et al. 2024 dynamic functional
# connectomes). Three parts, each listing its own files in its own fragment:
# affinities and the tensor (affinity.cmake), non-negative tensor
# factorization (ntf.cmake), weighted stochastic block models, LFR graphs and
# the igraph baselines (communities.cmake).
include(${CMAKE_CURRENT_LIST_DIR}/affinity.cmake OPTIONAL)
include(${CMAKE_CURRENT_LIST_DIR}/ntf.cmake OPTIONAL)
include(${CMAKE_CURRENT_LIST_DIR}/communities.cmake OPTIONAL)
