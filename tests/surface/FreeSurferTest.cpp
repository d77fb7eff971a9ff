// Synthetic FreeSurfer surfaces, curv, annot (colour-table version 1),
// labels and MGH volumes; hostile variants of each.
#include <gtest/gtest.h>

#include <limits>

#include "io/ReaderRegistry.h"
#include "io/surface/FreeSurfer.h"
#include "io/volume/Mgh.h"
#include "tests/surface/SurfaceTestSupport.h"

namespace {

using nl::io::ArrayDataset;
using nl::io::FileError;
using nl::test::append;
using nl::test::TempDir;

std::string surfaceBytes(const std::vector<float>& points, const std::vector<std::int32_t>& faces,
                         std::int32_t vertexCount = std::numeric_limits<std::int32_t>::min()) {
  std::string s("\xff\xff\xfe", 3);
  s += "created by test on today\n\n";
  append<std::int32_t>(s,
                       vertexCount != std::numeric_limits<std::int32_t>::min()
                           ? vertexCount
                           : static_cast<std::int32_t>(points.size() / 3),
                       true);
  append<std::int32_t>(s, static_cast<std::int32_t>(faces.size() / 3), true);
  for (float p : points) append(s, p, true);
  for (std::int32_t f : faces) append(s, f, true);
  return s;
}

const std::vector<float> kPoints{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
const std::vector<std::int32_t> kFaces{0, 1, 2, 0, 1, 3, 0, 2, 3, 1, 2, 3};

TEST(FreeSurfer, SurfaceRecognisedByMagicAndName) {
  TempDir dir;
  nl::test::writeBytes(dir / "rh.pial", surfaceBytes(kPoints, kFaces));
  nl::test::writeBytes(dir / "anything", surfaceBytes(kPoints, kFaces));
  for (const char* name : {"rh.pial", "anything"}) {
    const auto contents = nl::io::ReaderRegistry::builtin().open(dir / name);
    EXPECT_EQ(contents.readerName, "FreeSurfer surface");
    const auto& mesh = dynamic_cast<const nl::io::SurfaceMeshDataset&>(*contents.datasets.at(0));
    EXPECT_EQ(mesh.vertices(), kPoints);
    EXPECT_EQ(mesh.triangles(), kFaces);
  }
}

TEST(FreeSurfer, BrokenSurfacesGiveFileErrors) {
  TempDir dir;
  auto expectError = [&](const std::string& name, const std::string& bytes,
                         const std::string& words) {
    SCOPED_TRACE(name);
    nl::test::writeBytes(dir / name, bytes);
    try {
      nl::io::surface::readFreeSurferSurface(dir / name);
      ADD_FAILURE() << "no error";
    } catch (const FileError& error) {
      EXPECT_NE(std::string(error.what()).find(words), std::string::npos) << error.what();
    }
  };
  auto badFaces = kFaces;
  badFaces[11] = 4;
  expectError("lh.badface", surfaceBytes(kPoints, badFaces), "refers to vertex 4");
  auto nan = kPoints;
  nan[4] = std::numeric_limits<float>::quiet_NaN();
  expectError("lh.nan", surfaceBytes(nan, kFaces), "non-finite");
  expectError("lh.count", surfaceBytes(kPoints, kFaces, 1 << 30), "file ends before");
  expectError("lh.negative", surfaceBytes(kPoints, kFaces, -5), "negative");
  expectError("lh.magic", "\x01\x02\x03hello", "magic");
  expectError("lh.white.gz", nl::test::gzipBytes(surfaceBytes(kPoints, kFaces)).substr(0, 40),
              "truncated");
  std::string corrupt = nl::test::gzipBytes(surfaceBytes(kPoints, kFaces));
  corrupt[12] = static_cast<char>(corrupt[12] ^ 0x55);
  corrupt[13] = static_cast<char>(corrupt[13] ^ 0x55);
  nl::test::writeBytes(dir / "lh.corrupt.gz", corrupt);
  EXPECT_THROW(nl::io::surface::readFreeSurferSurface(dir / "lh.corrupt.gz"), FileError);
}

TEST(FreeSurfer, CurvNewAndOldFormats) {
  TempDir dir;
  std::string curv("\xff\xff\xff", 3);
  append<std::int32_t>(curv, 3, true);
  append<std::int32_t>(curv, 2, true);
  append<std::int32_t>(curv, 1, true);
  for (float v : {0.5f, -1.25f, 3.0f}) append(curv, v, true);
  nl::test::writeBytes(dir / "lh.curv", curv);
  const auto contents = nl::io::ReaderRegistry::builtin().open(dir / "lh.curv");
  EXPECT_EQ(contents.readerName, "FreeSurfer curv");
  EXPECT_EQ(dynamic_cast<const ArrayDataset&>(*contents.datasets.at(0)).values(),
            (std::vector<double>{0.5, -1.25, 3}));
  std::string old("\x00\x00\x03\x00\x00\x02", 6);
  for (std::int16_t v : {std::int16_t{150}, std::int16_t{-25}, std::int16_t{0}})
    append(old, v, true);
  nl::test::writeBytes(dir / "rh.thickness", old);
  const auto oldContents = nl::io::ReaderRegistry::builtin().open(dir / "rh.thickness");
  EXPECT_EQ(dynamic_cast<const ArrayDataset&>(*oldContents.datasets.at(0)).values(),
            (std::vector<double>{1.5, -0.25, 0}));
  nl::test::writeBytes(dir / "lh.sulc", curv.substr(0, curv.size() - 2));
  EXPECT_THROW(nl::io::ReaderRegistry::builtin().open(dir / "lh.sulc"), FileError);
}

TEST(FreeSurfer, AnnotWithVersion1ColourTable) {
  TempDir dir;
  std::string annot;
  append<std::int32_t>(annot, 3, true);
  // vertex 0 → red (255,0,0), 1 → nothing (0), 2 → green (0,255,0)
  for (auto [vertex, value] : {std::pair{0, 255}, std::pair{1, 0}, std::pair{2, 255 << 8}}) {
    append<std::int32_t>(annot, vertex, true);
    append<std::int32_t>(annot, value, true);
  }
  append<std::int32_t>(annot, 1, true);  // has a colour table
  append<std::int32_t>(annot, 2, true);  // version 1: entry count
  append<std::int32_t>(annot, 4, true);
  annot += std::string("ctab", 4);
  for (auto [name, r, g] : {std::tuple{"red", 255, 0}, std::tuple{"green", 0, 255}}) {
    const std::string n = std::string(name) + '\0';
    append<std::int32_t>(annot, static_cast<std::int32_t>(n.size()), true);
    annot += n;
    for (std::int32_t c : {r, g, 0, 0}) append<std::int32_t>(annot, c, true);
  }
  nl::test::writeBytes(dir / "lh.test.annot", annot);
  const auto a = nl::io::surface::readFreeSurferAnnot(dir / "lh.test.annot");
  EXPECT_EQ(a.labels->values(), (std::vector<double>{0, -1, 1}));
  EXPECT_EQ(a.colorTable->column("name")->strings(), (std::vector<std::string>{"red", "green"}));
  EXPECT_EQ(a.colorTable->attributes().at("colortable_version"), "1");
  // A vertex index past the count and an unknown table version are errors.
  std::string badVertex = annot;
  nl::test::putAt<std::int32_t>(badVertex, 4 + 8, 7, true);
  nl::test::writeBytes(dir / "bad.annot", badVertex);
  EXPECT_THROW(nl::io::surface::readFreeSurferAnnot(dir / "bad.annot"), FileError);
  std::string badVersion = annot;
  nl::test::putAt<std::int32_t>(badVersion, 4 + 24 + 4, -3, true);
  nl::test::writeBytes(dir / "version.annot", badVersion);
  EXPECT_THROW(nl::io::surface::readFreeSurferAnnot(dir / "version.annot"), FileError);
  nl::test::writeBytes(dir / "short.annot", annot.substr(0, 20));
  EXPECT_THROW(nl::io::surface::readFreeSurferAnnot(dir / "short.annot"), FileError);
}

TEST(FreeSurfer, LabelFile) {
  TempDir dir;
  nl::test::writeBytes(dir / "lh.V1.label",
                       "#!ascii label  , from subject fsaverage vox2ras=TkReg\n2\n"
                       "12  -1.5  2.0  3.25 0.0000000000\n40 0 0 0 1\n");
  const auto contents = nl::io::ReaderRegistry::builtin().open(dir / "lh.V1.label");
  EXPECT_EQ(contents.readerName, "FreeSurfer label");
  const auto& table = dynamic_cast<const nl::io::TableDataset&>(*contents.datasets.at(0));
  EXPECT_EQ(*table.numericColumn("vertex"), (std::vector<double>{12, 40}));
  EXPECT_EQ(*table.numericColumn("z"), (std::vector<double>{3.25, 0}));
  nl::test::writeBytes(dir / "short.label", "#!ascii\n3\n1 0 0 0 0\n");
  EXPECT_THROW(nl::io::surface::readFreeSurferLabel(dir / "short.label"), FileError);
  nl::test::writeBytes(dir / "huge.label", "#!ascii\n99999999999\n");
  EXPECT_THROW(nl::io::surface::readFreeSurferLabel(dir / "huge.label"), FileError);
}

std::string mghBytes(std::array<std::int32_t, 4> dims, std::int32_t type, const std::string& data) {
  std::string h;
  append<std::int32_t>(h, 1, true);
  for (auto d : dims) append<std::int32_t>(h, d, true);
  append<std::int32_t>(h, type, true);
  append<std::int32_t>(h, 0, true);
  append<std::int16_t>(h, 1, true);
  for (float v : {2.0f, 3.0f, 4.0f}) append(h, v, true);
  for (float v : {-1.0f, 0.0f, 0.0f, 0.0f, 0.0f, -1.0f, 0.0f, 1.0f, 0.0f}) append(h, v, true);
  for (float v : {10.0f, 20.0f, 30.0f}) append(h, v, true);
  h.resize(284, '\0');
  return h + data;
}

TEST(FreeSurfer, MghEveryTypeAndAffine) {
  TempDir dir;
  using nl::test::rawBytes;
  const std::vector<std::pair<std::int32_t, std::string>> cases = {
      {0, rawBytes(std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6}, true)},
      {1, rawBytes(std::vector<std::int32_t>{1, 2, 3, 4, 5, 6}, true)},
      {3, rawBytes(std::vector<float>{1, 2, 3, 4, 5, 6}, true)},
      {4, rawBytes(std::vector<std::int16_t>{1, 2, 3, 4, 5, 6}, true)}};
  for (const auto& [type, data] : cases) {
    SCOPED_TRACE(type);
    const auto path = dir / ("t" + std::to_string(type) + ".mgz");
    nl::test::writeBytes(path, nl::test::gzipBytes(mghBytes({1, 2, 3, 1}, type, data)));
    const auto volume =
        std::dynamic_pointer_cast<const ArrayDataset>(nl::io::volume::readMgh(path));
    EXPECT_EQ(volume->shape(), (std::vector<std::size_t>{3, 2, 1}));
    EXPECT_EQ(volume->values(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
    // nibabel: MdcD = Mdc.T * delta; translation = c_ras - MdcD @ dims / 2.
    EXPECT_EQ(volume->attributes().at("affine"), "-2,0,0,11,0,0,4,14,0,-3,0,33,0,0,0,1");
  }
}

TEST(FreeSurfer, MghPerVertexFramesBecomeColumns) {
  TempDir dir;
  // 3 vertices × 2 frames, x fastest: frame 0 = 1,2,3; frame 1 = 4,5,6.
  nl::test::writeBytes(
      dir / "lh.series.mgh",
      mghBytes({3, 1, 1, 2}, 3, nl::test::rawBytes(std::vector<float>{1, 2, 3, 4, 5, 6}, true)));
  const auto overlay =
      std::dynamic_pointer_cast<const ArrayDataset>(nl::io::volume::readMgh(dir / "lh.series.mgh"));
  EXPECT_EQ(overlay->kind(), nl::io::DatasetKind::SurfaceOverlay);
  EXPECT_EQ(overlay->shape(), (std::vector<std::size_t>{3, 2}));
  EXPECT_EQ(overlay->values(), (std::vector<double>{1, 4, 2, 5, 3, 6}));
}

TEST(FreeSurfer, BrokenMghGivesFileErrors) {
  TempDir dir;
  const std::string good =
      mghBytes({1, 2, 3, 1}, 3, nl::test::rawBytes(std::vector<float>(6, 1.0f), true));
  auto expectError = [&](const std::string& name, const std::string& bytes,
                         const std::string& words) {
    SCOPED_TRACE(name);
    nl::test::writeBytes(dir / name, bytes);
    try {
      const auto dataset = nl::io::volume::readMgh(dir / name);
      (void)dynamic_cast<const ArrayDataset&>(*dataset).values();
      ADD_FAILURE() << "no error";
    } catch (const FileError& error) {
      EXPECT_NE(std::string(error.what()).find(words), std::string::npos) << error.what();
    }
  };
  expectError("version.mgh", std::string(4, '\x05') + good.substr(4), "version");
  std::string type = good;
  nl::test::putAt<std::int32_t>(type, 20, 7, true);
  expectError("type.mgh", type, "data type");
  expectError("short.mgh", good.substr(0, good.size() - 4), "bytes");
  expectError("header.mgh", good.substr(0, 50), "file ends before");
  std::string huge = good;
  for (int i = 0; i < 4; ++i) nl::test::putAt<std::int32_t>(huge, 4 + 4 * i, 1 << 30, true);
  expectError("huge.mgz", nl::test::gzipBytes(huge), "");
  expectError("trunc.mgz", nl::test::gzipBytes(good).substr(0, 30), "truncated");
  std::string zero = good;
  nl::test::putAt<std::int32_t>(zero, 8, 0, true);
  expectError("zero.mgh", zero, "dimension");
}

}  // namespace
