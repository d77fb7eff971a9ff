#pragma once
// A thin RAII layer over the HDF5 C API. Every failure becomes an
// nl::io::FileError that names the file, the object and what went wrong; the
// HDF5 library's own stderr printing is switched off.
#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/Error.h"

namespace nl::io::h5 {

// Owns one hid_t and closes it with the right H5*close for its type.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(Handle&& other) noexcept : id_(other.id_) { other.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset();

 private:
  hid_t id_ = H5I_INVALID_HID;
};

void silenceLibraryErrors();
bool isHdf5File(const std::filesystem::path& path);

// A file or group location plus the file path, for error messages.
class Location {
 public:
  Location(std::shared_ptr<Handle> file, hid_t id, std::filesystem::path path,
           std::string objectPath)
      : file_(std::move(file)),
        id_(id),
        path_(std::move(path)),
        objectPath_(std::move(objectPath)) {}

  hid_t id() const { return id_; }
  const std::filesystem::path& filePath() const { return path_; }
  const std::string& objectPath() const { return objectPath_; }
  [[noreturn]] void fail(const std::string& what) const;

  // Whether a link `name` exists (it may point to nothing, or to a damaged object).
  bool exists(const std::string& name) const;
  // The type of the object at `name`; nullopt when there is no such link (or
  // a soft link to nothing). A link whose object cannot be read (a damaged
  // object header) is a FileError: present but unreadable is never "absent".
  std::optional<H5O_type_t> objectType(const std::string& name) const;
  bool isGroup(const std::string& name) const;    // objectType() == group
  bool isDataset(const std::string& name) const;  // objectType() == dataset
  std::vector<std::string> children() const;      // names, in creation or name order
  // Where a soft link below this location points ("/general/devices/probeA").
  std::optional<std::string> softLinkTarget(const std::string& name) const;

  // Attributes on this location (or on a child object when `object` is given).
  bool hasAttribute(const std::string& name) const;
  std::optional<std::string> stringAttribute(const std::string& name) const;
  std::optional<double> numberAttribute(const std::string& name) const;
  std::vector<std::string> attributeNames() const;
  // Any attribute as text: strings as they are, numbers (arrays comma
  // separated, long ones elided), other types by their class name.
  std::string attributeText(const std::string& name) const;
  // A string attribute holding an array (e.g. a DynamicTable's colnames).
  std::vector<std::string> stringArrayAttribute(const std::string& name) const;
  void setAttribute(const std::string& name, const std::string& value) const;
  void setAttribute(const std::string& name, double value) const;
  void setAttribute(const std::string& name, std::int64_t value) const;
  void setAttribute(const std::string& name, const std::vector<std::string>& values) const;

  // Datasets below this location.
  std::vector<std::size_t> datasetShape(const std::string& name) const;
  std::string datasetTypeName(const std::string& name) const;  // "int16", "float64", "string", …
  bool datasetIsNumeric(const std::string& name) const;
  std::vector<double> readDoubles(const std::string& name) const;
  std::vector<std::uint64_t> readUInt64(const std::string& name) const;
  std::vector<std::int32_t> readInt32(const std::string& name) const;
  std::vector<float> readFloats(const std::string& name) const;
  std::vector<std::string> readStrings(const std::string& name) const;
  // A dataset of object references, as the referenced objects' paths.
  std::vector<std::string> readObjectReferencePaths(const std::string& name) const;
  // Elements [offset, offset + count) of a 1-D numeric dataset (hyperslab).
  std::vector<double> readDoubleRange(const std::string& name, std::uint64_t offset,
                                      std::uint64_t count) const;
  // String attribute of a child object (dataset or group) without opening it by hand.
  std::optional<std::string> childStringAttribute(const std::string& child,
                                                  const std::string& attribute) const;

  void writeDoubles(const std::string& name, const std::vector<double>& values,
                    const std::vector<std::size_t>& shape) const;
  void writeFloats(const std::string& name, const std::vector<float>& values,
                   const std::vector<std::size_t>& shape) const;
  void writeInt32(const std::string& name, const std::vector<std::int32_t>& values,
                  const std::vector<std::size_t>& shape) const;
  void writeUInt64(const std::string& name, const std::vector<std::uint64_t>& values) const;
  void writeStrings(const std::string& name, const std::vector<std::string>& values) const;

 protected:
  friend class VectorReader;
  friend class RowReader;
  std::shared_ptr<Handle> file_;  // keeps the file open while any location lives

 private:
  Handle openDataset(const std::string& name) const;
  template <typename T>
  std::vector<T> readNative(const std::string& name, hid_t memType) const;
  template <typename T>
  void writeNative(const std::string& name, hid_t memType, const std::vector<T>& values,
                   const std::vector<std::size_t>& shape) const;

  hid_t id_;
  std::filesystem::path path_;
  std::string objectPath_;
};

// A 1-D numeric dataset kept open for repeated range reads (e.g. spike times
// per unit): the dataset's chunk cache survives between reads, so compressed
// chunks are not inflated again for each neighbouring range (unset:
// io::resourceLimits().hdf5ChunkCacheBytes).
class VectorReader {
 public:
  VectorReader(const Location& parent, const std::string& name,
               std::optional<std::size_t> chunkCacheBytes = std::nullopt);
  std::uint64_t size() const { return size_; }
  // Elements [begin, end) as doubles; FileError when out of range or unreadable.
  std::vector<double> read(std::uint64_t begin, std::uint64_t end) const;

 private:
  std::shared_ptr<Handle> file_;
  Handle dataset_;
  std::uint64_t size_ = 0;
  std::filesystem::path path_;
  std::string objectPath_;
};

// File address of the object `name` below `parent` (HADDR_UNDEF when unknown):
// what tells two links to one object apart from two objects, for cycle-safe walks.
haddr_t objectAddress(const Location& parent, const std::string& name);

class Group : public Location {
 public:
  Group(std::shared_ptr<Handle> file, Handle group, std::filesystem::path path,
        std::string objectPath);
  Group openGroup(const std::string& name) const;
  Group createGroup(const std::string& name) const;

 private:
  std::shared_ptr<Handle> group_;
};

class File {
 public:
  static File openReadOnly(const std::filesystem::path& path);
  // Truncates. alignment > 0: objects of 1 MB and more start at a multiple
  // of it in the file (H5Pset_alignment), as a writer can ask.
  static File create(const std::filesystem::path& path, std::size_t alignment = 0);
  Group root() const;
  const std::filesystem::path& path() const { return path_; }
  // Flushes and closes; errors surface here rather than in a destructor.
  void close();

 private:
  File(std::shared_ptr<Handle> handle, std::filesystem::path path)
      : handle_(std::move(handle)), path_(std::move(path)) {}
  std::shared_ptr<Handle> handle_;
  std::filesystem::path path_;
};

}  // namespace nl::io::h5
