#include "io/surface/Gifti.h"

#include <expat.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "io/UntrustedInput.h"
#include "io/surface/SurfaceIo.h"
#include "io/volume/VolumeGrid.h"

namespace nl::io::surface {

namespace {

struct CoordinateSystem {
  std::string dataSpace;
  std::string transformedSpace;
  std::string matrixText;
};

struct DataArray {
  std::map<std::string, std::string> attributes;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::vector<CoordinateSystem> coordinateSystems;
  std::string data;
};

struct LabelEntry {
  double key = 0;
  std::string name;
  double r = 1, g = 1, b = 1, a = 1;
};

struct ParseState {
  std::vector<std::string> stack;
  std::map<std::string, std::string> rootAttributes;
  std::vector<std::pair<std::string, std::string>> fileMetadata;
  std::vector<LabelEntry> labels;
  std::vector<DataArray> arrays;
  std::string text;  // character data of the innermost element we keep
  std::string mdName;
  std::string error;
  XML_Parser parser = nullptr;
};

bool inDataArray(const ParseState& s) {
  return std::find(s.stack.begin(), s.stack.end(), "DataArray") != s.stack.end();
}

double parseNumber(const std::string& text, double fallback) {
  const char* begin = text.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  return end == begin ? fallback : v;
}

void XMLCALL onStart(void* user, const XML_Char* name, const XML_Char** attributes) {
  auto& s = *static_cast<ParseState*>(user);
  if (!s.error.empty()) return;
  const std::string element = name;
  std::map<std::string, std::string> attrs;
  for (int i = 0; attributes[i] != nullptr; i += 2) attrs[attributes[i]] = attributes[i + 1];
  if (s.stack.empty() && element != "GIFTI") {
    s.error = "root element is <" + element + ">, not <GIFTI>";
    XML_StopParser(s.parser, XML_FALSE);
    return;
  }
  if (element == "GIFTI") {
    s.rootAttributes = attrs;
  } else if (element == "DataArray") {
    s.arrays.push_back({});
    s.arrays.back().attributes = std::move(attrs);
  } else if (element == "CoordinateSystemTransformMatrix" && !s.arrays.empty()) {
    s.arrays.back().coordinateSystems.push_back({});
  } else if (element == "Label") {
    LabelEntry entry;
    const auto key = attrs.count("Key") ? attrs["Key"] : attrs["Index"];
    entry.key = parseNumber(key, static_cast<double>(s.labels.size()));
    entry.r = parseNumber(attrs["Red"], 1.0);
    entry.g = parseNumber(attrs["Green"], 1.0);
    entry.b = parseNumber(attrs["Blue"], 1.0);
    entry.a = parseNumber(attrs["Alpha"], 1.0);
    s.labels.push_back(entry);
  }
  s.stack.push_back(element);
  s.text.clear();
}

void XMLCALL onEnd(void* user, const XML_Char* name) {
  auto& s = *static_cast<ParseState*>(user);
  // Expat may still report the end of an element after XML_StopParser.
  if (s.stack.empty() || !s.error.empty()) return;
  const std::string element = name;
  s.stack.pop_back();
  if (element == "Data" && !s.arrays.empty()) {
    s.arrays.back().data = std::move(s.text);
  } else if (element == "Name") {
    s.mdName = s.text;
  } else if (element == "Value") {
    auto& target = inDataArray(s) && !s.arrays.empty() ? s.arrays.back().metadata : s.fileMetadata;
    target.emplace_back(s.mdName, s.text);
  } else if (element == "Label" && !s.labels.empty()) {
    s.labels.back().name = s.text;
  } else if (!s.arrays.empty() && !s.arrays.back().coordinateSystems.empty()) {
    auto& cs = s.arrays.back().coordinateSystems.back();
    if (element == "DataSpace") cs.dataSpace = s.text;
    if (element == "TransformedSpace") cs.transformedSpace = s.text;
    if (element == "MatrixData") cs.matrixText = s.text;
  }
  s.text.clear();
}

void XMLCALL onText(void* user, const XML_Char* text, int length) {
  auto& s = *static_cast<ParseState*>(user);
  if (s.stack.empty()) return;
  const std::string& element = s.stack.back();
  if (element == "Data" || element == "Name" || element == "Value" || element == "Label" ||
      element == "DataSpace" || element == "TransformedSpace" || element == "MatrixData")
    s.text.append(text, static_cast<std::size_t>(length));
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

std::string base64Decode(const std::filesystem::path& path, const std::string& text,
                         const std::string& what) {
  static const auto table = [] {
    std::array<int, 256> t{};
    t.fill(-1);
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < alphabet.size(); ++i)
      t[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
    return t;
  }();
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t buffer = 0;
  int bits = 0;
  bool padding = false;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    const int value = table[c];
    if (value < 0 || padding)
      throw FileError(path, what + ": invalid base64 character '" + std::string(1, ch) + "'");
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

struct DecodedArray {
  std::string intent;
  std::vector<std::size_t> dims;
  std::vector<double> values;  // C order
  const DataArray* source = nullptr;
};

// Column-major (first index fastest) → C order.
std::vector<double> columnMajorToC(const std::vector<double>& values,
                                   const std::vector<std::size_t>& dims) {
  if (dims.size() < 2) return values;
  std::vector<double> out(values.size());
  std::vector<std::size_t> index(dims.size(), 0);
  for (std::size_t c = 0; c < values.size(); ++c) {
    std::size_t fortran = 0;
    for (std::size_t axis = dims.size(); axis-- > 0;) fortran = fortran * dims[axis] + index[axis];
    out[c] = values[fortran];
    for (std::size_t axis = dims.size(); axis-- > 0;) {
      if (++index[axis] < dims[axis]) break;
      index[axis] = 0;
    }
  }
  return out;
}

StoredType giftiType(const std::filesystem::path& path, const std::string& name,
                     const std::string& what) {
  static const std::map<std::string, StoredType> types = {
      {"NIFTI_TYPE_UINT8", {'u', 1}},   {"NIFTI_TYPE_INT8", {'i', 1}},
      {"NIFTI_TYPE_INT16", {'i', 2}},   {"NIFTI_TYPE_UINT16", {'u', 2}},
      {"NIFTI_TYPE_INT32", {'i', 4}},   {"NIFTI_TYPE_UINT32", {'u', 4}},
      {"NIFTI_TYPE_INT64", {'i', 8}},   {"NIFTI_TYPE_UINT64", {'u', 8}},
      {"NIFTI_TYPE_FLOAT32", {'f', 4}}, {"NIFTI_TYPE_FLOAT64", {'f', 8}}};
  const auto it = types.find(name);
  if (it == types.end()) throw FileError(path, what + ": unsupported DataType '" + name + "'");
  return it->second;
}

DecodedArray decodeArray(const std::filesystem::path& path, const DataArray& array,
                         std::size_t position) {
  const std::string what = "DataArray " + std::to_string(position);
  auto attribute = [&array](const char* key) -> std::string {
    const auto it = array.attributes.find(key);
    return it == array.attributes.end() ? std::string() : trim(it->second);
  };
  DecodedArray decoded;
  decoded.source = &array;
  decoded.intent = attribute("Intent");
  if (decoded.intent.empty()) decoded.intent = "NIFTI_INTENT_NONE";
  const std::string dimensionality = attribute("Dimensionality");
  long rank = 0;
  std::from_chars(dimensionality.data(), dimensionality.data() + dimensionality.size(), rank);
  if (rank < 1 || rank > 6)
    throw FileError(path, what + ": Dimensionality '" + dimensionality + "' is not 1 to 6");
  std::size_t count = 1;
  for (long axis = 0; axis < rank; ++axis) {
    const std::string text = attribute(("Dim" + std::to_string(axis)).c_str());
    long long size = -1;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), size);
    if (result.ec != std::errc() || size < 0)
      throw FileError(path,
                      what + ": Dim" + std::to_string(axis) + " is '" + text + "', not a size");
    decoded.dims.push_back(static_cast<std::size_t>(size));
    count = checkedMultiply(path, count, static_cast<std::size_t>(size), what);
  }
  const StoredType type = giftiType(path, attribute("DataType"), what);
  const std::string encoding = attribute("Encoding");
  const std::string endian = attribute("Endian");
  const bool bigEndian = endian == "BigEndian";
  if (!endian.empty() && endian != "BigEndian" && endian != "LittleEndian")
    throw FileError(path, what + ": unknown Endian '" + endian + "'");
  const std::size_t bytes = checkedMultiply(path, count, type.size, what);

  // Declared sizes against the data at hand, before anything is allocated.
  const auto dimsText = [&] {
    std::string text;
    for (std::size_t axis = 0; axis < decoded.dims.size(); ++axis)
      text += (axis ? " " : "") + std::string("Dim") + std::to_string(axis) + "=\"" +
              std::to_string(decoded.dims[axis]) + "\"";
    return text;
  };
  const auto impossible = [&](const std::string& holds) {
    return FileError(path, what + ": " + dimsText() + " declare " + std::to_string(count) +
                               " values, but " + holds);
  };
  if (encoding == "ASCII") {
    // Every number takes a character and all but the last a separator.
    if (count > (array.data.size() + 1) / 2)
      throw impossible("the ASCII data (" + std::to_string(array.data.size()) +
                       " bytes) holds at most " + std::to_string((array.data.size() + 1) / 2));
    decoded.values.reserve(count);
    const char* p = array.data.data();
    const char* end = p + array.data.size();
    while (p < end) {
      while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
      if (p == end) break;
      double v = 0;
      const auto result = std::from_chars(p, end, v);
      if (result.ec != std::errc())
        throw FileError(
            path, what + ": ASCII data holds '" +
                      std::string(p, std::min<std::size_t>(20, static_cast<std::size_t>(end - p))) +
                      "', not a number");
      decoded.values.push_back(v);
      if (decoded.values.size() > count) break;
      p = result.ptr;
    }
    if (decoded.values.size() != count)
      throw FileError(path, what + ": ASCII data holds " +
                                (decoded.values.size() > count ? "more than " : "") +
                                std::to_string(decoded.values.size()) + " numbers, Dims say " +
                                std::to_string(count));
  } else {
    std::string raw;
    if (encoding == "Base64Binary") {
      raw = base64Decode(path, array.data, what);
    } else if (encoding == "GZipBase64Binary") {
      const std::string compressed = base64Decode(path, array.data, what);
      if (bytes / io::kMaxDeflateRatio > compressed.size())
        throw impossible("its " + std::to_string(compressed.size()) +
                         " compressed bytes inflate to at most " +
                         std::to_string(compressed.size() * io::kMaxDeflateRatio) + " bytes, not " +
                         std::to_string(bytes));
      raw = inflateExactly(path, compressed, bytes, what);
    } else if (encoding == "ExternalFileBinary") {
      const std::string name = attribute("ExternalFileName");
      if (name.empty()) throw FileError(path, what + ": ExternalFileName is empty");
      std::filesystem::path external = name;
      if (external.is_relative()) external = path.parent_path() / external;
      const std::string offsetText = attribute("ExternalFileOffset");
      long long offset = 0;
      if (!offsetText.empty()) {
        const auto result =
            std::from_chars(offsetText.data(), offsetText.data() + offsetText.size(), offset);
        if (result.ec != std::errc() || offset < 0)
          throw FileError(path,
                          what + ": ExternalFileOffset '" + offsetText + "' is not an offset");
      }
      std::ifstream in(external, std::ios::binary);
      if (!in)
        throw FileError(path,
                        what + ": external data file " + external.string() + " cannot be opened");
      std::error_code ec;
      const auto externalSize = std::filesystem::file_size(external, ec);
      if (ec || externalSize < static_cast<std::uintmax_t>(offset) ||
          externalSize - static_cast<std::uintmax_t>(offset) < bytes)
        throw impossible("the external data file " + external.string() + " holds " +
                         std::to_string(ec ? 0 : externalSize) + " bytes (" +
                         std::to_string(bytes) + " needed at offset " + std::to_string(offset) +
                         ")");
      in.seekg(static_cast<std::streamoff>(offset));
      raw.resize(bytes);
      in.read(raw.data(), static_cast<std::streamsize>(bytes));
      if (static_cast<std::size_t>(in.gcount()) != bytes)
        throw FileError(path, what + ": external data file " + external.string() +
                                  " ends before the array's " + std::to_string(bytes) +
                                  " bytes at offset " + std::to_string(offset));
    } else {
      throw FileError(path, what + ": unknown Encoding '" + encoding + "'");
    }
    if (raw.size() != bytes)
      throw FileError(path, what + ": data holds " + std::to_string(raw.size()) +
                                " bytes, Dims and DataType say " + std::to_string(bytes));
    decoded.values =
        decodeStored(type, bigEndian, reinterpret_cast<const unsigned char*>(raw.data()), count);
  }
  if (attribute("ArrayIndexingOrder") == "ColumnMajorOrder")
    decoded.values = columnMajorToC(decoded.values, decoded.dims);
  return decoded;
}

std::optional<std::array<double, 16>> transformOf(const std::filesystem::path& path,
                                                  const DataArray& array) {
  if (array.coordinateSystems.empty()) return std::nullopt;
  const std::string& text = array.coordinateSystems.front().matrixText;
  std::array<double, 16> m{};
  const char* p = text.data();
  const char* end = p + text.size();
  for (double& v : m) {
    while (p < end && std::isspace(static_cast<unsigned char>(*p))) ++p;
    const auto result = std::from_chars(p, end, v);
    if (result.ec != std::errc())
      throw FileError(path, "CoordinateSystemTransformMatrix does not hold 16 numbers");
    p = result.ptr;
  }
  for (double v : m)
    if (!std::isfinite(v))
      throw FileError(path, "CoordinateSystemTransformMatrix has a non-finite entry");
  return m;
}

std::string shortIntent(const std::string& intent) {
  std::string s = intent.starts_with("NIFTI_INTENT_") ? intent.substr(13) : intent;
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "NIFTI_TYPE_FLOAT32" → "float32".
std::string storedTypeName(const std::map<std::string, std::string>& attributes) {
  const auto it = attributes.find("DataType");
  if (it == attributes.end()) return "float32";
  std::string name = trim(it->second);
  if (name.starts_with("NIFTI_TYPE_")) name = name.substr(11);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

std::string hemisphereFromStructure(const std::string& structure) {
  if (structure.find("Left") != std::string::npos) return "left";
  if (structure.find("Right") != std::string::npos) return "right";
  return {};
}

std::string metadataValue(const std::vector<std::pair<std::string, std::string>>& metadata,
                          const std::string& name) {
  for (const auto& [key, value] : metadata)
    if (key == name) return value;
  return {};
}

}  // namespace

FileContents readGifti(const std::filesystem::path& path) {
  const std::string xml = readMaybeGzip(path);
  ParseState state;
  XML_Parser parser = XML_ParserCreate(nullptr);
  if (parser == nullptr) throw FileError(path, "cannot create an XML parser");
  state.parser = parser;
  XML_SetUserData(parser, &state);
  XML_SetElementHandler(parser, onStart, onEnd);
  XML_SetCharacterDataHandler(parser, onText);
  // Feed in pieces: XML_Parse takes an int length.
  constexpr std::size_t kPiece = std::size_t{1} << 28;
  bool ok = true;
  for (std::size_t at = 0; ok && at <= xml.size(); at += kPiece) {
    const std::size_t n = std::min(kPiece, xml.size() - at);
    const bool last = at + n >= xml.size();
    ok = XML_Parse(parser, xml.data() + at, static_cast<int>(n), last ? 1 : 0) == XML_STATUS_OK;
    if (last) break;
  }
  if (!ok) {
    const std::string reason =
        !state.error.empty() ? state.error
                             : std::string(XML_ErrorString(XML_GetErrorCode(parser))) +
                                   " at line " + std::to_string(XML_GetCurrentLineNumber(parser));
    XML_ParserFree(parser);
    throw FileError(path, "not a valid GIfTI file (XML: " + reason + ")");
  }
  XML_ParserFree(parser);
  if (state.rootAttributes.empty() && state.arrays.empty())
    throw FileError(path, "not a GIfTI file (no <GIFTI> element)");

  const std::string stem = datasetStem(path);
  std::string hemisphere =
      hemisphereFromStructure(metadataValue(state.fileMetadata, "AnatomicalStructurePrimary"));
  if (hemisphere.empty()) hemisphere = hemisphereFromName(path);

  std::vector<DecodedArray> decoded;
  for (std::size_t i = 0; i < state.arrays.size(); ++i)
    decoded.push_back(decodeArray(path, state.arrays[i], i));

  FileContents contents;
  contents.metadata["gifti_version"] = state.rootAttributes["Version"];
  for (const auto& [key, value] : state.fileMetadata) contents.metadata[key] = value;

  const DecodedArray* points = nullptr;
  const DecodedArray* triangles = nullptr;
  for (const auto& array : decoded) {
    if (array.intent == "NIFTI_INTENT_POINTSET" && points == nullptr) points = &array;
    if (array.intent == "NIFTI_INTENT_TRIANGLE" && triangles == nullptr) triangles = &array;
  }
  if (triangles != nullptr && points == nullptr)
    throw FileError(path,
                    "has triangles (NIFTI_INTENT_TRIANGLE) but no vertices "
                    "(NIFTI_INTENT_POINTSET)");
  std::size_t vertexCount = 0;
  if (points != nullptr) {
    if (points->dims.size() != 2 || points->dims[1] != 3)
      throw FileError(path, "POINTSET array must be N × 3");
    vertexCount = points->dims[0];
    std::vector<double> xyz = points->values;
    Attributes attributes;
    if (!hemisphere.empty()) attributes["hemisphere"] = hemisphere;
    if (const auto transform = transformOf(path, *points->source)) {
      const auto& cs = points->source->coordinateSystems.front();
      attributes["data_space"] = trim(cs.dataSpace);
      attributes["coordinate_space"] = trim(cs.transformedSpace);
      const auto& m = *transform;
      const bool identity =
          m == std::array<double, 16>{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
      if (!identity) {
        attributes["applied_transform"] = formatNumbers(m);
        for (std::size_t v = 0; v < vertexCount; ++v) {
          const double x = xyz[3 * v], y = xyz[3 * v + 1], z = xyz[3 * v + 2];
          for (std::size_t r = 0; r < 3; ++r)
            xyz[3 * v + r] = m[4 * r] * x + m[4 * r + 1] * y + m[4 * r + 2] * z + m[4 * r + 3];
        }
      }
    }
    std::vector<float> vertices(xyz.size());
    for (std::size_t i = 0; i < xyz.size(); ++i) {
      if (!std::isfinite(xyz[i]))
        throw FileError(path, "vertex " + std::to_string(i / 3) +
                                  " has a non-finite coordinate (NaN or infinity)");
      vertices[i] = static_cast<float>(xyz[i]);
    }
    std::vector<std::int32_t> faces;
    if (triangles != nullptr) {
      if (triangles->dims.size() != 2 || triangles->dims[1] != 3)
        throw FileError(path, "TRIANGLE array must be M × 3");
      faces.resize(triangles->values.size());
      for (std::size_t i = 0; i < faces.size(); ++i) {
        const double index = triangles->values[i];
        if (!(index >= 0 && index < static_cast<double>(vertexCount)))
          throw FileError(path, "triangle " + std::to_string(i / 3) + " refers to vertex " +
                                    std::to_string(static_cast<long long>(index)) +
                                    " but the surface has " + std::to_string(vertexCount) +
                                    " vertices");
        faces[i] = static_cast<std::int32_t>(index);
      }
    }
    contents.datasets.push_back(std::make_shared<const SurfaceMeshDataset>(
        stem, std::move(vertices), std::move(faces),
        Provenance::fromFile(path.string(), "/mesh", "GIfTI"), std::move(attributes)));
  }

  // Per-vertex arrays, grouped by intent in order of first appearance.
  std::vector<std::string> intents;
  for (const auto& array : decoded)
    if (array.intent != "NIFTI_INTENT_POINTSET" && array.intent != "NIFTI_INTENT_TRIANGLE" &&
        std::find(intents.begin(), intents.end(), array.intent) == intents.end())
      intents.push_back(array.intent);
  const bool manyDatasets = points != nullptr || intents.size() > 1;
  for (const auto& intent : intents) {
    std::vector<const DecodedArray*> group;
    for (const auto& array : decoded)
      if (array.intent == intent) group.push_back(&array);
    const std::size_t rows = group.front()->dims.front();
    if (points != nullptr && rows != vertexCount)
      throw FileError(path, shortIntent(intent) + " array has " + std::to_string(rows) +
                                " rows but the mesh in the same file has " +
                                std::to_string(vertexCount) + " vertices");
    std::vector<std::size_t> shape;
    std::vector<double> values;
    if (group.size() == 1) {
      shape = group.front()->dims;
      if (shape.size() > 2)
        throw FileError(path, shortIntent(intent) + " array has " + std::to_string(shape.size()) +
                                  " dimensions; per-vertex data has 1 or 2");
      values = group.front()->values;
    } else {
      for (const auto* array : group)
        if (array->dims.size() != 1 || array->dims[0] != rows)
          throw FileError(path, "the " + shortIntent(intent) +
                                    " arrays differ in shape; they cannot be columns of one "
                                    "overlay");
      shape = {rows, group.size()};
      values.resize(rows * group.size());
      for (std::size_t c = 0; c < group.size(); ++c)
        for (std::size_t r = 0; r < rows; ++r) values[r * group.size() + c] = group[c]->values[r];
    }
    const std::string shortName = shortIntent(intent);
    const std::string name = manyDatasets ? stem + " " + shortName : stem;
    Attributes attributes{{"intent", intent}};
    if (!hemisphere.empty()) attributes["hemisphere"] = hemisphere;
    const auto& arrayMetadata = group.front()->source->metadata;
    if (const auto label = metadataValue(arrayMetadata, "Name"); !label.empty())
      attributes["array_name"] = label;
    const bool isLabel = intent == "NIFTI_INTENT_LABEL";
    const std::string tableName = stem + " colortable";
    if (isLabel) {
      attributes["labels"] = "true";
      attributes["colortable"] = tableName;
    }
    contents.datasets.push_back(std::make_shared<const ArrayDataset>(
        DatasetKind::SurfaceOverlay, name, std::move(shape), std::move(values),
        Provenance::fromFile(path.string(), "/" + shortName, "GIfTI"), std::move(attributes),
        storedTypeName(group.front()->source->attributes)));
    if (isLabel) {
      std::vector<double> keys, r, g, b, a;
      std::vector<std::string> names;
      for (const auto& entry : state.labels) {
        keys.push_back(entry.key);
        names.push_back(entry.name);
        r.push_back(entry.r * 255.0);
        g.push_back(entry.g * 255.0);
        b.push_back(entry.b * 255.0);
        a.push_back(entry.a * 255.0);
      }
      std::vector<Column> columns;
      columns.push_back({"key", std::move(keys)});
      columns.push_back({"name", std::move(names)});
      columns.push_back({"r", std::move(r)});
      columns.push_back({"g", std::move(g)});
      columns.push_back({"b", std::move(b)});
      columns.push_back({"a", std::move(a)});
      contents.datasets.push_back(std::make_shared<const TableDataset>(
          DatasetKind::Table, tableName, std::move(columns),
          Provenance::fromFile(path.string(), "/colortable", "GIfTI"),
          Attributes{{"color_scale", "0-255"}}));
    }
  }
  if (contents.datasets.empty()) throw FileError(path, "GIfTI file holds no data arrays");
  return contents;
}

int GiftiReader::confidence(const std::filesystem::path& path,
                            std::span<const unsigned char> head) const {
  const std::string inner = innerHead(head);
  const bool named = hasExtension(path, extensions());
  if (inner.find("<GIFTI") != std::string::npos) return named ? 80 : 60;
  if (named && inner.find("<?xml") != std::string::npos) return 30;
  return named ? 10 : 0;
}

FileContents GiftiReader::open(const std::filesystem::path& path,
                               const std::string& internalPath) const {
  FileContents contents = readGifti(path);
  keepInternalPath(contents.datasets, internalPath);
  return contents;
}

}  // namespace nl::io::surface
