// Allen units name their electrode by id (`peak_channel_id`), not by row: the
// NWB reader gives each unit the area, probe and depth of that electrode, as
// the AllenSDK's units table does (joined on the electrodes' ids).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "io/ReaderRegistry.h"
#include "io/hdf5/H5.h"
#include "tests/support/TestSupport.h"
#include "tests/tools/AllenNwbGenerator.h"

namespace {

TEST(UnitsElectrodes, PeakChannelIdsJoinTheElectrodesOnTheirIds) {
  nl::test::TempDir dir;
  nl::test::AllenNwbSpec spec;
  spec.probes = 3;
  spec.unitsPerProbe = 25;
  spec.durationSeconds = 30;
  spec.seed = 11;
  const auto path = dir / "allen.nwb";
  nl::test::writeAllenShapedNwb(path, spec);

  // What the file says, read without the reader.
  const auto file = nl::io::h5::File::openReadOnly(path);
  const auto units = file.root().openGroup("units");
  const auto electrodes = file.root().openGroup("general/extracellular_ephys/electrodes");
  const auto peak = units.readDoubles("peak_channel_id");
  const auto ids = electrodes.readDoubles("id");
  const auto locations = electrodes.readStrings("location");
  const auto depths = electrodes.readDoubles("probe_vertical_position");
  std::map<long long, std::size_t> rowOfId;
  for (std::size_t r = 0; r < ids.size(); ++r) rowOfId[std::llround(ids[r])] = r;
  ASSERT_GT(ids.front(), static_cast<double>(ids.size())) << "ids are not row numbers here";

  const auto contents = nl::io::ReaderRegistry::builtin().open(path);
  std::shared_ptr<const nl::io::SpikeRecording> recording;
  for (const auto& d : contents.datasets)
    if (auto r = std::dynamic_pointer_cast<const nl::io::SpikeRecording>(d)) recording = r;
  ASSERT_TRUE(recording);
  const auto& table = *recording->units();
  const auto* location = table.column("location");
  const auto* depth = table.numericColumn("probe_vertical_position");
  ASSERT_NE(location, nullptr);
  ASSERT_NE(depth, nullptr);
  ASSERT_EQ(table.rowCount(), peak.size());
  std::set<std::string> areas;
  for (std::size_t u = 0; u < peak.size(); ++u) {
    const std::size_t row = rowOfId.at(std::llround(peak[u]));
    EXPECT_EQ(location->cellText(u), locations[row]) << "unit " << u;
    EXPECT_DOUBLE_EQ((*depth)[u], depths[row]) << "unit " << u;
    areas.insert(location->cellText(u));
  }
  EXPECT_GE(areas.size(), 3u);
  EXPECT_EQ(areas.count(""), 0u);
}

}  // namespace
