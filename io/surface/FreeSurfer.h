#pragma once
// FreeSurfer's binary surface formats: triangle surfaces (lh.white, lh.pial,
// … also gzip-wrapped), per-vertex "curv" files (new format with magic
// 0xFFFFFF and the old 3-byte format: sulc, curv, thickness, area),
// annotations (.annot with an embedded colour table, both table versions) and
// ASCII labels (.label). All big-endian. Every failure is a FileError.
#include <filesystem>
#include <memory>

#include "io/Dataset.h"
#include "io/ReaderRegistry.h"

namespace nl::io::surface {

// Mesh with attributes "created_by", "hemisphere" (when the name says) and,
// when the file's volume-geometry tail has it, "cras" (scanner RAS of the
// tkregister origin, "x,y,z"; coordinates are left in tkregister space as
// FreeSurfer and nibabel's read_geometry give them).
std::shared_ptr<const SurfaceMeshDataset> readFreeSurferSurface(const std::filesystem::path& path);

// SurfaceOverlay shape {vertices} (or {vertices, values_per_vertex}).
std::shared_ptr<const ArrayDataset> readFreeSurferCurv(const std::filesystem::path& path);

// Per-vertex label ids (SurfaceOverlay, shape {vertices}; -1 = no label) and
// the colour table (Table: key, name, r, g, b, a on 0–255, annot_value). The
// overlay's attribute "colortable" names the table dataset; a vertex's id is
// the `key` of the table row whose packed colour r + 256 g + 65536 b equals
// the vertex's stored annotation value (FreeSurfer's own lookup; for the
// usual contiguous tables it equals nibabel's read_annot labels).
struct Annotation {
  std::shared_ptr<const ArrayDataset> labels;
  std::shared_ptr<const TableDataset> colorTable;
};
Annotation readFreeSurferAnnot(const std::filesystem::path& path);

// A .label file: Table with columns vertex, x, y, z, value (one row per
// labelled vertex); attribute "header" keeps the first comment line.
std::shared_ptr<const TableDataset> readFreeSurferLabel(const std::filesystem::path& path);

class FreeSurferSurfaceReader final : public FileReader {
 public:
  std::string name() const override { return "FreeSurfer surface"; }
  std::vector<std::string> extensions() const override;
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

class FreeSurferCurvReader final : public FileReader {
 public:
  std::string name() const override { return "FreeSurfer curv"; }
  std::vector<std::string> extensions() const override;
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

class FreeSurferAnnotReader final : public FileReader {
 public:
  std::string name() const override { return "FreeSurfer annot"; }
  std::vector<std::string> extensions() const override { return {".annot"}; }
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

class FreeSurferLabelReader final : public FileReader {
 public:
  std::string name() const override { return "FreeSurfer label"; }
  std::vector<std::string> extensions() const override { return {".label"}; }
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

}  // namespace nl::io::surface
