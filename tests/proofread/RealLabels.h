#pragma once
// Crops of the real FISBe fixtures the proofreading tests edit: the R14A02
// ground truth (7 neurons, one channel each) and Duan et al.'s prediction
// (gmm_label_cleaned, int32 ids), read through the app's own readers.
#include <memory>
#include <string>
#include <vector>

#include "analysis/fisbe/Instances.h"
#include "io/ReaderRegistry.h"
#include "io/microscopy/VolumeDataset.h"
#include "tests/support/TestSupport.h"

namespace nl::test::proofread {

inline constexpr const char* kGtStore = "zarr/R14A02-20180905_65_A6.zarr";
inline constexpr const char* kPredFile = "zarr/R14A02-20180905_65_A6_pred.hdf";
inline constexpr const char* kRawCrop = "fisbe_raw/JRC_SS05008-20160318_24_B2_crop.zarr";

inline std::shared_ptr<const io::microscopy::VolumeDataset> openVolume(
    const std::string& relative, const std::string& internal) {
  auto contents = io::ReaderRegistry::builtin().open(fixtures() / relative, internal);
  for (auto& dataset : contents.datasets)
    if (auto volume = std::dynamic_pointer_cast<const io::microscopy::VolumeDataset>(dataset))
      if (volume->name() == internal || volume->name() == "/" + internal) return volume;
  throw std::runtime_error("no volume " + internal + " in " + relative);
}

// Channels × box of a label volume in its own type, as a LabelBuffer source.
template <typename T>
struct Crop {
  std::vector<T> values;
  analysis::fisbe::Shape3 shape;
  std::int64_t channels = 1;
  analysis::fisbe::LabelBuffer buffer(analysis::fisbe::LabelType type) const {
    return {values.data(), type, channels, shape};
  }
};

template <typename T>
Crop<T> readCrop(const io::microscopy::VolumeDataset& volume, std::size_t z0, std::size_t z1,
                 std::size_t y0, std::size_t y1, std::size_t x0, std::size_t x1) {
  const auto channels = volume.volumeShape().channels;
  Crop<T> crop;
  crop.values = volume.read<T>({0, channels, z0, z1, y0, y1, x0, x1});
  crop.shape = {static_cast<std::int64_t>(z1 - z0), static_cast<std::int64_t>(y1 - y0),
                static_cast<std::int64_t>(x1 - x0)};
  crop.channels = static_cast<std::int64_t>(channels);
  return crop;
}

// The test crop of R14A02: z 56–184, y 276–500, x 308–532 (6.4 M voxels),
// where predictions 1, 2 and 3 (≈ 1.4 k, 16 k, 35 k voxels here) run along
// several neurons.
struct R14A02Crop {
  Crop<std::uint8_t> gt;
  Crop<std::int32_t> pred;
};
inline R14A02Crop readR14A02Crop() {
  const auto gt = openVolume(kGtStore, "volumes/gt_instances");
  const auto pred = openVolume(kPredFile, "volumes/gmm_label_cleaned");
  return {readCrop<std::uint8_t>(*gt, 56, 184, 276, 500, 308, 532),
          readCrop<std::int32_t>(*pred, 56, 184, 276, 500, 308, 532)};
}

}  // namespace nl::test::proofread
