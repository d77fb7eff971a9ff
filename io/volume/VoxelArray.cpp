#include "io/volume/VoxelArray.h"

#include <cmath>

#include "io/Error.h"

namespace nl::io::volume {

std::shared_ptr<const ArrayDataset> makeVolumeDataset(std::string name, const VolumeGrid& grid,
                                                      const VoxelLayout& layout,
                                                      ArrayDataset::Loader loader,
                                                      Provenance provenance, Attributes extra,
                                                      std::string sourceType) {
  const bool series = layout.frames > 1;
  const bool channels = layout.channels > 1;
  std::vector<std::size_t> shape;
  if (series) shape.push_back(layout.frames);
  shape.insert(shape.end(), {grid.nz, grid.ny, grid.nx});
  if (channels) shape.push_back(layout.channels);

  Attributes attributes = std::move(extra);
  writeVolumeGrid(grid, attributes);
  const AxisOrder order = series ? (channels ? AxisOrder::TZYXC : AxisOrder::TZYX)
                                 : (channels ? AxisOrder::ZYXC : AxisOrder::ZYX);
  attributes["axis_order"] = axisOrderName(order);
  if (channels) attributes["channels"] = layout.channelNames;
  if (series) {
    if (layout.trSeconds > 0) {
      const double tr[1] = {layout.trSeconds};
      attributes["tr"] = formatNumbers(tr);
    }
    if (!layout.timeUnits.empty()) attributes["time_units"] = layout.timeUnits;
  }
  const DatasetKind kind = series ? DatasetKind::VoxelSeries : DatasetKind::Volume;
  return std::make_shared<const ArrayDataset>(kind, std::move(name), std::move(shape),
                                              std::move(loader), std::move(provenance),
                                              std::move(attributes), std::move(sourceType));
}

void requireFiniteAffine(const std::filesystem::path& path, const Affine& affine,
                         const std::string& which) {
  for (double v : affine)
    if (!std::isfinite(v)) throw FileError(path, which + " has a non-finite entry (NaN or inf)");
}

double usableSpacing(double stated, const Affine& affine, std::size_t axis) {
  if (std::isfinite(stated) && stated > 0) return stated;
  const double length = std::hypot(affine[axis], affine[4 + axis], affine[8 + axis]);
  return length > 0 ? length : 1.0;
}

}  // namespace nl::io::volume
