#pragma once
// Points drawn as sphere glyphs (electrodes, units, landmarks), coloured by
// category or by a value through the colormap, sized by an attribute.
// Picked in screen space: the glyph nearest the click within a few pixels.
#include <QColor>
#include <map>
#include <memory>

#include "widgets/scene/SceneLayer.h"

namespace nl::widgets {

class PointsLayer : public SceneLayer {
  Q_OBJECT
 public:
  PointsLayer(QString name, io::DatasetId dataset, std::vector<std::array<double, 3>> positions,
              double radius, QObject* parent = nullptr);
  ~PointsLayer() override;

  void setColours(const std::vector<QColor>& colours);  // one per point
  void setValues(std::vector<double> values);           // colormap colouring
  void setSizes(const std::vector<double>& scale);      // radius multipliers
  // Items other than the point index (e.g. unit ids) can be mapped here.
  const std::vector<std::array<double, 3>>& positions() const { return positions_; }
  // Moves the points (same count: a dragged electrode); throws otherwise.
  void setPositions(std::vector<std::array<double, 3>> positions);
  void setPickRadius(double pixels) { pickRadius_ = pixels; }
  // While the view moves the spheres have 6 × 4 facets (octahedra beyond 500
  // points); still, their own (fewer the more points there are).
  void setInteractive(bool interactive) override;
  // Triangles of one glyph as drawn now (tests).
  std::size_t glyphTriangles() const;
  // Named per-point attributes (e.g. a unit table's numeric columns) that the
  // user can colour (through the colormap) or size by.
  void setAttributes(std::map<QString, std::vector<double>> attributes);
  const std::map<QString, std::vector<double>>& attributes() const { return attributes_; }
  void colourBy(const QString& attribute);  // empty: back to category colours
  void sizeBy(const QString& attribute);    // empty: default sizes
  const QString& colourAttribute() const { return colourAttribute_; }
  const QString& sizeAttribute() const { return sizeAttribute_; }

  bool hasScalars() const override { return !values_.empty(); }
  std::pair<double, double> dataRange() const override;
  // Kind "points"; extras: "colour_by", "size_by" (attribute names, "" for
  // the defaults) when the layer has attributes.
  io::LayerState displayState() const override;
  void applyDisplayState(const io::LayerState& state) override;
  void attach(vtkRenderer* renderer) override;
  void detach(vtkRenderer* renderer) override;
  bool owns(vtkProp* prop) const override;
  std::optional<PickHit> pickNear(const VtkView& view, QPointF widgetPosition) const override;
  void setHighlight(const std::vector<std::int64_t>& indices) override;

 protected:
  void applyAppearance() override;

 private:
  std::vector<std::array<double, 3>> positions_;
  std::vector<QColor> colours_;
  std::vector<double> values_;
  std::vector<double> defaultSizes_;
  std::map<QString, std::vector<double>> attributes_;
  QString colourAttribute_, sizeAttribute_;
  double radius_;
  double pickRadius_ = 12.0;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Polylines drawn as tubes (probe shanks, electrode threads, SWC skeletons);
// picking returns the line's index.
class LinesLayer : public SceneLayer {
  Q_OBJECT
 public:
  using Polyline = std::vector<std::array<double, 3>>;
  LinesLayer(QString name, io::DatasetId dataset, std::vector<Polyline> lines, double radius,
             QColor colour, QObject* parent = nullptr);
  ~LinesLayer() override;
  void setColours(const std::vector<QColor>& perLine);
  // New lines for the same layer (a dragged thread): the pipeline is kept;
  // with a different number of lines the added ones take the first colour.
  void setLines(std::vector<Polyline> lines);
  const std::vector<Polyline>& lines() const { return lines_; }
  // Tubes with 5 sides while the view moves, 12 when still.
  void setInteractive(bool interactive) override;
  io::LayerState displayState() const override;  // kind "lines"

  void attach(vtkRenderer* renderer) override;
  void detach(vtkRenderer* renderer) override;
  bool owns(vtkProp* prop) const override;
  std::optional<PickHit> hitFromCellPick(vtkProp* prop, long long cellId,
                                         const double position[3]) const override;
  void setHighlight(const std::vector<std::int64_t>& indices) override;

 protected:
  void applyAppearance() override;

 private:
  std::vector<Polyline> lines_;
  std::vector<QColor> colours_;
  std::vector<std::int64_t> highlighted_;
  std::vector<std::int64_t> cellToLine_;  // tube input cell → line
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nl::widgets
