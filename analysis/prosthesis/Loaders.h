#pragma once
// Building the prosthesis inputs from files and datasets: hemispheres from
// GIfTI / FreeSurfer surfaces, retinotopy from Benson-style overlays, vessel
// distance fields from NIfTI / MGH volumes. Every failure names the file.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "analysis/prosthesis/Constraints.h"
#include "analysis/prosthesis/SurfaceRetinotopy.h"
#include "io/Dataset.h"

namespace nl::analysis::prosthesis {

// The first surface mesh of a file (GIfTI, FreeSurfer), read with the io readers.
std::shared_ptr<const io::SurfaceMeshDataset> readSurfaceMesh(const std::filesystem::path& path);
// The first array of an overlay file (MGH/MGZ, GIfTI func/shape, curv, .npy).
std::shared_ptr<const io::ArrayDataset> readOverlay(const std::filesystem::path& path);

// One hemisphere from three meshes of the same topology.
std::shared_ptr<CorticalMesh> makeCorticalMesh(const io::SurfaceMeshDataset& white,
                                               const io::SurfaceMeshDataset& pial,
                                               const io::SurfaceMeshDataset& sphere,
                                               Hemisphere hemisphere);

// Benson 2014 template files in `folder`: <lh|rh>.benson14_{angle,eccen,varea}.v4_0.mgz.
VertexRetinotopy readBensonRetinotopy(const std::filesystem::path& folder, Hemisphere hemisphere,
                                      std::size_t vertexCount, double maxEccentricity);

// A vessel volume (probability or segmentation; [z][y][x] with an affine) as
// a distance field, computed only inside the box around `points` (electrode
// space) padded by `paddingMm`: distances up to the padding are exact, larger
// ones are upper bounds (vessels outside the box are not seen), which margins
// of a few mm never notice. `electrodeToWorld` maps electrode coordinates to
// the volume's world (mni305ToMni152() for fsaverage on an MNI152 atlas).
VesselDistanceField vesselFieldAround(const io::ArrayDataset& volume, double threshold,
                                      const Eigen::Matrix4d& electrodeToWorld,
                                      const Eigen::Matrix3Xd& points, double paddingMm);

// The vessel voxels (value ≥ threshold) of a volume whose centres lie within
// `withinMm` of one of `points` (electrode space, e.g. pial vertices): their
// centres in electrode space, the index of the nearest point and the distance
// to it — the vessels near the cortex, for drawing. A uniform hash grid of
// the points (cells of `withinMm`) keeps it linear in the voxels of the box
// around the points.
struct VesselVoxels {
  Eigen::Matrix3Xd positions;
  std::vector<int> nearest;
  std::vector<double> distanceMm;
};
VesselVoxels vesselVoxelsNear(const io::ArrayDataset& volume, double threshold,
                              const Eigen::Matrix4d& electrodeToWorld,
                              const Eigen::Matrix3Xd& points, double withinMm);

}  // namespace nl::analysis::prosthesis
