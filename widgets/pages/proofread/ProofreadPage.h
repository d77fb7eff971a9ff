#pragma once
// Proofreading an instance segmentation (provider "microscopy.proofread"):
// the labels held in their stored integer type (analysis/fisbe/edit), edited
// on a full-resolution slice editor over the raw channels, shown in 3D over
// the raw preview, listed in an instance table linked both ways with the
// selection; every edit a labelled undo step holding only its changed
// voxels (QUndoStack, with a memory cap); the FISBe score against a ground
// truth kept up to date incrementally in the background; the corrected
// labels saved as HDF5 or zarr; the session keeps the edit log.
#include <QString>
#include <memory>
#include <vector>

#include "analysis/fisbe/edit/LabelEdit.h"
#include "io/Session.h"
#include "widgets/pages/Page.h"
#include "widgets/pages/proofread/SliceEditor.h"

class QLabel;
class QSplitter;
class QTableWidget;
class QTimer;
class QUndoStack;
class QActionGroup;
class QDoubleSpinBox;

namespace nl::analysis::fisbe {
struct ImageMetrics;
}
namespace nl::analysis::fisbe::edit {
class IncrementalScore;
class LabelPreview;
}  // namespace nl::analysis::fisbe::edit

namespace nl::widgets {

class Scene;
class VtkView;
class LabelVolumeLayer;

class ProofreadPage : public Page {
  Q_OBJECT
 public:
  using Label = analysis::fisbe::edit::Label;
  using Voxel = analysis::fisbe::Voxel;

  explicit ProofreadPage(io::Session& session, QWidget* parent = nullptr);
  ~ProofreadPage() override;
  std::vector<Scene*> scenes() const override;

  // The label volume to edit (read in the background), the raw channels
  // under it, the ground truth to score against. Throw std::invalid_argument
  // for datasets the page cannot use (not labels, another shape).
  void openLabels(io::DatasetId id);
  void openRaw(io::DatasetId id);
  void openGroundTruth(io::DatasetId id);

  // A raw image or a ground truth of the labels' shape that the page lacks.
  int adoptionScore(io::DatasetId id, const io::Dataset& dataset) const override;
  void adopt(io::DatasetId id) override;

  // {"edits": the edit log, "axis", "plane", "tool", "brush", "scenes"}: the edits
  // are replayed on the source labels when the page is made again.
  std::string saveState() const override;
  void restoreState(const std::string& json) override;

  // --- Editing (the tools, the shortcuts and tests call these) -----------
  // Computes the edit, applies it and pushes it as an undo step; false (with
  // a message in the status bar) when it is refused.
  bool edit(const analysis::fisbe::edit::EditOperation& operation);
  bool mergeSelected();  // into the first selected
  bool eraseSelected();
  // The plane through the line from → to of the shown z-plane and the z axis.
  bool splitSelectedByCut(Voxel from, Voxel to);
  // The seeds placed on the editor (at least two, in the selected instance).
  bool splitSelectedBySeeds();
  // A stroke of the brush: the selected label (a new one when none is
  // selected), or background for the erase brush.
  bool paintStroke(std::vector<Voxel> centres, bool erase);
  void selectLabels(std::vector<Label> labels);
  const std::vector<Label>& selectedLabels() const { return selected_; }

  // Writes the labels (.h5/.hdf/.hdf5 or .zarr, chosen by the extension) as
  // a task; refuses the source file unless `overwriteSource`. Emits saved().
  bool saveLabels(const QString& path, bool overwriteSource = false);
  void setUndoMemoryLimit(std::size_t bytes);
  std::size_t undoMemoryLimit() const { return undoLimitBytes_; }
  std::size_t historyBytes() const;

  bool labelsReady() const { return labels_ != nullptr; }
  const analysis::fisbe::edit::LabelVolume* labels() const { return labels_.get(); }
  io::DatasetId labelsDataset() const { return labelsId_; }
  QUndoStack* undoStack() const { return undo_; }
  SliceEditor* editor() const { return editor_; }
  QTableWidget* instanceTable() const { return table_; }
  VtkView* view() const { return view_; }
  LabelVolumeLayer* labelLayer() const { return labelLayer_; }
  const analysis::fisbe::ImageMetrics* metrics() const { return metrics_.get(); }
  bool scoring() const { return scoreBusy_ || gtLoading_; }
  QString scoreText() const;
  // Milliseconds the last edit took (compute + apply + redraw), and the last
  // rescoring (collect on this thread + background thinning and matching).
  double lastEditMs() const { return lastEditMs_; }
  double lastRescoreMs() const { return lastRescoreMs_; }
  // The GUI thread's part of the last redraw of the 3D instances (the
  // surfaces are built by a page task).
  double last3dMs() const { return last3dMs_; }
  // Where the last edit's (or undo's) time went: "diff 3, apply 0.4, editor 1, …" (ms).
  const QString& lastBreakdown() const { return breakdown_; }
  // The background part of the last rescoring alone (thinning + matching).
  double lastRescoreWorkMs() const { return lastRescoreWorkMs_; }

 signals:
  void labelsLoaded();
  void edited();
  void rescored();
  void view3dUpdated();
  void saved(QString path, QString error);

 private:
  friend class EditCommand;
  void applyDiff(const analysis::fisbe::edit::LabelDiff& diff, bool forward,
                 const analysis::fisbe::edit::EditOperation& operation);
  void afterChange(const analysis::fisbe::edit::LabelDiff& diff);
  void pushCommand(analysis::fisbe::edit::EditOperation operation,
                   std::shared_ptr<analysis::fisbe::edit::LabelDiff> diff);
  void enforceUndoLimit();
  void onLabelsLoaded();
  void replayPending();
  void startScore();
  void runScoreTask();
  void showMetrics();
  void rebuildTable();
  void schedule3d();
  void rebuild3d();
  void applySelection();
  // The raw channels of plane `index` along `axis` (SliceEditor's orientation).
  QImage composeRawPlane(SliceEditor::Axis axis, std::int64_t index) const;
  void createToolBar(QWidget* holder);
  std::vector<analysis::fisbe::edit::EditOperation> editLog() const;

  io::Session& session_;
  io::DatasetId labelsId_ = io::kNoDataset, rawId_ = io::kNoDataset, gtId_ = io::kNoDataset;
  std::shared_ptr<analysis::fisbe::edit::LabelVolume> labels_;
  std::unique_ptr<analysis::fisbe::edit::LabelPreview> preview_;
  std::shared_ptr<analysis::fisbe::edit::IncrementalScore> score_;
  std::shared_ptr<analysis::fisbe::ImageMetrics> metrics_;
  std::vector<analysis::fisbe::edit::LabelDiff> pendingScore_;
  bool scoreBusy_ = false, gtLoading_ = false, saving_ = false, partlyLabelled_ = false;
  bool paintBackgroundOnly_ = false;
  std::vector<Label> selected_;
  std::vector<analysis::fisbe::edit::EditOperation> committed_;  // dropped from the undo stack
  std::vector<analysis::fisbe::edit::EditOperation> pendingReplay_;
  std::size_t undoLimitBytes_ = std::size_t{512} << 20;
  bool rebuildingStack_ = false;
  double lastEditMs_ = 0, lastRescoreMs_ = 0, last3dMs_ = 0, lastRescoreWorkMs_ = 0;
  QString breakdown_;
  std::string sourcePath_, sourceInternal_;
  std::int64_t restoredPlane_ = -1;
  int restoredAxis_ = 0;

  struct Raw;
  std::unique_ptr<Raw> raw_;

  QUndoStack* undo_ = nullptr;
  SliceEditor* editor_ = nullptr;
  QTableWidget* table_ = nullptr;
  QLabel* scoreLabel_ = nullptr;
  QLabel* historyLabel_ = nullptr;
  QDoubleSpinBox* radius_ = nullptr;
  QActionGroup* tools_ = nullptr;
  QActionGroup* axes_ = nullptr;  // xy / xz / yz
  VtkView* view_ = nullptr;
  Scene* scene_ = nullptr;
  LabelVolumeLayer* labelLayer_ = nullptr;
  QTimer* rebuild3dTimer_ = nullptr;
  bool building3d_ = false, rebuild3dAgain_ = false;  // surfaces built off the GUI thread
  bool updatingTable_ = false;
  io::Signal<const std::string&>::ConnectionId selectionConnection_ = 0;
};

}  // namespace nl::widgets
