#include "widgets/pages/shared/VolumePreview.h"

#include "io/microscopy/VolumeDataset.h"

namespace nl::widgets {

bool holdsLabels(const io::microscopy::VolumeDataset& volume) {
  return volume.labelEncoding() != io::microscopy::LabelEncoding::None;
}

std::shared_ptr<io::ArrayDataset> readVolumePreview(const io::microscopy::VolumeDataset& volume,
                                                    std::size_t step) {
  // Block maxima (intensity) or any label per block: thin neurites stay
  // visible at 1:4, where every step-th voxel would mostly miss them.
  if (holdsLabels(volume)) return io::microscopy::toLabelIdArrayPooled(volume, step);
  return step == 1 ? io::microscopy::toArrayDataset(volume, step)
                   : io::microscopy::toArrayDatasetMaxPooled(volume, step);
}

}  // namespace nl::widgets
