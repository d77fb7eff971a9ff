#pragma once
// The one shared selection of a session: which dataset, which of its items
// (units, vertices, rows, electrodes…), and a time cursor. Every view reads it
// and writes it; that is what "linked views" means.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "io/Signal.h"

namespace nl::io {

using DatasetId = std::uint64_t;
constexpr DatasetId kNoDataset = 0;

class Selection {
 public:
  DatasetId dataset() const { return dataset_; }
  const std::vector<std::int64_t>& indices() const { return indices_; }
  bool contains(DatasetId dataset, std::int64_t index) const;
  double timeCursor() const { return timeCursor_; }
  bool hasTimeCursor() const { return !std::isnan(timeCursor_); }

  // `origin` names the writer (a view) so it can ignore its own echo.
  void select(DatasetId dataset, std::vector<std::int64_t> indices, const std::string& origin = {});
  void clear(const std::string& origin = {});
  void setTimeCursor(double seconds, const std::string& origin = {});

  Signal<const std::string& /*origin*/> changed;
  Signal<double /*seconds*/, const std::string& /*origin*/> timeCursorMoved;

 private:
  DatasetId dataset_ = kNoDataset;
  std::vector<std::int64_t> indices_;  // sorted, unique
  double timeCursor_ = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace nl::io
