#include "io/Selection.h"

#include <algorithm>

namespace nl::io {

bool Selection::contains(DatasetId dataset, std::int64_t index) const {
  return dataset == dataset_ && std::binary_search(indices_.begin(), indices_.end(), index);
}

void Selection::select(DatasetId dataset, std::vector<std::int64_t> indices,
                       const std::string& origin) {
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  if (dataset == dataset_ && indices == indices_) return;
  dataset_ = dataset;
  indices_ = std::move(indices);
  changed.notify(origin);
}

void Selection::clear(const std::string& origin) {
  select(kNoDataset, {}, origin);
}

void Selection::setTimeCursor(double seconds, const std::string& origin) {
  if (seconds == timeCursor_ || (std::isnan(seconds) && std::isnan(timeCursor_))) return;
  timeCursor_ = seconds;
  timeCursorMoved.notify(seconds, origin);
}

}  // namespace nl::io
