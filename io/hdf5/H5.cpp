#include "io/hdf5/H5.h"
#include "io/hdf5/MetadataProbe.h"

#include "io/MappedFile.h"
#include "io/ResourceLimits.h"
#include "io/UntrustedInput.h"

#include <cstdio>

#include <cstring>
#include <fstream>
#include <functional>
#include <numeric>

namespace nl::io::h5 {

namespace {

// The innermost message of HDF5's error stack is the useful one.
std::string lastLibraryMessage() {
  std::string message;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned n, const H5E_error2_t* err, void* data) -> herr_t {
        if (n == 0 && err->desc != nullptr) *static_cast<std::string*>(data) = err->desc;
        return 0;
      },
      &message);
  H5Eclear2(H5E_DEFAULT);
  return message;
}

std::string joinPath(const std::string& base, const std::string& name) {
  if (base.empty() || base == "/") return "/" + name;
  return base + "/" + name;
}

std::size_t product(const std::vector<std::size_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
}

}  // namespace

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = other.id_;
    other.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void Handle::reset() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE:
      H5Fclose(id_);
      break;
    case H5I_GROUP:
      H5Gclose(id_);
      break;
    case H5I_DATASET:
      H5Dclose(id_);
      break;
    case H5I_DATASPACE:
      H5Sclose(id_);
      break;
    case H5I_DATATYPE:
      H5Tclose(id_);
      break;
    case H5I_ATTR:
      H5Aclose(id_);
      break;
    case H5I_GENPROP_LST:
      H5Pclose(id_);
      break;
    default:
      break;
  }
  id_ = H5I_INVALID_HID;
}

void silenceLibraryErrors() {
  static const bool done = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

bool isHdf5File(const std::filesystem::path& path) {
  // The superblock signature sits at 0, 512, 1024, 2048… (after a user block).
  static constexpr char kSignature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  for (std::uint64_t offset = 0; offset <= 65536; offset = offset == 0 ? 512 : offset * 2) {
    std::vector<unsigned char> bytes;
    try {
      bytes = readWithoutReadahead(path, offset, sizeof kSignature);
    } catch (const FileError&) {
      return false;
    }
    if (bytes.size() < sizeof kSignature) return false;
    if (std::memcmp(bytes.data(), kSignature, sizeof kSignature) == 0) return true;
  }
  return false;
}

void Location::fail(const std::string& what) const {
  std::string reason = what;
  if (!objectPath_.empty() && objectPath_ != "/") reason = objectPath_ + ": " + reason;
  const std::string detail = lastLibraryMessage();
  if (!detail.empty()) reason += " (HDF5: " + detail + ")";
  throw FileError(path_, reason);
}

bool Location::exists(const std::string& name) const {
  // H5Lexists needs each intermediate link to exist, so walk the path.
  std::string partial;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t slash = name.find('/', start);
    const std::string part = name.substr(start, slash == std::string::npos ? slash : slash - start);
    if (!part.empty()) {
      partial += (partial.empty() ? "" : "/") + part;
      if (H5Lexists(id_, partial.c_str(), H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return false;
      }
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return !partial.empty();
}

std::optional<H5O_type_t> Location::objectType(const std::string& name) const {
  if (!exists(name)) return std::nullopt;  // no such link
  H5O_info_t info;
  if (H5Oget_info_by_name2(id_, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) >= 0)
    return info.type;
  // The link is there but its object is not: a soft link to nothing is an
  // absent object; anything else (a damaged object header, an external file
  // that cannot be opened) is unreadable, never absent.
  const std::string detail = lastLibraryMessage();
  H5L_info_t link;
  if (H5Lget_info(id_, name.c_str(), &link, H5P_DEFAULT) >= 0 && link.type == H5L_TYPE_SOFT &&
      H5Oexists_by_name(id_, name.c_str(), H5P_DEFAULT) == 0) {
    H5Eclear2(H5E_DEFAULT);
    return std::nullopt;
  }
  H5Eclear2(H5E_DEFAULT);
  std::string reason = "'" + name + "' is present but cannot be read (damaged object header?)";
  if (!detail.empty()) reason += " (HDF5: " + detail + ")";
  if (!objectPath_.empty() && objectPath_ != "/") reason = objectPath_ + ": " + reason;
  throw FileError(path_, reason);
}

bool Location::isGroup(const std::string& name) const {
  return objectType(name) == H5O_TYPE_GROUP;
}

bool Location::isDataset(const std::string& name) const {
  return objectType(name) == H5O_TYPE_DATASET;
}

std::vector<std::string> Location::children() const {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  // Creation order when the file tracks it, name order otherwise.
  if (H5Literate(id_, H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, collect, &names) < 0) {
    H5Eclear2(H5E_DEFAULT);
    names.clear();
    if (H5Literate(id_, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names) < 0)
      fail("cannot list the group's members");
  }
  return names;
}

bool Location::hasAttribute(const std::string& name) const {
  const htri_t result = H5Aexists(id_, name.c_str());
  if (result < 0) H5Eclear2(H5E_DEFAULT);
  return result > 0;
}

std::optional<std::string> Location::stringAttribute(const std::string& name) const {
  if (!hasAttribute(name)) return std::nullopt;
  Handle attr(H5Aopen(id_, name.c_str(), H5P_DEFAULT));
  if (!attr.valid()) fail("cannot open attribute '" + name + "'");
  Handle fileType(H5Aget_type(attr.id()));
  if (H5Tget_class(fileType.id()) != H5T_STRING) return std::nullopt;
  Handle space(H5Aget_space(attr.id()));
  if (H5Sget_simple_extent_npoints(space.id()) < 1) return std::string();
  if (H5Tis_variable_str(fileType.id()) > 0) {
    Handle memType(H5Tcopy(H5T_C_S1));
    H5Tset_size(memType.id(), H5T_VARIABLE);
    H5Tset_cset(memType.id(), H5Tget_cset(fileType.id()));
    const auto count = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.id()));
    std::vector<char*> values(count, nullptr);
    if (H5Aread(attr.id(), memType.id(), values.data()) < 0)
      fail("cannot read attribute '" + name + "'");
    std::string value = values[0] != nullptr ? values[0] : "";
    H5Dvlen_reclaim(memType.id(), space.id(), H5P_DEFAULT, values.data());
    return value;
  }
  const std::size_t size = H5Tget_size(fileType.id());
  const auto count = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.id()));
  std::string buffer(size * count, '\0');
  Handle memType(H5Tcopy(H5T_C_S1));
  H5Tset_size(memType.id(), size);
  if (H5Aread(attr.id(), memType.id(), buffer.data()) < 0)
    fail("cannot read attribute '" + name + "'");
  std::string value = buffer.substr(0, size);
  value.erase(std::find(value.begin(), value.end(), '\0'), value.end());
  return value;
}

std::vector<std::string> Location::stringArrayAttribute(const std::string& name) const {
  std::vector<std::string> result;
  if (!hasAttribute(name)) return result;
  Handle attr(H5Aopen(id_, name.c_str(), H5P_DEFAULT));
  Handle fileType(H5Aget_type(attr.id()));
  if (H5Tget_class(fileType.id()) != H5T_STRING) return result;
  Handle space(H5Aget_space(attr.id()));
  const auto count =
      static_cast<std::size_t>(std::max<hssize_t>(0, H5Sget_simple_extent_npoints(space.id())));
  if (count == 0) return result;
  if (H5Tis_variable_str(fileType.id()) > 0) {
    Handle memType(H5Tcopy(H5T_C_S1));
    H5Tset_size(memType.id(), H5T_VARIABLE);
    H5Tset_cset(memType.id(), H5Tget_cset(fileType.id()));
    std::vector<char*> values(count, nullptr);
    if (H5Aread(attr.id(), memType.id(), values.data()) < 0)
      fail("cannot read attribute '" + name + "'");
    for (char* v : values) result.emplace_back(v != nullptr ? v : "");
    H5Dvlen_reclaim(memType.id(), space.id(), H5P_DEFAULT, values.data());
    return result;
  }
  const std::size_t size = H5Tget_size(fileType.id());
  Handle memType(H5Tcopy(H5T_C_S1));
  H5Tset_size(memType.id(), size);
  std::vector<char> buffer(size * count);
  if (H5Aread(attr.id(), memType.id(), buffer.data()) < 0)
    fail("cannot read attribute '" + name + "'");
  for (std::size_t i = 0; i < count; ++i)
    result.emplace_back(buffer.data() + i * size, strnlen(buffer.data() + i * size, size));
  return result;
}

std::optional<std::string> Location::childStringAttribute(const std::string& child,
                                                          const std::string& attribute) const {
  if (!exists(child)) return std::nullopt;
  Handle object(H5Oopen(id_, child.c_str(), H5P_DEFAULT));
  if (!object.valid()) {
    H5Eclear2(H5E_DEFAULT);
    return std::nullopt;
  }
  // Reuse the attribute reader on the opened object (closed by `object`).
  return Location(file_, object.id(), path_, objectPath_ + "/" + child).stringAttribute(attribute);
}

std::optional<double> Location::numberAttribute(const std::string& name) const {
  if (!hasAttribute(name)) return std::nullopt;
  Handle attr(H5Aopen(id_, name.c_str(), H5P_DEFAULT));
  Handle fileType(H5Aget_type(attr.id()));
  const auto cls = H5Tget_class(fileType.id());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) return std::nullopt;
  Handle space(H5Aget_space(attr.id()));
  const auto count = H5Sget_simple_extent_npoints(space.id());
  if (count < 1) return std::nullopt;
  std::vector<double> values(static_cast<std::size_t>(count));
  if (H5Aread(attr.id(), H5T_NATIVE_DOUBLE, values.data()) < 0)
    fail("cannot read attribute '" + name + "'");
  return values.front();
}

std::optional<std::string> Location::softLinkTarget(const std::string& name) const {
  H5L_info_t info;
  if (H5Lget_info(id_, name.c_str(), &info, H5P_DEFAULT) < 0) {
    H5Eclear2(H5E_DEFAULT);
    return std::nullopt;
  }
  if (info.type != H5L_TYPE_SOFT || info.u.val_size == 0 || info.u.val_size > 65536)
    return std::nullopt;
  std::string target(info.u.val_size, '\0');
  if (H5Lget_val(id_, name.c_str(), target.data(), target.size(), H5P_DEFAULT) < 0) {
    H5Eclear2(H5E_DEFAULT);
    return std::nullopt;
  }
  target.erase(std::find(target.begin(), target.end(), '\0'), target.end());
  return target;
}

std::vector<std::string> Location::attributeNames() const {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  if (H5Aiterate2(id_, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names) < 0)
    H5Eclear2(H5E_DEFAULT);
  return names;
}

std::string Location::attributeText(const std::string& name) const {
  if (!hasAttribute(name)) return {};
  Handle attr(H5Aopen(id_, name.c_str(), H5P_DEFAULT));
  if (!attr.valid()) fail("cannot open attribute '" + name + "'");
  Handle fileType(H5Aget_type(attr.id()));
  const auto cls = H5Tget_class(fileType.id());
  if (cls == H5T_STRING) {
    const auto values = stringArrayAttribute(name);
    std::string text;
    for (const auto& v : values) text += (text.empty() ? "" : ", ") + v;
    return text.empty() ? stringAttribute(name).value_or("") : text;
  }
  if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
    Handle space(H5Aget_space(attr.id()));
    const auto count = H5Sget_simple_extent_npoints(space.id());
    if (count < 1) return {};
    if (count > 4096) return "(" + std::to_string(count) + " numbers)";
    std::vector<double> values(static_cast<std::size_t>(count));
    if (H5Aread(attr.id(), H5T_NATIVE_DOUBLE, values.data()) < 0) {
      H5Eclear2(H5E_DEFAULT);
      return "(unreadable)";
    }
    std::string text;
    for (std::size_t i = 0; i < values.size() && i < 16; ++i) {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.10g", values[i]);
      text += (i ? ", " : "") + std::string(buffer);
    }
    if (values.size() > 16) text += ", … (" + std::to_string(values.size()) + " numbers)";
    return text;
  }
  switch (cls) {
    case H5T_REFERENCE:
      return "(reference)";
    case H5T_COMPOUND:
      return "(compound)";
    case H5T_ENUM:
      return "(enum)";
    default:
      return "(binary)";
  }
}

void Location::setAttribute(const std::string& name, const std::string& value) const {
  if (hasAttribute(name)) H5Adelete(id_, name.c_str());
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.id(), H5T_VARIABLE);
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR));
  Handle attr(H5Acreate2(id_, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT));
  const std::string text = sanitizeUtf8(value);  // tagged UTF-8, so it must be
  const char* data = text.c_str();
  if (!attr.valid() || H5Awrite(attr.id(), type.id(), &data) < 0)
    fail("cannot write attribute '" + name + "'");
}

void Location::setAttribute(const std::string& name, double value) const {
  if (hasAttribute(name)) H5Adelete(id_, name.c_str());
  Handle space(H5Screate(H5S_SCALAR));
  Handle attr(H5Acreate2(id_, name.c_str(), H5T_IEEE_F64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT));
  if (!attr.valid() || H5Awrite(attr.id(), H5T_NATIVE_DOUBLE, &value) < 0)
    fail("cannot write attribute '" + name + "'");
}

void Location::setAttribute(const std::string& name, std::int64_t value) const {
  if (hasAttribute(name)) H5Adelete(id_, name.c_str());
  Handle space(H5Screate(H5S_SCALAR));
  Handle attr(H5Acreate2(id_, name.c_str(), H5T_STD_I64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT));
  if (!attr.valid() || H5Awrite(attr.id(), H5T_NATIVE_INT64, &value) < 0)
    fail("cannot write attribute '" + name + "'");
}

void Location::setAttribute(const std::string& name, const std::vector<std::string>& values) const {
  if (hasAttribute(name)) H5Adelete(id_, name.c_str());
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.id(), H5T_VARIABLE);
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  const hsize_t count[1] = {values.size()};
  Handle space(H5Screate_simple(1, count, nullptr));
  std::vector<std::string> texts;
  texts.reserve(values.size());
  for (const auto& v : values) texts.push_back(sanitizeUtf8(v));
  std::vector<const char*> data;
  for (const auto& v : texts) data.push_back(v.c_str());
  Handle attr(H5Acreate2(id_, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT));
  if (!attr.valid() || (!data.empty() && H5Awrite(attr.id(), type.id(), data.data()) < 0))
    fail("cannot write attribute '" + name + "'");
}

Handle Location::openDataset(const std::string& name) const {
  if (!isDataset(name)) fail("no dataset '" + name + "'");
  Handle dataset(H5Dopen2(id_, name.c_str(), H5P_DEFAULT));
  if (!dataset.valid()) fail("cannot open dataset '" + name + "'");
  return dataset;
}

std::vector<std::size_t> Location::datasetShape(const std::string& name) const {
  Handle dataset = openDataset(name);
  Handle space(H5Dget_space(dataset.id()));
  // A null dataspace holds no element; reported as rank 0 it would read as a
  // 0-d array that promises one value.
  if (H5Sget_simple_extent_type(space.id()) == H5S_NULL) return {0};
  const int rank = H5Sget_simple_extent_ndims(space.id());
  if (rank < 0) fail("dataset '" + name + "' has an unreadable dataspace");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  return {dims.begin(), dims.end()};
}

std::string Location::datasetTypeName(const std::string& name) const {
  Handle dataset = openDataset(name);
  Handle type(H5Dget_type(dataset.id()));
  const std::size_t bits = H5Tget_size(type.id()) * 8;
  switch (H5Tget_class(type.id())) {
    case H5T_INTEGER:
      return (H5Tget_sign(type.id()) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(bits);
    case H5T_FLOAT:
      return "float" + std::to_string(bits);
    case H5T_STRING:
      return "string";
    case H5T_ENUM:
      return "enum";
    case H5T_COMPOUND:
      return "compound";
    case H5T_REFERENCE:
      return "reference";
    default:
      return "other";
  }
}

bool Location::datasetIsNumeric(const std::string& name) const {
  const std::string type = datasetTypeName(name);
  return type.starts_with("int") || type.starts_with("uint") || type.starts_with("float");
}

template <typename T>
std::vector<T> Location::readNative(const std::string& name, hid_t memType) const {
  Handle dataset = openDataset(name);
  Handle type(H5Dget_type(dataset.id()));
  const auto cls = H5Tget_class(type.id());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    fail("dataset '" + name + "' is not numeric (" + datasetTypeName(name) + ")");
  Handle space(H5Dget_space(dataset.id()));
  const auto count = H5Sget_simple_extent_npoints(space.id());
  if (count < 0) fail("dataset '" + name + "' has an unreadable dataspace");
  std::vector<T> values(static_cast<std::size_t>(count));
  if (count > 0 && H5Dread(dataset.id(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    fail("cannot read dataset '" + name + "' (truncated or corrupted data?)");
  return values;
}

std::vector<double> Location::readDoubles(const std::string& name) const {
  return readNative<double>(name, H5T_NATIVE_DOUBLE);
}
std::vector<std::uint64_t> Location::readUInt64(const std::string& name) const {
  return readNative<std::uint64_t>(name, H5T_NATIVE_UINT64);
}
std::vector<std::int32_t> Location::readInt32(const std::string& name) const {
  return readNative<std::int32_t>(name, H5T_NATIVE_INT32);
}
std::vector<float> Location::readFloats(const std::string& name) const {
  return readNative<float>(name, H5T_NATIVE_FLOAT);
}

std::vector<std::string> Location::readStrings(const std::string& name) const {
  Handle dataset = openDataset(name);
  Handle fileType(H5Dget_type(dataset.id()));
  if (H5Tget_class(fileType.id()) != H5T_STRING) fail("dataset '" + name + "' is not text");
  Handle space(H5Dget_space(dataset.id()));
  const auto count = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.id()));
  std::vector<std::string> result;
  result.reserve(count);
  if (count == 0) return result;
  if (H5Tis_variable_str(fileType.id()) > 0) {
    Handle memType(H5Tcopy(H5T_C_S1));
    H5Tset_size(memType.id(), H5T_VARIABLE);
    H5Tset_cset(memType.id(), H5Tget_cset(fileType.id()));
    std::vector<char*> values(count, nullptr);
    if (H5Dread(dataset.id(), memType.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
      fail("cannot read text dataset '" + name + "'");
    for (char* v : values) result.emplace_back(v != nullptr ? v : "");
    H5Dvlen_reclaim(memType.id(), space.id(), H5P_DEFAULT, values.data());
    return result;
  }
  const std::size_t size = H5Tget_size(fileType.id());
  Handle memType(H5Tcopy(H5T_C_S1));
  H5Tset_size(memType.id(), size);
  std::vector<char> buffer(size * count);
  if (H5Dread(dataset.id(), memType.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) < 0)
    fail("cannot read text dataset '" + name + "'");
  for (std::size_t i = 0; i < count; ++i) {
    const char* start = buffer.data() + i * size;
    result.emplace_back(start, strnlen(start, size));
  }
  return result;
}

std::vector<std::string> Location::readObjectReferencePaths(const std::string& name) const {
  Handle dataset = openDataset(name);
  Handle type(H5Dget_type(dataset.id()));
  if (H5Tget_class(type.id()) != H5T_REFERENCE || H5Tequal(type.id(), H5T_STD_REF_OBJ) <= 0)
    fail("dataset '" + name + "' does not hold object references");
  Handle space(H5Dget_space(dataset.id()));
  const auto count =
      static_cast<std::size_t>(std::max<hssize_t>(0, H5Sget_simple_extent_npoints(space.id())));
  std::vector<hobj_ref_t> references(count);
  if (count > 0 &&
      H5Dread(dataset.id(), H5T_STD_REF_OBJ, H5S_ALL, H5S_ALL, H5P_DEFAULT, references.data()) < 0)
    fail("cannot read references in '" + name + "'");
  std::vector<std::string> paths;
  paths.reserve(count);
  for (auto& reference : references) {
    const ssize_t length = H5Rget_name(dataset.id(), H5R_OBJECT, &reference, nullptr, 0);
    if (length <= 0) {
      H5Eclear2(H5E_DEFAULT);
      paths.emplace_back();
      continue;
    }
    std::string path(static_cast<std::size_t>(length) + 1, '\0');
    H5Rget_name(dataset.id(), H5R_OBJECT, &reference, path.data(), path.size());
    path.resize(static_cast<std::size_t>(length));
    paths.push_back(std::move(path));
  }
  return paths;
}

std::vector<double> Location::readDoubleRange(const std::string& name, std::uint64_t offset,
                                              std::uint64_t count) const {
  Handle dataset = openDataset(name);
  Handle space(H5Dget_space(dataset.id()));
  if (H5Sget_simple_extent_ndims(space.id()) != 1)
    fail("dataset '" + name + "' is not one-dimensional");
  hsize_t extent = 0;
  H5Sget_simple_extent_dims(space.id(), &extent, nullptr);
  if (offset > extent || count > extent - offset)
    fail("elements [" + std::to_string(offset) + ", " + std::to_string(offset + count) +
         ") lie beyond the end of '" + name + "' (" + std::to_string(extent) + " elements)");
  std::vector<double> values(static_cast<std::size_t>(count));
  if (count == 0) return values;
  const hsize_t start[1] = {offset}, size[1] = {count};
  H5Sselect_hyperslab(space.id(), H5S_SELECT_SET, start, nullptr, size, nullptr);
  Handle memory(H5Screate_simple(1, size, nullptr));
  if (H5Dread(dataset.id(), H5T_NATIVE_DOUBLE, memory.id(), space.id(), H5P_DEFAULT,
              values.data()) < 0)
    fail("cannot read elements of '" + name + "'");
  return values;
}

haddr_t objectAddress(const Location& parent, const std::string& name) {
  H5O_info_t info;
  if (H5Oget_info_by_name2(parent.id(), name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) {
    H5Eclear2(H5E_DEFAULT);
    return HADDR_UNDEF;
  }
  return info.addr;
}

VectorReader::VectorReader(const Location& parent, const std::string& name,
                           std::optional<std::size_t> chunkCacheBytes)
    : file_(parent.file_),
      path_(parent.filePath()),
      objectPath_(parent.objectPath() + (parent.objectPath().ends_with('/') ? "" : "/") + name) {
  if (!parent.isDataset(name)) parent.fail("no dataset '" + name + "'");
  if (!parent.datasetIsNumeric(name)) parent.fail("dataset '" + name + "' is not numeric");
  Handle access(H5Pcreate(H5P_DATASET_ACCESS));
  // 12421 slots (a prime, as the HDF5 guide advises) for the chunk hash table.
  H5Pset_chunk_cache(access.id(), 12421,
                     chunkCacheBytes.value_or(resourceLimits().hdf5ChunkCacheBytes), 0.75);
  dataset_ = Handle(H5Dopen2(parent.id(), name.c_str(), access.id()));
  if (!dataset_.valid()) parent.fail("cannot open dataset '" + name + "'");
  Handle space(H5Dget_space(dataset_.id()));
  if (H5Sget_simple_extent_type(space.id()) == H5S_NULL) return;
  if (H5Sget_simple_extent_ndims(space.id()) != 1)
    parent.fail("dataset '" + name + "' is not one-dimensional");
  hsize_t extent = 0;
  H5Sget_simple_extent_dims(space.id(), &extent, nullptr);
  size_ = extent;
}

std::vector<double> VectorReader::read(std::uint64_t begin, std::uint64_t end) const {
  if (begin > end || end > size_)
    throw FileError(path_, objectPath_ + ": elements [" + std::to_string(begin) + ", " +
                               std::to_string(end) + ") lie beyond its " + std::to_string(size_) +
                               " elements");
  std::vector<double> values(static_cast<std::size_t>(end - begin));
  if (values.empty()) return values;
  Handle space(H5Dget_space(dataset_.id()));
  const hsize_t start[1] = {begin}, count[1] = {end - begin};
  H5Sselect_hyperslab(space.id(), H5S_SELECT_SET, start, nullptr, count, nullptr);
  Handle memory(H5Screate_simple(1, count, nullptr));
  if (H5Dread(dataset_.id(), H5T_NATIVE_DOUBLE, memory.id(), space.id(), H5P_DEFAULT,
              values.data()) < 0) {
    H5Eclear2(H5E_DEFAULT);
    throw FileError(path_, objectPath_ + ": cannot read elements [" + std::to_string(begin) + ", " +
                               std::to_string(end) + ") (file truncated or corrupt?)");
  }
  return values;
}

template <typename T>
void Location::writeNative(const std::string& name, hid_t memType, const std::vector<T>& values,
                           const std::vector<std::size_t>& shape) const {
  if (product(shape) != values.size()) fail("internal: shape does not match data for " + name);
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  Handle props(H5Pcreate(H5P_DATASET_CREATE));
  // Compress anything bigger than a few pages; h5py reads deflate natively.
  if (values.size() > 4096 && !dims.empty()) {
    std::vector<hsize_t> chunk(dims);
    hsize_t elements = 1;
    for (auto& c : chunk) elements *= c;
    for (std::size_t axis = 0; elements > (1u << 16) && axis < chunk.size(); ++axis) {
      while (chunk[axis] > 1 && elements > (1u << 16)) {
        elements /= chunk[axis];
        chunk[axis] = (chunk[axis] + 1) / 2;
        elements *= chunk[axis];
      }
    }
    H5Pset_chunk(props.id(), static_cast<int>(chunk.size()), chunk.data());
    H5Pset_shuffle(props.id());
    H5Pset_deflate(props.id(), 4);
  }
  Handle fileType(H5Tcopy(memType));
  H5Tset_order(fileType.id(), H5T_ORDER_LE);
  Handle dataset(H5Dcreate2(id_, name.c_str(), fileType.id(), space.id(), H5P_DEFAULT, props.id(),
                            H5P_DEFAULT));
  if (!dataset.valid()) fail("cannot create dataset '" + name + "'");
  if (!values.empty() &&
      H5Dwrite(dataset.id(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    fail("cannot write dataset '" + name + "'");
}

void Location::writeDoubles(const std::string& name, const std::vector<double>& values,
                            const std::vector<std::size_t>& shape) const {
  writeNative(name, H5T_NATIVE_DOUBLE, values, shape);
}
void Location::writeFloats(const std::string& name, const std::vector<float>& values,
                           const std::vector<std::size_t>& shape) const {
  writeNative(name, H5T_NATIVE_FLOAT, values, shape);
}
void Location::writeInt32(const std::string& name, const std::vector<std::int32_t>& values,
                          const std::vector<std::size_t>& shape) const {
  writeNative(name, H5T_NATIVE_INT32, values, shape);
}
void Location::writeUInt64(const std::string& name,
                           const std::vector<std::uint64_t>& values) const {
  writeNative(name, H5T_NATIVE_UINT64, values, {values.size()});
}

void Location::writeStrings(const std::string& name, const std::vector<std::string>& values) const {
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.id(), H5T_VARIABLE);
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  const hsize_t dims[1] = {values.size()};
  Handle space(H5Screate_simple(1, dims, nullptr));
  Handle dataset(
      H5Dcreate2(id_, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (!dataset.valid()) fail("cannot create text dataset '" + name + "'");
  std::vector<std::string> texts;  // tagged UTF-8, so they must be
  texts.reserve(values.size());
  for (const auto& v : values) texts.push_back(sanitizeUtf8(v));
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const auto& v : texts) pointers.push_back(v.c_str());
  if (!values.empty() &&
      H5Dwrite(dataset.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) < 0)
    fail("cannot write text dataset '" + name + "'");
}

Group::Group(std::shared_ptr<Handle> file, Handle group, std::filesystem::path path,
             std::string objectPath)
    : Location(std::move(file), group.id(), std::move(path), std::move(objectPath)),
      group_(std::make_shared<Handle>(std::move(group))) {}

Group Group::openGroup(const std::string& name) const {
  if (!isGroup(name)) fail("no group '" + name + "'");
  Handle group(H5Gopen2(id(), name.c_str(), H5P_DEFAULT));
  if (!group.valid()) fail("cannot open group '" + name + "'");
  return Group(file_, std::move(group), filePath(), joinPath(objectPath(), name));
}

Group Group::createGroup(const std::string& name) const {
  Handle props(H5Pcreate(H5P_GROUP_CREATE));
  H5Pset_link_creation_order(props.id(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  Handle group(H5Gcreate2(id(), name.c_str(), H5P_DEFAULT, props.id(), H5P_DEFAULT));
  if (!group.valid()) fail("cannot create group '" + name + "'");
  return Group(file_, std::move(group), filePath(), joinPath(objectPath(), name));
}

File File::openReadOnly(const std::filesystem::path& path) {
  silenceLibraryErrors();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw FileError(path, "file does not exist");
  if (!isHdf5File(path)) throw FileError(path, "not an HDF5 file (no HDF5 signature)");
  probeMetadata(path);
  // Every dataset opened without its own access list gets a chunk cache of
  // the configured size (libhdf5's default is 1 MiB per dataset).
  Handle access(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_cache(access.id(), 0, 12421, resourceLimits().hdf5ChunkCacheBytes, 0.75);
  auto handle = std::make_shared<Handle>(H5Fopen(path.c_str(), H5F_ACC_RDONLY, access.id()));
  if (!handle->valid()) {
    const std::string detail = lastLibraryMessage();
    throw FileError(path, "cannot open as HDF5 (truncated or corrupted?)" +
                              (detail.empty() ? std::string() : " (HDF5: " + detail + ")"));
  }
  return File(std::move(handle), path);
}

File File::create(const std::filesystem::path& path, std::size_t alignment) {
  silenceLibraryErrors();
  Handle props(H5Pcreate(H5P_FILE_CREATE));
  H5Pset_link_creation_order(props.id(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  Handle access(H5Pcreate(H5P_FILE_ACCESS));
  if (alignment > 0) H5Pset_alignment(access.id(), hsize_t{1} << 20, alignment);
  auto handle =
      std::make_shared<Handle>(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, props.id(), access.id()));
  if (!handle->valid()) throw FileError(path, "cannot create HDF5 file: " + lastLibraryMessage());
  return File(std::move(handle), path);
}

Group File::root() const {
  Handle group(H5Gopen2(handle_->id(), "/", H5P_DEFAULT));
  if (!group.valid()) throw FileError(path_, "cannot open the root group");
  return Group(handle_, std::move(group), path_, "/");
}

void File::close() {
  if (!handle_ || !handle_->valid()) return;
  if (H5Fflush(handle_->id(), H5F_SCOPE_GLOBAL) < 0)
    throw FileError(path_, "cannot flush HDF5 file: " + lastLibraryMessage());
  handle_->reset();
}

}  // namespace nl::io::h5
