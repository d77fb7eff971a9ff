#pragma once
// Instance segmentation of multicolour (MCFO) light-microscopy volumes of
// neurons: 3 colour channels (c, z, y, x) in, one label id per voxel out.
//
// Two methods share one chunked driver (blocks with halos, supervoxels per
// block, one supervoxel graph for the volume, labels stitched through it):
// - Baseline: Duan et al.'s colour clustering as run for FISBe (clip + scale,
//   per-channel denoising, grey > 0.2, distance-transform watershed
//   supervoxels, spatial / CIE Luv links, exp(−1e-4 d²) affinities, a
//   Gaussian mixture on the affinity rows with BIC, connected pieces joined
//   within 20 voxels).
// - Tubular (ours): background and noise modelled per channel, foreground in
//   noise units plus multi-scale Hessian vesselness for dim neurites,
//   colour-coherent supervoxels on a fixed grid (so blocked and unblocked runs
//   agree voxel for voxel), merging along the neurite by colour continuity,
//   gap bridging along the tube direction, small fragments absorbed.
// docs/SEGMENTATION.md describes both and the numbers they reach.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "analysis/segmentation/Filters.h"

namespace nl::io::microscopy {
class VolumeDataset;
}
namespace nl::analysis {
class Progress;
}

namespace nl::analysis::segmentation {

enum class Method { Baseline, Tubular };

struct SegmentOptions {
  Method method = Method::Tubular;
  // Both methods.
  double clip = 1500;              // raw values above are clipped (FISBe/PatchPerPix: 1500)
  std::int64_t removeSmall = 800;  // instances with at most this many voxels are removed
  std::int64_t blockZ = 96, blockY = 192, blockX = 192;  // block core (rounded up to cells)
  unsigned threads = 0;                                  // 0: one per core
  std::uint64_t seed = 1;                                // GMM start (baseline)
  double denoiseSigma = 1.0;                             // Gaussian substitute for BM4D, voxels

  // Baseline (Duan et al.).
  double foregroundGrey = 0.2;  // 0.2125 R + 0.7154 G + 0.0721 B of the scaled image
  int seedMinDistance = 5;      // local maxima of the distance transform
  double linkGap = 3;           // supervoxels closer than this (voxels) are linked
  double linkLuv = 8;           // … or with CIE Luv colour distance below this
  int colourNeighbours = 10;    // colour links kept per supervoxel (nearest in Luv)
  double affinityScale = 1e-4;  // affinity exp(−scale · d²)
  int minClusters = 2, maxClusters = 10;
  double joinDistance = 20;  // pieces of one cluster closer than this are joined

  // Tubular (ours).
  double foregroundSnr = 3.5;            // smoothed brightest channel, in noise units
  double seedSnr = 7;                    // an instance needs one supervoxel this bright
  double dimSnr = 2.0;                   // dimmer voxels count when they are tubular …
  double vesselness = 0.25;              // … with Frangi vesselness at least this
  std::vector<double> scales{1.0, 2.0};  // Hessian scales σ (voxels)
  int cell = 8;                          // supervoxel grid cell (voxels)
  double voxelAngle = 0.35;    // neighbouring voxels in one supervoxel: colour angle (rad) below
  double mergeAngle = 0.22;    // clusters merged along contacts: colour angle below
  double bridgeGap = 12;       // gap bridging: supervoxel centroids at most this far apart …
  double bridgeCosine = 0.85;  // … along both tube directions (|cos| at least)
  std::int64_t absorbBelow = 300;  // smaller clusters join their most-touching neighbour
  // Crossings (MCFO neurons overlap): a cluster of at most overlapBelow voxels
  // whose mean colour is a mix of two touching clusters' colours (each with at
  // least overlapShare of it, fitted within mergeAngle, and each part alone
  // at least foregroundSnr bright) joins the tube with the larger part, the
  // pieces of either colour that touch it join through it, and its voxels
  // that are such a mix themselves belong to both. 0: off.
  double overlapShare = 0.2;
  std::int64_t overlapBelow = 3000;
  double instanceVesselness = 0.08;  // an instance's mean vesselness at least this
};

struct SegmentResult {
  Extent extent;
  std::vector<std::uint32_t> labels;  // [z][y][x], 0 background, 1..instances
  // Voxels that belong to another instance as well (crossings): (flat voxel
  // index, that instance), sorted, unique; labels[voxel] is the first.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> overlaps;
  std::int64_t instances = 0;
  std::int64_t supervoxels = 0;
  std::int64_t foregroundVoxels = 0;
  std::map<std::string, double> diagnostics;  // e.g. "gmm_components", "noise_r"
};

// The planes [z0, z1) of instance `instance`'s mask (1 inside, 0 outside;
// crossing voxels are inside both of their instances): FISBe's one channel
// per instance, made a slab at a time.
void instanceMask(const SegmentResult& result, std::uint32_t instance, std::int64_t z0,
                  std::int64_t z1, std::uint8_t* out);

// Segments a 3-channel volume (any voxel type). Throws std::invalid_argument
// naming the volume when it has not 3 channels; read errors (FileError)
// propagate; analysis::Cancelled when `progress` asks to stop.
SegmentResult segmentNeurons(const io::microscopy::VolumeDataset& volume,
                             const SegmentOptions& options, Progress* progress = nullptr);

// The options as JSON-like text for provenance and logs.
std::string describe(const SegmentOptions& options);

}  // namespace nl::analysis::segmentation
