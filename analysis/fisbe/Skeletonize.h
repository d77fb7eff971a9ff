#pragma once
// 3-D thinning of Lee, Kashyap & Chu (1994), "Building skeleton models via 3-D
// medial surface/axis thinning algorithms" (CVGIP 56(6):462-478), in the form
// scikit-image implements it (skimage.morphology.skeletonize for 3-D input,
// after Arganda-Carreras' Skeletonize3D for ImageJ). The FISBe evaluation's
// clDice is defined on these skeletons, so the result has to equal
// scikit-image's voxel for voxel, including the order in which simple points
// are visited and deleted.
#include <cstdint>
#include <span>
#include <vector>

namespace nl::analysis::fisbe {

// Which scikit-image implementation the thinning must agree with. The long-
// standing one (from 0.12 until PR #7718; Debian 12 ships 0.19.3, and the
// published FISBe numbers were made with it) visits the six border directions
// as W, E, S, N, U, B and, in the sequential re-check, only asks whether a
// candidate is still simple. The revision of scikit-image PR #7718 visits
// W, S, U, E, N, B and re-checks Euler invariance and the end-point rule too
// (it keeps thin plates and 4-voxel-wide columns that the old one erased).
enum class ThinningVariant { Skimage019, Skimage026 };

struct ThinningOptions {
  ThinningVariant variant = ThinningVariant::Skimage019;
  // scikit-image handles a 2-D image (one z plane in the full volume) with the
  // four in-plane directions only. This depends on the whole image, not on a
  // crop of it, so callers that thin a crop say so here.
  bool singlePlaneImage = false;
};

// Thins `volume` in place. It is z × y × x in C order and must have a zero
// border of one voxel on every side (nothing is read outside it); non-zero
// voxels are foreground. On return foreground voxels are 1, the rest 0.
void thinPaddedVolume(std::span<std::uint8_t> volume, std::int64_t depth, std::int64_t height,
                      std::int64_t width, const ThinningOptions& options = {});

// Skeleton of a binary z × y × x volume (C order, any non-zero is foreground),
// as scikit-image's skeletonize returns it: 1 on the skeleton, 0 elsewhere.
// A depth of 1 is treated as a 2-D image, as scikit-image does.
std::vector<std::uint8_t> skeletonize(std::span<const std::uint8_t> volume, std::int64_t depth,
                                      std::int64_t height, std::int64_t width,
                                      ThinningVariant variant = ThinningVariant::Skimage019);

}  // namespace nl::analysis::fisbe
