#pragma once
// Chunked label volumes as the FISBe code reads them (slab by slab in their
// native type), and the per-instance table the microscopy views show.
#include <memory>

#include "analysis/fisbe/Instances.h"
#include "io/Dataset.h"
#include "io/microscopy/VolumeDataset.h"

namespace nl::analysis {
class Progress;
}

namespace nl::analysis::fisbe {

// A VolumeDataset read a chunk-aligned slab of z-planes at a time.
class VolumeLabels final : public analysis::fisbe::LabelSource {
 public:
  explicit VolumeLabels(const io::microscopy::VolumeDataset& volume);
  std::int64_t channels() const override;
  analysis::fisbe::Shape3 shape() const override;
  void readPlanes(
      std::int64_t channel, std::int64_t zBegin, std::int64_t zEnd,
      const std::function<void(const analysis::fisbe::PlaneBlock&)>& consume) const override;
  // All channels of one chunk layer at a time, decoded once and not cached.
  void readAllChannels(std::int64_t zBegin, std::int64_t zEnd,
                       const std::function<void(std::int64_t, const analysis::fisbe::PlaneBlock&)>&
                           consume) const override;

 private:
  const io::microscopy::VolumeDataset& volume_;
  analysis::fisbe::LabelType type_;
};

// One row per instance of a label volume at full resolution: the label the
// preview views show (channel + 1 for one-channel-per-instance volumes, else
// the id), channel, voxels, bounding box, skeleton voxels (Lee '94 thinning,
// as the FISBe metrics) and the skeleton's length as a curve in the voxel
// unit (analysis/fisbe/SkeletonLength.h). Attribute "instances_of" holds
// the volume's dataset id.
std::shared_ptr<io::TableDataset> instanceTable(const io::microscopy::VolumeDataset& volume,
                                                analysis::Progress* progress = nullptr);

}  // namespace nl::analysis::fisbe
