#include "widgets/pages/proofread/SliceEditor.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "widgets/AreaColors.h"
#include "widgets/scene/VolumeLayers.h"

namespace nl::widgets {

namespace {

QRgb blend(QRgb under, QColor over, double alpha) {
  const auto mix = [&](int a, int b) {
    return static_cast<int>(std::lround(a * (1 - alpha) + b * alpha));
  };
  return qRgb(mix(qRed(under), over.red()), mix(qGreen(under), over.green()),
              mix(qBlue(under), over.blue()));
}

}  // namespace

SliceEditor::SliceEditor(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setFocusPolicy(Qt::StrongFocus);
  setMinimumSize(320, 320);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

QString SliceEditor::axisName(Axis axis) {
  switch (axis) {
    case Axis::Z:
      return QStringLiteral("xy");
    case Axis::Y:
      return QStringLiteral("xz");
    case Axis::X:
      return QStringLiteral("yz");
  }
  return {};
}

std::int64_t SliceEditor::extent(Axis axis) const {
  if (!labels_) return 0;
  const auto s = labels_->shape();
  return axis == Axis::Z ? s.depth : axis == Axis::Y ? s.height : s.width;
}

QSize SliceEditor::planeSize(Axis axis) const {
  if (!labels_) return {};
  const auto s = labels_->shape();
  switch (axis) {
    case Axis::Z:
      return {static_cast<int>(s.width), static_cast<int>(s.height)};
    case Axis::Y:
      return {static_cast<int>(s.width), static_cast<int>(s.depth)};
    case Axis::X:
      return {static_cast<int>(s.height), static_cast<int>(s.depth)};
  }
  return {};
}

void SliceEditor::setLabels(const analysis::fisbe::edit::LabelVolume* labels) {
  const bool newShape = labels && (!labels_ || labels_->shape() != labels->shape());
  labels_ = labels;
  for (const Axis a : {Axis::Z, Axis::Y, Axis::X}) {
    auto& index = index_[static_cast<int>(a)];
    index = !labels    ? 0
            : newShape ? extent(a) / 2
                       : std::clamp<std::int64_t>(index, 0, extent(a) - 1);
  }
  refresh(true);
}

void SliceEditor::setRawPlane(std::function<QImage(Axis, std::int64_t)> compose) {
  composeRaw_ = std::move(compose);
  refresh(true);
}

void SliceEditor::setGroundTruthPlane(
    std::function<void(Axis, std::int64_t, std::vector<std::uint16_t>&)> fill) {
  fillGroundTruth_ = std::move(fill);
  refresh();
}

void SliceEditor::refresh(bool rawToo) {
  if (rawToo) rawPlane_ = -1;
  compose();
  update();
}

std::int64_t SliceEditor::planeCount() const {
  return extent(axis_);
}

void SliceEditor::setPlane(std::int64_t index) {
  if (!labels_) return;
  index = std::clamp<std::int64_t>(index, 0, extent(axis_) - 1);
  auto& current = index_[static_cast<int>(axis_)];
  if (index == current && !image_.isNull()) return;
  current = index;
  stroke_.clear();
  cutFrom_.reset();
  refresh();
  emit planeChanged(axis_, current);
}

void SliceEditor::setAxis(Axis axis) {
  if (axis == axis_) return;
  axis_ = axis;
  stroke_.clear();
  cutFrom_.reset();
  dragging_ = false;
  refresh();
  emit planeChanged(axis_, plane());
}

void SliceEditor::setVoxelSpacing(double z, double y, double x) {
  const auto valid = [](double v) { return std::isfinite(v) && v > 0 ? v : 1.0; };
  spacing_ = {valid(z), valid(y), valid(x)};
  update();
}

std::pair<double, double> SliceEditor::pixelAspect() const {
  switch (axis_) {
    case Axis::Z:
      return {spacing_[2], spacing_[1]};
    case Axis::Y:
      return {spacing_[2], spacing_[0]};
    case Axis::X:
      return {spacing_[1], spacing_[0]};
  }
  return {1, 1};
}

SliceEditor::Voxel SliceEditor::voxelOf(std::int64_t row, std::int64_t column) const {
  const auto at = static_cast<std::int32_t>(plane());
  const auto r = static_cast<std::int32_t>(row), c = static_cast<std::int32_t>(column);
  switch (axis_) {
    case Axis::Z:
      return Voxel{at, r, c};
    case Axis::Y:
      return Voxel{r, at, c};
    case Axis::X:
      return Voxel{r, c, at};
  }
  return {};
}

std::pair<std::int64_t, std::int64_t> SliceEditor::rowColumnOf(const Voxel& v) const {
  switch (axis_) {
    case Axis::Z:
      return {v.y, v.x};
    case Axis::Y:
      return {v.z, v.x};
    case Axis::X:
      return {v.z, v.y};
  }
  return {0, 0};
}

void SliceEditor::readPlaneRow(std::int64_t row, std::vector<Label>& out) const {
  const auto s = labels_->shape();
  const auto at = plane();
  switch (axis_) {
    case Axis::Z:
      out.resize(static_cast<std::size_t>(s.width));
      labels_->readRow(at, row, 0, s.width, out.data());
      return;
    case Axis::Y:
      out.resize(static_cast<std::size_t>(s.width));
      labels_->readRow(row, at, 0, s.width, out.data());
      return;
    case Axis::X:
      out.resize(static_cast<std::size_t>(s.height));
      for (std::int64_t y = 0; y < s.height; ++y)
        out[static_cast<std::size_t>(y)] = labels_->at(row, y, at);
      return;
  }
}

void SliceEditor::setTool(Tool tool) {
  tool_ = tool;
  stroke_.clear();
  cutFrom_.reset();
  setCursor(tool == Tool::Select ? Qt::PointingHandCursor : Qt::CrossCursor);
  update();
}

void SliceEditor::setBrushRadius(double voxels) {
  radius_ = std::clamp(voxels, 0.5, 50.0);
  update();
}

void SliceEditor::setSelectedLabels(std::vector<Label> labels) {
  if (labels == selected_) return;
  selected_ = std::move(labels);
  refresh();
}

void SliceEditor::clearSeeds() {
  seeds_.clear();
  update();
  emit seedsChanged();
}

void SliceEditor::setLabelOpacity(double opacity) {
  opacity_ = std::clamp(opacity, 0.0, 1.0);
  refresh();
}

void SliceEditor::compose() {
  if (!labels_) {
    image_ = QImage();
    return;
  }
  const QSize size = planeSize(axis_);
  const int w = size.width(), h = size.height();
  if (rawPlane_ != plane() || rawAxis_ != axis_) {
    raw_ = composeRaw_ ? composeRaw_(axis_, plane()) : QImage();
    if (!raw_.isNull() && (raw_.width() != w || raw_.height() != h)) raw_ = QImage();
    if (!raw_.isNull()) raw_ = raw_.convertToFormat(QImage::Format_RGB32);
    rawPlane_ = plane();
    rawAxis_ = axis_;
  }
  image_ = raw_.isNull() ? QImage(w, h, QImage::Format_RGB32) : raw_.copy();
  if (raw_.isNull()) image_.fill(Qt::black);
  // Without a raw image the instances are all there is to see: draw them solid.
  const double alpha = raw_.isNull() ? std::max(opacity_, 0.85) : opacity_;
  const double selectedAlpha = std::max(alpha, 0.85);
  std::unordered_map<Label, QColor> colours;
  std::vector<Label> row;
  for (int y = 0; y < h; ++y) {
    readPlaneRow(y, row);
    auto* out = reinterpret_cast<QRgb*>(image_.scanLine(y));
    for (int x = 0; x < w; ++x) {
      const Label label = row[static_cast<std::size_t>(x)];
      if (label == 0) continue;
      const bool selected = std::find(selected_.begin(), selected_.end(), label) != selected_.end();
      if (selected) {
        out[x] = blend(out[x], highlightColor(), selectedAlpha);
        continue;
      }
      auto it = colours.find(label);
      if (it == colours.end())
        it = colours.emplace(label, instanceColour(static_cast<int>(label % 0x7fffffff))).first;
      // Other instances fade while some are selected, as in the 3D view.
      out[x] = blend(out[x], it->second, selected_.empty() ? alpha : alpha * 0.6);
    }
  }
  if (fillGroundTruth_) {
    // Ground-truth neurons as outlines: pixels whose 4-neighbours differ.
    std::vector<std::uint16_t> gt(static_cast<std::size_t>(w) * static_cast<std::size_t>(h), 0);
    fillGroundTruth_(axis_, plane(), gt);
    const auto at = [&](int y, int x) -> std::uint16_t {
      return y < 0 || x < 0 || y >= h || x >= w ? 0 : gt[static_cast<std::size_t>(y * w + x)];
    };
    for (int y = 0; y < h; ++y) {
      auto* out = reinterpret_cast<QRgb*>(image_.scanLine(y));
      for (int x = 0; x < w; ++x) {
        const auto id = at(y, x);
        if (id != 0 &&
            (at(y - 1, x) != id || at(y + 1, x) != id || at(y, x - 1) != id || at(y, x + 1) != id))
          out[x] = blend(out[x], QColor(Qt::white), 0.8);
      }
    }
  }
}

QRectF SliceEditor::imageRect() const {
  if (image_.isNull()) return {};
  // Voxels in their physical proportions: a column is as wide as its
  // spacing, a row as tall as its own.
  const auto [columnSize, rowSize] = pixelAspect();
  const double physicalW = image_.width() * columnSize, physicalH = image_.height() * rowSize;
  const double scale = std::min(width() / physicalW, height() / physicalH);
  const double w = physicalW * scale, h = physicalH * scale;
  return {(width() - w) / 2, (height() - h) / 2, w, h};
}

std::optional<SliceEditor::Voxel> SliceEditor::voxelAt(QPointF position) const {
  if (!labels_ || image_.isNull()) return std::nullopt;
  const QRectF r = imageRect();
  const double x = (position.x() - r.left()) / r.width() * image_.width();
  const double y = (position.y() - r.top()) / r.height() * image_.height();
  if (x < 0 || y < 0 || x >= image_.width() || y >= image_.height()) return std::nullopt;
  return voxelOf(static_cast<std::int64_t>(std::floor(y)),
                 static_cast<std::int64_t>(std::floor(x)));
}

QPointF SliceEditor::positionOf(std::int64_t row, std::int64_t column) const {
  const QRectF r = imageRect();
  if (image_.isNull()) return {};
  return {r.left() + (static_cast<double>(column) + 0.5) * r.width() / image_.width(),
          r.top() + (static_cast<double>(row) + 0.5) * r.height() / image_.height()};
}

QPointF SliceEditor::positionOf(const Voxel& voxel) const {
  const auto [row, column] = rowColumnOf(voxel);
  return positionOf(row, column);
}

void SliceEditor::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), QColor(24, 24, 24));
  if (image_.isNull()) {
    painter.setPen(Qt::lightGray);
    painter.drawText(rect(), Qt::AlignCenter, tr("Reading the labels…"));
    return;
  }
  const QRectF r = imageRect();
  painter.drawImage(r, image_);  // nearest neighbour: voxels keep their proportions
  // The brush is a sphere of radius_ in units of the smallest spacing (as
  // the paint edit takes it): a circle of that physical radius here.
  const auto [columnSize, rowSize] = pixelAspect();
  const double pixelsPerUnit = r.width() / (image_.width() * columnSize);
  const double brush = radius_ * std::min({spacing_[0], spacing_[1], spacing_[2]}) * pixelsPerUnit;
  painter.setRenderHint(QPainter::Antialiasing);
  // Stroke in progress: the dabs it will paint.
  painter.setPen(QPen(tool_ == Tool::EraseBrush ? QColor(255, 90, 90) : highlightColor(), 1));
  for (const Voxel& v : stroke_) painter.drawEllipse(positionOf(v), brush, brush);
  if (cursor_ && (tool_ == Tool::Paint || tool_ == Tool::EraseBrush))
    painter.drawEllipse(*cursor_, brush, brush);
  if (cutFrom_ && cutTo_) {
    painter.setPen(QPen(QColor(255, 60, 60), 2, Qt::DashLine));
    painter.drawLine(positionOf(*cutFrom_), positionOf(*cutTo_));
  }
  painter.setPen(QPen(QColor(0, 230, 255), 2));
  const int along = static_cast<int>(axis_);
  for (std::size_t i = 0; i < seeds_.size(); ++i) {
    const std::array<std::int32_t, 3> zyx{seeds_[i].z, seeds_[i].y, seeds_[i].x};
    if (zyx[static_cast<std::size_t>(along)] != plane()) continue;
    const QPointF c = positionOf(seeds_[i]);
    painter.drawLine(c - QPointF(6, 0), c + QPointF(6, 0));
    painter.drawLine(c - QPointF(0, 6), c + QPointF(0, 6));
    painter.drawText(c + QPointF(7, -7), QString::number(i + 1));
  }
  painter.setPen(Qt::white);
  painter.drawText(QRectF(r.left() + 6, r.top() + 4, 300, 20), Qt::AlignLeft,
                   tr("%1 · %2 %3 / %4")
                       .arg(axisName(axis_))
                       .arg(QStringLiteral("zyx")[along])
                       .arg(plane())
                       .arg(planeCount() - 1));
}

void SliceEditor::mousePressEvent(QMouseEvent* event) {
  setFocus();
  const auto voxel = voxelAt(event->position());
  if (!voxel || event->button() != Qt::LeftButton) return;
  switch (tool_) {
    case Tool::Select:
      emit labelClicked(labels_->at(voxel->z, voxel->y, voxel->x),
                        event->modifiers() & (Qt::ControlModifier | Qt::ShiftModifier));
      break;
    case Tool::Paint:
    case Tool::EraseBrush:
      dragging_ = true;
      stroke_ = {*voxel};
      update();
      break;
    case Tool::Cut:
      dragging_ = true;
      cutFrom_ = cutTo_ = *voxel;
      update();
      break;
    case Tool::Seeds:
      seeds_.push_back(*voxel);
      update();
      emit seedsChanged();
      break;
  }
}

void SliceEditor::mouseMoveEvent(QMouseEvent* event) {
  cursor_ = event->position();
  const auto voxel = voxelAt(event->position());
  if (voxel && labels_) {
    const Label label = labels_->at(voxel->z, voxel->y, voxel->x);
    emit hovered(tr("z %1, y %2, x %3: %4")
                     .arg(voxel->z)
                     .arg(voxel->y)
                     .arg(voxel->x)
                     .arg(label == 0 ? tr("background") : tr("instance %1").arg(label)));
  }
  if (dragging_ && voxel) {
    if (tool_ == Tool::Paint || tool_ == Tool::EraseBrush) {
      // A dab every half radius along the drag, so the stroke has no gaps.
      const Voxel& last = stroke_.back();
      const double d = std::sqrt(double(voxel->z - last.z) * (voxel->z - last.z) +
                                 double(voxel->y - last.y) * (voxel->y - last.y) +
                                 double(voxel->x - last.x) * (voxel->x - last.x));
      if (d >= std::max(1.0, radius_ / 2)) stroke_.push_back(*voxel);
    } else if (tool_ == Tool::Cut) {
      cutTo_ = *voxel;
    }
  }
  update();
}

void SliceEditor::mouseReleaseEvent(QMouseEvent* event) {
  if (!dragging_ || event->button() != Qt::LeftButton) return;
  dragging_ = false;
  if (tool_ == Tool::Paint || tool_ == Tool::EraseBrush) {
    auto stroke = std::move(stroke_);
    stroke_.clear();
    update();
    if (!stroke.empty()) emit strokeFinished(std::move(stroke), tool_ == Tool::EraseBrush);
  } else if (tool_ == Tool::Cut && cutFrom_ && cutTo_) {
    const Voxel from = *cutFrom_, to = *cutTo_;
    cutFrom_.reset();
    cutTo_.reset();
    update();
    if (from.z != to.z || from.y != to.y || from.x != to.x) emit cutDrawn(from, to);
  }
}

void SliceEditor::wheelEvent(QWheelEvent* event) {
  const int steps = event->angleDelta().y() / 120;
  if (steps != 0) setPlane(plane() + (event->modifiers() & Qt::ShiftModifier ? 10 : 1) * steps);
}

void SliceEditor::keyPressEvent(QKeyEvent* event) {
  switch (event->key()) {
    case Qt::Key_PageUp:
    case Qt::Key_Up:
      setPlane(plane() + 1);
      return;
    case Qt::Key_PageDown:
    case Qt::Key_Down:
      setPlane(plane() - 1);
      return;
    case Qt::Key_Escape:
      stroke_.clear();
      cutFrom_.reset();
      dragging_ = false;
      clearSeeds();
      return;
    default:
      QWidget::keyPressEvent(event);
  }
}

void SliceEditor::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  update();
}

}  // namespace nl::widgets
