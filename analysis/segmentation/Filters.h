#pragma once
// The few 3-D filters the neuron segmentation needs, written here instead of
// pulling in ITK (its compile cost on a 2-core machine outweighs the ~400
// lines below): separable Gaussian blur, cubic maximum filter, exact
// Euclidean distance transform (Felzenszwalb & Huttenlocher 2012), seeded
// watershed (Meyer's flooding, as skimage.segmentation.watershed) and the
// Hessian eigen-analysis behind Frangi's vesselness. Volumes are C order
// [z][y][x].
#include <array>
#include <cstdint>
#include <vector>

namespace nl::analysis::segmentation {

struct Extent {
  std::int64_t z = 0, y = 0, x = 0;
  std::int64_t voxels() const { return z * y * x; }
  std::int64_t index(std::int64_t k, std::int64_t j, std::int64_t i) const {
    return (k * y + j) * x + i;
  }
  bool operator==(const Extent&) const = default;
};

// Gaussian blur in place with per-axis sigma (voxels; 0 leaves that axis),
// kernel truncated at ceil(3 sigma), borders replicated. Each output voxel is
// computed from the same inputs in the same order wherever the volume is cut,
// so a block with a halo of kernelRadius() per pass gives identical values.
void gaussianBlur(std::vector<float>& values, Extent extent, std::array<double, 3> sigmaZYX);
int gaussianRadius(double sigma);

// Maximum over the (2r+1)^3 cube around each voxel (borders: the cube is cut).
std::vector<float> maximumFilter(const std::vector<float>& values, Extent extent, int radius);

// Euclidean distance (in voxels) from each foreground voxel (mask != 0) to the
// nearest background voxel; background voxels get 0. Voxels outside the
// volume count as foreground (as scipy's distance_transform_edt).
std::vector<float> distanceTransform(const std::vector<std::uint8_t>& mask, Extent extent);

// Seeded watershed of `elevation` from `markers` (0 = unlabelled) inside
// `mask`, 26-connected; ties are flooded in the order voxels were reached.
std::vector<std::uint32_t> watershed(const std::vector<float>& elevation,
                                     std::vector<std::uint32_t> markers,
                                     const std::vector<std::uint8_t>& mask, Extent extent);

// The Hessian of a (smoothed) volume at voxel (k, j, i) by central differences
// (one-sided at the border), times `scale` (σ² for scale normalisation), and
// its eigen-analysis: eigenvalues sorted by magnitude |λ1| ≤ |λ2| ≤ |λ3| and
// the eigenvector of λ1 (along a tube).
struct HessianEigen {
  std::array<float, 3> lambda{};
  std::array<float, 3> axis{};  // z, y, x components of the λ1 eigenvector
};
HessianEigen hessianEigen(const std::vector<float>& smoothed, Extent extent, std::int64_t k,
                          std::int64_t j, std::int64_t i, float scale);

// Frangi et al. 1998 vesselness of bright tubes (0 unless λ2, λ3 < 0):
// (1 − exp(−Ra²/2α²)) · exp(−Rb²/2β²) · (1 − exp(−S²/2c²)).
float frangiVesselness(const HessianEigen& eigen, float alpha, float beta, float c);

}  // namespace nl::analysis::segmentation
