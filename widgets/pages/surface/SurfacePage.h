#pragma once
// A cortical surface page: one or two hemispheres as SurfaceLayers in a 3D
// view, with a sulc/curv underlay, a data overlay and annotation labels chosen
// from the session, switching pial / white / inflated / sphere meshes while
// keeping them. Clicking a vertex reads its value out and, for overlays with
// several columns (time series), shows that vertex's course in a chart.
#include <QWidget>
#include <memory>
#include <string>

#include "io/Session.h"
#include "widgets/pages/Page.h"

class QComboBox;
class QSpinBox;
class QLabel;

namespace nl::widgets {

class Scene;
class SurfaceLayer;
class VtkView;
class Chart;

class SurfacePage : public Page {
  Q_OBJECT
 public:
  SurfacePage(io::Session& session, io::DatasetId mesh, QWidget* parent = nullptr);
  ~SurfacePage() override;

  Scene* scene() const { return scene_; }
  VtkView* view() const { return view_; }
  // Whether `overlay` (a SurfaceOverlay) fits a hemisphere of this page,
  // directly or by fsaverage truncation.
  bool accepts(io::DatasetId overlay) const;
  // Shows the overlay (labels when it says it is a label array) on the
  // hemisphere it fits. Throws std::invalid_argument when it fits none.
  void showOverlay(io::DatasetId overlay);
  // Adds the other hemisphere (side by side).
  void addHemisphere(io::DatasetId mesh);

  std::vector<Scene*> scenes() const override;
  // Overlays that fit a hemisphere, and the other hemisphere's mesh.
  int adoptionScore(io::DatasetId id, const io::Dataset& dataset) const override;
  void adopt(io::DatasetId id) override;
  // The mesh, overlay, underlay and column chosen, then the layers' looks.
  std::string saveState() const override;
  void restoreState(const std::string& json) override;
  SurfaceLayer* layer(int hemisphere = 0) const;
  // The other hemisphere's file name: lh ↔ rh, left ↔ right.
  static std::string otherHemisphereName(const std::string& name);
  // The vertex whose time course the chart shows (-1: none).
  std::int64_t chartedVertex() const { return chartedVertex_; }

 signals:
  void message(const QString& text);

 private:
  struct Hemisphere;
  void refreshChoices();
  void applyUnderlay(Hemisphere& hemisphere, io::DatasetId underlay);
  void applyOverlay(Hemisphere& hemisphere, io::DatasetId overlay);
  void applyColumn();
  void switchMesh(io::DatasetId mesh);
  void replaceMesh(Hemisphere& hemisphere, io::DatasetId id,
                   std::shared_ptr<const io::SurfaceMeshDataset> drawn);
  std::shared_ptr<const io::SurfaceMeshDataset> placedBesideFirst(
      std::shared_ptr<const io::SurfaceMeshDataset> other) const;
  void showVertex(std::int64_t vertex);
  // The hemisphere an overlay of `rows` values named `name` belongs to.
  Hemisphere* hemisphereFor(std::size_t rows, const std::string& name);

  io::Session& session_;
  VtkView* view_ = nullptr;
  Scene* scene_ = nullptr;
  Chart* chart_ = nullptr;
  QComboBox* meshChoice_ = nullptr;
  QComboBox* overlayChoice_ = nullptr;
  QComboBox* underlayChoice_ = nullptr;
  QSpinBox* column_ = nullptr;
  QLabel* readout_ = nullptr;
  std::vector<std::unique_ptr<Hemisphere>> hemispheres_;
  std::int64_t chartedVertex_ = -1;
  io::Signal<io::DatasetId>::ConnectionId added_ = 0;
};

}  // namespace nl::widgets
