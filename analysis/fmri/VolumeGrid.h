#pragma once
// fMRI volumes on io's one voxel grid (io/volume/VolumeGrid.h): values C-order
// [z][y][x] (a Volume, a mask) or [t][z][y][x] (a VoxelSeries, betas
// [condition][z][y][x]).
#include <Eigen/Core>
#include <cstddef>
#include <string>

#include "io/Dataset.h"
#include "io/volume/VolumeGrid.h"

namespace nl::analysis::fmri {

using VolumeGrid = io::VolumeGrid;

// The grid of the last three axes of a [z][y][x] or [t][z][y][x] array;
// `role` ("run", "mask") opens the message of the io::VolumeGridError
// (a std::invalid_argument) thrown for other shapes or malformed attributes.
VolumeGrid gridOf(const io::ArrayDataset& dataset, const std::string& role);
// Number of volumes (the leading axis of a 4-D array); 1 for a 3-D one.
std::size_t volumeCountOf(const io::ArrayDataset& dataset);
// The attributes an output volume carries over from its input grid (the
// grid's own, affine_source) plus axis_order "z,y,x".
io::Attributes gridAttributes(const io::ArrayDataset& source);
// A numeric attribute (e.g. "tr"); NaN when absent or not a number.
double numberAttribute(const io::Dataset& dataset, const std::string& name);
// The grid's affine as an Eigen matrix (voxel → world).
Eigen::Matrix4d affineMatrix(const VolumeGrid& grid);

}  // namespace nl::analysis::fmri
