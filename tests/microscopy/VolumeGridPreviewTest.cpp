// Microscopy volumes on io::VolumeGrid: the grid of an OME-Zarr level (its
// scale transformation), of a 1:s preview (spacing × s, ceil(n / s) voxels),
// of the FISBe raw fixture, an HDF5 volume's element_size_um, and the step at
// which a shown preview matches a volume (what the main window overlays by).
#include <gtest/gtest.h>
#include <hdf5.h>

#include "io/Error.h"
#include "io/microscopy/Hdf5Volume.h"
#include "io/microscopy/ZarrReader.h"
#include "io/volume/VolumeGrid.h"
#include "tests/microscopy/ZarrWriter.h"
#include "tests/support/TestSupport.h"

namespace nl::io::microscopy {
namespace {

namespace zw = nl::test::zarr;

// A two-level OME-Zarr image (c, z, y, x) = (2, 10, 9, 8) at 2 × 0.5 × 0.25 µm.
std::filesystem::path writeOmeZarr(const std::filesystem::path& dir) {
  const auto image = dir / "img.zarr";
  std::filesystem::create_directories(image);
  nl::test::writeBytes(image / ".zgroup", R"({"zarr_format": 2})");
  nl::test::writeBytes(image / ".zattrs", R"({"multiscales": [{"version": "0.4",
    "axes": [{"name": "c", "type": "channel"},
             {"name": "z", "type": "space", "unit": "micrometer"},
             {"name": "y", "type": "space", "unit": "micrometer"},
             {"name": "x", "type": "space", "unit": "micrometer"}],
    "datasets": [
      {"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1, 2.0, 0.5, 0.25]}]},
      {"path": "1", "coordinateTransformations": [{"type": "scale", "scale": [1, 4.0, 1.0, 0.5]}]}]}]})");
  zw::Array level0;
  level0.shape = {2, 10, 9, 8};
  level0.chunks = {1, 5, 5, 5};
  level0.dtype = "<u2";
  level0.values.assign(2 * 10 * 9 * 8 * 2, '\0');
  for (std::size_t i = 0; i < level0.values.size() / 2; ++i)
    level0.values[2 * i] = static_cast<char>(i % 251);
  zw::write(image / "0", level0);
  zw::Array level1 = level0;
  level1.shape = {2, 5, 5, 4};
  level1.values.assign(2 * 5 * 5 * 4 * 2, '\0');
  zw::write(image / "1", level1);
  return image;
}

TEST(VolumeGridPreview, OmeZarrLevelsAndPreviewsHaveTheirSpacing) {
  nl::test::TempDir dir;
  const auto image = writeOmeZarr(dir.path());
  const auto finest = openZarrGroup(image, "").at(0);
  const VolumeGrid grid = finest->grid();
  EXPECT_EQ((std::array<std::size_t, 3>{grid.nx, grid.ny, grid.nz}),
            (std::array<std::size_t, 3>{8, 9, 10}));
  EXPECT_EQ(grid.spacing, (std::array<double, 3>{0.25, 0.5, 2.0}));
  EXPECT_EQ(grid.unit, "micrometer");
  // The attributes say the same through the one parser.
  const VolumeGrid parsed = readVolumeGrid(*finest, AxisOrder::CZYX);
  EXPECT_TRUE(parsed.sameGrid(grid, 0.0));
  EXPECT_EQ(parsed.spacing, grid.spacing);
  EXPECT_EQ(finest->attributes().at("spatial_units"), "micrometer");
  EXPECT_FALSE(finest->attributes().contains("voxel_size_unit"));

  VolumeOpenOptions second;
  second.level = 1;
  const auto coarse = openZarrGroup(image, "", second).at(0);
  EXPECT_EQ(readVolumeGrid(*coarse, AxisOrder::CZYX).spacing,
            (std::array<double, 3>{0.5, 1.0, 4.0}));

  // A 1:3 preview: ceil(n / 3) voxels, spacing × 3, as an ArrayDataset
  // [z][y][x][c] whose attributes read back to grid.subsampled(3).
  const auto preview = toArrayDataset(*finest, 3);
  EXPECT_EQ(preview->shape(), (std::vector<std::size_t>{4, 3, 3, 2}));
  const VolumeGrid shown = readVolumeGrid(*preview, AxisOrder::ZYXC);
  EXPECT_TRUE(shown.sameGrid(grid.subsampled(3), 0.0));
  EXPECT_EQ(shown.spacing, (std::array<double, 3>{0.75, 1.5, 6.0}));
  EXPECT_EQ(shown.unit, "micrometer");
  EXPECT_EQ(preview->attributes().at("step"), "3");
  EXPECT_EQ(previewShape(*finest, 3), (VolumeShape{2, 4, 3, 3}));
  const auto pooled = toArrayDatasetMaxPooled(*finest, 3);
  EXPECT_TRUE(readVolumeGrid(*pooled, AxisOrder::ZYXC).sameGrid(shown, 0.0));
}

TEST(VolumeGridPreview, FisbeRawFixtureGrid) {
  const char* const raw = "fisbe_raw/JRC_SS05008-20160318_24_B2_crop.zarr";
  NL_REQUIRE_FIXTURE(raw);
  const auto volume = openZarrArray(nl::test::fixtures() / raw, "volumes/raw");
  const VolumeGrid grid = readVolumeGrid(*volume, AxisOrder::CZYX);
  EXPECT_EQ((std::array<std::size_t, 3>{grid.nx, grid.ny, grid.nz}),
            (std::array<std::size_t, 3>{50, 50, 50}));
  EXPECT_TRUE(grid.sameGrid(volume->grid(), 0.0));
  // A 1:4 preview of 50 voxels keeps ceil(50 / 4) = 13 of them per axis.
  const auto preview = toArrayDatasetMaxPooled(*volume, 4);
  EXPECT_EQ(preview->shape(), (std::vector<std::size_t>{13, 13, 13, 3}));
  const VolumeGrid shown = readVolumeGrid(*preview, AxisOrder::ZYXC);
  for (std::size_t a = 0; a < 3; ++a) EXPECT_DOUBLE_EQ(shown.spacing[a], 4 * grid.spacing[a]);
}

void writeHdf5WithElementSize(const std::filesystem::path& path, const char* name,
                              std::vector<double> elementSize) {
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hsize_t dims[3] = {4, 5, 6};
  const hid_t space = H5Screate_simple(3, dims, nullptr);
  const hid_t dset =
      H5Dcreate2(file, name, H5T_STD_U8LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  std::vector<std::uint8_t> values(4 * 5 * 6, 7);
  H5Dwrite(dset, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  const hsize_t count = elementSize.size();
  const hid_t attrSpace = H5Screate_simple(1, &count, nullptr);
  const hid_t attr =
      H5Acreate2(dset, "element_size_um", H5T_IEEE_F32LE, attrSpace, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attr, H5T_NATIVE_DOUBLE, elementSize.data());
  H5Aclose(attr);
  H5Sclose(attrSpace);
  H5Dclose(dset);
  H5Sclose(space);
  H5Fclose(file);
}

TEST(VolumeGridPreview, Hdf5ElementSizeUmIsTheSpacing) {
  nl::test::TempDir dir;
  const auto path = dir / "ilastik.h5";
  writeHdf5WithElementSize(path, "raw", {2.0, 0.5, 0.25});  // z, y, x in µm
  const auto volume = openHdf5Volume(path, "raw");
  EXPECT_EQ(volume->voxelSize().x, 0.25);
  EXPECT_EQ(volume->voxelSize().z, 2.0);
  EXPECT_EQ(volume->voxelSize().unit, "micrometer");
  const VolumeGrid grid = readVolumeGrid(*volume, AxisOrder::CZYX);
  EXPECT_EQ(grid.spacing, (std::array<double, 3>{0.25, 0.5, 2.0}));
  EXPECT_EQ(grid.unit, "micrometer");

  const auto bad = dir / "bad.h5";
  writeHdf5WithElementSize(bad, "raw", {0.5, 0.25});
  try {
    openHdf5Volume(bad, "raw");
    ADD_FAILURE() << "two sizes for three axes were accepted";
  } catch (const FileError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("bad.h5"), std::string::npos) << message;
    EXPECT_NE(message.find("dataset '/raw'"), std::string::npos) << message;
    EXPECT_NE(message.find("attribute 'element_size_um'"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace nl::io::microscopy
