#include "io/surface/FreeSurfer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "io/surface/SurfaceIo.h"
#include "io/volume/VolumeGrid.h"

namespace nl::io::surface {

namespace {

constexpr unsigned char kTriangleMagic[3] = {0xff, 0xff, 0xfe};
constexpr unsigned char kQuadMagic[3] = {0xff, 0xff, 0xff};  // also the new curv magic
constexpr unsigned char kNewQuadMagic[3] = {0xff, 0xff, 0xfd};

bool startsWith(std::string_view bytes, const unsigned char (&magic)[3]) {
  return bytes.size() >= 3 &&
         std::equal(magic, magic + 3, bytes.begin(),
                    [](unsigned char m, char b) { return m == static_cast<unsigned char>(b); });
}

// FreeSurfer's surf/ names carry no extension: lh.white, rh.pial.T1, lh.sphere.reg.
bool looksLikeSurfaceName(const std::filesystem::path& path) {
  static const std::regex pattern(
      R"(^[lr]h\.(white|pial|orig|smoothwm|inflated|sphere|qsphere|midthickness|graymid|)"
      R"(mid|inflated_pre|orig\.nofix|smoothwm\.nofix|pial-outer-smoothed|seghead|)"
      R"(white\.preaparc|pial\.T1|pial\.T2|woT2\.pial|sphere\.reg|fsaverage|flat)[A-Za-z0-9_.-]*?)"
      R"((\.gz)?$)",
      std::regex::icase);
  return std::regex_match(path.filename().string(), pattern);
}

bool looksLikeCurvName(const std::filesystem::path& path) {
  static const std::regex pattern(
      R"(^[lr]h\.(sulc|curv|thickness|area|volume|jacobian_white|avg_curv|inflated\.H|)"
      R"(inflated\.K|w-g\.pct|pial\.K|pial\.H|white\.K|white\.H|curv\.pial|area\.pial|)"
      R"(area\.mid)[A-Za-z0-9_.-]*$)",
      std::regex::icase);
  return std::regex_match(path.filename().string(), pattern);
}

std::uintmax_t fileSize(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

std::uint32_t threeByteInt(std::string_view bytes, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 2]));
}

std::size_t checkedCount(const std::filesystem::path& path, std::int64_t value, const char* what) {
  if (value < 0)
    throw FileError(path, std::string("negative ") + what + " (" + std::to_string(value) + ")");
  return static_cast<std::size_t>(value);
}

// The volume-geometry tail FreeSurfer appends after the faces: "cras = x y z".
std::string crasFromTail(std::string_view tail) {
  const auto at = tail.find("cras");
  if (at == std::string_view::npos) return {};
  const auto eq = tail.find('=', at);
  const auto end = tail.find('\n', at);
  if (eq == std::string_view::npos || (end != std::string_view::npos && eq > end)) return {};
  std::istringstream in(std::string(
      tail.substr(eq + 1, end == std::string_view::npos ? std::string_view::npos : end - eq - 1)));
  double xyz[3];
  if (!(in >> xyz[0] >> xyz[1] >> xyz[2])) return {};
  return formatNumbers(xyz);
}

Attributes withHemisphere(const std::filesystem::path& path, Attributes attributes) {
  if (const auto hemisphere = hemisphereFromName(path); !hemisphere.empty())
    attributes["hemisphere"] = hemisphere;
  return attributes;
}

}  // namespace

std::shared_ptr<const SurfaceMeshDataset> readFreeSurferSurface(const std::filesystem::path& path) {
  const std::string bytes = readMaybeGzip(path);
  if (startsWith(bytes, kQuadMagic) || startsWith(bytes, kNewQuadMagic))
    throw FileError(path,
                    "is a FreeSurfer quad surface (or a curv file); only triangle surfaces "
                    "(magic 0xFFFFFE) are supported");
  if (!startsWith(bytes, kTriangleMagic))
    throw FileError(path,
                    "not a FreeSurfer triangle surface (the file does not start with the "
                    "magic bytes FF FF FE)");
  // "created by <user> on <date>\n\n": two lines, as FreeSurfer writes them.
  std::size_t at = 3;
  std::string createdBy;
  for (int line = 0; line < 2; ++line) {
    const auto end = bytes.find('\n', at);
    if (end == std::string::npos || end - at > 4096)
      throw FileError(path,
                      "FreeSurfer surface header is broken (no end of the 'created by' line)");
    if (line == 0) createdBy = bytes.substr(at, end - at);
    at = end + 1;
  }
  ByteCursor cursor(path, bytes, true);
  cursor.seek(at, "the vertex and face counts");
  const std::size_t vertexCount =
      checkedCount(path, cursor.i32("the vertex count"), "vertex count");
  const std::size_t faceCount = checkedCount(path, cursor.i32("the face count"), "face count");
  const std::size_t vertexBytes = checkedMultiply(path, vertexCount, 12, "the vertex count");
  const std::size_t faceBytes = checkedMultiply(path, faceCount, 12, "the face count");
  cursor.require(vertexBytes, "the vertex coordinates");
  const auto vertexRaw = cursor.take(vertexBytes, "the vertex coordinates");
  const auto faceRaw = cursor.take(faceBytes, "the triangles");

  const auto coordinates = decodeStored(
      {'f', 4}, true, reinterpret_cast<const unsigned char*>(vertexRaw.data()), vertexCount * 3);
  std::vector<float> vertices(coordinates.size());
  for (std::size_t i = 0; i < coordinates.size(); ++i) {
    if (!std::isfinite(coordinates[i]))
      throw FileError(path, "vertex " + std::to_string(i / 3) +
                                " has a non-finite coordinate (NaN or infinity)");
    vertices[i] = static_cast<float>(coordinates[i]);
  }
  const auto indices = decodeStored(
      {'i', 4}, true, reinterpret_cast<const unsigned char*>(faceRaw.data()), faceCount * 3);
  std::vector<std::int32_t> triangles(indices.size());
  for (std::size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] < 0 || indices[i] >= static_cast<double>(vertexCount))
      throw FileError(path, "triangle " + std::to_string(i / 3) + " refers to vertex " +
                                std::to_string(static_cast<long long>(indices[i])) +
                                " but the surface has " + std::to_string(vertexCount) +
                                " vertices");
    triangles[i] = static_cast<std::int32_t>(indices[i]);
  }

  Attributes attributes = withHemisphere(path, {{"created_by", createdBy}});
  if (const auto cras = crasFromTail(std::string_view(bytes).substr(cursor.position()));
      !cras.empty())
    attributes["cras"] = cras;
  return std::make_shared<const SurfaceMeshDataset>(
      datasetStem(path), std::move(vertices), std::move(triangles),
      Provenance::fromFile(path.string(), "", "FreeSurfer surface"), std::move(attributes));
}

std::shared_ptr<const ArrayDataset> readFreeSurferCurv(const std::filesystem::path& path) {
  const std::string bytes = readMaybeGzip(path);
  ByteCursor cursor(path, bytes, true);
  std::vector<std::size_t> shape;
  std::vector<double> values;
  Attributes attributes = withHemisphere(path, {});
  if (startsWith(bytes, kQuadMagic)) {
    cursor.seek(3, "the curv header");
    const std::size_t vertexCount =
        checkedCount(path, cursor.i32("the vertex count"), "vertex count");
    const std::size_t faceCount = checkedCount(path, cursor.i32("the face count"), "face count");
    const std::size_t perVertex =
        checkedCount(path, cursor.i32("the values-per-vertex count"), "values per vertex");
    if (perVertex == 0) throw FileError(path, "curv file says 0 values per vertex");
    const std::size_t count = checkedMultiply(path, vertexCount, perVertex, "the value count");
    const auto raw =
        cursor.take(checkedMultiply(path, count, 4, "the value count"), "the per-vertex values");
    values =
        decodeStored({'f', 4}, true, reinterpret_cast<const unsigned char*>(raw.data()), count);
    shape = perVertex == 1 ? std::vector<std::size_t>{vertexCount}
                           : std::vector<std::size_t>{vertexCount, perVertex};
    attributes["face_count"] = std::to_string(faceCount);
    attributes["curv_format"] = "new";
  } else {
    // Old format: 3-byte vertex and face counts, int16 values in hundredths.
    if (bytes.size() < 6) throw FileError(path, "file is too short for a FreeSurfer curv header");
    const std::size_t vertexCount = threeByteInt(bytes, 0);
    const std::size_t faceCount = threeByteInt(bytes, 3);
    if (bytes.size() != 6 + 2 * vertexCount)
      throw FileError(path,
                      "not a FreeSurfer curv file: no 0xFFFFFF magic, and as an old-format "
                      "curv file it would hold " +
                          std::to_string(vertexCount) + " values but its size does not match");
    cursor.seek(6, "the values");
    const auto raw = cursor.take(2 * vertexCount, "the per-vertex values");
    values = decodeStored({'i', 2}, true, reinterpret_cast<const unsigned char*>(raw.data()),
                          vertexCount);
    for (double& v : values) v /= 100.0;
    shape = {vertexCount};
    attributes["face_count"] = std::to_string(faceCount);
    attributes["curv_format"] = "old";
  }
  return std::make_shared<const ArrayDataset>(
      DatasetKind::SurfaceOverlay, datasetStem(path), std::move(shape), std::move(values),
      Provenance::fromFile(path.string(), "", "FreeSurfer curv"), std::move(attributes), "float32");
}

Annotation readFreeSurferAnnot(const std::filesystem::path& path) {
  const std::string bytes = readMaybeGzip(path);
  ByteCursor cursor(path, bytes, true);
  const std::size_t vertexCount =
      checkedCount(path, cursor.i32("the vertex count"), "vertex count");
  cursor.require(checkedMultiply(path, vertexCount, 8, "the vertex count"),
                 "the per-vertex annotation values");
  std::vector<std::int32_t> stored(vertexCount, 0);
  for (std::size_t i = 0; i < vertexCount; ++i) {
    const auto vertex = cursor.i32("a vertex index");
    const auto value = cursor.i32("an annotation value");
    if (vertex < 0 || static_cast<std::size_t>(vertex) >= vertexCount)
      throw FileError(path, "annotation names vertex " + std::to_string(vertex) +
                                " but the file has " + std::to_string(vertexCount) + " vertices");
    stored[static_cast<std::size_t>(vertex)] = value;
  }
  if (cursor.remaining() == 0 || cursor.i32("the colour-table flag") == 0)
    throw FileError(path, "annotation has no colour table");

  std::vector<double> keys, red, green, blue, alpha, packed;
  std::vector<std::string> names;
  std::string originalTable;
  auto readName = [&](const char* what) {
    const auto length = cursor.i32(what);
    if (length < 0 || static_cast<std::size_t>(length) > cursor.remaining())
      throw FileError(path, std::string("colour table is broken (") + what + " has length " +
                                std::to_string(length) + ")");
    std::string name(cursor.take(static_cast<std::size_t>(length), what));
    while (!name.empty() && name.back() == '\0') name.pop_back();
    return name;
  };
  auto readEntry = [&](std::int64_t key) {
    names.push_back(readName("a structure name"));
    const double r = cursor.i32("a colour"), g = cursor.i32("a colour"), b = cursor.i32("a colour"),
                 t = cursor.i32("a colour");
    keys.push_back(static_cast<double>(key));
    red.push_back(r);
    green.push_back(g);
    blue.push_back(b);
    alpha.push_back(255.0 - t);  // stored as transparency
    packed.push_back(r + g * 256.0 + b * 65536.0);
  };
  const auto entriesOrVersion = cursor.i32("the colour-table size");
  std::string tableVersion;
  if (entriesOrVersion > 0) {
    tableVersion = "1";
    originalTable = readName("the original table name");
    for (std::int32_t i = 0; i < entriesOrVersion; ++i) readEntry(i);
  } else {
    if (entriesOrVersion != -2)
      throw FileError(path, "unknown annotation colour-table version " +
                                std::to_string(-static_cast<std::int64_t>(entriesOrVersion)) +
                                " (versions 1 and 2 exist)");
    tableVersion = "2";
    const auto maxStructure = cursor.i32("the colour-table size");
    originalTable = readName("the original table name");
    const auto entries = cursor.i32("the colour-table entry count");
    if (entries < 0 || maxStructure < 0) throw FileError(path, "colour table has a negative size");
    for (std::int32_t i = 0; i < entries; ++i) {
      const auto key = cursor.i32("a structure id");
      if (key < 0 || key >= maxStructure)
        throw FileError(path, "colour table entry has structure id " + std::to_string(key) +
                                  " outside 0.." + std::to_string(maxStructure - 1));
      readEntry(key);
    }
  }

  std::map<std::int64_t, double> keyOfColor;
  for (std::size_t i = 0; i < packed.size(); ++i)
    keyOfColor.emplace(static_cast<std::int64_t>(packed[i]), keys[i]);
  std::vector<double> labels(vertexCount, -1.0);
  std::size_t unknownColors = 0;
  for (std::size_t i = 0; i < vertexCount; ++i) {
    if (stored[i] == 0) continue;  // FreeSurfer's "no label"
    if (const auto it = keyOfColor.find(stored[i]); it != keyOfColor.end())
      labels[i] = it->second;
    else
      ++unknownColors;
  }

  const std::string stem = datasetStem(path);
  const std::string tableName = stem + " colortable";
  Attributes labelAttributes = withHemisphere(
      path, {{"labels", "true"}, {"colortable", tableName}, {"unlabelled_value", "-1"}});
  if (unknownColors > 0)
    labelAttributes["vertices_with_unknown_colour"] = std::to_string(unknownColors);
  Annotation annotation;
  annotation.labels = std::make_shared<const ArrayDataset>(
      DatasetKind::SurfaceOverlay, stem, std::vector<std::size_t>{vertexCount}, std::move(labels),
      Provenance::fromFile(path.string(), "/labels", "FreeSurfer annot"),
      std::move(labelAttributes), "int32");
  std::vector<Column> columns;
  columns.push_back({"key", std::move(keys)});
  columns.push_back({"name", std::move(names)});
  columns.push_back({"r", std::move(red)});
  columns.push_back({"g", std::move(green)});
  columns.push_back({"b", std::move(blue)});
  columns.push_back({"a", std::move(alpha)});
  columns.push_back({"annot_value", std::move(packed)});
  annotation.colorTable = std::make_shared<const TableDataset>(
      DatasetKind::Table, tableName, std::move(columns),
      Provenance::fromFile(path.string(), "/colortable", "FreeSurfer annot"),
      Attributes{{"colortable_version", tableVersion},
                 {"original_table", originalTable},
                 {"color_scale", "0-255"}});
  return annotation;
}

std::shared_ptr<const TableDataset> readFreeSurferLabel(const std::filesystem::path& path) {
  const std::string text = readMaybeGzip(path, std::size_t{1} << 32);
  std::istringstream in(text);
  std::string header;
  std::getline(in, header);
  if (!header.starts_with("#"))
    throw FileError(path, "not a FreeSurfer label file (the first line must be a '#' comment)");
  std::string countLine;
  if (!std::getline(in, countLine)) throw FileError(path, "label file has no vertex count line");
  long long count = -1;
  {
    const auto first = countLine.find_first_not_of(" \t");
    const char* begin = countLine.data() + (first == std::string::npos ? countLine.size() : first);
    const auto result = std::from_chars(begin, countLine.data() + countLine.size(), count);
    if (result.ec != std::errc() || count < 0)
      throw FileError(path,
                      "label file's second line must be the vertex count, got '" + countLine + "'");
  }
  if (static_cast<unsigned long long>(count) > text.size())
    throw FileError(
        path, "label file announces " + std::to_string(count) + " vertices, more than it can hold");
  const auto n = static_cast<std::size_t>(count);
  std::vector<double> vertex(n), x(n), y(n), z(n), value(n);
  std::string line;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::getline(in, line))
      throw FileError(path, "label file announces " + std::to_string(n) +
                                " vertices but ends after " + std::to_string(i));
    std::istringstream row(line);
    long long index = 0;
    if (!(row >> index >> x[i] >> y[i] >> z[i] >> value[i]) || index < 0)
      throw FileError(path, "label line " + std::to_string(i + 3) +
                                " is not 'vertex x y z value': '" + line + "'");
    vertex[i] = static_cast<double>(index);
  }
  std::vector<Column> columns;
  columns.push_back({"vertex", std::move(vertex)});
  columns.push_back({"x", std::move(x)});
  columns.push_back({"y", std::move(y)});
  columns.push_back({"z", std::move(z)});
  columns.push_back({"value", std::move(value)});
  return std::make_shared<const TableDataset>(
      DatasetKind::Table, datasetStem(path), std::move(columns),
      Provenance::fromFile(path.string(), "", "FreeSurfer label"),
      withHemisphere(path, {{"header", header}}));
}

// ---- registry readers ------------------------------------------------------

std::vector<std::string> FreeSurferSurfaceReader::extensions() const {
  return {".white", ".pial", ".inflated", ".sphere", ".orig", ".smoothwm", ".white.gz", ".pial.gz"};
}

int FreeSurferSurfaceReader::confidence(const std::filesystem::path& path,
                                        std::span<const unsigned char> head) const {
  const std::string inner = innerHead(head);
  const bool named = looksLikeSurfaceName(path);
  if (startsWith(inner, kTriangleMagic)) return named ? 70 : 60;
  return named ? 10 : 0;
}

FileContents FreeSurferSurfaceReader::open(const std::filesystem::path& path,
                                           const std::string& internalPath) const {
  FileContents contents;
  contents.datasets.push_back(readFreeSurferSurface(path));
  keepInternalPath(contents.datasets, internalPath);
  return contents;
}

std::vector<std::string> FreeSurferCurvReader::extensions() const {
  return {".sulc", ".curv", ".thickness", ".area"};
}

int FreeSurferCurvReader::confidence(const std::filesystem::path& path,
                                     std::span<const unsigned char> head) const {
  const std::string inner = innerHead(head);
  const bool named = looksLikeCurvName(path);
  if (startsWith(inner, kQuadMagic) && inner.size() >= 15) {
    // Tell a curv file from an old quad surface (same magic) by its size.
    const std::uint64_t vertices =
        threeByteInt(inner, 3) * std::uint64_t{256} + static_cast<unsigned char>(inner[6]);
    const std::uint64_t perVertex = (std::uint64_t{static_cast<unsigned char>(inner[11])} << 24) |
                                    (std::uint64_t{static_cast<unsigned char>(inner[12])} << 16) |
                                    (std::uint64_t{static_cast<unsigned char>(inner[13])} << 8) |
                                    static_cast<unsigned char>(inner[14]);
    const bool sizeFits =
        startsWithGzipMagic(head) || fileSize(path) == 15 + 4 * vertices * perVertex;
    if (sizeFits) return named ? 70 : 60;
    return named ? 40 : 0;
  }
  if (named && inner.size() >= 6) {
    const std::uint64_t vertices = threeByteInt(inner, 0);
    if (fileSize(path) == 6 + 2 * vertices) return 40;  // old 3-byte format
  }
  return named ? 10 : 0;
}

FileContents FreeSurferCurvReader::open(const std::filesystem::path& path,
                                        const std::string& internalPath) const {
  FileContents contents;
  contents.datasets.push_back(readFreeSurferCurv(path));
  keepInternalPath(contents.datasets, internalPath);
  return contents;
}

int FreeSurferAnnotReader::confidence(const std::filesystem::path& path,
                                      std::span<const unsigned char> head) const {
  if (!hasExtension(path, {".annot"})) return 0;
  if (head.size() < 4 || startsWithGzipMagic(head)) return 10;
  const std::uint64_t vertices = (std::uint64_t{head[0]} << 24) | (std::uint64_t{head[1]} << 16) |
                                 (std::uint64_t{head[2]} << 8) | head[3];
  return fileSize(path) > 4 + 8 * vertices ? 50 : 10;
}

FileContents FreeSurferAnnotReader::open(const std::filesystem::path& path,
                                         const std::string& internalPath) const {
  auto annotation = readFreeSurferAnnot(path);
  FileContents contents;
  contents.datasets = {annotation.labels, annotation.colorTable};
  contents.metadata["colortable_entries"] = annotation.colorTable->rowCount();
  keepInternalPath(contents.datasets, internalPath);
  return contents;
}

int FreeSurferLabelReader::confidence(const std::filesystem::path& path,
                                      std::span<const unsigned char> head) const {
  if (!hasExtension(path, {".label"})) return 0;
  return !head.empty() && head[0] == '#' ? 50 : 10;
}

FileContents FreeSurferLabelReader::open(const std::filesystem::path& path,
                                         const std::string& internalPath) const {
  FileContents contents;
  contents.datasets.push_back(readFreeSurferLabel(path));
  keepInternalPath(contents.datasets, internalPath);
  return contents;
}

}  // namespace nl::io::surface
