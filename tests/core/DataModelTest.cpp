#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "io/Dataset.h"
#include "io/Session.h"

using namespace nl::io;

TEST(Dataset, KindNamesRoundTrip) {
  for (auto kind : allKinds()) EXPECT_EQ(kindFromName(kindName(kind)), kind);
  EXPECT_FALSE(kindFromName("Spikes").has_value());
}

TEST(ArrayDataset, EagerChecksSize) {
  EXPECT_THROW(ArrayDataset(DatasetKind::Array, "a", {2, 3}, std::vector<double>(5)),
               std::invalid_argument);
  ArrayDataset a(DatasetKind::FeatureMatrix, "a", {2, 3}, std::vector<double>{1, 2, 3, 4, 5, 6});
  EXPECT_EQ(a.rows(), 2u);
  EXPECT_EQ(a.columnsPerRow(), 3u);
  EXPECT_TRUE(a.isLoaded());
  EXPECT_EQ(a.values()[4], 5.0);
  EXPECT_THROW(ArrayDataset(DatasetKind::Table, "t", {1}, std::vector<double>{1}),
               std::invalid_argument);
}

TEST(ArrayDataset, LazyLoaderRunsExactlyOnceAcrossThreads) {
  std::atomic<int> calls{0};
  ArrayDataset a(DatasetKind::Array, "lazy", {1000}, ArrayDataset::Loader([&] {
                   ++calls;
                   std::this_thread::sleep_for(std::chrono::milliseconds(20));
                   return std::vector<double>(1000, 2.5);
                 }));
  EXPECT_FALSE(a.isLoaded());
  std::vector<std::thread> threads;
  std::atomic<double> sum{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      const auto& values = a.values();
      double s = 0;
      for (double v : values) s += v;
      sum.fetch_add(s);  // one atomic read-modify-write: threads must not lose updates
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_DOUBLE_EQ(sum.load(), 4 * 2500.0);
  EXPECT_TRUE(a.isLoaded());
}

TEST(ArrayDataset, ThrowingLoaderCanBeRetriedAndWrongSizeIsAnError) {
  int attempt = 0;
  ArrayDataset a(DatasetKind::Array, "flaky", {2}, ArrayDataset::Loader([&] {
                   if (++attempt == 1) throw std::runtime_error("disk hiccup");
                   return std::vector<double>{1, 2};
                 }));
  EXPECT_THROW(a.values(), std::runtime_error);
  EXPECT_EQ(a.values().size(), 2u);
  ArrayDataset wrong(DatasetKind::Array, "wrong", {3},
                     ArrayDataset::Loader([] { return std::vector<double>{1}; }));
  EXPECT_THROW(wrong.values(), std::runtime_error);
}

TEST(TableDataset, ValidatesColumns) {
  EXPECT_THROW(TableDataset(DatasetKind::Table, "t",
                            {{"a", std::vector<double>{1, 2}}, {"b", std::vector<double>{1}}}),
               std::invalid_argument);
  EXPECT_THROW(TableDataset(DatasetKind::Table, "t",
                            {{"a", std::vector<double>{1}}, {"a", std::vector<double>{2}}}),
               std::invalid_argument);
  EXPECT_THROW(TableDataset(DatasetKind::Electrodes, "e",
                            {{"x", std::vector<double>{1}}, {"y", std::vector<double>{1}}}),
               std::invalid_argument);
  TableDataset t(
      DatasetKind::Table, "t",
      {{"area", std::vector<std::string>{"VISp", "CA1"}}, {"rate", std::vector<double>{1.5, 2.5}}});
  EXPECT_EQ(t.rowCount(), 2u);
  ASSERT_NE(t.numericColumn("rate"), nullptr);
  EXPECT_EQ(t.numericColumn("area"), nullptr);
  EXPECT_EQ(t.column("area")->cellText(1), "CA1");
  EXPECT_EQ(t.column("rate")->cellText(0), "1.5");
}

TEST(SpikeRecording, OffsetsPartitionTheSpikes) {
  EXPECT_THROW(SpikeRecording("r", nullptr, {1, 2, 3}, {0, 2}, nullptr), std::invalid_argument);
  EXPECT_THROW(SpikeRecording("r", nullptr, {1, 2, 3}, {0, 2, 1, 3}, nullptr),
               std::invalid_argument);
  SpikeRecording r("r", nullptr, {0.5, 1.0, 0.2, 3.0}, {0, 2, 2, 4}, nullptr);
  EXPECT_EQ(r.unitCount(), 3u);
  EXPECT_EQ(r.spikesOfUnit(1).size(), 0u);
  EXPECT_EQ(r.spikesOfUnit(2)[1], 3.0);
  EXPECT_EQ(r.timeRange(), (std::pair<double, double>{0.2, 3.0}));
  EXPECT_THROW(r.spikesOfUnit(3), std::out_of_range);
}

TEST(SurfaceMesh, RejectsOutOfRangeIndices) {
  EXPECT_THROW(SurfaceMeshDataset("m", {0, 0, 0, 1, 0, 0, 0, 1, 0}, {0, 1, 3}),
               std::invalid_argument);
  EXPECT_THROW(SurfaceMeshDataset("m", {0, 0, 0, 1, 0, 0, 0, 1, 0}, {0, 1, -1}),
               std::invalid_argument);
  SurfaceMeshDataset m("m", {0, 0, 0, 1, 0, 0, 0, 1, 0}, {0, 1, 2});
  EXPECT_EQ(m.triangleCount(), 1u);
}

TEST(Session, AddRemoveAndSignals) {
  Session session;
  std::vector<DatasetId> added, removed;
  session.datasetAdded.connect([&](DatasetId id) { added.push_back(id); });
  session.datasetRemoved.connect([&](DatasetId id) { removed.push_back(id); });
  const auto a = session.add(std::make_shared<ArrayDataset>(
      DatasetKind::Array, "a", std::vector<std::size_t>{1}, std::vector<double>{1}));
  const auto b = session.add(std::make_shared<ArrayDataset>(
      DatasetKind::Array, "b", std::vector<std::size_t>{1}, std::vector<double>{2}));
  EXPECT_NE(a, b);
  EXPECT_EQ(added, (std::vector<DatasetId>{a, b}));
  session.selection().select(b, {3, 1, 3}, "test");
  EXPECT_EQ(session.selection().indices(), (std::vector<std::int64_t>{1, 3}));
  EXPECT_TRUE(session.remove(b));
  EXPECT_EQ(session.selection().dataset(), kNoDataset)
      << "removing the selected dataset clears the selection";
  EXPECT_FALSE(session.remove(b));
  EXPECT_EQ(removed, std::vector<DatasetId>{b});
  EXPECT_EQ(session.find(b), nullptr);
  EXPECT_THROW(session.add(nullptr), std::invalid_argument);
}

TEST(Selection, NotifiesWithOriginOnlyOnChange) {
  Selection selection;
  std::vector<std::string> origins;
  std::vector<double> cursors;
  selection.changed.connect([&](const std::string& origin) { origins.push_back(origin); });
  selection.timeCursorMoved.connect([&](double t, const std::string&) { cursors.push_back(t); });
  selection.select(5, {2, 1}, "raster");
  selection.select(5, {1, 2}, "probe3d");  // same set: no notification
  selection.select(5, {1}, "probe3d");
  EXPECT_EQ(origins, (std::vector<std::string>{"raster", "probe3d"}));
  EXPECT_TRUE(selection.contains(5, 1));
  EXPECT_FALSE(selection.contains(6, 1));
  EXPECT_FALSE(selection.hasTimeCursor());
  selection.setTimeCursor(1.5, "raster");
  selection.setTimeCursor(1.5, "raster");
  EXPECT_EQ(cursors, std::vector<double>{1.5});
}

TEST(Signal, SlotMayDisconnectItselfWhileNotified) {
  Signal<int> signal;
  int calls = 0;
  Signal<int>::ConnectionId self = 0;
  self = signal.connect([&](int) {
    ++calls;
    signal.disconnect(self);
  });
  signal.notify(1);
  signal.notify(2);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(signal.size(), 0u);
}
