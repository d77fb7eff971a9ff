#include "io/volume/Mgh.h"

#include <cmath>
#include <fstream>

#include "io/surface/SurfaceIo.h"
#include "io/volume/VoxelArray.h"

namespace nl::io::volume {

using namespace nl::io::surface;  // the binary-header helpers of SurfaceIo.h

namespace {

constexpr std::size_t kHeaderBytes = 284;  // data starts here

struct MghType {
  int code;
  const char* name;
  StoredType stored;
};

const MghType* mghType(int code) {
  static const MghType types[] = {{0, "uint8", {'u', 1}},
                                  {1, "int32", {'i', 4}},
                                  {3, "float32", {'f', 4}},
                                  {4, "int16", {'i', 2}}};
  for (const auto& type : types)
    if (type.code == code) return &type;
  return nullptr;
}

}  // namespace

MghHeader parseMghHeader(const std::filesystem::path& path, std::string_view bytes) {
  ByteCursor c(path, bytes, true);
  c.require(90, "the MGH header");
  const auto version = c.i32("the MGH version");
  if (version != 1)
    throw FileError(
        path, "not an MGH volume (version field is " + std::to_string(version) + ", expected 1)");
  MghHeader h;
  for (auto& d : h.dims) {
    const auto v = c.i32("the MGH dimensions");
    if (v < 1)
      throw FileError(path, "MGH header has a dimension of " + std::to_string(v) +
                                " (all four sizes must be at least 1)");
    d = static_cast<std::size_t>(v);
  }
  h.type = c.i32("the MGH data type");
  if (mghType(h.type) == nullptr)
    throw FileError(path, "unsupported MGH data type " + std::to_string(h.type) +
                              " (0 uchar, 1 int, 3 float and 4 short are supported)");
  c.i32("dof");
  h.goodRas = c.i16("goodRASFlag") != 0;
  for (auto& v : h.delta) v = c.f32("the voxel sizes");
  for (auto& v : h.mdc) v = c.f32("the direction cosines");
  for (auto& v : h.cras) v = c.f32("the centre RAS");
  if (!h.goodRas) {
    // FreeSurfer's default (coronal, 1 mm, centred), as nibabel sets it.
    h.delta = {1, 1, 1};
    h.mdc = {-1, 0, 0, 0, 0, -1, 0, 1, 0};
    h.cras = {0, 0, 0};
  }
  return h;
}

Affine mghVox2Ras(const MghHeader& h) {
  // Stored Mdc rows are the x, y, z direction cosines; the matrix has them as columns.
  Affine m{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  for (std::size_t row = 0; row < 3; ++row) {
    double centreShift = 0;
    for (std::size_t col = 0; col < 3; ++col) {
      const double value = h.mdc[3 * col + row] * h.delta[col];
      m[4 * row + col] = value;
      centreShift += value * static_cast<double>(h.dims[col]) / 2.0;
    }
    m[4 * row + 3] = h.cras[row] - centreShift;
  }
  return m;
}

DatasetPtr readMgh(const std::filesystem::path& path) {
  const std::string headBytes = readMaybeGzipPrefix(path, kHeaderBytes);
  const MghHeader h = parseMghHeader(path, headBytes);
  const MghType& type = *mghType(h.type);
  std::size_t count = 1;
  for (auto d : h.dims) count = checkedMultiply(path, count, d, "the volume (dimension product)");
  const std::size_t dataBytes = checkedMultiply(path, count, type.stored.size, "the volume");
  requireFileCanHold(path, kHeaderBytes, dataBytes, "data");
  ScalarType scalar{};
  scalarTypeOfStored(type.stored, scalar);  // every MGH type has one
  // Big-endian on disk: swapped once into the stored type (.mgz: inflated
  // straight into it), never widened to doubles here.
  ArrayDataset::TypedLoader typedLoader = [path, count, scalar]() {
    return readStoredVoxels(path, kHeaderBytes, scalar, count, true);
  };
  ArrayDataset::Loader loader = [typedLoader]() { return typedLoader().toDoubles(); };

  const auto affine = mghVox2Ras(h);
  requireFiniteAffine(path, affine, "the vox2ras matrix");
  const std::size_t ones = static_cast<std::size_t>(h.dims[0] == 1) +
                           static_cast<std::size_t>(h.dims[1] == 1) +
                           static_cast<std::size_t>(h.dims[2] == 1);
  const std::size_t longest = std::max({h.dims[0], h.dims[1], h.dims[2]});
  if (ones >= 2 && longest > 1) {
    // Per-vertex data: x fastest on disk, so frame f of vertex v sits at v + N f.
    const std::size_t frames = h.dims[3];
    std::vector<std::size_t> shape{longest};
    if (frames > 1) shape.push_back(frames);
    ArrayDataset::Loader overlayLoader = loader;
    if (frames > 1)
      overlayLoader = [loader, longest, frames]() {
        const auto planar = loader();
        std::vector<double> rows(planar.size());
        for (std::size_t v = 0; v < longest; ++v)
          for (std::size_t f = 0; f < frames; ++f) rows[v * frames + f] = planar[v + longest * f];
        return rows;
      };
    Attributes attributes{
        {"affine", formatNumbers(affine)}, {"datatype", type.name}, {"per_vertex", "true"}};
    if (const auto hemisphere = hemisphereFromName(path); !hemisphere.empty())
      attributes["hemisphere"] = hemisphere;
    return std::make_shared<const ArrayDataset>(
        DatasetKind::SurfaceOverlay, datasetStem(path), std::move(shape), std::move(overlayLoader),
        Provenance::fromFile(path.string(), "", "FreeSurfer MGH/MGZ"), std::move(attributes),
        type.name);
  }

  VolumeGrid grid = VolumeGrid::fromAffine({h.dims[0], h.dims[1], h.dims[2]}, affine, "mm");
  for (std::size_t axis = 0; axis < 3; ++axis)
    grid.spacing[axis] = usableSpacing(h.delta[axis], affine, axis);
  VoxelLayout layout;
  layout.frames = h.dims[3];
  Attributes extra{{"datatype", type.name}, {"good_ras_flag", h.goodRas ? "1" : "0"}};
  return makeVolumeDataset(datasetStem(path), grid, layout, std::move(typedLoader),
                           Provenance::fromFile(path.string(), "", "FreeSurfer MGH/MGZ"),
                           std::move(extra), type.name);
}

int MghReader::confidence(const std::filesystem::path& path,
                          std::span<const unsigned char> head) const {
  if (!hasExtension(path, extensions())) return 0;
  const std::string inner = innerHead(head);
  if (inner.size() >= 24 && inner[0] == 0 && inner[1] == 0 && inner[2] == 0 && inner[3] == 1)
    return 60;
  return 10;
}

FileContents MghReader::open(const std::filesystem::path& path,
                             const std::string& internalPath) const {
  FileContents contents;
  contents.datasets.push_back(readMgh(path));
  keepInternalPath(contents.datasets, internalPath);
  return contents;
}

}  // namespace nl::io::volume
