#include "io/volume/VolumeGrid.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <vector>

namespace nl::io {

namespace {

std::string quoted(std::string_view text) {
  constexpr std::size_t kShown = 120;
  return "'" + std::string(text.substr(0, kShown)) + (text.size() > kShown ? "…'" : "'");
}

[[noreturn]] void fail(std::string_view dataset, std::string_view attribute, std::string_view text,
                       const std::string& problem) {
  throw VolumeGridError("dataset '" + std::string(dataset) + "': attribute '" +
                        std::string(attribute) + "' = " + quoted(text) + " " + problem);
}

// Numbers separated by commas and/or white space, optionally in brackets
// ("1,2,3", "1 2 3", "[1, 2, 3]"); nullopt when a token is not a number.
std::optional<std::vector<double>> splitNumbers(std::string_view text) {
  const auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && isSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && isSpace(text.back())) text.remove_suffix(1);
  if (text.size() >= 2 && ((text.front() == '[' && text.back() == ']') ||
                           (text.front() == '(' && text.back() == ')'))) {
    text.remove_prefix(1);
    text.remove_suffix(1);
  }
  std::vector<double> out;
  std::size_t at = 0;
  bool expectNumber = true;  // after a comma (or at the start) a number must follow
  while (at < text.size()) {
    if (isSpace(text[at])) {
      ++at;
      continue;
    }
    if (text[at] == ',') {
      if (expectNumber) return std::nullopt;
      expectNumber = true;
      ++at;
      continue;
    }
    const char* begin = text.data() + at;
    const char* end = text.data() + text.size();
    if (*begin == '+') ++begin;
    double value = 0;
    const auto result = std::from_chars(begin, end, value);
    if (result.ec != std::errc() || result.ptr == begin) return std::nullopt;
    if (result.ptr != end && !isSpace(*result.ptr) && *result.ptr != ',') return std::nullopt;
    out.push_back(value);
    expectNumber = false;
    at = static_cast<std::size_t>(result.ptr - text.data());
  }
  if (expectNumber && !out.empty()) return std::nullopt;  // trailing comma
  return out;
}

std::vector<double> numbersOf(std::string_view dataset, std::string_view attribute,
                              std::string_view text, std::size_t count, const char* form) {
  const auto numbers = splitNumbers(text);
  if (!numbers)
    fail(dataset, attribute, text, std::string("is not a list of numbers (expected ") + form + ")");
  if (numbers->size() != count)
    fail(dataset, attribute, text,
         "has " + std::to_string(numbers->size()) + " numbers; expected " + std::to_string(count) +
             " (" + form + ")");
  for (double v : *numbers)
    if (!std::isfinite(v)) fail(dataset, attribute, text, "has a non-finite entry (NaN or inf)");
  return *numbers;
}

const std::string* find(const Attributes& attributes, std::string_view key) {
  const auto it = attributes.find(std::string(key));
  return it == attributes.end() ? nullptr : &it->second;
}

struct SpacingFound {
  std::array<double, 3> spacing{1, 1, 1};
  bool given = false;
  std::string unit;  // implied by the attribute (element_size_um)
};

SpacingFound spacingOf(std::string_view dataset, const Attributes& attributes) {
  SpacingFound found;
  // Canonical "spacing" and the old "voxel_size": x, y, z.
  for (const char* key : {"spacing", "voxel_size"})
    if (const auto* text = find(attributes, key)) {
      const auto v = numbersOf(dataset, key, *text, 3, "\"sx,sy,sz\"");
      found.spacing = {v[0], v[1], v[2]};
      found.given = true;
      for (double s : found.spacing)
        if (!(s > 0)) fail(dataset, key, *text, "has a spacing that is not positive");
      return found;
    }
  // ilastik / Fiji HDF5: z, y, x in micrometres.
  if (const auto* text = find(attributes, "element_size_um")) {
    const auto v = numbersOf(dataset, "element_size_um", *text, 3, "\"z,y,x\" in micrometres");
    found.spacing = {v[2], v[1], v[0]};
    found.given = true;
    found.unit = "micrometer";
    for (double s : found.spacing)
      if (!(s > 0)) fail(dataset, "element_size_um", *text, "has a size that is not positive");
  }
  return found;
}

double determinant3(const Affine& m) {
  return m[0] * (m[5] * m[10] - m[6] * m[9]) - m[1] * (m[4] * m[10] - m[6] * m[8]) +
         m[2] * (m[4] * m[9] - m[5] * m[8]);
}

}  // namespace

std::string_view axisOrderName(AxisOrder order) {
  switch (order) {
    case AxisOrder::ZYX:
      return "z,y,x";
    case AxisOrder::TZYX:
      return "t,z,y,x";
    case AxisOrder::ZYXC:
      return "z,y,x,channel";
    case AxisOrder::TZYXC:
      return "t,z,y,x,channel";
    case AxisOrder::CZYX:
      return "channel,z,y,x";
  }
  return "z,y,x";
}

std::size_t axisCount(AxisOrder order) {
  switch (order) {
    case AxisOrder::ZYX:
      return 3;
    case AxisOrder::TZYXC:
      return 5;
    default:
      return 4;
  }
}

VolumeGrid VolumeGrid::axisAligned(std::array<std::size_t, 3> size, std::array<double, 3> spacing,
                                   std::array<double, 3> origin, std::string unit) {
  VolumeGrid grid;
  grid.nx = size[0], grid.ny = size[1], grid.nz = size[2];
  grid.spacing = spacing;
  for (std::size_t a = 0; a < 3; ++a) {
    grid.affine[5 * a] = spacing[a];
    grid.affine[4 * a + 3] = origin[a];
  }
  grid.unit = std::move(unit);
  return grid;
}

VolumeGrid VolumeGrid::fromAffine(std::array<std::size_t, 3> size, const Affine& affine,
                                  std::string unit) {
  VolumeGrid grid;
  grid.nx = size[0], grid.ny = size[1], grid.nz = size[2];
  grid.affine = affine;
  for (std::size_t c = 0; c < 3; ++c)
    grid.spacing[c] = std::hypot(affine[c], affine[4 + c], affine[8 + c]);
  grid.unit = std::move(unit);
  return grid;
}

std::array<double, 3> VolumeGrid::voxelToWorld(const std::array<double, 3>& ijk) const {
  std::array<double, 3> world{};
  for (std::size_t r = 0; r < 3; ++r)
    world[r] = affine[4 * r] * ijk[0] + affine[4 * r + 1] * ijk[1] + affine[4 * r + 2] * ijk[2] +
               affine[4 * r + 3];
  return world;
}

Affine VolumeGrid::inverseAffine() const {
  const Affine& m = affine;
  const double det = determinant3(m);
  double scale = 0;
  for (std::size_t r = 0; r < 3; ++r)
    for (std::size_t c = 0; c < 3; ++c) scale = std::max(scale, std::abs(m[4 * r + c]));
  if (!(std::abs(det) > 1e-12 * scale * scale * scale))
    throw VolumeGridError("the voxel → world affine is singular (its 3 × 3 part has determinant " +
                          std::to_string(det) + ")");
  // Inverse of the 3 × 3 part by cofactors, then −R⁻¹ t.
  Affine inv = kIdentityAffine;
  inv[0] = (m[5] * m[10] - m[6] * m[9]) / det;
  inv[1] = (m[2] * m[9] - m[1] * m[10]) / det;
  inv[2] = (m[1] * m[6] - m[2] * m[5]) / det;
  inv[4] = (m[6] * m[8] - m[4] * m[10]) / det;
  inv[5] = (m[0] * m[10] - m[2] * m[8]) / det;
  inv[6] = (m[2] * m[4] - m[0] * m[6]) / det;
  inv[8] = (m[4] * m[9] - m[5] * m[8]) / det;
  inv[9] = (m[1] * m[8] - m[0] * m[9]) / det;
  inv[10] = (m[0] * m[5] - m[1] * m[4]) / det;
  for (std::size_t r = 0; r < 3; ++r)
    inv[4 * r + 3] = -(inv[4 * r] * m[3] + inv[4 * r + 1] * m[7] + inv[4 * r + 2] * m[11]);
  return inv;
}

std::array<double, 3> VolumeGrid::worldToVoxel(const std::array<double, 3>& world) const {
  const Affine inv = inverseAffine();
  std::array<double, 3> ijk{};
  for (std::size_t r = 0; r < 3; ++r)
    ijk[r] = inv[4 * r] * world[0] + inv[4 * r + 1] * world[1] + inv[4 * r + 2] * world[2] +
             inv[4 * r + 3];
  return ijk;
}

double VolumeGrid::affineDifference(const VolumeGrid& other) const {
  double largest = 0;
  for (std::size_t i = 0; i < 16; ++i)
    largest = std::max(largest, std::abs(affine[i] - other.affine[i]));
  return largest;
}

bool VolumeGrid::sameGrid(const VolumeGrid& other, double tolerance) const {
  return sameShape(other) && affineDifference(other) <= tolerance;
}

VolumeGrid VolumeGrid::subsampled(std::size_t step) const {
  if (step == 0) throw std::invalid_argument("a preview step must be at least 1");
  VolumeGrid out = *this;
  const auto count = [step](std::size_t n) { return (n + step - 1) / step; };
  out.nx = count(nx), out.ny = count(ny), out.nz = count(nz);
  const double s = static_cast<double>(step);
  for (double& v : out.spacing) v *= s;
  for (std::size_t r = 0; r < 3; ++r)
    for (std::size_t c = 0; c < 3; ++c) out.affine[4 * r + c] *= s;
  return out;
}

std::array<double, 3> readSpacing(std::string_view dataset, const Attributes& attributes) {
  return spacingOf(dataset, attributes).spacing;
}

VolumeGrid readVolumeGrid(std::string_view dataset, std::span<const std::size_t> shape,
                          const Attributes& attributes, AxisOrder order) {
  if (shape.size() != axisCount(order))
    throw VolumeGridError("dataset '" + std::string(dataset) + "' has " +
                          std::to_string(shape.size()) + " axes; a volume laid out as [" +
                          std::string(axisOrderName(order)) + "] has " +
                          std::to_string(axisCount(order)));
  const std::size_t z = order == AxisOrder::ZYX || order == AxisOrder::ZYXC ? 0 : 1;
  const std::array<std::size_t, 3> size{shape[z + 2], shape[z + 1], shape[z]};
  if (size[0] * size[1] * size[2] == 0)
    throw VolumeGridError("dataset '" + std::string(dataset) + "' has no voxels (" +
                          std::to_string(size[0]) + " × " + std::to_string(size[1]) + " × " +
                          std::to_string(size[2]) + ")");

  const SpacingFound spacing = spacingOf(dataset, attributes);
  std::string unit = spacing.unit;
  if (const auto* text = find(attributes, "spatial_units"))
    unit = *text;
  else if (const auto* old = find(attributes, "voxel_size_unit"); old && unit.empty())
    unit = *old == "pixel" ? "" : *old;

  // Origin is checked even when an affine (whose translation wins) is given.
  std::array<double, 3> origin{0, 0, 0};
  if (const auto* text = find(attributes, "origin")) {
    const auto v = numbersOf(dataset, "origin", *text, 3, "\"ox,oy,oz\"");
    origin = {v[0], v[1], v[2]};
  }
  const auto* affineText = find(attributes, "affine");
  if (affineText == nullptr) return VolumeGrid::axisAligned(size, spacing.spacing, origin, unit);
  const auto v = numbersOf(dataset, "affine", *affineText, 16, "16 numbers, row-major");
  Affine affine{};
  std::copy(v.begin(), v.end(), affine.begin());
  if (affine[12] != 0 || affine[13] != 0 || affine[14] != 0 || affine[15] != 1)
    fail(dataset, "affine", *affineText, "does not end in the row 0,0,0,1 of an affine map");
  VolumeGrid grid = VolumeGrid::fromAffine(size, affine, unit);
  if (spacing.given) grid.spacing = spacing.spacing;
  return grid;
}

VolumeGrid readVolumeGrid(const Dataset& dataset, AxisOrder order) {
  const auto shape = dataset.shape();
  return readVolumeGrid(dataset.name(), shape, dataset.attributes(), order);
}

void writeVolumeGrid(const VolumeGrid& grid, Attributes& attributes) {
  attributes["spacing"] = formatNumbers(grid.spacing);
  attributes["origin"] = formatNumbers(grid.origin());
  attributes["affine"] = formatNumbers(grid.affine);
  attributes.erase("voxel_size_unit");
  attributes.erase("voxel_size");
  if (grid.unit.empty())
    attributes.erase("spatial_units");
  else
    attributes["spatial_units"] = grid.unit;
}

std::span<const std::string_view> volumeGridAttributeNames() {
  static constexpr std::string_view kNames[] = {"spacing",        "origin",     "affine",
                                                "spatial_units",  "voxel_size", "element_size_um",
                                                "voxel_size_unit"};
  return kNames;
}

std::string formatNumbers(std::span<const double> values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, values[i] + 0.0);
    if (i > 0) out += ',';
    out.append(buffer, result.ptr);
  }
  return out;
}

}  // namespace nl::io
