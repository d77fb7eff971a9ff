#pragma once
// A triangle mesh with an optional per-vertex overlay (colormap, range,
// symmetric threshold, opacity), a curvature/sulcal shading underlay, and
// categorical labels with their own colour table.
#include <QColor>
#include <map>
#include <memory>

#include "io/Dataset.h"
#include "widgets/scene/SceneLayer.h"

namespace nl::widgets {

struct SurfaceLabels {
  std::vector<int> perVertex;
  std::map<int, QColor> colours;
  std::map<int, QString> names;
};

class SurfaceLayer : public SceneLayer {
  Q_OBJECT
 public:
  SurfaceLayer(QString name, io::DatasetId dataset,
               std::shared_ptr<const io::SurfaceMeshDataset> mesh, QObject* parent = nullptr);
  ~SurfaceLayer() override;

  // Per-vertex values; NaN leaves a vertex uncoloured. Sizes must match the mesh.
  void setOverlay(std::vector<double> values, QString overlayName = {});
  // Sulc/curv: positive (sulci) drawn darker, negative (gyri) lighter.
  void setUnderlay(std::vector<double> curvature);
  void setLabels(SurfaceLabels labels);
  bool labelsVisible() const { return showLabels_; }
  void setLabelsVisible(bool visible);
  const std::vector<double>& overlay() const { return overlay_; }
  // The RGB a vertex is drawn with (before lighting); tests compare pixels with it.
  QColor vertexColour(std::size_t vertex) const;

  // Level of detail: meshes with more than twice `triangles` get a decimated
  // copy of about that many triangles (computed in the background, once per
  // mesh), drawn while the view is interactive; 0 turns it off. The default
  // keeps a cortex above 25 frames/s on software OpenGL (bench/render_bench).
  static constexpr std::size_t kDefaultDetailBudget = 16384;
  void setDetailBudget(std::size_t triangles);
  std::size_t detailBudget() const { return detailBudget_; }
  // The coarse copy arrived (false without one, or while it is computed).
  bool hasCoarseMesh() const;
  // Triangles of the mesh drawn now (the coarse copy's while interactive).
  std::size_t drawnTriangles() const;

  void setInteractive(bool interactive) override;
  bool hasScalars() const override { return !overlay_.empty(); }
  // The overlay's name when it has one ("polar angle"), else the layer's.
  QString scalarTitle() const override;
  std::pair<double, double> dataRange() const override;
  // Kind "surface"; extras: "labels_visible" (when it has labels).
  io::LayerState displayState() const override;
  void applyDisplayState(const io::LayerState& state) override;
  void attach(vtkRenderer* renderer) override;
  void detach(vtkRenderer* renderer) override;
  bool owns(vtkProp* prop) const override;
  std::optional<PickHit> hitFromCellPick(vtkProp* prop, long long cellId,
                                         const double position[3]) const override;
  void setHighlight(const std::vector<std::int64_t>& indices) override;

 protected:
  void applyAppearance() override;

 private:
  using ColourTable = std::vector<std::array<unsigned char, 4>>;
  std::array<unsigned char, 3> colourOf(std::size_t vertex, const ColourTable& table) const;
  void requestCoarseMesh();
  void showLevel();
  std::shared_ptr<const io::SurfaceMeshDataset> mesh_;
  std::vector<double> overlay_, underlay_;
  QString overlayName_;
  SurfaceLabels labels_;
  bool showLabels_ = true;
  std::size_t detailBudget_ = kDefaultDetailBudget;
  bool interactive_ = false;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nl::widgets
