#pragma once
// Feasibility: vessels, gray matter, threads, spacing.
//
// Vessels come as a volume (a probability atlas or a subject's segmentation);
// voxels ≥ threshold are vessel, and the exact Euclidean distance transform
// (Felzenszwalb & Huttenlocher 2012, separable, in mm with anisotropic
// spacing) gives every voxel's distance to the nearest vessel voxel centre.
// The field is sampled trilinearly (gradient included) at electrode
// positions mapped into the volume's world space. fsaverage surface RAS is
// MNI305; the braincharter atlas is MNI152: FreeSurfer's published
// MNI305 → MNI152 matrix (CoordinateSystems wiki) bridges them.
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "analysis/prosthesis/SurfaceRetinotopy.h"

namespace nl::analysis::prosthesis {

// FreeSurfer's MNI305 → MNI152 affine (4 × 4).
Eigen::Matrix4d mni305ToMni152();

class VesselDistanceField {
 public:
  VesselDistanceField() = default;
  // values: x fastest, nx·ny·nz of them; voxelToWorld row-major 4 × 4 (mm).
  // Throws std::invalid_argument (naming `what`) on a size mismatch, a
  // singular affine or no vessel voxel at all.
  VesselDistanceField(std::span<const double> values, std::array<std::size_t, 3> size,
                      const Eigen::Matrix4d& voxelToWorld, double threshold,
                      const std::string& what);
  bool empty() const { return distance_.empty(); }
  // Extra transform from electrode coordinates to the volume's world space
  // (default identity; mni305ToMni152() for fsaverage electrodes on an MNI152 atlas).
  void setElectrodeToWorld(const Eigen::Matrix4d& transform);
  const Eigen::Matrix4d& electrodeToWorld() const { return electrodeToWorld_; }

  // Distance (mm) to the nearest vessel at an electrode-space point, and its
  // gradient there. Outside the volume: the distance at the nearest voxel
  // plus the distance to the volume (vessels are assumed inside it).
  double distance(const Eigen::Vector3d& point, Eigen::Vector3d* gradient = nullptr) const;
  std::size_t vesselVoxelCount() const { return vesselVoxels_; }
  std::array<std::size_t, 3> size() const { return size_; }

 private:
  std::array<std::size_t, 3> size_{0, 0, 0};
  Eigen::Matrix4d worldToVoxel_ = Eigen::Matrix4d::Identity();
  Eigen::Matrix4d electrodeToWorld_ = Eigen::Matrix4d::Identity();
  Eigen::Matrix4d electrodeToVoxel_ = Eigen::Matrix4d::Identity();
  Eigen::Matrix3d voxelGradientToWorld_ = Eigen::Matrix3d::Identity();
  std::vector<float> distance_;  // mm
  std::size_t vesselVoxels_ = 0;
};

enum class ConstraintMode { Off, Soft, Hard };
ConstraintMode parseConstraintMode(const std::string& name);  // "off", "soft", "hard"

struct VesselConstraint {
  ConstraintMode mode = ConstraintMode::Hard;
  double marginMm = 0.5;     // m
  double softWeight = 10.0;  // λ of the hinge λ·Σ max(0, m − d)²
};

struct Violation {
  int electrode = 0;
  double distanceMm = 0;  // to the nearest vessel
};

// Gray matter: the ribbon between white and pial. A point is inside when its
// offset along the normal of the nearest mid-thickness triangle is within
// half the local thickness there (the white–pial distance interpolated).
class GrayMatterRibbon {
 public:
  explicit GrayMatterRibbon(std::shared_ptr<const CorticalMesh> mesh);
  ~GrayMatterRibbon();
  GrayMatterRibbon(GrayMatterRibbon&&) noexcept;
  GrayMatterRibbon& operator=(GrayMatterRibbon&&) noexcept;
  // Signed excess (mm): ≤ 0 inside the ribbon, > 0 outside by that much;
  // with the nearest mid-thickness surface point when asked.
  double outsideBy(const Eigen::Vector3d& point, SurfacePoint* nearest = nullptr,
                   Eigen::Vector3d* gradient = nullptr) const;
  bool contains(const Eigen::Vector3d& point) const { return outsideBy(point) <= 0; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Threads (Neuralink-like): an insertion point on the pial surface and n
// electrodes on a straight line into cortex at fixed spacing, starting
// `firstDepthMm` below the pial surface, direction within a cone of
// `coneHalfAngleDeg` around the inward normal (−n).
struct ThreadSpec {
  int electrodes = 32;
  double spacingMm = 0.05;
  double firstDepthMm = 0.3;
  double coneHalfAngleDeg = 20;
};

// A thread's free parameters: the sphere direction of its insertion point and
// the tilt (two angles in the tangent plane, radians; |tilt| ≤ cone).
struct ThreadPose {
  Eigen::Vector3d insertion = Eigen::Vector3d::UnitZ();
  Eigen::Vector2d tilt = Eigen::Vector2d::Zero();
};

// Electrode positions (3 × n, mm) of a thread, and the insertion surface point.
Eigen::Matrix3Xd threadElectrodes(const SurfaceChart& chart, const ThreadPose& pose,
                                  const ThreadSpec& spec, SurfacePoint* insertion = nullptr);

}  // namespace nl::analysis::prosthesis
