// Corrected labels saved as HDF5 and zarr read back voxel for voxel through
// the app's own readers, in their stored type, and score the same.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>

#include "analysis/fisbe/Evaluate.h"
#include "analysis/fisbe/VolumeLabels.h"
#include "analysis/fisbe/edit/LabelEdit.h"
#include "io/Error.h"
#include "io/microscopy/Hdf5Volume.h"
#include "io/microscopy/LabelVolumeWriter.h"
#include "tests/proofread/RealLabels.h"

namespace {

using namespace nl::analysis::fisbe;
using namespace nl::analysis::fisbe::edit;
using nl::io::microscopy::VoxelType;

std::shared_ptr<const nl::io::microscopy::VolumeDataset> reopen(const std::filesystem::path& path,
                                                                const std::string& internal) {
  // HDF5 volumes under 64 MB open as arrays of doubles through the registry:
  // read the native volume the way large ones are.
  if (path.extension() == ".h5") return nl::io::microscopy::openHdf5Volume(path, internal);
  auto contents = nl::io::ReaderRegistry::builtin().open(path, internal);
  for (auto& dataset : contents.datasets)
    if (auto v = std::dynamic_pointer_cast<const nl::io::microscopy::VolumeDataset>(dataset))
      return v;
  throw std::runtime_error("nothing read back");
}

TEST(SaveLabels, HdfAndZarrReadBackInTheStoredTypeAndScoreTheSame) {
  NL_REQUIRE_FIXTURE(nl::test::proofread::kPredFile);
  const auto crop = nl::test::proofread::readR14A02Crop();
  auto labels = LabelVolume::fromSource(crop.pred.buffer(LabelType::Int32));
  applyEdit(labels, mergeOperation(3, {2}));
  applyEdit(labels, paintOperation(9, {{10, 20, 30}}, 4.0));
  const auto s = labels.shape();
  nl::io::microscopy::LabelVolumeToWrite out{labels.data(),
                                             VoxelType::Int32,
                                             static_cast<std::size_t>(s.depth),
                                             static_cast<std::size_t>(s.height),
                                             static_cast<std::size_t>(s.width),
                                             {{"proofread_edits", "2"}}};
  nl::test::TempDir dir;
  std::vector<double> fractions;
  nl::io::microscopy::writeLabelVolumeHdf5(dir.path() / "fixed.h5", "volumes/labels", out,
                                           [&](double f) { fractions.push_back(f); });
  EXPECT_EQ(fractions.back(), 1.0);
  nl::io::microscopy::writeLabelVolumeZarr(dir.path() / "fixed.zarr", "volumes/labels", out);
  // Saving again replaces the store whole.
  nl::io::microscopy::writeLabelVolumeZarr(dir.path() / "fixed.zarr", "volumes/labels", out);
  const auto gtSource = crop.gt.buffer(LabelType::UInt8);
  EvaluationOptions options;
  options.threads = 1;
  const auto expected = evaluate(gtSource, labels.buffer(), options);
  for (const auto& [file, internal] :
       {std::pair{dir.path() / "fixed.h5", std::string("volumes/labels")},
        std::pair{dir.path() / "fixed.zarr", std::string("volumes/labels")}}) {
    SCOPED_TRACE(file.string());
    const auto volume = reopen(file, internal);
    EXPECT_EQ(volume->voxelType(), VoxelType::Int32);
    EXPECT_EQ(volume->labelEncoding(), nl::io::microscopy::LabelEncoding::LabelIds);
    const auto values = volume->readChannel<std::int32_t>(0);
    ASSERT_EQ(values.size(), static_cast<std::size_t>(labels.voxelCount()));
    EXPECT_EQ(std::memcmp(values.data(), labels.data(), values.size() * 4), 0);
    const auto scored = evaluate(gtSource, VolumeLabels(*volume), options);
    EXPECT_EQ(scored.score, expected.score);
    EXPECT_EQ(scored.numPred, expected.numPred);
  }
  EXPECT_FALSE(
      std::filesystem::exists(dir.path() / (".fixed.zarr.saving-" + std::to_string(::getpid()))));
}

TEST(SaveLabels, AMissingFolderIsAnErrorNamingIt) {
  LabelVolume labels({2, 2, 2}, LabelType::UInt8);
  nl::io::microscopy::LabelVolumeToWrite out{labels.data(), VoxelType::UInt8, 2, 2, 2, {}};
  try {
    nl::io::microscopy::writeLabelVolumeZarr("/nonexistent/folder/x.zarr", "labels", out);
    FAIL() << "no error";
  } catch (const nl::io::FileError& error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent/folder"), std::string::npos);
  }
  EXPECT_THROW(nl::io::microscopy::writeLabelVolumeHdf5("/nonexistent/folder/x.h5", "labels", out),
               nl::io::FileError);
}

}  // namespace
