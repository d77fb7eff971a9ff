#pragma once
// One displayed dataset in a 3D scene. A layer owns its VTK props (kept out
// of this header), knows how to map its values to colour, how to find the
// item under the mouse, and how to highlight the selected items.
#include <QObject>
#include <QString>
#include <array>
#include <optional>
#include <vector>

#include "io/Selection.h"
#include "io/ViewState.h"

class vtkRenderer;
class vtkProp;

namespace nl::widgets {

class VtkView;

struct PickHit {
  io::DatasetId dataset = io::kNoDataset;
  std::int64_t index = -1;  // vertex, point, line or voxel (flat) index
  std::array<double, 3> position{0, 0, 0};
  QString description;  // for the status bar: "vertex 1234: 2.31"
};

class SceneLayer : public QObject {
  Q_OBJECT
 public:
  SceneLayer(QString name, io::DatasetId dataset, QObject* parent = nullptr);

  const QString& name() const { return name_; }
  io::DatasetId dataset() const { return dataset_; }

  bool isVisible() const { return visible_; }
  void setVisible(bool visible);
  double opacity() const { return opacity_; }
  void setOpacity(double opacity);

  // Scalar colouring; layers without scalars ignore these.
  virtual bool hasScalars() const { return false; }
  // The scalar bar's title: what the colours show (the layer's name by default).
  virtual QString scalarTitle() const { return name_; }
  virtual std::pair<double, double> dataRange() const { return {0.0, 1.0}; }
  const QString& colormap() const { return colormap_; }
  void setColormap(const QString& name);
  std::pair<double, double> scalarRange() const { return range_; }
  void setScalarRange(double low, double high);
  // Values with |v| below the threshold are not coloured (underlay shows).
  double threshold() const { return threshold_; }
  void setThreshold(double threshold);

  // What the user arranged (visibility, opacity, colour mapping and what the
  // layer type adds: channel looks, instances, extras), as plain data for the
  // session. Applying skips what does not fit the layer as it is now (an
  // unknown colormap, a channel count that differs); a range marked automatic
  // leaves the layer's own default for the data it shows.
  virtual io::LayerState displayState() const;
  virtual void applyDisplayState(const io::LayerState& state);

  virtual void attach(vtkRenderer* renderer) = 0;
  virtual void detach(vtkRenderer* renderer) = 0;
  virtual bool owns(vtkProp* prop) const = 0;

  // Picking. Layers whose items are small on screen (points) pick in screen
  // space; the others get VTK's cell pick of one of their props.
  virtual std::optional<PickHit> pickNear(const VtkView& view, QPointF widgetPosition) const;
  virtual std::optional<PickHit> hitFromCellPick(vtkProp* prop, long long cellId,
                                                 const double position[3]) const;

  // Called when the shared selection changes; indices are this layer's items.
  virtual void setHighlight(const std::vector<std::int64_t>& indices);

  // While the view is interactive (the camera moves) a layer may draw a
  // coarser level of detail; when still it must draw exactly its full one.
  virtual void setInteractive(bool /*interactive*/) {}

  // The layer's items are also rows of a table (instances ↔ an instance
  // table): selecting rows highlights their items, and picking an item
  // selects its row, so the table and the 3D view follow each other.
  void linkItemsToRows(io::DatasetId table,
                       std::vector<std::pair<std::int64_t, std::int64_t>> itemRowPairs);
  io::DatasetId rowTable() const { return rowTable_; }
  std::optional<std::int64_t> rowOfItem(std::int64_t item) const;
  std::vector<std::int64_t> itemsOfRows(const std::vector<std::int64_t>& rows) const;
  // This layer's items in the selection (directly, or through its row table).
  std::vector<std::int64_t> selectedItems(const io::Selection& selection) const;

 signals:
  void changed();

 protected:
  // Pushes visibility, opacity and colour mapping to the VTK objects.
  virtual void applyAppearance() = 0;
  void initialiseRange();

 private:
  QString name_;
  io::DatasetId dataset_;
  bool visible_ = true;
  double opacity_ = 1.0;
  QString colormap_ = "viridis";
  std::pair<double, double> range_{0.0, 1.0};
  std::pair<double, double> defaultRange_{0.0, 1.0};  // set by initialiseRange
  double threshold_ = 0.0;
  io::DatasetId rowTable_ = io::kNoDataset;
  std::vector<std::pair<std::int64_t, std::int64_t>> itemRows_;  // (item, row)
};

}  // namespace nl::widgets
