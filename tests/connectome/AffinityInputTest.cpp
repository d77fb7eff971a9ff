// Calcium trace input in every format the issue names, each giving the
// contract's attributes: the Flavell HDF5 fixture (names, shape, timing),
// the zebrafish CSVs (shape, coordinates), NWB ophys files in each storage
// variant (committed, written by data/affinity/make_fixtures.py), a suite2p
// folder, and bad input with errors naming the file and the problem.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/ReaderRegistry.h"
#include "io/hdf5/H5.h"
#include "io/readers/CalciumReaders.h"
#include "io/readers/NpyReader.h"
#include "tests/support/TestSupport.h"

namespace {

using nl::io::ArrayDataset;

const std::filesystem::path kData = NEUROLOUPE_AFFINITY_DATA;

std::shared_ptr<const ArrayDataset> find(const nl::io::FileContents& contents,
                                         const std::string& name) {
  for (const auto& d : contents.datasets)
    if (d->name() == name) return std::dynamic_pointer_cast<const ArrayDataset>(d);
  std::string names;
  for (const auto& d : contents.datasets) names += " '" + d->name() + "'";
  ADD_FAILURE() << "no dataset '" << name << "'; there are" << names;
  return nullptr;
}

nlohmann::json attribute(const ArrayDataset& d, const std::string& key) {
  const auto& a = d.attributes();
  const auto it = a.find(key);
  if (it == a.end()) {
    ADD_FAILURE() << d.name() << " has no attribute " << key;
    return nullptr;
  }
  return nlohmann::json::parse(it->second, nullptr, false);
}

}  // namespace

TEST(AffinityInput, FlavellHdf5NamesShapeAndTiming) {
  NL_REQUIRE_FIXTURE("calcium/celegans_flavell/2022-07-27-38-data.h5");
  const auto path = nl::test::fixtures() / "calcium/celegans_flavell/2022-07-27-38-data.h5";
  const auto contents = nl::io::ReaderRegistry::builtin().open(path);
  EXPECT_EQ(contents.readerName, "HDF5 calcium traces (Flavell lab)");
  const auto traces = find(contents, "/gcamp/trace_array");
  ASSERT_TRUE(traces);
  EXPECT_EQ(traces->shape(), (std::vector<std::size_t>{800, 135}));
  EXPECT_EQ(traces->attributes().at("axes"), "frame, neuron");
  const auto names = attribute(*traces, "neuron_names");
  ASSERT_EQ(names.size(), 135u);
  EXPECT_EQ(names[0], "1");
  EXPECT_EQ(names[134], "135");
  // 800 confocal frames over 480.64 s: 1.66236 Hz (0.6016 s per frame).
  EXPECT_NEAR(attribute(*traces, "frame_rate").get<double>(), 799.0 / 480.64259165, 1e-6);
  EXPECT_LT(attribute(*traces, "frame_interval_jitter").get<double>(), 0.2);
  // NeuroPAL registration: ROI 2 (1-based) is trace 128.
  const auto roi = attribute(*traces, "neuropal_roi");
  ASSERT_EQ(roi.size(), 135u);
  EXPECT_EQ(roi[127], 2);
  // The values are the file's (z-scored traces: mean 0, SD 1).
  const auto& v = traces->values();
  EXPECT_NEAR(v[0], 1.12316527, 1e-8);
  EXPECT_NEAR(v[1], -0.89021128, 1e-8);
  // Everything else of the file is still there (behaviour, timing).
  EXPECT_TRUE(find(contents, "/behavior/velocity"));
  // The other trace arrays carry the same annotation.
  EXPECT_EQ(find(contents, "/gcamp/trace_array_original")->attributes().at("neuron_names"),
            traces->attributes().at("neuron_names"));
}

TEST(AffinityInput, ZebrafishCsvShapeAndCoordinates) {
  NL_REQUIRE_FIXTURE("calcium/zebrafish_tectum_triplett2018");
  const auto folder = nl::test::fixtures() / "calcium/zebrafish_tectum_triplett2018";
  const auto activity = std::dynamic_pointer_cast<const ArrayDataset>(
      nl::io::ReaderRegistry::builtin()
          .open(folder / "zf_20170215-f3_activity_matrix.csv")
          .datasets.at(0));
  ASSERT_TRUE(activity);
  EXPECT_EQ(activity->shape(), (std::vector<std::size_t>{75, 5660}));  // neurons × frames as stored
  EXPECT_NEAR(activity->values()[0], 0.40005, 1e-12);
  const auto coordinates = std::dynamic_pointer_cast<const ArrayDataset>(
      nl::io::ReaderRegistry::builtin()
          .open(folder / "zf_20170215-f3_cell_coordinates.csv")
          .datasets.at(0));
  ASSERT_TRUE(coordinates);
  EXPECT_EQ(coordinates->shape(), (std::vector<std::size_t>{75, 2}));
  EXPECT_DOUBLE_EQ(coordinates->values()[0], 11.5);
  EXPECT_DOUBLE_EQ(coordinates->values()[1], 96.5);
}

TEST(AffinityInput, NwbRoiResponseSeriesInFluorescenceWithRate) {
  const auto contents = nl::io::ReaderRegistry::builtin().open(kData / "ophys_fluorescence.nwb");
  const auto traces = find(contents, "processing/ophys/Fluorescence/RoiResponseSeries");
  ASSERT_TRUE(traces);
  EXPECT_EQ(traces->shape(), (std::vector<std::size_t>{200, 5}));
  EXPECT_EQ(traces->attributes().at("axes"), "frame, neuron");
  EXPECT_EQ(attribute(*traces, "neuron_names"),
            nlohmann::json({"10", "11", "12", "13", "14"}));  // PlaneSegmentation ids
  EXPECT_DOUBLE_EQ(attribute(*traces, "frame_rate").get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(attribute(*traces, "start_time").get<double>(), 0.5);
  const auto positions = attribute(*traces, "neuron_positions");  // pixel_mask centroids
  ASSERT_EQ(positions.size(), 5u);
  EXPECT_EQ(positions[0], nlohmann::json({4.0, 10.0, 0.0}));
  EXPECT_EQ(positions[4], nlohmann::json({28.0, 18.0, 0.0}));
  EXPECT_EQ(traces->attributes().at("roi_table"),
            "/processing/ophys/ImageSegmentation/PlaneSegmentation");
}

TEST(AffinityInput, NwbRoiResponseSeriesInDfOverFWithTimestamps) {
  const auto contents =
      nl::io::ReaderRegistry::builtin().open(kData / "ophys_dfoverf_timestamps.nwb");
  const auto traces = find(contents, "processing/ophys/DfOverF/RoiResponseSeries");
  ASSERT_TRUE(traces);
  EXPECT_EQ(traces->shape(), (std::vector<std::size_t>{150, 3}));
  // rois = [3, 1, 0] of a table with a neuron_name column.
  EXPECT_EQ(attribute(*traces, "neuron_names"), nlohmann::json({"SMDVL", "AVAR", "AVAL"}));
  EXPECT_NEAR(attribute(*traces, "frame_rate").get<double>(), 5.0, 1e-9);
  EXPECT_DOUBLE_EQ(attribute(*traces, "start_time").get<double>(), 2.0);
  // image_mask centroids (x = column, y = row): ROI r is pixel (2(r % 4) + 1, r + 1).
  EXPECT_EQ(attribute(*traces, "neuron_positions"),
            nlohmann::json({{7.0, 4.0, 0.0}, {3.0, 2.0, 0.0}, {1.0, 1.0, 0.0}}));
}

TEST(AffinityInput, NwbOneTimeSeriesPerNeuron) {
  const auto path = kData / "ophys_series_per_neuron.nwb";
  const auto contents = nl::io::ReaderRegistry::builtin().open(path);
  const auto traces = find(contents, "acquisition (4 series as traces)");
  ASSERT_TRUE(traces);
  EXPECT_EQ(traces->shape(), (std::vector<std::size_t>{120, 4}));
  EXPECT_EQ(attribute(*traces, "neuron_names"), nlohmann::json({"AVAL", "AVAR", "RIML", "SMDVL"}));
  EXPECT_DOUBLE_EQ(attribute(*traces, "frame_rate").get<double>(), 4.0);
  EXPECT_EQ(traces->provenance().internalPath, "/acquisition");
  // Column n is series n's data.
  const auto riml = find(contents, "acquisition/RIML");
  ASSERT_TRUE(riml);
  for (std::size_t t = 0; t < 120; t += 17)
    EXPECT_EQ(traces->values()[t * 4 + 2], riml->values()[t]);
  // The same array when asked for by its group.
  const auto alone = nl::io::ReaderRegistry::builtin().open(path, "/acquisition");
  ASSERT_EQ(alone.datasets.size(), 1u);
  EXPECT_EQ(alone.datasets[0]->shape(), traces->shape());
}

TEST(AffinityInput, Suite2pFolder) {
  const auto folder = kData / "suite2p";
  const auto contents = nl::io::ReaderRegistry::builtin().open(folder);
  EXPECT_EQ(contents.readerName, "suite2p output");
  const auto corrected = find(contents, "F - 0.7 Fneu (cells)");
  ASSERT_TRUE(corrected);
  EXPECT_EQ(corrected->shape(), (std::vector<std::size_t>{100, 4}));  // frames × cells
  EXPECT_EQ(attribute(*corrected, "neuron_names"), nlohmann::json({"0", "2", "3", "5"}));
  EXPECT_DOUBLE_EQ(attribute(*corrected, "frame_rate").get<double>(), 7.5);  // ops.npy "fs"
  const auto plane = folder / "plane0";
  using namespace nl::io::readers;
  const auto F =
      readNpyValues(plane / "F.npy", parseNpyHeader(plane / "F.npy", readNpyHead(plane / "F.npy")));
  const auto N = readNpyValues(plane / "Fneu.npy",
                               parseNpyHeader(plane / "Fneu.npy", readNpyHead(plane / "Fneu.npy")));
  // Cell 2 (ROI 3), frame 10: F[3, 10] − 0.7 Fneu[3, 10].
  EXPECT_NEAR(corrected->values()[10 * 4 + 2], F[3 * 100 + 10] - 0.7 * N[3 * 100 + 10], 1e-9);
  EXPECT_EQ(find(contents, "spks (cells)")->shape(), (std::vector<std::size_t>{100, 4}));
  EXPECT_EQ(attribute(*find(contents, "F (all ROIs)"), "iscell"),
            nlohmann::json({1, 0, 1, 1, 0, 1}));
}

TEST(AffinityInput, PickledNumbersOfOps) {
  using nl::io::readers::pickledNumber;
  // protocol 4: \x8c\x02fs\x94 G <8 bytes big-endian 7.5>
  std::string bytes = std::string("\x80\x04}\x94(\x8c\x02") + "fs" + "\x94G";
  const std::string seven{"\x40\x1e\x00\x00\x00\x00\x00\x00", 8};
  EXPECT_EQ(pickledNumber(bytes + seven, "fs"), 7.5);
  EXPECT_EQ(pickledNumber(std::string("X\x02\0\0\0", 5) + "fsq\x01K\x1e", "fs"), 30.0);
  EXPECT_FALSE(pickledNumber("nothing here", "fs"));
}

TEST(AffinityInput, BadInputNamesTheFileAndTheProblem) {
  nl::test::TempDir dir;
  // A Flavell-shaped file whose timestamps do not fit the traces.
  {
    auto file = nl::io::h5::File::create(dir / "broken.h5");
    const auto root = file.root();
    root.createGroup("gcamp").writeDoubles("trace_array", std::vector<double>(20, 0.0), {10, 2});
    root.createGroup("timing").writeDoubles("timestamp_confocal", std::vector<double>(7, 0.0), {7});
  }
  auto error =
      nl::test::fileErrorOf([&] { nl::io::ReaderRegistry::builtin().open(dir / "broken.h5"); });
  ASSERT_TRUE(error);
  EXPECT_NE(std::string(error->what()).find("broken.h5"), std::string::npos) << error->what();
  EXPECT_NE(std::string(error->what()).find("7 times for the 10 frames"), std::string::npos)
      << error->what();
  // A suite2p folder whose iscell does not fit F.
  const auto plane = dir / "s2p";
  std::filesystem::create_directories(plane);
  nl::test::npyFile(dir, "s2p/F.npy", nl::test::simpleDict("<f4", "(3, 4)"),
                    nl::test::rawBytes(std::vector<float>(12, 1.0f)));
  nl::test::npyFile(dir, "s2p/iscell.npy", nl::test::simpleDict("<f8", "(2, 2)"),
                    nl::test::rawBytes(std::vector<double>(4, 1.0)));
  error = nl::test::fileErrorOf([&] { nl::io::ReaderRegistry::builtin().open(plane); });
  ASSERT_TRUE(error);
  EXPECT_NE(std::string(error->what()).find("iscell.npy"), std::string::npos) << error->what();
  EXPECT_NE(std::string(error->what()).find("2 rows for the 3 ROIs"), std::string::npos)
      << error->what();
}
