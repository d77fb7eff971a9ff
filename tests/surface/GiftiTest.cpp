// Synthetic GIfTI files: every encoding, both byte orders, column-major,
// external data, the coordinate transform, labels, multi-column overlays and
// broken files.
#include <gtest/gtest.h>

#include "io/ReaderRegistry.h"
#include "io/surface/Gifti.h"
#include "tests/surface/SurfaceTestSupport.h"

namespace {

using nl::io::ArrayDataset;
using nl::io::FileError;
using nl::io::SurfaceMeshDataset;
using nl::io::TableDataset;
using nl::io::surface::readGifti;
using nl::test::TempDir;

struct ArraySpec {
  std::string intent;
  std::string dataType;
  std::vector<std::size_t> dims;
  std::string encoding;
  std::string data;  // already encoded
  std::string endian = "LittleEndian";
  std::string order = "RowMajorOrder";
  std::string extra;  // e.g. ExternalFile attributes
  std::string inner;  // e.g. a CoordinateSystemTransformMatrix
};

std::string dataArray(const ArraySpec& a) {
  std::string xml = "<DataArray Intent=\"" + a.intent + "\" DataType=\"" + a.dataType +
                    "\" ArrayIndexingOrder=\"" + a.order + "\" Dimensionality=\"" +
                    std::to_string(a.dims.size()) + "\"";
  for (std::size_t i = 0; i < a.dims.size(); ++i)
    xml += " Dim" + std::to_string(i) + "=\"" + std::to_string(a.dims[i]) + "\"";
  xml += " Encoding=\"" + a.encoding + "\" Endian=\"" + a.endian + "\" " + a.extra + ">\n";
  xml += a.inner + "<Data>" + a.data + "</Data></DataArray>\n";
  return xml;
}

std::string gifti(const std::vector<ArraySpec>& arrays, const std::string& labelTable = "") {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<GIFTI Version=\"1.0\" "
      "NumberOfDataArrays=\"" +
      std::to_string(arrays.size()) +
      "\">\n"
      "<MetaData><MD><Name><![CDATA[AnatomicalStructurePrimary]]></Name>"
      "<Value><![CDATA[CortexRight]]></Value></MD></MetaData>\n";
  xml += labelTable.empty() ? "<LabelTable/>\n" : labelTable;
  for (const auto& a : arrays) xml += dataArray(a);
  return xml + "</GIFTI>\n";
}

// A tetrahedron: 4 vertices, 4 faces.
const std::vector<float> kPoints{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
const std::vector<std::int32_t> kFaces{0, 1, 2, 0, 1, 3, 0, 2, 3, 1, 2, 3};

std::string encode(const std::string& raw, const std::string& encoding) {
  if (encoding == "Base64Binary") return nl::test::base64(raw);
  return nl::test::base64(nl::test::gzipBytes(raw, true));
}

TEST(Gifti, MeshInEveryBinaryEncodingAndByteOrder) {
  TempDir dir;
  for (const std::string encoding : {"Base64Binary", "GZipBase64Binary"})
    for (bool bigEndian : {false, true}) {
      SCOPED_TRACE(encoding + (bigEndian ? " big" : " little"));
      const std::string endian = bigEndian ? "BigEndian" : "LittleEndian";
      const auto xml = gifti({{"NIFTI_INTENT_POINTSET",
                               "NIFTI_TYPE_FLOAT32",
                               {4, 3},
                               encoding,
                               encode(nl::test::rawBytes(kPoints, bigEndian), encoding),
                               endian},
                              {"NIFTI_INTENT_TRIANGLE",
                               "NIFTI_TYPE_INT32",
                               {4, 3},
                               encoding,
                               encode(nl::test::rawBytes(kFaces, bigEndian), encoding),
                               endian}});
      const auto path = dir / ("mesh_" + encoding + endian + ".surf.gii");
      nl::test::writeBytes(path, xml);
      const auto contents = readGifti(path);
      const auto& mesh = dynamic_cast<const SurfaceMeshDataset&>(*contents.datasets.at(0));
      EXPECT_EQ(mesh.vertices(), kPoints);
      EXPECT_EQ(mesh.triangles(), kFaces);
      EXPECT_EQ(mesh.attributes().at("hemisphere"), "right");
    }
}

TEST(Gifti, AsciiColumnMajorAndGzippedFile) {
  TempDir dir;
  // Points column-major: all x, then all y, then all z.
  const std::string points = "0 1 0 0\n0 0 1 0\n0 0 0 1";
  const std::string faces = "0 1 2\n0 1 3\n0 2 3\n1 2 3";
  const auto xml = gifti({{"NIFTI_INTENT_POINTSET",
                           "NIFTI_TYPE_FLOAT32",
                           {4, 3},
                           "ASCII",
                           points,
                           "LittleEndian",
                           "ColumnMajorOrder"},
                          {"NIFTI_INTENT_TRIANGLE", "NIFTI_TYPE_INT32", {4, 3}, "ASCII", faces}});
  nl::test::writeBytes(dir / "ascii.gii.gz", nl::test::gzipBytes(xml));
  const auto contents = nl::io::ReaderRegistry::builtin().open(dir / "ascii.gii.gz");
  EXPECT_EQ(contents.readerName, "GIfTI");
  const auto& mesh = dynamic_cast<const SurfaceMeshDataset&>(*contents.datasets.at(0));
  EXPECT_EQ(mesh.vertices(), kPoints);
  EXPECT_EQ(mesh.triangles(), kFaces);
}

TEST(Gifti, ExternalFileBinaryWithOffset) {
  TempDir dir;
  const std::string external = "HEADER!!" + nl::test::rawBytes(std::vector<float>{1.5f, -2.5f, 4});
  nl::test::writeBytes(dir / "data.bin", external);
  const auto xml = gifti({{"NIFTI_INTENT_SHAPE",
                           "NIFTI_TYPE_FLOAT32",
                           {3},
                           "ExternalFileBinary",
                           "",
                           "LittleEndian",
                           "RowMajorOrder",
                           "ExternalFileName=\"data.bin\" ExternalFileOffset=\"8\""}});
  nl::test::writeBytes(dir / "ext.shape.gii", xml);
  const auto contents = readGifti(dir / "ext.shape.gii");
  const auto& overlay = dynamic_cast<const ArrayDataset&>(*contents.datasets.at(0));
  EXPECT_EQ(overlay.values(), (std::vector<double>{1.5, -2.5, 4}));
  nl::test::writeBytes(dir / "data.bin", external.substr(0, 14));
  EXPECT_THROW(readGifti(dir / "ext.shape.gii"), FileError);
}

TEST(Gifti, CoordinateTransformIsApplied) {
  TempDir dir;
  const std::string matrix =
      "<CoordinateSystemTransformMatrix><DataSpace>NIFTI_XFORM_UNKNOWN</DataSpace>"
      "<TransformedSpace>NIFTI_XFORM_SCANNER_ANAT</TransformedSpace>"
      "<MatrixData>2 0 0 10  0 1 0 -5  0 0 1 0  0 0 0 1</MatrixData>"
      "</CoordinateSystemTransformMatrix>";
  const auto xml = gifti(
      {{"NIFTI_INTENT_POINTSET",
        "NIFTI_TYPE_FLOAT32",
        {4, 3},
        "ASCII",
        "0 0 0 1 0 0 0 1 0 0 0 1",
        "LittleEndian",
        "RowMajorOrder",
        "",
        matrix},
       {"NIFTI_INTENT_TRIANGLE", "NIFTI_TYPE_INT32", {4, 3}, "ASCII", "0 1 2 0 1 3 0 2 3 1 2 3"}});
  nl::test::writeBytes(dir / "xf.gii", xml);
  const auto contents = readGifti(dir / "xf.gii");
  const auto& mesh = dynamic_cast<const SurfaceMeshDataset&>(*contents.datasets.at(0));
  EXPECT_EQ(mesh.vertices(), (std::vector<float>{10, -5, 0, 12, -5, 0, 10, -4, 0, 10, -5, 1}));
  EXPECT_EQ(mesh.attributes().at("coordinate_space"), "NIFTI_XFORM_SCANNER_ANAT");
}

TEST(Gifti, TimeSeriesArraysBecomeColumnsAndMatrixKeepsItsShape) {
  TempDir dir;
  std::vector<ArraySpec> arrays;
  for (int t = 0; t < 3; ++t)
    arrays.push_back({"NIFTI_INTENT_TIME_SERIES",
                      "NIFTI_TYPE_FLOAT64",
                      {4},
                      "Base64Binary",
                      nl::test::base64(nl::test::rawBytes(
                          std::vector<double>{t + 0.0, t + 10.0, t + 20.0, t + 30.0}))});
  nl::test::writeBytes(dir / "ts.func.gii", gifti(arrays));
  const auto seriesContents = readGifti(dir / "ts.func.gii");
  const auto& series = dynamic_cast<const ArrayDataset&>(*seriesContents.datasets.at(0));
  EXPECT_EQ(series.shape(), (std::vector<std::size_t>{4, 3}));
  EXPECT_EQ(series.values()[0 * 3 + 2], 2);
  EXPECT_EQ(series.values()[3 * 3 + 1], 31);

  nl::test::writeBytes(
      dir / "m.func.gii",
      gifti({{"NIFTI_INTENT_ZSCORE", "NIFTI_TYPE_FLOAT32", {4, 2}, "ASCII", "1 2 3 4 5 6 7 8"}}));
  const auto zContents = readGifti(dir / "m.func.gii");
  const auto& z = dynamic_cast<const ArrayDataset&>(*zContents.datasets.at(0));
  EXPECT_EQ(z.shape(), (std::vector<std::size_t>{4, 2}));
  EXPECT_EQ(z.provenance().internalPath, "/zscore");
}

TEST(Gifti, LabelsWithTheirColourTable) {
  TempDir dir;
  const std::string table =
      "<LabelTable><Label Key=\"0\" Red=\"0\" Green=\"0\" Blue=\"0\" Alpha=\"0\">unknown</Label>"
      "<Label Key=\"5\" Red=\"1\" Green=\"0.5\" Blue=\"0\" Alpha=\"1\"><![CDATA[V1]]></Label>"
      "</LabelTable>\n";
  nl::test::writeBytes(
      dir / "l.label.gii",
      gifti({{"NIFTI_INTENT_LABEL", "NIFTI_TYPE_INT32", {4}, "ASCII", "0 5 5 0"}}, table));
  const auto contents = readGifti(dir / "l.label.gii");
  ASSERT_EQ(contents.datasets.size(), 2u);
  const auto& labels = dynamic_cast<const ArrayDataset&>(*contents.datasets[0]);
  const auto& colors = dynamic_cast<const TableDataset&>(*contents.datasets[1]);
  EXPECT_EQ(labels.values(), (std::vector<double>{0, 5, 5, 0}));
  EXPECT_EQ(labels.attributes().at("colortable"), colors.name());
  EXPECT_EQ(colors.column("name")->strings(), (std::vector<std::string>{"unknown", "V1"}));
  EXPECT_EQ(*colors.numericColumn("key"), (std::vector<double>{0, 5}));
  EXPECT_EQ(*colors.numericColumn("g"), (std::vector<double>{0, 127.5}));
  EXPECT_EQ(*colors.numericColumn("a"), (std::vector<double>{0, 255}));
}

TEST(Gifti, BrokenFilesGiveFileErrors) {
  TempDir dir;
  auto expectError = [&](const std::string& name, const std::string& bytes,
                         const std::string& words) {
    SCOPED_TRACE(name);
    nl::test::writeBytes(dir / name, bytes);
    try {
      readGifti(dir / name);
      ADD_FAILURE() << "no error";
    } catch (const FileError& error) {
      EXPECT_NE(std::string(error.what()).find(words), std::string::npos) << error.what();
    }
  };
  const ArraySpec points{
      "NIFTI_INTENT_POINTSET", "NIFTI_TYPE_FLOAT32", {4, 3}, "ASCII", "0 0 0 1 0 0 0 1 0 0 0 1"};
  ArraySpec faces{
      "NIFTI_INTENT_TRIANGLE", "NIFTI_TYPE_INT32", {4, 3}, "ASCII", "0 1 2 0 1 3 0 2 3 1 2 4"};
  expectError("badindex.gii", gifti({points, faces}), "refers to vertex 4");
  ArraySpec nan = points;
  nan.data = "0 0 0 1 nan 0 0 1 0 0 0 1";
  faces.data = "0 1 2 0 1 3 0 2 3 1 2 3";
  expectError("nan.gii", gifti({nan, faces}), "non-finite");
  ArraySpec shortData = points;
  shortData.data = "0 0 0 1";
  expectError("short.gii", gifti({shortData, faces}), "holds at most 4");
  ArraySpec badBase64 = points;
  badBase64.encoding = "Base64Binary";
  badBase64.data = "AAAA!!";
  expectError("base64.gii", gifti({badBase64, faces}), "base64");
  ArraySpec badZip = points;
  badZip.encoding = "GZipBase64Binary";
  badZip.data = nl::test::base64(nl::test::gzipBytes(std::string(48, '\0'), true).substr(0, 8));
  expectError("zip.gii", gifti({badZip, faces}), "compressed data");
  ArraySpec huge = points;
  huge.dims = {std::size_t{1} << 62, 16};
  expectError("huge.gii", gifti({huge}), "too large");
  ArraySpec type = points;
  type.dataType = "NIFTI_TYPE_COMPLEX64";
  expectError("type.gii", gifti({type}), "DataType");
  expectError("xml.gii", gifti({points, faces}).substr(0, 300), "XML");
  expectError("root.gii", "<?xml version=\"1.0\"?><NotGifti/>", "GIFTI");
  const std::string whole = gifti({points, faces});
  expectError("trunc.gii.gz", nl::test::gzipBytes(whole).substr(0, 60), "truncated");
  ArraySpec overlay{"NIFTI_INTENT_SHAPE", "NIFTI_TYPE_FLOAT32", {5}, "ASCII", "1 2 3 4 5"};
  expectError("mismatch.gii", gifti({points, faces, overlay}), "5 rows");
}

}  // namespace
