#pragma once
// Physical length of a voxel skeleton read as a curve (or a tree of curves).
//
// The skeleton is the graph whose nodes are the skeleton voxels and whose
// edges join 26-neighbours, each weighted by its physical length (1, √2 or √3
// steps scaled by the voxel size of each axis). Summing every edge
// over-counts wherever three voxels are mutual neighbours (an L-shaped step,
// a junction: the diagonal besides the two steps through the corner), and
// wherever thinning left a patch two voxels thick (every step of the patch).
// The length is therefore the total length of the minimum spanning forest of
// that graph (Kruskal: shortest steps first): an L step counts as its two
// face steps, a junction once per branch, a thick patch one step per voxel,
// and a curve or tree exactly its chain of steps. A thin skeleton's loops
// (rare in neurons, usually thinning artefacts) lose one step each. Chains
// along the 13 lattice directions (axes, face and space diagonals) measure
// exactly; curves of other directions are staircases of these steps and
// measure long by the known bias of the Freeman chain length: up to 8 % for a
// line at 22.5°, about 5.5 % averaged over the directions of a circle.
#include <span>

#include "analysis/fisbe/Instances.h"

namespace nl::analysis::fisbe {

struct VoxelSpacing {
  double x = 1, y = 1, z = 1;
};

// `voxels` in any order, without repeats.
double skeletonLength(std::span<const Voxel> voxels, const VoxelSpacing& spacing = {});

}  // namespace nl::analysis::fisbe
