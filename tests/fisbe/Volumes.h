#pragma once
// Small hand-made label volumes for the rule tests.
#include <cstdint>
#include <vector>

#include "analysis/fisbe/Instances.h"

namespace nl::test::fisbe {

struct Labels {
  std::int64_t channels;
  nl::analysis::fisbe::Shape3 shape;
  std::vector<std::int32_t> values;

  Labels(std::int64_t c, nl::analysis::fisbe::Shape3 s)
      : channels(c), shape(s), values(static_cast<std::size_t>(c * s.voxels()), 0) {}
  std::int32_t& at(std::int64_t c, std::int64_t z, std::int64_t y, std::int64_t x) {
    return values[static_cast<std::size_t>(
        ((c * shape.depth + z) * shape.height + y) * shape.width + x)];
  }
  // A one-voxel-wide line along x (its own skeleton) in plane z = 1.
  Labels& row(std::int64_t c, std::int64_t y, std::int64_t x0, std::int64_t x1,
              std::int32_t label) {
    for (std::int64_t x = x0; x < x1; ++x) at(c, 1, y, x) = label;
    return *this;
  }
  Labels& column(std::int64_t c, std::int64_t x, std::int64_t y0, std::int64_t y1,
                 std::int32_t label) {
    for (std::int64_t y = y0; y < y1; ++y) at(c, 1, y, x) = label;
    return *this;
  }
  nl::analysis::fisbe::LabelBuffer buffer() const {
    return {values.data(), nl::analysis::fisbe::LabelType::Int32, channels, shape};
  }
};

}  // namespace nl::test::fisbe
