// The data model (io/Dataset.h, io/Provenance.h): shapes, lazy loading,
// validation of tables, spike recordings and meshes, summaries, provenance.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "io/Dataset.h"
#include "io/Error.h"
#include "io/Provenance.h"

using namespace nl::io;

namespace {
std::shared_ptr<ArrayDataset> eager(std::vector<std::size_t> shape, std::vector<double> values,
                                    DatasetKind kind = DatasetKind::Array) {
  return std::make_shared<ArrayDataset>(kind, "a", std::move(shape), std::move(values));
}
}  // namespace

TEST(DataModelKinds, EveryKindHasAUniqueNameAndExactlyOneFamily) {
  std::set<std::string> names;
  for (auto kind : allKinds()) {
    const std::string name(kindName(kind));
    EXPECT_NE(name, "Unknown");
    EXPECT_TRUE(names.insert(name).second) << "duplicate kind name " << name;
    ASSERT_EQ(kindFromName(name), kind) << name;
    const int families = int(isArrayKind(kind)) + int(isTableKind(kind)) +
                         int(kind == DatasetKind::SpikeRecording) +
                         int(kind == DatasetKind::SurfaceMesh);
    EXPECT_EQ(families, 1) << name << " must belong to exactly one storage family";
  }
  EXPECT_EQ(names.size(), 12u);
  EXPECT_FALSE(kindFromName("array").has_value()) << "kind names are case-sensitive";
  EXPECT_FALSE(kindFromName("").has_value());
}

TEST(ArrayDatasetShape, RowsAndColumnsPerRowForEveryRank) {
  EXPECT_EQ(eager({}, {7})->rows(), 1u);
  EXPECT_EQ(eager({}, {7})->columnsPerRow(), 1u);
  EXPECT_EQ(eager({}, {7})->elementCount(), 1u);
  EXPECT_EQ(eager({5}, std::vector<double>(5))->columnsPerRow(), 1u);
  EXPECT_EQ(eager({2, 3, 4}, std::vector<double>(24))->columnsPerRow(), 12u);
  EXPECT_EQ(eager({3, 0}, {})->rows(), 3u);
  EXPECT_EQ(eager({3, 0}, {})->columnsPerRow(), 0u);
  // An empty matrix with columns (e.g. a .npy of shape (0, 5)) has 5 columns per
  // row; computing it as product/rows divided by zero.
  EXPECT_EQ(eager({0, 5}, {})->rows(), 0u);
  EXPECT_EQ(eager({0, 5}, {})->columnsPerRow(), 5u);
  EXPECT_EQ(eager({0, 2, 3}, {})->columnsPerRow(), 6u);
  EXPECT_EQ(eager({0}, {})->elementCount(), 0u);
}

TEST(ArrayDatasetShape, NonArrayKindsAndWrongSizesAreRejected) {
  for (auto kind : allKinds()) {
    if (isArrayKind(kind)) {
      EXPECT_NO_THROW(eager({2}, {1, 2}, kind)) << kindName(kind);
      EXPECT_THROW(eager({2}, {1, 2, 3}, kind), std::invalid_argument) << kindName(kind);
    } else {
      EXPECT_THROW(eager({2}, {1, 2}, kind), std::invalid_argument) << kindName(kind);
      EXPECT_THROW(ArrayDataset(kind, "lazy", {1},
                                ArrayDataset::Loader([] { return std::vector<double>{1}; })),
                   std::invalid_argument)
          << kindName(kind);
    }
  }
  try {
    eager({2, 3}, std::vector<double>(5));
    ADD_FAILURE() << "size mismatch accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("5 values for shape of 6"), std::string::npos)
        << error.what();
  }
}

TEST(ArrayDatasetLazy, LoaderRunsOnceUnderContentionAndEveryThreadSeesTheSameValues) {
  std::atomic<int> calls{0};
  ArrayDataset lazy(DatasetKind::VoxelSeries, "v", {4, 250}, ArrayDataset::Loader([&] {
                      ++calls;
                      std::this_thread::sleep_for(std::chrono::milliseconds(30));
                      std::vector<double> v(1000);
                      for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
                      return v;
                    }),
                    {}, {}, "int16");
  EXPECT_FALSE(lazy.isLoaded());
  EXPECT_EQ(calls.load(), 0) << "constructing must not load";
  EXPECT_EQ(lazy.shape(), (std::vector<std::size_t>{4, 250}));
  EXPECT_EQ(lazy.sourceType(), "int16");
  const auto summary = lazy.summary();  // describing a dataset must not load it either
  EXPECT_EQ(summary["elements"], 1000);
  EXPECT_EQ(calls.load(), 0);

  std::barrier start(4);
  std::array<const std::vector<double>*, 4> seen{};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      start.arrive_and_wait();  // all four ask at the same moment
      seen[static_cast<std::size_t>(t)] = &lazy.values();
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(calls.load(), 1);
  for (const auto* values : seen) {
    EXPECT_EQ(values, seen[0]) << "every thread gets the one cached vector";
  }
  EXPECT_EQ((*seen[0])[999], 999.0);
  EXPECT_TRUE(lazy.isLoaded());
  lazy.values();
  EXPECT_EQ(calls.load(), 1) << "later calls never reload";
}

TEST(ArrayDatasetLazy, FailedLoadsStayUnloadedAndCanBeRetriedUntilOneSucceeds) {
  int attempts = 0;
  ArrayDataset lazy(DatasetKind::Array, "flaky", {3},
                    ArrayDataset::Loader([&]() -> std::vector<double> {
                      ++attempts;
                      if (attempts == 1) throw std::runtime_error("network share vanished");
                      if (attempts == 2) return {1, 2};  // wrong count: also a failure
                      return {1, 2, 3};
                    }));
  EXPECT_THROW(lazy.values(), std::runtime_error);
  EXPECT_FALSE(lazy.isLoaded());
  try {
    lazy.values();
    ADD_FAILURE() << "a loader returning 2 of 3 values was accepted";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("expected 3"), std::string::npos) << error.what();
  }
  EXPECT_FALSE(lazy.isLoaded());
  EXPECT_EQ(lazy.values(), (std::vector<double>{1, 2, 3}));
  EXPECT_TRUE(lazy.isLoaded());
  EXPECT_EQ(attempts, 3);
}

TEST(TableDatasetValidation, ColumnsKindsAndLookups) {
  EXPECT_THROW(TableDataset(DatasetKind::Array, "t", {}), std::invalid_argument)
      << "not a table kind";
  const TableDataset empty(DatasetKind::Table, "empty", {});
  EXPECT_EQ(empty.rowCount(), 0u);
  EXPECT_EQ(empty.shape(), (std::vector<std::size_t>{0, 0}));
  // Unequal lengths, whichever column is the odd one.
  EXPECT_THROW(
      TableDataset(DatasetKind::Table, "t",
                   {{"a", std::vector<double>{1}}, {"b", std::vector<std::string>{"x", "y"}}}),
      std::invalid_argument);
  EXPECT_THROW(TableDataset(DatasetKind::Table, "t",
                            {{"a", std::vector<std::string>{}}, {"b", std::vector<double>{1}}}),
               std::invalid_argument);
  // Duplicates are found even when not adjacent and of different types.
  EXPECT_THROW(TableDataset(DatasetKind::Table, "t",
                            {{"a", std::vector<double>{1}},
                             {"b", std::vector<double>{1}},
                             {"a", std::vector<std::string>{"x"}}}),
               std::invalid_argument);
  // Electrodes need numeric x, y and z: a text column called z does not count.
  EXPECT_THROW(TableDataset(DatasetKind::Electrodes, "e",
                            {{"x", std::vector<double>{1}},
                             {"y", std::vector<double>{1}},
                             {"z", std::vector<std::string>{"deep"}}}),
               std::invalid_argument);
  EXPECT_NO_THROW(TableDataset(DatasetKind::Electrodes, "e",
                               {{"z", std::vector<double>{3}},
                                {"y", std::vector<double>{2}},
                                {"x", std::vector<double>{1}}}))
      << "column order does not matter";
  const TableDataset t(DatasetKind::Table, "t",
                       {{"third", std::vector<double>{1.0 / 3.0, 1e-300}},
                        {"name", std::vector<std::string>{"α", ""}}});
  EXPECT_EQ(t.shape(), (std::vector<std::size_t>{2, 2}));
  EXPECT_EQ(t.column("missing"), nullptr);
  EXPECT_EQ(t.numericColumn("missing"), nullptr);
  EXPECT_EQ(t.column("third")->cellText(0), "0.333333333333333");
  EXPECT_EQ(t.column("third")->cellText(1), "1e-300");
  EXPECT_EQ(t.column("name")->cellText(0), "α");
  EXPECT_THROW(t.column("name")->cellText(2), std::out_of_range);
  const auto summary = t.summary();
  EXPECT_EQ(summary["rows"], 2);
  EXPECT_EQ(summary["columns"][0]["type"], "number");
  EXPECT_EQ(summary["columns"][1]["type"], "string");
}

TEST(SpikeRecordingValidation, OffsetsUnitTableAndRanges) {
  // Offsets must start at 0, end at the spike count and never decrease.
  EXPECT_THROW(SpikeRecording("r", nullptr, {1, 2}, {1, 2}, nullptr), std::invalid_argument);
  EXPECT_THROW(SpikeRecording("r", nullptr, {1, 2}, {0, 1}, nullptr), std::invalid_argument);
  EXPECT_THROW(SpikeRecording("r", nullptr, {1, 2}, {0, 3}, nullptr), std::invalid_argument);
  EXPECT_THROW(SpikeRecording("r", nullptr, {1, 2}, {0, 2, 1, 2}, nullptr), std::invalid_argument);
  EXPECT_THROW(SpikeRecording("r", nullptr, {1.0}, {}, nullptr), std::invalid_argument)
      << "no offsets means no units, which cannot own a spike";

  const SpikeRecording none("none", nullptr, {}, {}, nullptr);
  EXPECT_EQ(none.unitCount(), 0u);
  EXPECT_EQ(none.timeRange(), (std::pair<double, double>{0.0, 0.0}));

  auto units = std::make_shared<TableDataset>(
      DatasetKind::Table, "units",
      std::vector<Column>{{"id", std::vector<double>{10, 11, 12, 13}}});
  EXPECT_THROW(SpikeRecording("r", units, {1, 2}, {0, 1, 2}, nullptr), std::invalid_argument)
      << "a 4-row unit table for 2 units";
  // Unit 0 and 3 silent; the earliest spike belongs to unit 2, the latest to unit 1.
  const SpikeRecording r("r", units, {4.0, 9.5, 0.25, 3.0}, {0, 0, 2, 4, 4}, nullptr);
  EXPECT_EQ(r.unitCount(), 4u);
  EXPECT_EQ(r.spikeCount(), 4u);
  EXPECT_TRUE(r.spikesOfUnit(0).empty());
  EXPECT_TRUE(r.spikesOfUnit(3).empty());
  ASSERT_EQ(r.spikesOfUnit(1).size(), 2u);
  EXPECT_EQ(r.spikesOfUnit(1)[1], 9.5);
  EXPECT_EQ(r.spikesOfUnit(2)[0], 0.25);
  EXPECT_EQ(r.timeRange(), (std::pair<double, double>{0.25, 9.5}));
  EXPECT_THROW(r.spikesOfUnit(4), std::out_of_range);
  EXPECT_EQ(r.shape(), (std::vector<std::size_t>{4, 4}));
  const auto summary = r.summary();
  EXPECT_EQ(summary["units"], 4);
  EXPECT_EQ(summary["time_range_s"][1], 9.5);
}

TEST(SurfaceMeshValidation, IndicesAndCoordinates) {
  const std::vector<float> square{0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0};
  EXPECT_THROW(SurfaceMeshDataset("m", square, {0, 1, 4}), std::invalid_argument)
      << "index == vertex count";
  EXPECT_THROW(SurfaceMeshDataset("m", square, {0, 1, 2, 2, 3, -7}), std::invalid_argument);
  EXPECT_THROW(SurfaceMeshDataset("m", {0, 0, 0, 1}, {}), std::invalid_argument)
      << "ragged vertices";
  EXPECT_THROW(SurfaceMeshDataset("m", square, {0, 1}), std::invalid_argument)
      << "ragged triangles";
  EXPECT_THROW(SurfaceMeshDataset("m", {}, {0, 0, 0}), std::invalid_argument)
      << "no vertices at all";
  const SurfaceMeshDataset m("m", square, {0, 1, 2, 0, 2, 3});
  EXPECT_EQ(m.vertexCount(), 4u);
  EXPECT_EQ(m.triangleCount(), 2u);
  EXPECT_EQ(m.summary()["triangles"], 2);
  const SurfaceMeshDataset points("cloud", square, {});
  EXPECT_EQ(points.triangleCount(), 0u);
}

TEST(ProvenanceModel, JsonRoundTripDescribeAndTolerantParsing) {
  Provenance p;
  p.pluginId = "rsa.compare";
  p.pluginVersion = "2.1.0";
  p.parametersJson = R"({"metric":"spearman"})";
  p.runId = newUuid();
  p.inputs = {{.port = "a", .datasetId = fileDatasetId("/x.npy", ""), .name = "x"},
              {.port = "b#1", .name = "d", .runId = "r", .outputName = "o"}};
  p.appVersion = "0.1.0";
  p.createdUtc = "2026-01-02T03:04:05Z";
  p.sourcePath = "/ignored/for/derived.csv";
  EXPECT_TRUE(p.isDerived());
  EXPECT_FALSE(p.isFromFile()) << "a plugin result is derived even if a path is recorded";
  EXPECT_EQ(p.describe(), R"(rsa.compare 2.1.0 {"metric":"spearman"})");
  const Provenance back = provenanceFromJson(toJson(p));
  EXPECT_EQ(back.pluginId, p.pluginId);
  EXPECT_EQ(back.pluginVersion, p.pluginVersion);
  EXPECT_EQ(back.parametersJson, p.parametersJson);
  EXPECT_EQ(back.inputs, p.inputs);
  EXPECT_EQ(back.runId, p.runId);
  EXPECT_EQ(back.appVersion, p.appVersion);
  EXPECT_EQ(back.createdUtc, p.createdUtc);
  EXPECT_EQ(back.sourcePath, p.sourcePath);

  const auto file = Provenance::fromFile("/d/rec.nwb", "/units", "NWB");
  EXPECT_TRUE(file.isFromFile());
  EXPECT_EQ(file.describe(), "/d/rec.nwb::/units");
  EXPECT_EQ(Provenance::fromFile("/d/x.npy", "", "npy").describe(), "/d/x.npy");
  EXPECT_EQ(Provenance{}.describe(), "in memory");

  // Saved files written by other versions: wrong types are ignored, not fatal.
  const auto odd = provenanceFromJson(
      nlohmann::json{{"plugin_id", 5}, {"inputs", {"ok", 3, nullptr}}, {"reader", "r"}});
  EXPECT_EQ(odd.pluginId, "");
  ASSERT_EQ(odd.inputs.size(), 1u);
  EXPECT_EQ(odd.inputs[0].port, "ok");
  EXPECT_EQ(odd.readerName, "r");
  EXPECT_TRUE(provenanceFromJson(nlohmann::json::array()).pluginId.empty());

  EXPECT_TRUE(std::regex_match(utcNowIso8601(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
}

// A lazy loader that returns another number of values than the shape needs
// (a header and its data disagreeing) is refused naming the file it came from.
TEST(ArrayDatasetLazy, ALoaderWithTheWrongValueCountIsAFileErrorNamingTheFile) {
  const ArrayDataset fromFile(DatasetKind::Array, "run", {2, 3},
                              ArrayDataset::Loader([] { return std::vector<double>(5); }),
                              nl::io::Provenance::fromFile("/data/run.nii", "", "NIfTI"));
  try {
    (void)fromFile.values();
    ADD_FAILURE() << "a wrong value count was accepted";
  } catch (const nl::io::FileError& error) {
    EXPECT_NE(std::string(error.what()).find("run.nii"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("loader returned 5 values, expected 6"),
              std::string::npos)
        << error.what();
  }
  const ArrayDataset inMemory(DatasetKind::Array, "made", {2},
                              ArrayDataset::Loader([] { return std::vector<double>(3); }));
  EXPECT_THROW((void)inMemory.values(), std::runtime_error);
}
