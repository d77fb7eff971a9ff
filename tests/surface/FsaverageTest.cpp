#include <gtest/gtest.h>

#include "io/surface/Fsaverage.h"

namespace {

using nl::io::surface::fitOverlayToMesh;
using nl::io::surface::fsaverageOrder;
using nl::io::surface::fsaverageVertexCount;
using nl::io::surface::overlayRowsForMesh;

TEST(Fsaverage, IcosahedronVertexCounts) {
  EXPECT_EQ(fsaverageVertexCount(7), 163842u);
  EXPECT_EQ(fsaverageVertexCount(6), 40962u);
  EXPECT_EQ(fsaverageVertexCount(5), 10242u);
  EXPECT_EQ(fsaverageVertexCount(3), 642u);
  EXPECT_EQ(fsaverageVertexCount(8), 0u);
  EXPECT_EQ(fsaverageOrder(10242), 5);
  EXPECT_EQ(fsaverageOrder(149244), -1);
}

TEST(Fsaverage, OverlayRowsRule) {
  EXPECT_EQ(overlayRowsForMesh(149244, 149244), 149244u);  // equal: anything goes
  EXPECT_EQ(overlayRowsForMesh(163842, 10242), 10242u);    // fsaverage on fsaverage5
  EXPECT_EQ(overlayRowsForMesh(163842, 40962), 40962u);    // fsaverage on fsaverage6
  EXPECT_EQ(overlayRowsForMesh(40962, 10242), 10242u);     // fsaverage6 on fsaverage5
  EXPECT_THROW(overlayRowsForMesh(10242, 163842), std::invalid_argument);   // coarser on finer
  EXPECT_THROW(overlayRowsForMesh(163842, 149244), std::invalid_argument);  // subject mesh
  try {
    overlayRowsForMesh(10000, 10242);
    FAIL();
  } catch (const std::invalid_argument& error) {
    const std::string what = error.what();
    EXPECT_NE(what.find("10000"), std::string::npos);
    EXPECT_NE(what.find("fsaverage5"), std::string::npos);
  }
}

TEST(Fsaverage, FitKeepsFirstRowsOfEveryColumn) {
  std::vector<double> values(40962 * 2);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i);
  const auto overlay = std::make_shared<const nl::io::ArrayDataset>(
      nl::io::DatasetKind::SurfaceOverlay, "two columns", std::vector<std::size_t>{40962, 2},
      values);
  const auto fitted = fitOverlayToMesh(overlay, 10242);
  EXPECT_EQ(fitted->shape(), (std::vector<std::size_t>{10242, 2}));
  EXPECT_EQ(fitted->values().back(), 10242.0 * 2 - 1);
  EXPECT_EQ(fitOverlayToMesh(overlay, 40962), overlay);
  EXPECT_THROW(fitOverlayToMesh(overlay, 2000), std::invalid_argument);
}

}  // namespace
