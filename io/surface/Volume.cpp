#include "io/surface/Volume.h"

#include <cmath>

#include "io/Error.h"
#include "io/surface/SurfaceIo.h"

namespace nl::io::surface {

std::shared_ptr<const ArrayDataset> makeVolumeDataset(std::string name,
                                                      const VolumeGeometry& geometry,
                                                      ArrayDataset::Loader loader,
                                                      Provenance provenance, Attributes extra,
                                                      std::string sourceType) {
  const auto& d = geometry.dims;
  std::vector<std::size_t> shape;
  if (d[3] > 1) shape.push_back(d[3]);
  shape.insert(shape.end(), {d[2], d[1], d[0]});
  if (geometry.channels > 1) shape.push_back(geometry.channels);

  Attributes attributes = std::move(extra);
  attributes["spacing"] = joinNumbers(geometry.spacing);
  const double origin[3] = {geometry.affine[3], geometry.affine[7], geometry.affine[11]};
  attributes["origin"] = joinNumbers(origin);
  attributes["affine"] = joinNumbers(geometry.affine);
  attributes["axis_order"] = d[3] > 1 ? "t,z,y,x" : "z,y,x";
  if (geometry.channels > 1) {
    attributes["axis_order"] += ",channel";
    attributes["channels"] = geometry.channelNames;
  }
  if (!geometry.spatialUnits.empty()) attributes["spatial_units"] = geometry.spatialUnits;
  if (d[3] > 1) {
    if (geometry.trSeconds > 0) {
      const double tr[1] = {geometry.trSeconds};
      attributes["tr"] = joinNumbers(tr);
    }
    if (!geometry.timeUnits.empty()) attributes["time_units"] = geometry.timeUnits;
  }
  const DatasetKind kind = d[3] > 1 ? DatasetKind::VoxelSeries : DatasetKind::Volume;
  return std::make_shared<const ArrayDataset>(kind, std::move(name), std::move(shape),
                                              std::move(loader), std::move(provenance),
                                              std::move(attributes), std::move(sourceType));
}

void requireFiniteAffine(const std::filesystem::path& path, const std::array<double, 16>& affine,
                         const std::string& which) {
  for (double v : affine)
    if (!std::isfinite(v)) throw FileError(path, which + " has a non-finite entry (NaN or inf)");
}

}  // namespace nl::io::surface
