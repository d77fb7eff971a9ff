// The recording path on Allen-shaped NWB files (tests/tools): opening reads
// tables and indexes only, the time range reads a few bytes per unit, spike
// times come back exact from contiguous, chunked and gzip files, and the mean
// waveforms and per-spike amplitudes equal what the generator wrote.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>

#include "analysis/ephys/Waveforms.h"
#include "io/ReaderRegistry.h"
#include "tests/support/TestSupport.h"
#include "tests/tools/AllenNwbGenerator.h"

namespace {

using nl::io::SpikeRecording;
using nl::test::SpikeStorage;

struct Session {
  nl::test::TempDir dir;
  std::filesystem::path path;
  nl::test::AllenNwbTruth truth;
  std::shared_ptr<const SpikeRecording> recording;
};

nl::test::AllenNwbSpec smallSpec(SpikeStorage storage) {
  nl::test::AllenNwbSpec spec;
  spec.probes = 2;
  spec.unitsPerProbe = 12;
  spec.durationSeconds = 300;
  spec.meanRateHz = 8;
  spec.seed = 11;
  spec.spikeStorage = storage;
  spec.chunkElements = 4096;  // many chunks, units straddling them
  return spec;
}

std::shared_ptr<const SpikeRecording> openRecording(const std::filesystem::path& path) {
  const auto contents = nl::io::ReaderRegistry::builtin().open(path);
  for (const auto& d : contents.datasets)
    if (auto r = std::dynamic_pointer_cast<const SpikeRecording>(d)) return r;
  return nullptr;
}

std::unique_ptr<Session> make(SpikeStorage storage) {
  auto s = std::make_unique<Session>();
  s->path = s->dir / "allen.nwb";
  s->truth = nl::test::writeAllenShapedNwb(s->path, smallSpec(storage));
  s->recording = openRecording(s->path);
  return s;
}

// Bytes this process has asked the kernel to read (any file), from /proc/self/io.
std::uint64_t processReadChars() {
  std::ifstream io("/proc/self/io");
  std::string key;
  std::uint64_t value = 0;
  while (io >> key >> value)
    if (key == "rchar:") return value;
  return 0;
}

class AllStorages : public ::testing::TestWithParam<SpikeStorage> {};

TEST_P(AllStorages, SpikesAndTimeRangeEqualWhatWasWritten) {
  const auto s = make(GetParam());
  ASSERT_TRUE(s->recording);
  const auto& r = *s->recording;
  EXPECT_EQ(r.cacheStats().bytesRead, 0u) << "opening must not read spike times";
  EXPECT_EQ(r.cacheStats().rangeReads, 0u);
  double lo = INFINITY, hi = -INFINITY;
  for (std::size_t u = 0; u < r.unitCount(); ++u) {
    const auto [first, last] = r.firstAndLastSpike(u);
    EXPECT_EQ(first, s->truth.firstSpike[u]) << "unit " << u;
    EXPECT_EQ(last, s->truth.lastSpike[u]) << "unit " << u;
    lo = std::min(lo, first);
    hi = std::max(hi, last);
  }
  EXPECT_EQ(r.timeRange(), std::make_pair(lo, hi));
  double sum = 0;
  for (std::size_t u = 0; u < r.unitCount(); ++u) {
    const auto train = r.spikesOfUnit(u);
    ASSERT_EQ(train.size(), r.spikeCountOfUnit(u));
    sum = std::accumulate(train.begin(), train.end(), sum);
  }
  EXPECT_EQ(sum, s->truth.spikeTimeSum) << "every spike, bit for bit, in file order";
  const auto all = r.allSpikeTimes();
  EXPECT_EQ(std::accumulate(all.begin(), all.end(), 0.0), s->truth.spikeTimeSum);
  // A window of every unit equals the cut of the whole train.
  const auto fresh = openRecording(s->path);
  for (std::size_t u = 0; u < r.unitCount(); ++u) {
    const auto window = fresh->spikesInWindow(u, 100.0, 101.0);
    const auto train = r.spikesOfUnit(u);
    const auto expected =
        static_cast<std::size_t>(std::lower_bound(train.begin(), train.end(), 101.0) -
                                 std::lower_bound(train.begin(), train.end(), 100.0));
    EXPECT_EQ(window.size(), expected) << "unit " << u;
  }
}

TEST_P(AllStorages, AllTrainsEqualWhatWasWrittenAndAContiguousFileIsNotCopied) {
  const auto s = make(GetParam());
  ASSERT_TRUE(s->recording);
  const auto& r = *s->recording;
  EXPECT_TRUE(r.summary()["time_range_s"].is_null()) << "the summary must not probe spikes";
  EXPECT_EQ(r.cacheStats().bytesRead, 0u);
  const auto trains = r.allTrains();
  ASSERT_EQ(trains.size(), r.unitCount());
  double sum = 0;
  for (std::size_t u = 0; u < trains.size(); ++u) {
    ASSERT_EQ(trains[u].size(), r.spikeCountOfUnit(u));
    if (!trains[u].empty()) {
      EXPECT_EQ(trains[u].front(), s->truth.firstSpike[u]) << "unit " << u;
      EXPECT_EQ(trains[u].back(), s->truth.lastSpike[u]) << "unit " << u;
    }
    sum = std::accumulate(trains[u].begin(), trains[u].end(), sum);
  }
  EXPECT_EQ(sum, s->truth.spikeTimeSum) << "every spike, bit for bit, in file order";
  if (GetParam() == SpikeStorage::Contiguous)
    EXPECT_EQ(r.cacheStats().bytesRead, 0u) << "contiguous float64 trains are views of a mapping";
  else if (GetParam() == SpikeStorage::Chunked)
    EXPECT_EQ(r.cacheStats().bytesRead, 0u) << "back-to-back chunks are mapped like contiguous";
  else
    EXPECT_GT(r.cacheStats().bytesRead, 0u) << "gzip trains are read";
  (void)r.timeRange();
  EXPECT_EQ(r.summary()["time_range_s"][0],
            *std::min_element(s->truth.firstSpike.begin(), s->truth.firstSpike.end()));
}

TEST_P(AllStorages, WaveformsAndAmplitudesEqualWhatWasWritten) {
  const auto s = make(GetParam());
  const auto& r = *s->recording;
  ASSERT_TRUE(r.hasWaveforms());
  ASSERT_TRUE(r.hasAmplitudes());
  for (std::size_t u = 0; u < r.unitCount(); ++u) {
    const auto w = r.waveformMean(u);
    ASSERT_EQ(w.samples, 82u);
    ASSERT_EQ(w.channels, 384u);
    EXPECT_EQ(w.samplingRateHz, 30000.0);
    EXPECT_EQ(w.unit, "volts");
    EXPECT_EQ(w.toMicrovolts, 1e6);
    double sum = 0;
    for (float v : w.values) sum += v;
    EXPECT_EQ(sum, s->truth.waveformSum[u]) << "unit " << u;
    const auto f = nl::analysis::ephys::waveformFeatures(w);
    EXPECT_EQ(f.peakChannel, s->truth.peakSite[u]) << "unit " << u;
    const auto amplitudes = r.amplitudesOfUnit(u);
    ASSERT_EQ(amplitudes.size(), r.spikeCountOfUnit(u));
    if (amplitudes.empty()) continue;
    EXPECT_EQ(amplitudes.front(), static_cast<float>(s->truth.firstAmplitude[u]));
    const double total = std::accumulate(amplitudes.begin(), amplitudes.end(), 0.0);
    EXPECT_NEAR(total, s->truth.amplitudeSum[u], 1e-6 * s->truth.amplitudeSum[u]);
  }
  nl::analysis::NullProgress progress;
  const auto columns = nl::analysis::ephys::derivedWaveformColumns(r, progress);
  // Allen's table has peak_channel_id and amplitude; the duration is derived.
  ASSERT_EQ(columns.size(), 1u);
  EXPECT_EQ(columns[0].name, "waveform_duration_ms");
  for (double ms : columns[0].numbers()) {
    // The generator plants 0.3 ms (fast-spiking) or 0.7 ms troughs-to-peaks.
    EXPECT_TRUE(std::abs(ms - 0.3) < 0.05 || std::abs(ms - 0.7) < 0.05) << ms;
  }
}

INSTANTIATE_TEST_SUITE_P(Storage, AllStorages,
                         ::testing::Values(SpikeStorage::Contiguous, SpikeStorage::Chunked,
                                           SpikeStorage::Gzip),
                         [](const auto& param) {
                           switch (param.param) {
                             case SpikeStorage::Contiguous:
                               return std::string("contiguous");
                             case SpikeStorage::Chunked:
                               return std::string("chunked");
                             case SpikeStorage::Gzip:
                               return std::string("gzip");
                           }
                           return std::string();
                         });

TEST(RecordingPath, TimeRangeReadsAFewBytesPerUnitNotChunks) {
  auto spec = smallSpec(SpikeStorage::Chunked);
  spec.chunkElements = std::size_t{1} << 17;  // 1 MB chunks
  nl::test::TempDir dir;
  const auto path = dir / "allen.nwb";
  const auto truth = nl::test::writeAllenShapedNwb(path, spec);
  for (const char* layout : {"chunked", "contiguous"}) {
    if (std::string(layout) == "contiguous") {
      spec.spikeStorage = SpikeStorage::Contiguous;
      (void)nl::test::writeAllenShapedNwb(path, spec);
    }
    const auto before = processReadChars();
    const auto r = openRecording(path);
    const auto opened = processReadChars();
    const auto [t0, t1] = r->timeRange();
    const auto ranged = processReadChars();
    EXPECT_GT(t1, t0);
    const std::uint64_t spikeBytes = truth.spikeIndex.back() * 8;
    // Two ends per unit, each within one 512-byte sector or read as 8 bytes.
    EXPECT_LE(r->cacheStats().bytesRead, 2 * 512 * r->unitCount()) << layout;
    EXPECT_LE(ranged - opened, 2 * 512 * r->unitCount() + 64 * 1024) << layout;
    EXPECT_LT(opened - before, spikeBytes) << layout << ": opening reads metadata, not spikes";
    EXPECT_EQ(r->summary()["units"], r->unitCount());
    EXPECT_EQ(r->cacheStats().cachedUnits, 0u) << "the summary reads no unit";
  }
}

TEST(RecordingPath, PlantedWaveformGivesItsTroughPeakAndChannel) {
  // 40 samples × 4 channels at 30 kHz: channel 2 swings from −80 µV (sample
  // 10) to +30 µV (sample 22); the others are smaller copies.
  const std::size_t samples = 40, channels = 4;
  std::vector<float> values(samples * channels, 0.0f);
  const float gain[4] = {0.2f, 0.5f, 1.0f, 0.4f};
  for (std::size_t c = 0; c < channels; ++c) {
    values[10 * channels + c] = -80e-6f * gain[c];
    values[22 * channels + c] = 30e-6f * gain[c];
    values[5 * channels + c] = 10e-6f * gain[c];  // a pre-trough bump smaller than the peak
  }
  const auto f = nl::analysis::ephys::waveformFeatures(values, samples, channels, 30000.0, 1e6);
  EXPECT_EQ(f.peakChannel, 2u);
  EXPECT_EQ(f.troughSample, 10u);
  EXPECT_EQ(f.peakSample, 22u);
  EXPECT_NEAR(f.durationMs, 12.0 / 30.0, 1e-12);
  EXPECT_NEAR(f.amplitudeMicrovolts, 110.0, 1e-3);
  // A positive-going spike: peak first, then the trough after it.
  for (auto& v : values) v = -v;
  const auto g = nl::analysis::ephys::waveformFeatures(values, samples, channels, 30000.0, 1e6);
  EXPECT_EQ(g.peakSample, 10u);
  EXPECT_EQ(g.troughSample, 22u);
  EXPECT_NEAR(g.durationMs, 0.4, 1e-12);
  EXPECT_TRUE(std::isnan(
      nl::analysis::ephys::waveformFeatures(values, samples, channels, 0.0, 1e6).durationMs));
  EXPECT_THROW((void)nl::analysis::ephys::waveformFeatures(values, samples, 3, 30000.0, 1.0),
               std::invalid_argument);
}

// Rewrites units/<name> of a generated file as the given uint64 values.
void replaceIndex(const std::filesystem::path& path, const std::string& name,
                  const std::vector<std::uint64_t>& values) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const std::string link = "units/" + name;
  H5Ldelete(file, link.c_str(), H5P_DEFAULT);
  const hsize_t n = values.size();
  const hid_t space = H5Screate_simple(1, &n, nullptr);
  const hid_t dataset =
      H5Dcreate2(file, link.c_str(), H5T_STD_U64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(dataset, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Dclose(dataset);
  H5Sclose(space);
  H5Fclose(file);
}

void expectFileError(const std::filesystem::path& path, const std::string& needle) {
  try {
    const auto r = openRecording(path);
    for (std::size_t u = 0; r && u < r->unitCount(); ++u) {
      (void)r->waveformMean(u);
      (void)r->amplitudesOfUnit(u);
    }
    ADD_FAILURE() << "no error for " << needle;
  } catch (const nl::io::FileError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path.filename().string()), std::string::npos) << what;
    EXPECT_NE(what.find(needle), std::string::npos) << what;
  }
}

TEST(RecordingPath, CorruptAmplitudeIndexOrWaveformIsAFileErrorNamingTheFile) {
  nl::test::TempDir dir;
  const auto spec = smallSpec(SpikeStorage::Contiguous);
  const auto path = dir / "allen.nwb";
  auto truth = nl::test::writeAllenShapedNwb(path, spec);
  auto shifted = truth.spikeIndex;
  shifted[3] += 1;
  replaceIndex(path, "spike_amplitudes_index", shifted);
  expectFileError(path, "spike_amplitudes_index");
  (void)nl::test::writeAllenShapedNwb(path, spec);
  replaceIndex(path, "spike_amplitudes_index",
               std::vector<std::uint64_t>(truth.spikeIndex.begin(), truth.spikeIndex.end() - 1));
  expectFileError(path, "spike_amplitudes_index");
  // Waveforms cut short: the file ends inside waveform_mean.
  (void)nl::test::writeAllenShapedNwb(path, spec);
  {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t dataset = H5Dopen2(file, "units/waveform_mean", H5P_DEFAULT);
    const haddr_t offset = H5Dget_offset(dataset);
    H5Dclose(dataset);
    H5Fclose(file);
    ASSERT_NE(offset, HADDR_UNDEF);
    const auto r = openRecording(path);
    std::filesystem::resize_file(path, offset + 1000);
    try {
      (void)r->waveformMean(r->unitCount() - 1);
      ADD_FAILURE() << "a truncated waveform read without error";
    } catch (const nl::io::FileError& e) {
      EXPECT_NE(std::string(e.what()).find("allen.nwb"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("waveform_mean"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
