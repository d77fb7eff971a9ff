// Bounded resources (#18): every cache takes its byte cap from
// io/ResourceLimits, and holds to it when filled beyond it; an array larger
// than the in-memory cap is refused with its size named instead of read.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <string>

#include "io/Error.h"
#include "io/ReaderRegistry.h"
#include "io/ResourceLimits.h"
#include "io/hdf5/MetadataProbe.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"
#include "tests/tools/AllenNwbGenerator.h"

namespace nl::io {
namespace {

using test::TempDir;

// Sets caps for one test and puts the previous ones back.
class LimitsScope {
 public:
  explicit LimitsScope(const ResourceLimits& limits) : previous_(resourceLimits()) {
    setResourceLimits(limits);
  }
  ~LimitsScope() { setResourceLimits(previous_); }

 private:
  ResourceLimits previous_;
};

TEST(ResourceLimits, EveryCapHasOneSettingsKeyAndEnvironmentVariable) {
  std::set<std::string> keys, names;
  std::vector<std::size_t ResourceLimits::*> members;
  for (const auto& field : resourceLimitFields()) {
    EXPECT_TRUE(keys.insert(field.settingsKey).second) << field.settingsKey;
    EXPECT_TRUE(names.insert(field.environment).second) << field.environment;
    EXPECT_EQ(std::count(members.begin(), members.end(), field.member), 0) << field.settingsKey;
    members.push_back(field.member);
    EXPECT_TRUE(std::string(field.settingsKey).ends_with("MB")) << field.settingsKey;
    EXPECT_TRUE(std::string(field.environment).starts_with("NEUROLOUPE_")) << field.environment;
  }
  EXPECT_EQ(members.size(), sizeof(ResourceLimits) / sizeof(std::size_t))
      << "a cap without a settings key";

  ResourceLimits limits;
  limits.volumeChunkCacheBytes = 12345;
  {
    LimitsScope scope(limits);
    EXPECT_EQ(resourceLimits().volumeChunkCacheBytes, 12345u);
    limits.maxArrayBytes = 0;
    setResourceLimits(limits);
    EXPECT_GT(maxArrayBytes(), std::size_t{1} << 20) << "0: half of the physical memory";
  }
  EXPECT_EQ(resourceLimits().volumeChunkCacheBytes, defaultResourceLimits().volumeChunkCacheBytes);
}

// A recording made after the cap is set keeps at most that many bytes of
// trains, however many units are read, and hands out the right spikes.
TEST(ResourceLimits, SpikeTrainCacheOfANewRecordingHoldsToTheCap) {
  TempDir dir;
  test::AllenNwbSpec spec;
  spec.probes = 1;
  spec.unitsPerProbe = 40;
  spec.durationSeconds = 200;
  spec.waveforms = false;
  spec.amplitudes = false;
  spec.seed = 3;
  const auto truth = test::writeAllenShapedNwb(dir / "s.nwb", spec);
  ResourceLimits limits = resourceLimits();
  limits.spikeTrainCacheBytes = 48 * 1024;
  LimitsScope scope(limits);
  std::shared_ptr<const SpikeRecording> recording;
  const auto contents = ReaderRegistry::builtin().open(dir / "s.nwb");
  for (const auto& d : contents.datasets)
    if (auto r = std::dynamic_pointer_cast<const SpikeRecording>(d)) recording = r;
  ASSERT_TRUE(recording);
  EXPECT_EQ(recording->cacheStats().limitBytes, limits.spikeTrainCacheBytes);
  std::size_t largest = 0;
  for (int pass = 0; pass < 2; ++pass)
    for (std::size_t u = 0; u < recording->unitCount(); ++u) {
      const auto train = recording->spikesOfUnit(u);
      largest = std::max(largest, train.size() * sizeof(double));
      if (!train.empty()) {
        EXPECT_EQ(train.front(), truth.firstSpike[u]);
        EXPECT_EQ(train.back(), truth.lastSpike[u]);
      }
      EXPECT_LE(recording->cacheStats().cachedBytes,
                std::max(limits.spikeTrainCacheBytes, largest));
    }
  EXPECT_LT(recording->cacheStats().cachedUnits, recording->unitCount());
}

void writeSmallHdf5(const std::filesystem::path& path, int value) {
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hsize_t dims[1] = {1};
  const hid_t space = H5Screate_simple(1, dims, nullptr);
  const hid_t dataset =
      H5Dcreate2(file, "x", H5T_NATIVE_INT, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(dataset, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value);
  H5Dclose(dataset);
  H5Sclose(space);
  H5Fclose(file);
}

TEST(ResourceLimits, Hdf5ProbeVerdictsStayWithinTheirCap) {
  if (h5::probeProgram().empty()) GTEST_SKIP() << "neuroloupe-h5probe is not built here";
  ResourceLimits limits = resourceLimits();
  limits.hdf5ProbeVerdictCacheBytes = 600;  // a few verdicts of ~100 bytes
  LimitsScope scope(limits);
  TempDir dir;
  for (int i = 0; i < 24; ++i) {
    const auto path = dir / ("f" + std::to_string(i) + ".h5");
    writeSmallHdf5(path, i);
    const auto contents = ReaderRegistry::builtin().open(path);
    ASSERT_EQ(contents.datasets.size(), 1u);
    const auto stats = h5::probeVerdictCacheStats();
    EXPECT_LE(stats.bytes, limits.hdf5ProbeVerdictCacheBytes);
    EXPECT_GE(stats.verdicts, 1u) << "the newest verdict is kept";
  }
  EXPECT_LT(h5::probeVerdictCacheStats().verdicts, 24u);
  // A file whose verdict was dropped is probed again and still opens.
  EXPECT_EQ(ReaderRegistry::builtin().open(dir / "f0.h5").datasets.size(), 1u);
}

// The case: a 1.4 KB HDF5 file declaring an unwritten 2 GiB 2-D
// dataset took 6.2 GB in stats.descriptive. Now the array stays lazy, and
// reading it whole is refused before anything is allocated, naming the file
// and the size.
TEST(ResourceLimits, AnArrayLargerThanTheCapIsRefusedNamingItsSize) {
  TempDir dir;
  const auto path = dir / "unwritten.h5";
  {
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t dims[2] = {32768, 32768}, chunk[2] = {1024, 1024};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    const hid_t dataset =
        H5Dcreate2(file, "big", H5T_NATIVE_USHORT, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dclose(dataset);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(file);
  }
  EXPECT_LT(std::filesystem::file_size(path), 64u * 1024u);
  ResourceLimits limits = resourceLimits();
  limits.maxArrayBytes = std::size_t{1} << 30;
  LimitsScope scope(limits);
  const auto contents = ReaderRegistry::builtin().open(path);
  ASSERT_EQ(contents.datasets.size(), 1u);
  const auto array = std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets[0]);
  ASSERT_TRUE(array) << "a 2-D dataset is an array";
  EXPECT_FALSE(array->isLoaded());
  const auto error = test::fileErrorOf([&] { (void)array->values(); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path(), path.string());
  EXPECT_NE(error->reason().find("8 GiB"), std::string::npos) << error->what();
  EXPECT_NE(error->reason().find("memory/maxArrayMB"), std::string::npos) << error->what();
  EXPECT_FALSE(array->isLoaded());

  // Through a plugin that needs the whole array: the run fails with that message.
  const auto& plugins = test::sharedPlugins();
  const auto* descriptor = plugins.find("stats.descriptive");
  ASSERT_TRUE(descriptor && descriptor->loaded);
  plugins::RunRequest request{
      "stats.descriptive", {{"data", array}}, descriptor->parameters.parse({}), "test"};
  plugins::ProgressReporter quiet;
  try {
    (void)plugins::runPlugin(plugins, request, quiet);
    ADD_FAILURE() << "stats.descriptive read an 8 GiB array";
  } catch (const std::exception& failure) {
    EXPECT_NE(std::string(failure.what()).find("unwritten.h5"), std::string::npos)
        << failure.what();
    EXPECT_NE(std::string(failure.what()).find("8 GiB"), std::string::npos) << failure.what();
  }

  // An array within the cap loads as before; a lazy one is never asked to load.
  bool loaded = false;
  const ArrayDataset small(DatasetKind::Array, "small", {4, 2}, ArrayDataset::Loader([&loaded] {
                             loaded = true;
                             return std::vector<double>(8, 1.0);
                           }));
  EXPECT_EQ(small.values().size(), 8u);
  EXPECT_TRUE(loaded);
  bool huge = false;
  const ArrayDataset tooLarge(DatasetKind::Array, "too large", {std::size_t{1} << 40, 16},
                              ArrayDataset::Loader([&huge] {
                                huge = true;
                                return std::vector<double>();
                              }));
  EXPECT_THROW((void)tooLarge.values(), std::runtime_error);
  EXPECT_FALSE(huge) << "the loader must not run";
}

}  // namespace
}  // namespace nl::io
