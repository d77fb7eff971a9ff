// Lazy spike times: an Allen-shaped NWB written by tests/tools is opened
// without reading spikes, units are read on demand through hyperslabs, the
// cache holds to its byte bound, windows are read without the whole unit, and
// the generator's planted orientation tuning comes back out.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <atomic>
#include <cmath>
#include <numeric>
#include <thread>

#include "analysis/Progress.h"
#include "analysis/ephys/EventAligned.h"
#include "io/ReaderRegistry.h"
#include "tests/support/TestSupport.h"
#include "tests/tools/AllenNwbGenerator.h"

namespace {

using nl::io::SpikeRecording;
using nl::io::TableDataset;

struct Generated {
  nl::test::TempDir dir;
  nl::test::AllenNwbTruth truth;
  nl::io::FileContents contents;
  std::shared_ptr<const SpikeRecording> recording;
  std::shared_ptr<const TableDataset> table(const std::string& name) const {
    for (const auto& d : contents.datasets)
      if (d->name() == name) return std::dynamic_pointer_cast<const TableDataset>(d);
    return nullptr;
  }
};

std::unique_ptr<Generated> generate() {
  auto g = std::make_unique<Generated>();
  nl::test::AllenNwbSpec spec;
  spec.probes = 2;
  spec.unitsPerProbe = 30;
  spec.durationSeconds = 400;
  spec.meanRateHz = 6;
  spec.seed = 7;
  g->truth = nl::test::writeAllenShapedNwb(g->dir / "session.nwb", spec);
  g->contents = nl::io::ReaderRegistry::builtin().open(g->dir / "session.nwb");
  for (const auto& d : g->contents.datasets)
    if (auto r = std::dynamic_pointer_cast<const SpikeRecording>(d)) g->recording = r;
  return g;
}

TEST(LazySpikes, OpeningReadsNoSpikeAndUnitsMatchWhatWasWritten) {
  const auto g = generate();
  ASSERT_TRUE(g->recording);
  const auto& r = *g->recording;
  EXPECT_TRUE(r.isLazy());
  EXPECT_EQ(r.cacheStats().rangeReads, 0u) << "open must read metadata only";
  ASSERT_EQ(r.unitCount(), 60u);
  EXPECT_EQ(r.spikeCount(), g->truth.spikeIndex.back());
  for (std::size_t u = 0; u < r.unitCount(); ++u) {
    const auto train = r.spikesOfUnit(u);
    ASSERT_EQ(train.size(), r.spikeCountOfUnit(u));
    if (train.empty()) continue;
    EXPECT_EQ(train.front(), g->truth.firstSpike[u]) << "unit " << u;
    EXPECT_EQ(train.back(), g->truth.lastSpike[u]) << "unit " << u;
  }
  const auto all = r.allSpikeTimes();
  EXPECT_EQ(std::accumulate(all.begin(), all.end(), 0.0), g->truth.spikeTimeSum);
  // Allen's columns come through, and every unit gets its electrode's area.
  const auto& units = *r.units();
  for (const char* column : {"firing_rate", "snr", "isi_violations", "presence_ratio",
                             "amplitude_cutoff", "peak_channel_id", "quality", "location"})
    EXPECT_NE(units.column(column), nullptr) << column;
  ASSERT_TRUE(r.electrodes());
  EXPECT_EQ(r.electrodes()->rowCount(), 768u);
  EXPECT_NE(r.electrodes()->column("probe_vertical_position"), nullptr);
  const auto gratings = g->table("drifting_gratings_presentations");
  ASSERT_TRUE(gratings);
  EXPECT_EQ(gratings->rowCount(), g->truth.gratingTrials);
  EXPECT_NE(gratings->numericColumn("orientation"), nullptr);
  EXPECT_EQ(gratings->column("tags")->cellText(0), "stimulus_time_interval");
}

TEST(LazySpikes, CacheStaysWithinItsBoundAndEvictedTrainsStayValid) {
  const auto g = generate();
  const auto& r = *g->recording;
  const std::size_t limit = 64 * 1024;
  r.setCacheLimitBytes(limit);
  const auto firstTrain = r.spikesOfUnit(0);
  const std::vector<double> copy(firstTrain.begin(), firstTrain.end());
  std::size_t largest = 0;
  for (std::size_t u = 0; u < r.unitCount(); ++u) {
    largest = std::max(largest, r.spikesOfUnit(u).size() * sizeof(double));
    EXPECT_LE(r.cacheStats().cachedBytes, std::max(limit, largest));
  }
  EXPECT_LT(r.cacheStats().cachedUnits, r.unitCount());
  EXPECT_EQ(std::vector<double>(firstTrain.begin(), firstTrain.end()), copy)
      << "a train handed out must outlive its eviction";
  const auto before = r.cacheStats();
  const auto last = r.unitCount() - 1;
  (void)r.spikesOfUnit(last);
  EXPECT_EQ(r.cacheStats().hits, before.hits + 1) << "the last unit read is still cached";
}

TEST(LazySpikes, ConcurrentReadersSeeTheSameTrains) {
  const auto g = generate();
  const auto& r = *g->recording;
  r.setCacheLimitBytes(32 * 1024);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (std::size_t pass = 0; pass < 3; ++pass)
        for (std::size_t i = 0; i < r.unitCount(); ++i) {
          const std::size_t u = (i * 7 + static_cast<std::size_t>(t)) % r.unitCount();
          const auto train = r.spikesOfUnit(u);
          if (!train.empty() &&
              (train.front() != g->truth.firstSpike[u] || train.back() != g->truth.lastSpike[u]))
            ++mismatches;
        }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// The generator tunes each unit to one of eight orientations; the grating
// responses read lazily must find it for nearly every unit that fires enough.
TEST(LazySpikes, PlantedOrientationTuningIsRecovered) {
  const auto g = generate();
  const auto& r = *g->recording;
  const auto gratings = g->table("drifting_gratings_presentations");
  const auto conditions = nl::analysis::ephys::Conditions::fromNumbers(
      *gratings->numericColumn("start_time"), *gratings->numericColumn("orientation"));
  ASSERT_EQ(conditions.count(), 8u);
  std::vector<nl::io::SpikeTrain> trains;
  std::vector<std::span<const double>> spans;
  for (std::size_t u = 0; u < r.unitCount(); ++u) {
    trains.push_back(r.spikesOfUnit(u));
    spans.push_back(trains.back().times());
  }
  nl::analysis::NullProgress progress;
  const auto m = nl::analysis::ephys::responseMatrix(spans, conditions, 0.0, 2.0, progress);
  std::size_t tested = 0, recovered = 0;
  for (std::size_t u = 0; u < r.unitCount(); ++u) {
    if (r.spikeCountOfUnit(u) < 400) continue;
    ++tested;
    std::size_t best = 0;
    for (std::size_t c = 1; c < 8; ++c)
      if (m.mean[c * m.units + u] > m.mean[best * m.units + u]) best = c;
    if (std::stod(conditions.labels[best]) == g->truth.preferredOrientation[u]) ++recovered;
  }
  ASSERT_GT(tested, 20u);
  EXPECT_GE(recovered * 10, tested * 9) << recovered << " of " << tested;
}

// An in-memory source that counts reads: windows of a big unit are found by
// binary search, not by reading the unit.
class CountingSource final : public nl::io::SpikeTimesSource {
 public:
  explicit CountingSource(std::vector<double> times) : times_(std::move(times)) {}
  std::uint64_t size() const override { return times_.size(); }
  std::vector<double> read(std::uint64_t begin, std::uint64_t end) const override {
    ++reads;
    elements += end - begin;
    if (failing) throw nl::io::FileError("counting.nwb", "simulated read error");
    return {times_.begin() + static_cast<std::ptrdiff_t>(begin),
            times_.begin() + static_cast<std::ptrdiff_t>(end)};
  }
  mutable std::atomic<std::size_t> reads{0}, elements{0};
  std::atomic<bool> failing{false};

 private:
  std::vector<double> times_;
};

TEST(LazySpikes, WindowOfABigUnitIsReadByBinarySearch) {
  std::vector<double> times(1'000'000);
  for (std::size_t i = 0; i < times.size(); ++i) times[i] = 0.001 * static_cast<double>(i);
  auto source = std::make_shared<CountingSource>(times);
  const SpikeRecording r(source, "big", nullptr, {0, 400'000, 1'000'000}, nullptr);
  (void)r.timeRange();  // the ends of every unit: one element each
  const std::size_t readsBefore = source->reads.load(), elementsBefore = source->elements.load();
  EXPECT_EQ(elementsBefore, 4u);
  const auto window = r.spikesInWindow(1, 500.0, 510.0);
  ASSERT_EQ(window.size(), 10'000u);
  EXPECT_DOUBLE_EQ(window.front(), 500.0);
  EXPECT_DOUBLE_EQ(window.back(), 509.999);
  // One block around the interpolated position: the window and a margin of
  // 256 + 4√n elements each side (600,000 spikes: 3,354), not the unit.
  EXPECT_EQ(source->reads.load() - readsBefore, 1u);
  EXPECT_LT(source->elements.load() - elementsBefore, 10'000u + 2 * 3'354u + 2);
  EXPECT_EQ(r.cacheStats().cachedUnits, 0u);
  EXPECT_TRUE(r.spikesInWindow(1, 2000.0, 3000.0).empty());
  EXPECT_TRUE(r.spikesInWindow(1, 510.0, 500.0).empty());
  // A cached unit answers windows from memory.
  (void)r.spikesOfUnit(0);
  const std::size_t reads = source->reads.load();
  EXPECT_EQ(r.spikesInWindow(0, 1.0, 2.0).size(), 1000u);
  EXPECT_EQ(source->reads.load(), reads);
}

TEST(LazySpikes, ReadErrorsReachTheCallerAndARetryWorks) {
  auto source = std::make_shared<CountingSource>(std::vector<double>{3, 1, 2, 5, 4});
  const SpikeRecording r(source, "r", nullptr, {0, 3, 5}, nullptr);
  source->failing = true;
  EXPECT_THROW((void)r.spikesOfUnit(0), nl::io::FileError);
  EXPECT_EQ(r.cacheStats().cachedUnits, 0u);
  source->failing = false;
  const auto train = r.spikesOfUnit(0);
  EXPECT_EQ(std::vector<double>(train.begin(), train.end()), (std::vector<double>{1, 2, 3}))
      << "unsorted units are sorted on read";
  EXPECT_THROW((void)r.spikesOfUnit(2), std::out_of_range);
  EXPECT_THROW(SpikeRecording(source, "bad", nullptr, {0, 6}, nullptr), std::invalid_argument);
  EXPECT_THROW(SpikeRecording(source, "bad", nullptr, {0, 4, 2}, nullptr), std::invalid_argument);
}

// NWB truncated after opening (e.g. a network drive dropping out): the lazy
// read fails with a FileError naming the file, not a crash.
TEST(LazySpikes, FileTruncatedAfterOpeningGivesAFileError) {
  const auto g = generate();
  const auto path = g->dir / "session.nwb";
  // Cut the file inside units/spike_times (stored contiguously).
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t times = H5Dopen2(file, "units/spike_times", H5P_DEFAULT);
  const haddr_t offset = H5Dget_offset(times);
  H5Dclose(times);
  H5Fclose(file);
  ASSERT_NE(offset, HADDR_UNDEF);
  std::filesystem::resize_file(path, offset + 4096);
  bool sawError = false;
  for (std::size_t u = 0; u < g->recording->unitCount() && !sawError; ++u) {
    try {
      (void)g->recording->spikesOfUnit(u);
    } catch (const nl::io::FileError& e) {
      sawError = true;
      EXPECT_NE(std::string(e.what()).find("session.nwb"), std::string::npos) << e.what();
    }
  }
  EXPECT_TRUE(sawError);
}

}  // namespace
