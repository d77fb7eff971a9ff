#pragma once
// The proofreading canvas: one z-plane of the raw channels at full
// resolution with the instances over it (each in its palette colour, the
// selected ones in the highlight yellow), and the tools that edit them —
// select (click; Ctrl adds), paint and erase with a spherical brush (drag:
// one stroke, one undo step), cut (drag a line: the plane through it and
// the z axis splits the selected instance) and seeds (click seeds in the
// selected instance; the page splits it by region growing). The wheel and
// Page Up / Page Down move through the planes.
#include <QImage>
#include <QWidget>
#include <functional>
#include <optional>
#include <vector>

#include "analysis/fisbe/edit/LabelVolume.h"

namespace nl::widgets {

class SliceEditor : public QWidget {
  Q_OBJECT
 public:
  using Label = analysis::fisbe::edit::Label;
  using Voxel = analysis::fisbe::Voxel;
  enum class Tool { Select, Paint, EraseBrush, Cut, Seeds };

  explicit SliceEditor(QWidget* parent = nullptr);

  // Not owned; null while the labels load.
  void setLabels(const analysis::fisbe::edit::LabelVolume* labels);
  // Composes the raw channels of plane z as an RGB image of width × height
  // (empty: no raw image; the labels are drawn on black).
  void setRawPlane(std::function<QImage(std::int64_t z)> compose);
  // The ground truth of plane z as one id per pixel (0: none; width ×
  // height, row-major), drawn as white outlines over the labels; empty
  // function: no ground truth.
  void setGroundTruthPlane(std::function<void(std::int64_t z, std::vector<std::uint16_t>&)> fill);
  bool showsGroundTruth() const { return static_cast<bool>(fillGroundTruth_); }
  // The labels (or the raw look) changed: redraw.
  void refresh(bool rawToo = false);

  std::int64_t plane() const { return z_; }
  void setPlane(std::int64_t z);
  std::int64_t planeCount() const;
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
  QPointF positionOf(std::int64_t y, std::int64_t x) const;  // centre of a voxel
  // The picture drawn (tests compare its pixels with what they expect).
  QImage composed() const { return image_; }

 signals:
  void planeChanged(std::int64_t z);
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
  const analysis::fisbe::edit::LabelVolume* labels_ = nullptr;
  std::function<QImage(std::int64_t)> composeRaw_;
  std::function<void(std::int64_t, std::vector<std::uint16_t>&)> fillGroundTruth_;
  QImage raw_;  // of plane rawPlane_
  std::int64_t rawPlane_ = -1;
  QImage image_;
  std::int64_t z_ = 0;
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
