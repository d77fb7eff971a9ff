// Corrected labels saved as HDF5 and zarr read back voxel for voxel through
// the app's own readers, in their stored type, and score the same.
#include <gtest/gtest.h>
#include <unistd.h>

#include <hdf5.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "analysis/fisbe/Evaluate.h"
#include "analysis/fisbe/VolumeLabels.h"
#include "analysis/fisbe/edit/LabelEdit.h"
#include "io/Error.h"
#include "io/hdf5/H5.h"
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
  nl::io::microscopy::LabelVolumeToWrite out;
  out.data = labels.data();
  out.type = VoxelType::Int32;
  out.z = static_cast<std::size_t>(s.depth);
  out.y = static_cast<std::size_t>(s.height);
  out.x = static_cast<std::size_t>(s.width);
  out.attributes = {{"proofread_edits", "2"}};
  nl::test::TempDir dir;
  std::vector<double> fractions;
  nl::io::microscopy::writeLabelVolume(dir.path() / "fixed.h5", "volumes/labels", out,
                                       [&](double f) { fractions.push_back(f); });
  EXPECT_EQ(fractions.back(), 1.0);
  nl::io::microscopy::writeLabelVolume(dir.path() / "fixed.zarr", "volumes/labels", out);
  // Saving again replaces the array (and only it).
  nl::io::microscopy::writeLabelVolume(dir.path() / "fixed.zarr", "volumes/labels", out);
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
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "fixed.zarr" / "volumes" /
                                       (".labels.saving-" + std::to_string(::getpid()))));
  EXPECT_FALSE(
      std::filesystem::exists(dir.path() / (".fixed.h5.saving-" + std::to_string(::getpid()))));
}

// Labels written beside the raw image keep it: replacing one array of a
// container (twice, so the second write replaces the first) leaves the
// others, their attributes and the groups' attributes as they were.
TEST(SaveLabels, ReplacingTheLabelsKeepsTheRestOfTheContainer) {
  nl::test::TempDir dir;
  std::vector<std::uint16_t> raw(2 * 3 * 4 * 5);
  for (std::size_t q = 0; q < raw.size(); ++q) raw[q] = static_cast<std::uint16_t>(q * 7 + 1);
  nl::io::microscopy::LabelVolumeToWrite image;
  image.data = raw.data();
  image.type = VoxelType::UInt16;
  image.channels = 2;
  image.z = 3;
  image.y = 4;
  image.x = 5;
  image.attributes = {{"seed", "4"}};
  std::vector<std::uint8_t> first(3 * 4 * 5, 1), second(3 * 4 * 5, 0);
  second[17] = 9;
  for (const char* name : {"c.h5", "c.zarr"}) {
    SCOPED_TRACE(name);
    const auto container = dir.path() / name;
    nl::io::microscopy::writeLabelVolume(container, "volumes/raw", image);
    if (container.extension() == ".h5") {
      // An attribute on the group, as FISBe files carry.
      const hid_t file = H5Fopen(container.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
      ASSERT_GE(file, 0);
      const hid_t group = H5Gopen2(file, "volumes", H5P_DEFAULT);
      const hid_t space = H5Screate(H5S_SCALAR);
      const hid_t attribute =
          H5Acreate2(group, "resolution", H5T_NATIVE_INT, space, H5P_DEFAULT, H5P_DEFAULT);
      const int value = 42;
      H5Awrite(attribute, H5T_NATIVE_INT, &value);
      H5Aclose(attribute);
      H5Sclose(space);
      H5Gclose(group);
      H5Fclose(file);
    }
    for (auto* labels : {&first, &second}) {
      nl::io::microscopy::LabelVolumeToWrite out;
      out.type = VoxelType::UInt8;
      out.z = 3;
      out.y = 4;
      out.x = 5;
      // Through the plane callback, as a volume never held whole is written.
      out.planes = [&](std::size_t c, std::size_t z0, std::size_t z1, void* to) {
        EXPECT_EQ(c, 0u);
        std::memcpy(to, labels->data() + z0 * 20, (z1 - z0) * 20);
      };
      nl::io::microscopy::writeLabelVolume(container, "volumes/labels", out);
    }
    const auto back = reopen(container, "volumes/labels");
    EXPECT_EQ(back->readChannel<std::uint8_t>(0), second);
    const auto rawBack = reopen(container, "volumes/raw");
    EXPECT_EQ(rawBack->volumeShape().channels, 2u);
    EXPECT_EQ(rawBack->readChannel<std::uint16_t>(1),
              std::vector<std::uint16_t>(raw.begin() + 60, raw.end()));
    if (container.extension() == ".h5") {
      const auto file = nl::io::h5::File::openReadOnly(container);
      const auto volumes = file.root().openGroup("volumes");
      EXPECT_TRUE(volumes.hasAttribute("resolution"));
      EXPECT_GT(H5Aexists_by_name(volumes.id(), "raw", "seed", H5P_DEFAULT), 0);
    } else {
      std::ifstream attributes(container / "volumes" / "raw" / ".zattrs");
      const std::string text((std::istreambuf_iterator<char>(attributes)), {});
      EXPECT_NE(text.find("\"seed\": 4"), std::string::npos) << text;
    }
  }
}

TEST(SaveLabels, AMissingFolderIsAnErrorNamingIt) {
  LabelVolume labels({2, 2, 2}, LabelType::UInt8);
  nl::io::microscopy::LabelVolumeToWrite out;
  out.data = labels.data();
  out.type = VoxelType::UInt8;
  out.z = out.y = out.x = 2;
  for (const char* target : {"/nonexistent/folder/x.zarr", "/nonexistent/folder/x.h5"}) {
    try {
      nl::io::microscopy::writeLabelVolume(target, "labels", out);
      FAIL() << "no error";
    } catch (const nl::io::FileError& error) {
      EXPECT_NE(std::string(error.what()).find("/nonexistent/folder"), std::string::npos);
    }
  }
  EXPECT_THROW(nl::io::microscopy::writeLabelVolume("x.tif", "labels", out), std::invalid_argument);
}

}  // namespace
