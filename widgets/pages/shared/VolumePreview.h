#pragma once
// What the pages that show chunked microscopy volumes share: whether a volume holds labels, and the
// preview a 3D view draws of a volume too big to show whole.
#include <memory>
#include <string>

#include "plugins/Runner.h"

namespace nl::io {
class ArrayDataset;
}
namespace nl::io::microscopy {
class VolumeDataset;
}

namespace nl::widgets {

// The voxels a preview may have (a 3D view of 16 M voxels stays interactive).
inline constexpr std::size_t kPreviewVoxels = std::size_t{16} << 20;

// A task's reporter as the analysis code's progress (one class, in plugins/Runner.h).
using plugins::ReporterProgress;

bool holdsLabels(const io::microscopy::VolumeDataset& volume);

// The 1:step preview of a chunked volume: any label per step³ block for
// labels, block maxima for intensities (thin neurites stay visible), the
// voxels themselves at step 1.
std::shared_ptr<io::ArrayDataset> readVolumePreview(const io::microscopy::VolumeDataset& volume,
                                                    std::size_t step);

}  // namespace nl::widgets
