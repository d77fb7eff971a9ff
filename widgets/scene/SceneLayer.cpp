#include "widgets/scene/SceneLayer.h"

#include <QPointF>
#include <algorithm>

#include "widgets/Colormap.h"
#include "widgets/VtkView.h"

namespace nl::widgets {

SceneLayer::SceneLayer(QString name, io::DatasetId dataset, QObject* parent)
    : QObject(parent), name_(std::move(name)), dataset_(dataset) {}

void SceneLayer::setVisible(bool visible) {
  if (visible_ == visible) return;
  visible_ = visible;
  applyAppearance();
  emit changed();
}

void SceneLayer::setOpacity(double opacity) {
  opacity = std::clamp(opacity, 0.0, 1.0);
  if (opacity_ == opacity) return;
  opacity_ = opacity;
  applyAppearance();
  emit changed();
}

void SceneLayer::setColormap(const QString& name) {
  if (colormap_ == name) return;
  colormap_ = name;
  applyAppearance();
  emit changed();
}

void SceneLayer::setScalarRange(double low, double high) {
  if (high <= low) high = low + 1e-12;
  if (range_ == std::pair{low, high}) return;
  range_ = {low, high};
  applyAppearance();
  emit changed();
}

void SceneLayer::setThreshold(double threshold) {
  threshold = std::max(0.0, threshold);
  if (threshold_ == threshold) return;
  threshold_ = threshold;
  applyAppearance();
  emit changed();
}

void SceneLayer::initialiseRange() {
  const auto [low, high] = dataRange();
  // Signed data get a symmetric range so zero sits in the colormap's middle.
  if (low < 0 && high > 0) {
    const double extent = std::max(-low, high);
    range_ = {-extent, extent};
    colormap_ = "coolwarm";
  } else {
    range_ = {low, high > low ? high : low + 1.0};
  }
  defaultRange_ = range_;
}

io::LayerState SceneLayer::displayState() const {
  io::LayerState state;
  state.name = name_.toStdString();
  state.kind = "layer";
  state.visible = visible_;
  state.opacity = opacity_;
  if (hasScalars()) {
    state.colormap = colormap_.toStdString();
    state.range = io::ScalarRange{range_.first, range_.second, range_ == defaultRange_};
    state.threshold = threshold_;
  }
  return state;
}

void SceneLayer::applyDisplayState(const io::LayerState& state) {
  setVisible(state.visible);
  setOpacity(state.opacity);
  if (!hasScalars()) return;
  if (state.colormap && Colormap::names().contains(QString::fromStdString(*state.colormap)))
    setColormap(QString::fromStdString(*state.colormap));
  if (state.range && !state.range->automatic && state.range->max > state.range->min)
    setScalarRange(state.range->min, state.range->max);
  if (state.threshold) setThreshold(*state.threshold);
}

std::optional<PickHit> SceneLayer::pickNear(const VtkView&, QPointF) const {
  return std::nullopt;
}
std::optional<PickHit> SceneLayer::hitFromCellPick(vtkProp*, long long, const double*) const {
  return std::nullopt;
}
void SceneLayer::setHighlight(const std::vector<std::int64_t>&) {}

void SceneLayer::linkItemsToRows(io::DatasetId table,
                                 std::vector<std::pair<std::int64_t, std::int64_t>> itemRowPairs) {
  rowTable_ = table;
  itemRows_ = std::move(itemRowPairs);
}

std::optional<std::int64_t> SceneLayer::rowOfItem(std::int64_t item) const {
  for (const auto& [i, row] : itemRows_)
    if (i == item) return row;
  return std::nullopt;
}

std::vector<std::int64_t> SceneLayer::itemsOfRows(const std::vector<std::int64_t>& rows) const {
  std::vector<std::int64_t> items;
  for (const auto& [item, row] : itemRows_)
    if (std::find(rows.begin(), rows.end(), row) != rows.end()) items.push_back(item);
  return items;
}

std::vector<std::int64_t> SceneLayer::selectedItems(const io::Selection& selection) const {
  if (selection.dataset() == io::kNoDataset) return {};
  if (selection.dataset() == dataset_) return selection.indices();
  if (selection.dataset() == rowTable_) return itemsOfRows(selection.indices());
  return {};
}

}  // namespace nl::widgets
