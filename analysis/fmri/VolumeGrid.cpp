#include "analysis/fmri/VolumeGrid.h"

#include <cstdlib>
#include <limits>

namespace nl::analysis::fmri {

VolumeGrid gridOf(const io::ArrayDataset& dataset, const std::string& role) {
  const auto order = dataset.shape().size() == 4 ? io::AxisOrder::TZYX : io::AxisOrder::ZYX;
  try {
    return io::readVolumeGrid(dataset, order);
  } catch (const io::VolumeGridError& error) {
    throw io::VolumeGridError(role + ": " + error.what());
  }
}

std::size_t volumeCountOf(const io::ArrayDataset& dataset) {
  const auto shape = dataset.shape();
  return shape.size() == 4 ? shape.front() : 1;
}

io::Attributes gridAttributes(const io::ArrayDataset& source) {
  io::Attributes out;
  io::writeVolumeGrid(gridOf(source, "volume"), out);
  const auto found = source.attributes().find("affine_source");
  if (found != source.attributes().end()) out["affine_source"] = found->second;
  out["axis_order"] = io::axisOrderName(io::AxisOrder::ZYX);
  return out;
}

double numberAttribute(const io::Dataset& dataset, const std::string& name) {
  const auto found = dataset.attributes().find(name);
  if (found == dataset.attributes().end()) return std::numeric_limits<double>::quiet_NaN();
  const char* begin = found->second.c_str();
  char* end = nullptr;
  const double value = std::strtod(begin, &end);
  return end != begin && *end == '\0' ? value : std::numeric_limits<double>::quiet_NaN();
}

Eigen::Matrix4d affineMatrix(const VolumeGrid& grid) {
  return Eigen::Map<const Eigen::Matrix<double, 4, 4, Eigen::RowMajor>>(grid.affine.data());
}

}  // namespace nl::analysis::fmri
