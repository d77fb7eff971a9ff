// TIFF stacks: the vesselNN 2-photon stack (LZW, 8-bit) against Pillow 9.4
// numbers, with its OME-XML sidecar's voxel size; stacks written here with
// libtiff for 16-bit deflate, OME-TIFF channels, ImageJ hyperstacks, tiles,
// RGB pages and damaged files.
#include <gtest/gtest.h>
#include <tiffio.h>

#include <fstream>

#include "io/ReaderRegistry.h"
#include "io/microscopy/TiffStackReader.h"
#include "tests/support/TestSupport.h"

namespace nl::io::microscopy {
namespace {

const char* const kStack = "vasculature/vesselNN_2photon/burgess2014_tgMouse_BM4D_denoised.tif";
const char* const kLabels = "vasculature/vesselNN_2photon/burgess2014_tgMouse_labels_v1.tif";

std::int64_t sum(const std::vector<std::uint8_t>& values) {
  std::int64_t s = 0;
  for (auto v : values) s += v;
  return s;
}

TEST(TiffStack, VesselNNStackMatchesPillowAndSidecarVoxelSize) {
  NL_REQUIRE_FIXTURE(kStack);
  const auto contents = ReaderRegistry::builtin().open(nl::test::fixtures() / kStack);
  EXPECT_EQ(contents.readerName, "TIFF stack");
  const auto& stack = dynamic_cast<const VolumeDataset&>(*contents.datasets.at(0));
  EXPECT_EQ(stack.volumeShape(), (VolumeShape{1, 15, 512, 512}));
  EXPECT_EQ(stack.voxelType(), VoxelType::UInt8);
  EXPECT_EQ(stack.kind(), DatasetKind::Volume);
  EXPECT_DOUBLE_EQ(stack.voxelSize().x, 0.994);
  EXPECT_DOUBLE_EQ(stack.voxelSize().y, 0.994);
  EXPECT_DOUBLE_EQ(stack.voxelSize().z, 5.0);
  EXPECT_EQ(stack.voxelSize().unit, "micrometer");
  EXPECT_NE(stack.attributes().at("voxel_size_source").find("burgess2014_tgMouse_metadata.xml.txt"),
            std::string::npos);
  const auto all = stack.read<std::uint8_t>(Box::whole(stack.volumeShape()));
  EXPECT_EQ(sum(all), 119617072);
  EXPECT_EQ(sum(stack.read<std::uint8_t>(Box{0, 1, 0, 1, 0, 512, 0, 512})), 7716557);
  EXPECT_EQ(sum(stack.read<std::uint8_t>(Box{0, 1, 7, 8, 0, 512, 0, 512})), 9298417);
  EXPECT_EQ(sum(stack.read<std::uint8_t>(Box{0, 1, 14, 15, 0, 512, 0, 512})), 3387075);
  EXPECT_EQ(all[(3 * 512 + 100) * 512 + 200], 3);
  EXPECT_EQ(all[(14 * 512 + 511) * 512 + 511], 2);
  EXPECT_EQ(all[0], 75);
  EXPECT_EQ(sum(stack.read<std::uint8_t>(Box{0, 1, 2, 9, 100, 300, 50, 450})), 24527340);
  EXPECT_EQ(sum(stack.read<std::uint8_t>(Box::whole(stack.volumeShape()), 4)), 2098603);
  EXPECT_EQ(sum(stack.read<std::uint8_t>(Box{0, 1, 1, 14, 10, 500, 7, 400}, 3)), 3782226);
}

TEST(TiffStack, VesselNNLabels) {
  NL_REQUIRE_FIXTURE(kLabels);
  const auto labels = openTiffStack(nl::test::fixtures() / kLabels);
  EXPECT_EQ(labels->labelEncoding(), LabelEncoding::LabelIds);
  const auto all = labels->read<std::uint8_t>(Box::whole(labels->volumeShape()));
  EXPECT_EQ(sum(all), 362345055);
  EXPECT_EQ(all[0], 255);
  EXPECT_EQ(sum(labels->read<std::uint8_t>(Box{0, 1, 2, 9, 100, 300, 50, 450})), 57809775);
}

// A stack written with libtiff: `pages` pages of width × height × samples.
struct TiffSpec {
  std::uint32_t width = 13, height = 9;
  std::uint16_t bits = 16, samples = 1, compression = COMPRESSION_ADOBE_DEFLATE;
  std::uint16_t sampleFormat = SAMPLEFORMAT_UINT;
  std::size_t pages = 6;
  std::string description;
  std::uint32_t tile = 0;  // 0: strips of 4 rows
  float resolution = 0;
};

std::uint16_t valueOf(std::size_t page, std::size_t y, std::size_t x, std::size_t s) {
  return static_cast<std::uint16_t>((page * 1000 + y * 40 + x * 3 + s * 11) % 65521);
}

void writeTiff(const std::filesystem::path& path, const TiffSpec& spec) {
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  ASSERT_NE(tif, nullptr);
  const std::size_t bytes = spec.bits / 8;
  for (std::size_t p = 0; p < spec.pages; ++p) {
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, spec.width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, spec.height);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, spec.bits);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, spec.samples);
    TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, spec.sampleFormat);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC,
                 spec.samples == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, spec.compression);
    if (spec.compression == COMPRESSION_LZW || spec.compression == COMPRESSION_ADOBE_DEFLATE)
      TIFFSetField(tif, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
    if (p == 0 && !spec.description.empty())
      TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, spec.description.c_str());
    if (spec.resolution > 0) {
      TIFFSetField(tif, TIFFTAG_XRESOLUTION, spec.resolution);
      TIFFSetField(tif, TIFFTAG_YRESOLUTION, spec.resolution);
      TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_NONE);
    }
    std::vector<unsigned char> page(spec.width * spec.height * spec.samples * bytes);
    for (std::size_t y = 0; y < spec.height; ++y)
      for (std::size_t x = 0; x < spec.width; ++x)
        for (std::size_t s = 0; s < spec.samples; ++s) {
          const std::uint16_t v = valueOf(p, y, x, s);
          const std::size_t i = (y * spec.width + x) * spec.samples + s;
          if (bytes == 1)
            page[i] = static_cast<unsigned char>(v & 0xff);
          else
            std::memcpy(page.data() + i * 2, &v, 2);
        }
    const std::size_t pixel = spec.samples * bytes;
    if (spec.tile > 0) {
      TIFFSetField(tif, TIFFTAG_TILEWIDTH, spec.tile);
      TIFFSetField(tif, TIFFTAG_TILELENGTH, spec.tile);
      std::vector<unsigned char> tile(spec.tile * spec.tile * pixel);
      for (std::uint32_t ty = 0; ty < spec.height; ty += spec.tile)
        for (std::uint32_t tx = 0; tx < spec.width; tx += spec.tile) {
          std::fill(tile.begin(), tile.end(), 0);
          for (std::uint32_t r = 0; r < spec.tile && ty + r < spec.height; ++r)
            for (std::uint32_t c = 0; c < spec.tile && tx + c < spec.width; ++c)
              std::memcpy(tile.data() + (r * spec.tile + c) * pixel,
                          page.data() + ((ty + r) * spec.width + tx + c) * pixel, pixel);
          TIFFWriteTile(tif, tile.data(), tx, ty, 0, 0);
        }
    } else {
      TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 4);
      for (std::uint32_t y = 0; y < spec.height; ++y)
        TIFFWriteScanline(tif, page.data() + y * spec.width * pixel, y, 0);
    }
    TIFFWriteDirectory(tif);
  }
  TIFFClose(tif);
}

TEST(TiffStack, SixteenBitDeflateStripsAndTiles) {
  nl::test::TempDir dir;
  for (std::uint32_t tile : {0u, 16u}) {
    TiffSpec spec;
    spec.tile = tile;
    spec.width = 37;
    spec.height = 21;
    writeTiff(dir / "s.tif", spec);
    const auto v = openTiffStack(dir / "s.tif");
    EXPECT_EQ(v->volumeShape(), (VolumeShape{1, 6, 21, 37}));
    EXPECT_EQ(v->voxelType(), VoxelType::UInt16);
    EXPECT_FALSE(v->voxelSize().fromFile());
    const auto all = v->read<std::uint16_t>(Box::whole(v->volumeShape()));
    for (std::size_t p = 0; p < 6; ++p)
      for (std::size_t y = 0; y < 21; ++y)
        for (std::size_t x = 0; x < 37; ++x)
          ASSERT_EQ(all[(p * 21 + y) * 37 + x], valueOf(p, y, x, 0)) << "tile " << tile;
  }
}

TEST(TiffStack, OmeXmlChannelsAndVoxelSize) {
  nl::test::TempDir dir;
  TiffSpec spec;
  spec.pages = 6;  // 2 channels × 3 z, XYCZT: channel fastest
  spec.description =
      R"(<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"><Pixels DimensionOrder="XYCZT" ID="Pixels:0" PhysicalSizeX="0.44" PhysicalSizeY="0.44" PhysicalSizeZ="2.5" PhysicalSizeZUnit="µm" SizeC="2" SizeT="1" SizeX="13" SizeY="9" SizeZ="3" Type="uint16"></Pixels></Image></OME>)";
  writeTiff(dir / "o.ome.tif", spec);
  const auto v = openTiffStack(dir / "o.ome.tif");
  EXPECT_EQ(v->volumeShape(), (VolumeShape{2, 3, 9, 13}));
  EXPECT_DOUBLE_EQ(v->voxelSize().x, 0.44);
  EXPECT_DOUBLE_EQ(v->voxelSize().z, 2.5);
  EXPECT_EQ(v->voxelSize().unit, "micrometer");
  EXPECT_EQ(v->attributes().at("voxel_size_source"), "OME-XML");
  const auto all = v->read<std::uint16_t>(Box::whole(v->volumeShape()));
  for (std::size_t c = 0; c < 2; ++c)
    for (std::size_t z = 0; z < 3; ++z)
      EXPECT_EQ(all[((c * 3 + z) * 9 + 4) * 13 + 5], valueOf(z * 2 + c, 4, 5, 0)) << c << " " << z;

  // XYZCT: z fastest.
  spec.description.replace(spec.description.find("XYCZT"), 5, "XYZCT");
  writeTiff(dir / "z.ome.tif", spec);
  const auto w = openTiffStack(dir / "z.ome.tif");
  EXPECT_EQ(w->read<std::uint16_t>(Box{1, 2, 0, 1, 0, 1, 0, 1})[0], valueOf(3, 0, 0, 0));

  EXPECT_FALSE(parseOmePixels("<xml>no pixels</xml>"));
  EXPECT_THROW(parseOmePixels(R"(<ome:Pixels SizeX="-3"/>)"), std::invalid_argument);
  EXPECT_EQ(
      parseOmePixels(R"(<ome:Pixels SizeX="3" PhysicalSizeX="2" PhysicalSizeXUnit="nm"/>)")->unitX,
      "nanometer");
}

TEST(TiffStack, ImageJHyperstackAndRgbPages) {
  nl::test::TempDir dir;
  TiffSpec spec;
  spec.bits = 8;
  spec.compression = COMPRESSION_LZW;
  spec.pages = 8;
  spec.resolution = 4;  // pixels per unit: 0.25 µm
  spec.description =
      "ImageJ=1.53t\nimages=8\nchannels=2\nslices=4\nhyperstack=true\nunit=micron\nspacing=1.5\n";
  writeTiff(dir / "ij.tif", spec);
  const auto v = openTiffStack(dir / "ij.tif");
  EXPECT_EQ(v->volumeShape(), (VolumeShape{2, 4, 9, 13}));
  EXPECT_DOUBLE_EQ(v->voxelSize().x, 0.25);
  EXPECT_DOUBLE_EQ(v->voxelSize().z, 1.5);
  EXPECT_EQ(v->voxelSize().unit, "micrometer");
  EXPECT_EQ(v->read<std::uint8_t>(Box{1, 2, 2, 3, 3, 4, 7, 8})[0],
            valueOf(2 * 2 + 1, 3, 7, 0) & 0xff);

  TiffSpec rgb;
  rgb.bits = 8;
  rgb.samples = 3;
  rgb.pages = 2;
  writeTiff(dir / "rgb.tif", rgb);
  const auto c = openTiffStack(dir / "rgb.tif");
  EXPECT_EQ(c->volumeShape(), (VolumeShape{3, 2, 9, 13}));
  EXPECT_EQ(c->read<std::uint8_t>(Box{2, 3, 1, 2, 8, 9, 12, 13})[0], valueOf(1, 8, 12, 2) & 0xff);
}

TEST(TiffStack, DamagedFilesAreClearErrors) {
  nl::test::TempDir dir;
  TiffSpec spec;
  spec.width = 200;
  spec.height = 100;
  writeTiff(dir / "s.tif", spec);
  std::string bytes;
  {
    std::ifstream in(dir / "s.tif", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Garbage over the compressed data of the first page (the directories stay intact).
  std::string damaged = bytes;
  for (std::size_t i = 16; i < 600; ++i) damaged[i] = static_cast<char>(i * 7);
  nl::test::writeBytes(dir / "d.tif", damaged);
  try {
    const auto v = openTiffStack(dir / "d.tif");
    v->read<std::uint16_t>(Box{0, 1, 0, 1, 0, 100, 0, 200});
    ADD_FAILURE() << "damaged strip read without error";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("d.tif"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("page 0"), std::string::npos) << e.what();
  }
  // The pointer to page 3's directory leads past the end: the stack is
  // damaged, not 3 pages long.
  std::uint64_t ifd = 0;
  {
    TIFF* tif = TIFFOpen((dir / "s.tif").c_str(), "r");
    ASSERT_TRUE(TIFFSetDirectory(tif, 2));
    ifd = TIFFCurrentDirOffset(tif);
    TIFFClose(tif);
  }
  std::string cut = bytes;
  std::uint16_t entries = 0;
  std::memcpy(&entries, cut.data() + ifd, 2);
  const std::uint32_t beyond = static_cast<std::uint32_t>(cut.size() + 4096);
  std::memcpy(cut.data() + ifd + 2 + 12 * entries, &beyond, 4);
  nl::test::writeBytes(dir / "cut.tif", cut);
  try {
    openTiffStack(dir / "cut.tif");
    ADD_FAILURE() << "damaged page list accepted";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("after page 2"), std::string::npos) << e.what();
  }
  nl::test::writeBytes(dir / "t.tif", bytes.substr(0, 12));
  EXPECT_THROW(openTiffStack(dir / "t.tif"), FileError);
  nl::test::writeBytes(dir / "n.tif", "II*\0garbage");
  EXPECT_THROW(openTiffStack(dir / "n.tif"), FileError);
  // Pages of different sizes are not a stack.
  TiffSpec a;
  writeTiff(dir / "a.tif", a);
  {
    TIFF* tif = TIFFOpen((dir / "a.tif").c_str(), "a");
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, 5);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, 5);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 16);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    std::vector<std::uint16_t> row(5, 1);
    for (std::uint32_t y = 0; y < 5; ++y) TIFFWriteScanline(tif, row.data(), y, 0);
    TIFFClose(tif);
  }
  try {
    openTiffStack(dir / "a.tif");
    ADD_FAILURE() << "mixed pages accepted";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("page 6"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ReaderRegistry::builtin().open(dir / "s.tif", "inner"), FileError);
}

}  // namespace
}  // namespace nl::io::microscopy
