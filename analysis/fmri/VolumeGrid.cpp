#include "analysis/fmri/VolumeGrid.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace nl::analysis::fmri {

namespace {

std::vector<double> parseNumbers(const std::string& text) {
  std::vector<double> out;
  std::string token;
  std::stringstream stream(text);
  while (std::getline(stream, token, ',')) {
    char* end = nullptr;
    const double value = std::strtod(token.c_str(), &end);
    if (end == token.c_str()) return {};
    out.push_back(value);
  }
  return out;
}

}  // namespace

double VolumeGrid::affineDifference(const VolumeGrid& other) const {
  return (affine - other.affine).cwiseAbs().maxCoeff();
}

VolumeGrid gridOf(const io::ArrayDataset& dataset, const std::string& role) {
  const auto shape = dataset.shape();
  if (shape.size() != 3 && shape.size() != 4)
    throw std::invalid_argument(role + " '" + dataset.name() + "' has " +
                                std::to_string(shape.size()) +
                                " axes; expected [z][y][x] or [t][z][y][x]");
  const std::size_t offset = shape.size() - 3;
  VolumeGrid grid;
  grid.nz = shape[offset];
  grid.ny = shape[offset + 1];
  grid.nx = shape[offset + 2];
  if (grid.voxelCount() == 0)
    throw std::invalid_argument(role + " '" + dataset.name() + "' is empty");
  const auto found = dataset.attributes().find("affine");
  if (found != dataset.attributes().end()) {
    const auto numbers = parseNumbers(found->second);
    if (numbers.size() != 16)
      throw std::invalid_argument(role + " '" + dataset.name() +
                                  "': the affine attribute must hold 16 numbers");
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c) {
        const double v = numbers[static_cast<std::size_t>(4 * r + c)];
        if (!std::isfinite(v))
          throw std::invalid_argument(role + " '" + dataset.name() + "': the affine is not finite");
        grid.affine(r, c) = v;
      }
  }
  return grid;
}

std::size_t volumeCountOf(const io::ArrayDataset& dataset) {
  const auto shape = dataset.shape();
  return shape.size() == 4 ? shape.front() : 1;
}

io::Attributes gridAttributes(const io::ArrayDataset& source) {
  io::Attributes out;
  for (const char* key : {"affine", "spacing", "origin", "spatial_units", "affine_source"}) {
    const auto found = source.attributes().find(key);
    if (found != source.attributes().end()) out[key] = found->second;
  }
  out["axis_order"] = "z,y,x";
  return out;
}

double numberAttribute(const io::Dataset& dataset, const std::string& name) {
  const auto found = dataset.attributes().find(name);
  if (found == dataset.attributes().end()) return std::numeric_limits<double>::quiet_NaN();
  const auto numbers = parseNumbers(found->second);
  return numbers.size() == 1 ? numbers.front() : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace nl::analysis::fmri
