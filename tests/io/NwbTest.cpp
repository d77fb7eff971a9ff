// The NWB reader against real files written by pynwb/matnwb (expected numbers
// read with h5py and written down here) and against broken variants.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <nlohmann/json.hpp>

#include "io/ReaderRegistry.h"
#include "tests/support/TestSupport.h"

using namespace nl::io;
using nl::test::TempDir;

namespace {

template <typename T>
std::shared_ptr<const T> find(const FileContents& contents, const std::string& name) {
  for (const auto& d : contents.datasets)
    if (d->name() == name)
      if (auto typed = std::dynamic_pointer_cast<const T>(d)) return typed;
  return nullptr;
}

// A minimal NWB 2 file: a units table with spike times split by an index of
// the given HDF5 type, written with the C API so every variant is ours to break.
struct MiniNwb {
  std::string version = "2.6.0";
  hid_t indexType = H5T_STD_U16LE;
  std::vector<double> spikeTimes{0.5, 0.1, 0.9, 2.0, 3.0};  // unit 0 unsorted on purpose
  std::vector<long long> index{3, 5};
  bool withIndex = true;
  bool spikeTimesAsText = false;

  void write(const std::filesystem::path& path) const {
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hid_t text = H5Tcopy(H5T_C_S1);
    H5Tset_size(text, H5T_VARIABLE);
    const hid_t scalar = H5Screate(H5S_SCALAR);
    const char* v = version.c_str();
    const hid_t attr = H5Acreate2(file, "nwb_version", text, scalar, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(attr, text, &v);
    H5Aclose(attr);
    const hid_t units = H5Gcreate2(file, "units", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t n[1] = {spikeTimes.size()};
    const hid_t space = H5Screate_simple(1, n, nullptr);
    if (spikeTimesAsText) {
      std::vector<const char*> words(spikeTimes.size(), "x");
      const hid_t d =
          H5Dcreate2(units, "spike_times", text, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      H5Dwrite(d, text, H5S_ALL, H5S_ALL, H5P_DEFAULT, words.data());
      H5Dclose(d);
    } else {
      const hid_t d = H5Dcreate2(units, "spike_times", H5T_IEEE_F64LE, space, H5P_DEFAULT,
                                 H5P_DEFAULT, H5P_DEFAULT);
      H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, spikeTimes.data());
      H5Dclose(d);
    }
    const hsize_t u[1] = {index.size()};
    const hid_t unitSpace = H5Screate_simple(1, u, nullptr);
    if (withIndex) {
      const hid_t d = H5Dcreate2(units, "spike_times_index", indexType, unitSpace, H5P_DEFAULT,
                                 H5P_DEFAULT, H5P_DEFAULT);
      H5Dwrite(d, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, index.data());
      H5Dclose(d);
    }
    std::vector<long long> ids(index.size());
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<long long>(100 + i);
    const hid_t id =
        H5Dcreate2(units, "id", H5T_STD_I64LE, unitSpace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(id, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, ids.data());
    H5Dclose(id);
    H5Sclose(unitSpace), H5Sclose(space), H5Gclose(units), H5Sclose(scalar), H5Tclose(text),
        H5Fclose(file);
  }
};

std::string failure(const std::filesystem::path& path) {
  try {
    ReaderRegistry::builtin().open(path);
  } catch (const FileError& error) {
    EXPECT_EQ(error.path(), path);
    return error.reason();
  }
  ADD_FAILURE() << path << " opened";
  return {};
}

}  // namespace

TEST(Nwb, PhySortingFileMatchesH5py) {
  NL_REQUIRE_FIXTURE("nwb/A8604-211122.nwb");
  const auto contents =
      ReaderRegistry::builtin().open(nl::test::fixtures() / "nwb/A8604-211122.nwb");
  EXPECT_EQ(contents.readerName, "NWB 2.x");
  EXPECT_EQ(contents.metadata["nwb_version"], "2.4.0");
  EXPECT_EQ(contents.metadata["identifier"], "A8604-211122");
  const auto units = find<SpikeRecording>(contents, "units");
  ASSERT_TRUE(units);
  ASSERT_EQ(units->unitCount(), 3u);
  EXPECT_EQ(units->spikeCount(), 21354u);  // uint16 index: 11020, 15710, 21354
  EXPECT_EQ(units->spikesOfUnit(0).size(), 11020u);
  EXPECT_EQ(units->spikesOfUnit(1).size(), 4690u);
  EXPECT_DOUBLE_EQ(units->spikesOfUnit(0).front(), 0.030333);
  EXPECT_DOUBLE_EQ(units->spikesOfUnit(0).back(), 1087.352833);
  EXPECT_DOUBLE_EQ(units->spikesOfUnit(2).front(), 0.028133);
  EXPECT_EQ(*units->units()->numericColumn("id"), (std::vector<double>{6, 191, 206}));
  EXPECT_EQ(units->units()->column("electrode_group")->strings()[0],
            "group0_psb");  // object reference, resolved
  ASSERT_TRUE(units->electrodes());
  EXPECT_EQ(units->electrodes()->rowCount(), 383u);
  EXPECT_EQ(units->electrodes()->kind(), DatasetKind::Electrodes);
  EXPECT_EQ(units->electrodes()->column("group_name")->strings()[0], "group0_psb");
  const auto epochs = find<TableDataset>(contents, "epochs");
  ASSERT_TRUE(epochs);
  EXPECT_DOUBLE_EQ((*epochs->numericColumn("stop_time"))[0], 1087.5289);
  EXPECT_EQ(epochs->column("tags")->strings()[0], "wake");  // ragged tags through a uint8 index
}

TEST(Nwb, HumanSingleUnitFileMatchesH5py) {
  NL_REQUIRE_FIXTURE("nwb/sub-4_ses-4_ecephys+image.nwb");
  const auto contents =
      ReaderRegistry::builtin().open(nl::test::fixtures() / "nwb/sub-4_ses-4_ecephys+image.nwb");
  EXPECT_EQ(contents.metadata["subject"]["species"], "Homo sapiens");
  EXPECT_EQ(contents.metadata["session_start_time"], "1900-01-01T00:00:00.000000-08:00");
  const auto units = find<SpikeRecording>(contents, "units");
  ASSERT_TRUE(units);
  EXPECT_EQ(units->unitCount(), 35u);
  EXPECT_EQ(units->spikeCount(), 214278u);  // uint32 index
  EXPECT_EQ(units->spikesOfUnit(0).size(), 19750u);
  EXPECT_EQ(units->spikesOfUnit(3).size(), 19509u);
  EXPECT_DOUBLE_EQ(units->spikesOfUnit(0).front(), 0.03942225);
  EXPECT_DOUBLE_EQ(units->spikesOfUnit(0).back(), 2821.02354625);
  EXPECT_DOUBLE_EQ(units->spikesOfUnit(34).front(), 6.18768175);
  EXPECT_DOUBLE_EQ(units->spikesOfUnit(34).back(), 2818.037739);
  // Units → electrodes region → the electrode's location.
  EXPECT_EQ((*units->units()->numericColumn("electrodes"))[4], 9.0);
  EXPECT_EQ(units->units()->column("location")->strings()[4], "amygdala_right");     // row 9
  EXPECT_EQ(units->units()->column("location")->strings()[0], "hippocampus_right");  // row 10
  const auto encoding = find<TableDataset>(contents, "encoding_table");
  ASSERT_TRUE(encoding);
  EXPECT_EQ(encoding->rowCount(), 90u);
  EXPECT_DOUBLE_EQ((*encoding->numericColumn("start_time"))[0], 1.06846275);
  EXPECT_EQ(encoding->column("Clip_name")->strings()[0], "NB_24.mp4");
  EXPECT_TRUE(find<TableDataset>(contents, "recognition_table"));
  const auto events = find<ArrayDataset>(contents, "acquisition/events");
  ASSERT_TRUE(events);
  EXPECT_FALSE(events->isLoaded());
  EXPECT_EQ(std::vector<double>(events->values().begin(), events->values().begin() + 5),
            (std::vector<double>{0, 61, 11, 1, 2}));
  // One table by internal path.
  const auto one = ReaderRegistry::builtin().open(
      nl::test::fixtures() / "nwb/sub-4_ses-4_ecephys+image.nwb", "/intervals/encoding_table");
  ASSERT_EQ(one.datasets.size(), 1u);
  EXPECT_EQ(one.datasets.front()->name(), "encoding_table");
}

TEST(Nwb, AnyIntegerIndexTypeAndUnsortedSpikes) {
  TempDir dir;
  for (hid_t type : {H5T_STD_U16LE, H5T_STD_I32BE, H5T_STD_U64LE, H5T_STD_U8LE}) {
    MiniNwb mini;
    mini.indexType = type;
    const auto path = dir / "mini.nwb";
    mini.write(path);
    const auto contents = ReaderRegistry::builtin().open(path);
    const auto units = find<SpikeRecording>(contents, "units");
    ASSERT_TRUE(units);
    EXPECT_EQ(units->unitCount(), 2u);
    const auto first = units->spikesOfUnit(0);
    EXPECT_EQ(std::vector<double>(first.begin(), first.end()),
              (std::vector<double>{0.1, 0.5, 0.9}));
    EXPECT_EQ(units->spikesOfUnit(1).size(), 2u);
    // All trains at once (views of the file's mapping here): the unsorted
    // unit comes back sorted all the same, its neighbour untouched.
    const auto fresh = find<SpikeRecording>(ReaderRegistry::builtin().open(path), "units");
    const auto trains = fresh->allTrains();
    ASSERT_EQ(trains.size(), 2u);
    EXPECT_EQ(std::vector<double>(trains[0].begin(), trains[0].end()),
              (std::vector<double>{0.1, 0.5, 0.9}));
    EXPECT_EQ(std::vector<double>(trains[1].begin(), trains[1].end()),
              (std::vector<double>{2.0, 3.0}));
  }
}

TEST(Nwb, BrokenFilesAreRefusedWithTheReason) {
  TempDir dir;
  auto broken = [&](const std::string& name, auto&& change) {
    MiniNwb mini;
    change(mini);
    const auto path = dir / name;
    mini.write(path);
    return failure(path);
  };
  EXPECT_NE(
      broken("noindex.nwb", [](MiniNwb& m) { m.withIndex = false; }).find("spike_times_index"),
      std::string::npos);
  EXPECT_NE(broken("past.nwb",
                   [](MiniNwb& m) {
                     m.index = {3, 9};
                   })
                .find("past the end"),
            std::string::npos);
  EXPECT_NE(broken("decreasing.nwb",
                   [](MiniNwb& m) {
                     m.index = {4, 2};
                   })
                .find("decreases"),
            std::string::npos);
  EXPECT_NE(broken("text.nwb", [](MiniNwb& m) { m.spikeTimesAsText = true; }).find("not numeric"),
            std::string::npos);
  EXPECT_NE(broken("v1.nwb", [](MiniNwb& m) { m.version = "NWB-1.0.6"; }).find("NWB 1.x"),
            std::string::npos);
  EXPECT_NE(
      broken("v3.nwb", [](MiniNwb& m) { m.version = "3.0.0"; }).find("unsupported NWB version"),
      std::string::npos);
  // An HDF5 file named .nwb that is not NWB at all.
  const auto plain = dir / "plain.nwb";
  const hid_t file = H5Fcreate(plain.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(file);
  EXPECT_NE(failure(plain).find("not NWB"), std::string::npos);
}

TEST(Nwb, TruncatedRealFileIsAnErrorNotACrash) {
  NL_REQUIRE_FIXTURE("nwb/sub-4_ses-4_ecephys+image.nwb");
  TempDir dir;
  std::ifstream in(nl::test::fixtures() / "nwb/sub-4_ses-4_ecephys+image.nwb", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  for (double fraction : {0.1, 0.5, 0.9}) {
    const auto path = dir / "cut.nwb";
    nl::test::writeBytes(path, bytes.substr(0, static_cast<std::size_t>(bytes.size() * fraction)));
    EXPECT_FALSE(failure(path).empty()) << fraction;
  }
}

// Devices and electrode groups become tables; everything else with a
// neurodata_type (Subject, an OpticalSeries under /stimulus) is listed with its
// attributes and datasets, not dropped. Values as h5py reads them.
TEST(Nwb, DevicesGroupsAndOtherObjectsAreKept) {
  NL_REQUIRE_FIXTURE("nwb/sub-4_ses-4_ecephys+image.nwb");
  const auto contents =
      ReaderRegistry::builtin().open(nl::test::fixtures() / "nwb/sub-4_ses-4_ecephys+image.nwb");
  const auto devices = find<TableDataset>(contents, "devices");
  ASSERT_TRUE(devices);
  EXPECT_EQ(devices->rowCount(), 19u);
  EXPECT_EQ(devices->column("name")->cellText(0), "NLX-microwires-139");
  EXPECT_EQ(devices->column("neurodata_type")->cellText(0), "Device");
  EXPECT_TRUE(
      devices->column("description")
          ->cellText(0)
          .starts_with("Recordings were performed with Macro-Micro Hybrid Depth Electrodes"));
  const auto groups = find<TableDataset>(contents, "electrode groups");
  ASSERT_TRUE(groups);
  EXPECT_EQ(groups->rowCount(), 19u) << "the electrodes table is not a group";
  EXPECT_EQ(groups->column("location")->cellText(0), "hippocampus_right");
  EXPECT_EQ(groups->column("location")->cellText(5), "amygdala_right");
  EXPECT_EQ(groups->column("device")->cellText(5), "NLX-microwires-154");
  EXPECT_EQ(groups->column("description")->cellText(0), "Microwire");

  const auto others = find<TableDataset>(contents, "other NWB objects");
  ASSERT_TRUE(others);
  const auto& paths = others->column("path")->strings();
  const auto row = [&paths](const std::string& path) {
    return static_cast<std::size_t>(std::find(paths.begin(), paths.end(), path) - paths.begin());
  };
  const std::size_t optical = row("/stimulus/presentation/StimulusPresentation_encoding");
  ASSERT_LT(optical, paths.size());
  EXPECT_EQ(others->column("neurodata_type")->cellText(optical), "OpticalSeries");
  EXPECT_NE(others->column("attributes")->cellText(optical).find("description = no description"),
            std::string::npos);
  const std::string datasets = others->column("datasets")->cellText(optical);
  EXPECT_NE(datasets.find("data [2×2×2] float64"), std::string::npos) << datasets;
  EXPECT_NE(datasets.find("timestamps [90] float64"), std::string::npos) << datasets;
  ASSERT_LT(row("/general/subject"), paths.size());
  // Objects that are datasets of their own are not listed again.
  for (const char* consumed :
       {"/units", "/general/extracellular_ephys/electrodes", "/intervals/encoding_table",
        "/acquisition/events", "/general/devices/NLX-microwires-139"})
    EXPECT_EQ(row(consumed), paths.size()) << consumed;
  // The same objects as a tree for the data browser.
  const auto tree = nlohmann::json::parse(others->attributes().at("object_tree"));
  ASSERT_EQ(tree.size(), paths.size());
  EXPECT_EQ(tree[optical]["attributes"]["comments"], "no comments");

  // The phy file: one device with empty strings, one group linked to it.
  const auto phy = ReaderRegistry::builtin().open(nl::test::fixtures() / "nwb/A8604-211122.nwb");
  const auto phyGroups = find<TableDataset>(phy, "electrode groups");
  ASSERT_TRUE(phyGroups);
  EXPECT_EQ(phyGroups->column("name")->cellText(0), "group0_psb");
  EXPECT_EQ(phyGroups->column("description")->cellText(0), "neuropixel");
  EXPECT_EQ(phyGroups->column("device")->cellText(0), "-0");
}
