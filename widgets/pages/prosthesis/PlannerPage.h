#pragma once
// The prosthesis planner: one hemisphere (pial / white / inflated / flat) with
// its retinotopy, the plan's electrodes as glyphs and threads as tubes; drag
// an electrode (Shift: its whole thread) over the surface and the phosphene
// map and the percept of the chosen image follow; optimise the plan in the
// background with its loss chart; undo/redo every edit; export CSV / JSON and
// screenshots. Provider "prosthesis.planner".
#include <QElapsedTimer>
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "io/Session.h"
#include "widgets/pages/Page.h"
#include "widgets/pages/prosthesis/PlannerModel.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QListWidget;
class QLineEdit;
class QUndoStack;

namespace nl::widgets {
class Scene;
class SurfaceLayer;
class PointsLayer;
class LinesLayer;
class VtkView;
class Chart;
}  // namespace nl::widgets

namespace nl::widgets::prosthesis {

class VisualFieldView;

class PlannerPage : public Page {
  Q_OBJECT
 public:
  PlannerPage(io::Session& session, PlannerCortex cortex, std::vector<PlanSite> sites,
              std::unique_ptr<PerceptAdapter> adapter = nullptr, QWidget* parent = nullptr);
  ~PlannerPage() override;

  VtkView* view() const { return view_; }
  Scene* scene() const { return scene_; }
  VisualFieldView* visualField() const { return field_; }
  QUndoStack* undoStack() const { return undo_; }
  const std::vector<PlanSite>& sites() const { return sites_; }
  const std::vector<SiteField>& fields() const { return fields_; }
  const PerceptFrame& frame() const { return frame_; }
  // Where electrode `index` is drawn (the shown surface), and on screen.
  std::array<double, 3> glyphPosition(std::size_t index) const;
  // The surface shown: "pial", "white", "inflated", "flat".
  void showSurface(const std::string& name);
  std::string shownSurface() const;
  // The image whose percept is shown: text (letters, digits) or an image file.
  void setImageText(const QString& text);
  // An image file (PNG, JPEG, PGM/PPM, 2-D .npy) resampled onto the grid; throws
  // std::runtime_error naming the file when it cannot be read.
  void setImageFile(const QString& path);
  // Replaces the plan (an undoable step named `label` when given).
  void setSites(std::vector<PlanSite> sites, const QString& undoLabel = {});
  // Milliseconds the last percept update took (fields of the moved
  // electrodes + encoding + rendering), and the slowest during the last drag.
  double lastUpdateMs() const { return lastUpdateMs_; }
  double slowestDragUpdateMs() const { return slowestDragMs_; }
  // Exports (throw std::runtime_error naming the file when it cannot be written).
  void exportCsv(const QString& path) const;
  void exportJson(const QString& path) const;
  void exportScreenshot(const QString& path);
  // Runs the percept-aware optimizer from the current plan size (a page task:
  // progress, cancel, the loss chart while it runs; the result is one undo step).
  void optimise();
  bool optimising() const;
  // Adam iterations of an optimisation (default 60).
  void setOptimiserIterations(int iterations) { optimiserIterations_ = std::max(1, iterations); }

  // Vessels (when the plan has a vessel map): the vessel voxels near the
  // cortex drawn as points (toggle), electrodes closer than the margin drawn
  // magenta and listed with their distances; optimise() keeps the constraint.
  bool hasVessels() const;
  void setVesselsShown(bool shown);
  bool vesselsShown() const;
  void setVesselConstraint(pr::ConstraintMode mode, double marginMm);
  pr::VesselConstraint vesselConstraint() const;
  // Electrodes closer to a vessel than the margin (electrode, distance), nearest first.
  std::vector<pr::Violation> violations() const;
  PointsLayer* vesselLayer() const { return vesselPoints_; }
  QListWidget* violationList() const { return violationList_; }
  // The optimisation's convergence so far (loss, violations per iteration).
  std::vector<pr::IterationRecord> convergence() const;

 signals:
  void optimisationFinished();

 public:
  std::vector<Scene*> scenes() const override;
  // The edited plan, the surface, the colouring and the image, then the looks.
  std::string saveState() const override;
  void restoreState(const std::string& json) override;

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  struct Impl;
  void buildScene();
  void applySites(std::vector<PlanSite> sites, const std::vector<std::size_t>& changed);
  void refreshGlyphs();
  void refreshPercept();
  void refreshOverlay();
  void refreshVessels();
  void refreshViolations();
  std::optional<pr::SurfacePoint> surfacePointAt(QPointF widgetPosition) const;
  std::vector<PlanRow> rows() const;

  io::Session& session_;
  PlannerCortex cortex_;
  std::unique_ptr<PerceptAdapter> adapter_;
  std::vector<PlanSite> sites_;
  std::vector<SiteField> fields_;
  PerceptFrame frame_;
  pr::Image target_;
  VtkView* view_ = nullptr;
  Scene* scene_ = nullptr;
  SurfaceLayer* surface_ = nullptr;
  PointsLayer* electrodes_ = nullptr;
  LinesLayer* threads_ = nullptr;
  PointsLayer* vesselPoints_ = nullptr;
  VisualFieldView* field_ = nullptr;
  Chart* chart_ = nullptr;
  QComboBox* surfaceChoice_ = nullptr;
  QComboBox* colourChoice_ = nullptr;
  QLineEdit* imageText_ = nullptr;
  QLabel* status_ = nullptr;
  QCheckBox* vesselToggle_ = nullptr;
  QComboBox* vesselMode_ = nullptr;
  QDoubleSpinBox* vesselMargin_ = nullptr;
  QListWidget* violationList_ = nullptr;
  QLabel* violationTitle_ = nullptr;
  std::vector<double> vertexVesselDistance_;  // mm at mid-thickness, for the colouring
  QUndoStack* undo_ = nullptr;
  std::size_t shownIndex_ = 0;
  double lastUpdateMs_ = 0, slowestDragMs_ = 0;
  int optimiserIterations_ = 60;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nl::widgets::prosthesis
