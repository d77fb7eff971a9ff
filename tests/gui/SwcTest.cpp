// Allen Cell Types reconstructions (SWC) as branches for tubes: every edge of
// the tree drawn exactly once, coloured by structure type; broken trees refused.
#include <gtest/gtest.h>

#include <filesystem>

#include "io/ReaderRegistry.h"
#include "tests/support/TestSupport.h"
#include "widgets/scene/SwcLines.h"

namespace {

const std::filesystem::path kSwc =
    std::filesystem::path(NEUROLOUPE_FIXTURES_DIR) /
    "swc/allen_cell_types/Pvalb-IRES-Cre_Ai14_IVSCC_-172096.04.02.01_471781218_m.swc";

TEST(Swc, BranchesCoverEveryEdgeOnceInTypeColours) {
  NL_REQUIRE_FIXTURE_PATH(kSwc);
  const auto table = std::dynamic_pointer_cast<const nl::io::TableDataset>(
      nl::io::ReaderRegistry::builtin().open(kSwc).datasets.at(0));
  ASSERT_TRUE(table && nl::widgets::isSwcTable(*table));
  const auto branches = nl::widgets::swcBranches(*table);
  std::size_t edges = 0;
  for (const auto& line : branches.polylines) edges += line.size() - 1;
  std::size_t roots = 0;
  for (double parent : *table->numericColumn("parent")) roots += parent < 0 ? 1 : 0;
  EXPECT_EQ(edges, table->rowCount() - roots) << "one edge per non-root node";
  ASSERT_EQ(branches.colours.size(), branches.polylines.size());
  EXPECT_GT(branches.diagonal, 100.0) << "a whole cell spans hundreds of µm";
  bool dendrite = false;
  for (const auto& c : branches.colours) dendrite |= c == nl::widgets::swcTypeColour(3);
  EXPECT_TRUE(dendrite);
}

TEST(Swc, MissingParentIsRefused) {
  const nl::io::TableDataset table(nl::io::DatasetKind::Table, "broken",
                                   {{"id", std::vector<double>{1, 2}},
                                    {"type", std::vector<double>{1, 3}},
                                    {"x", std::vector<double>{0, 1}},
                                    {"y", std::vector<double>{0, 0}},
                                    {"z", std::vector<double>{0, 0}},
                                    {"radius", std::vector<double>{1, 1}},
                                    {"parent", std::vector<double>{-1, 7}}});
  EXPECT_THROW(nl::widgets::swcBranches(table), std::invalid_argument);
}

}  // namespace
