#pragma once
// The proofreading canvas: one plane of the raw channels at full resolution
// — an xy plane (looking along z), xz (along y) or yz (along x) — with the
// instances over it (each in its palette colour, the selected ones in the
// highlight yellow), and the tools that edit them — select (click; Ctrl
// adds), paint and erase with a spherical brush (drag: one stroke, one undo
// step), cut (drag a line: the plane through it and the viewing axis splits
// the selected instance) and seeds (click seeds in the selected instance; the
// page splits it by region growing). Every tool reports volume voxels
// (z, y, x) whatever the orientation. Voxels are drawn in their physical
// proportions (setVoxelSpacing), the brush round in physical units. The
// wheel and Page Up / Page Down move through the planes.
#include <QImage>
#include <QWidget>
#include <array>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "analysis/fisbe/edit/LabelVolume.h"

namespace nl::widgets {

class SliceEditor : public QWidget {
  Q_OBJECT
 public:
  using Label = analysis::fisbe::edit::Label;
  using Voxel = analysis::fisbe::Voxel;
  enum class Tool { Select, Paint, EraseBrush, Cut, Seeds };
  // The axis the view looks along: Z shows xy planes (rows y, columns x), Y
  // shows xz planes (rows z, columns x), X shows yz planes (rows z, columns y).
  enum class Axis { Z = 0, Y = 1, X = 2 };
  static QString axisName(Axis axis);  // "xy", "xz", "yz"

  explicit SliceEditor(QWidget* parent = nullptr);

  // Not owned; null while the labels load.
  void setLabels(const analysis::fisbe::edit::LabelVolume* labels);
  // Composes the raw channels of plane `index` along `axis` as an RGB image
  // of planeSize(axis) (empty: no raw image; the labels are drawn on black).
  void setRawPlane(std::function<QImage(Axis axis, std::int64_t index)> compose);
  // The ground truth of that plane as one id per pixel (0: none; columns ×
  // rows of planeSize(axis), row-major), drawn as white outlines over the
  // labels; empty function: no ground truth.
  void setGroundTruthPlane(
      std::function<void(Axis axis, std::int64_t index, std::vector<std::uint16_t>&)> fill);
  bool showsGroundTruth() const { return static_cast<bool>(fillGroundTruth_); }
  // The labels (or the raw look) changed: redraw.
  void refresh(bool rawToo = false);

  Axis axis() const { return axis_; }
  // Looks along `axis` (each axis keeps its own plane; the middle one at first).
  void setAxis(Axis axis);
  // The plane shown, along axis(); each axis keeps its own.
  std::int64_t plane() const { return index_[static_cast<int>(axis_)]; }
  void setPlane(std::int64_t index);
  std::int64_t planeCount() const;
  // Columns (width) × rows (height) of a plane along `axis`.
  QSize planeSize(Axis axis) const;
  // Physical size of a voxel along z, y, x (any unit; only the ratios count).
  void setVoxelSpacing(double z, double y, double x);
  std::array<double, 3> voxelSpacing() const { return spacing_; }
  Tool tool() const { return tool_; }
  void setTool(Tool tool);
  double brushRadius() const { return radius_; }
  void setBrushRadius(double voxels);
  const std::vector<Label>& selectedLabels() const { return selected_; }
  void setSelectedLabels(std::vector<Label> labels);
  const std::vector<Voxel>& seeds() const { return seeds_; }
  void clearSeeds();
  double labelOpacity() const { return opacity_; }
  void setLabelOpacity(double opacity);

  // Widget position ↔ voxel of the shown plane (nullopt outside the volume).
  std::optional<Voxel> voxelAt(QPointF position) const;
  // Centre of the pixel at (row, column) of the shown plane (for xy: y, x).
  QPointF positionOf(std::int64_t row, std::int64_t column) const;
  QPointF positionOf(const Voxel& voxel) const;  // its (row, column) on this plane
  // The plane's (row, column) of a voxel, and the voxel at (row, column).
  std::pair<std::int64_t, std::int64_t> rowColumnOf(const Voxel& voxel) const;
  Voxel voxelOf(std::int64_t row, std::int64_t column) const;
  // The picture drawn (tests compare its pixels with what they expect).
  QImage composed() const { return image_; }

 signals:
  void planeChanged(nl::widgets::SliceEditor::Axis axis, std::int64_t index);
  // A click with the select tool: the label under it (0: background).
  void labelClicked(nl::analysis::fisbe::edit::Label label, bool addToSelection);
  void strokeFinished(std::vector<nl::analysis::fisbe::Voxel> centres, bool erase);
  void cutDrawn(nl::analysis::fisbe::Voxel from, nl::analysis::fisbe::Voxel to);
  void seedsChanged();
  void hovered(QString description);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  void compose();
  QRectF imageRect() const;
  // Physical size of a column and of a row of the shown plane.
  std::pair<double, double> pixelAspect() const;
  // Labels of row `row` of the shown plane (all columns).
  void readPlaneRow(std::int64_t row, std::vector<Label>& out) const;
  std::int64_t extent(Axis axis) const;
  const analysis::fisbe::edit::LabelVolume* labels_ = nullptr;
  std::function<QImage(Axis, std::int64_t)> composeRaw_;
  std::function<void(Axis, std::int64_t, std::vector<std::uint16_t>&)> fillGroundTruth_;
  QImage raw_;  // of plane rawPlane_ along rawAxis_
  std::int64_t rawPlane_ = -1;
  Axis rawAxis_ = Axis::Z;
  QImage image_;
  Axis axis_ = Axis::Z;
  std::array<std::int64_t, 3> index_{0, 0, 0};  // the plane shown along z, y, x
  std::array<double, 3> spacing_{1, 1, 1};
  Tool tool_ = Tool::Select;
  double radius_ = 3;
  double opacity_ = 0.5;
  std::vector<Label> selected_;
  std::vector<Voxel> seeds_;
  std::vector<Voxel> stroke_;
  std::optional<Voxel> cutFrom_, cutTo_;
  std::optional<QPointF> cursor_;
  bool dragging_ = false;
};

}  // namespace nl::widgets
