#include "widgets/pages/proofread/ProofreadPage.h"

#include <QAction>
#include <QActionGroup>
#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QSignalBlocker>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QToolBar>
#include <QUndoStack>
#include <QUndoView>
#include <QVBoxLayout>
#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <tuple>

#include "analysis/fisbe/Evaluate.h"
#include "analysis/fisbe/VolumeLabels.h"
#include "analysis/fisbe/edit/IncrementalScore.h"
#include "analysis/fisbe/edit/LabelPreview.h"
#include "io/ViewState.h"
#include "io/microscopy/LabelVolumeWriter.h"
#include "io/microscopy/VolumeDataset.h"
#include "widgets/VtkView.h"
#include "widgets/pages/ViewRegistry.h"
#include "widgets/pages/proofread/ProofreadSources.h"
#include "widgets/pages/proofread/SliceEditor.h"
#include "widgets/pages/shared/VolumePreview.h"
#include "widgets/scene/LabelVolumeLayer.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/VolumeLayers.h"

namespace nl::widgets {

namespace fe = analysis::fisbe::edit;

namespace {

constexpr const char* kOrigin = "proofread";
// 3D label surfaces are rebuilt from a preview of at most this many voxels.
constexpr std::int64_t kLabelPreviewVoxels = std::int64_t{4} << 20;

double elapsedMs(const QElapsedTimer& timer) {
  return static_cast<double>(timer.nsecsElapsed()) / 1e6;
}

}  // namespace

// One edit on the undo stack: the operation (its name, and the session's
// edit log) and the voxels it changed. The first redo() is the push itself,
// after the page applied the diff, unless the stack is being rebuilt under
// its memory cap (then nothing is applied at all).
class EditCommand final : public QUndoCommand {
 public:
  EditCommand(ProofreadPage& page, fe::EditOperation operation, std::shared_ptr<fe::LabelDiff> diff)
      : QUndoCommand(QString::fromStdString(operation.describe())),
        page_(page),
        operation_(std::move(operation)),
        diff_(std::move(diff)) {}
  void redo() override {
    if (skipRedo_) {
      skipRedo_ = false;
      return;
    }
    page_.applyDiff(*diff_, true, operation_);
  }
  void undo() override { page_.applyDiff(*diff_, false, operation_); }
  const fe::EditOperation& operation() const { return operation_; }
  const std::shared_ptr<fe::LabelDiff>& diff() const { return diff_; }
  std::size_t bytes() const { return diff_->bytes(); }
  void skipFirstRedo() { skipRedo_ = true; }

 private:
  ProofreadPage& page_;
  fe::EditOperation operation_;
  std::shared_ptr<fe::LabelDiff> diff_;
  bool skipRedo_ = true;
};

struct ProofreadPage::Raw {
  std::shared_ptr<const io::microscopy::VolumeDataset> volume;
  std::shared_ptr<const io::ArrayDataset> array;  // [z][y][x] or [z][y][x][c]
  std::size_t channels = 1;
  std::vector<ChannelLook> looks;
};

ProofreadPage::ProofreadPage(io::Session& session, QWidget* parent)
    : Page(parent), session_(session) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  undo_ = new QUndoStack(this);
  editor_ = new SliceEditor();
  editor_->setObjectName("proofreadEditor");
  createToolBar(this);

  auto* split = new QSplitter(Qt::Horizontal);
  split->setObjectName("proofreadSplit");
  split->addWidget(editor_);
  auto* right = new QSplitter(Qt::Vertical);
  view_ = new VtkView();
  view_->setObjectName("proofread3d");
  right->addWidget(view_);
  auto* tabs = new QTabWidget();
  table_ = new QTableWidget();
  table_->setObjectName("proofreadInstances");
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->verticalHeader()->hide();
  table_->setColumnCount(8);
  table_->setHorizontalHeaderLabels({tr("label"), tr("voxels"), tr("z"), tr("y"), tr("x"),
                                     tr("GT @0.5"), tr("clDice"), tr("outcome")});
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  tabs->addTab(table_, tr("Instances"));
  auto* history = new QUndoView(undo_);
  history->setEmptyLabel(tr("<labels as opened>"));
  history->setObjectName("proofreadHistory");
  tabs->addTab(history, tr("History"));
  right->addWidget(tabs);
  right->setStretchFactor(0, 3);
  right->setStretchFactor(1, 2);
  split->addWidget(right);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  split->setSizes({600, 420});  // the editor first, the 3D view and table beside it
  layout->addWidget(split, 1);

  auto* status = new QHBoxLayout();
  scoreLabel_ = new QLabel(tr("No ground truth: open one on this page to score every edit."));
  scoreLabel_->setObjectName("proofreadScore");
  scoreLabel_->setWordWrap(true);
  historyLabel_ = new QLabel();
  status->addWidget(scoreLabel_, 1);
  status->addWidget(historyLabel_);
  layout->addLayout(status);

  scene_ = new Scene(view_, session_, this);
  rebuild3dTimer_ = new QTimer(this);
  rebuild3dTimer_->setSingleShot(true);
  rebuild3dTimer_->setInterval(600);
  connect(rebuild3dTimer_, &QTimer::timeout, this, &ProofreadPage::rebuild3d);

  connect(editor_, &SliceEditor::labelClicked, this, [this](Label label, bool add) {
    std::vector<Label> next = add ? selected_ : std::vector<Label>{};
    if (label != 0) {
      if (const auto it = std::find(next.begin(), next.end(), label); it != next.end())
        next.erase(it);
      else
        next.push_back(label);
    }
    selectLabels(next);
  });
  connect(
      editor_, &SliceEditor::strokeFinished, this,
      [this](std::vector<Voxel> centres, bool erase) { paintStroke(std::move(centres), erase); });
  connect(editor_, &SliceEditor::cutDrawn, this,
          [this](Voxel from, Voxel to) { splitSelectedByCut(from, to); });
  connect(editor_, &SliceEditor::hovered, this, [this](const QString& text) { say(text, 3000); });
  connect(editor_, &SliceEditor::planeChanged, this,
          [this](SliceEditor::Axis axis, std::int64_t index) {
            // The 3D view's slice along the same axis follows (on its grid,
            // which may be a 1:s preview).
            if (!labels_) return;
            const auto s = labels_->shape();
            for (auto* layer : scene_->layers())
              if (auto* slices = dynamic_cast<SliceLayer*>(layer)) {
                auto c = slices->crosshair();
                const auto& g = slices->grid();
                const std::size_t i = axis == SliceEditor::Axis::X   ? 0
                                      : axis == SliceEditor::Axis::Y ? 1
                                                                     : 2;
                const std::size_t n = i == 0 ? g.nx : i == 1 ? g.ny : g.nz;
                const std::int64_t full = i == 0 ? s.width : i == 1 ? s.height : s.depth;
                const double step =
                    static_cast<double>(full) / static_cast<double>(std::max<std::size_t>(1, n));
                c[i] = std::min<std::size_t>(n - 1, static_cast<std::size_t>(index / step));
                slices->setCrosshair(c[0], c[1], c[2]);
              }
          });
  connect(table_, &QTableWidget::itemSelectionChanged, this, [this] {
    if (updatingTable_) return;
    std::vector<Label> labels;
    for (const auto& range : table_->selectedRanges())
      for (int row = range.topRow(); row <= range.bottomRow(); ++row)
        if (auto* item = table_->item(row, 0))
          labels.push_back(item->data(Qt::UserRole).toULongLong());
    selectLabels(labels);
  });
  connect(undo_, &QUndoStack::indexChanged, this, [this] {
    historyLabel_->setText(tr("%n step(s), %1 MB of %2 MB", "", undo_->index())
                               .arg(static_cast<double>(historyBytes()) / 1e6, 0, 'f', 1)
                               .arg(static_cast<double>(undoLimitBytes_) / 1e6, 0, 'f', 0));
  });
  // Picks in 3D and other views select instances through the one selection.
  selectionConnection_ = session_.selection().changed.connect([this](const std::string& origin) {
    if (origin == kOrigin) return;
    const auto& selection = session_.selection();
    std::vector<Label> labels;
    if (selection.dataset() == labelsId_)
      for (const auto index : selection.indices())
        if (index > 0) labels.push_back(static_cast<Label>(index));
    if (labels == selected_) return;
    selected_ = labels;
    applySelection();
  });
}

ProofreadPage::~ProofreadPage() {
  session_.selection().changed.disconnect(selectionConnection_);
  // Commands refer to the page: clear them before the members go.
  undo_->blockSignals(true);
  rebuildingStack_ = true;
  undo_->clear();
}

std::vector<Scene*> ProofreadPage::scenes() const {
  return {scene_};
}

void ProofreadPage::createToolBar(QWidget* holder) {
  auto* bar = new QToolBar(holder);
  bar->setObjectName("proofreadTools");
  static_cast<QVBoxLayout*>(holder->layout())->addWidget(bar);
  tools_ = new QActionGroup(this);
  tools_->setExclusive(true);
  const auto addTool = [&](const QString& text, const QString& key, SliceEditor::Tool tool,
                           const QString& tip) {
    auto* action = bar->addAction(text);
    action->setCheckable(true);
    action->setShortcut(QKeySequence(key));
    action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    action->setToolTip(tip + " (" + key + ")");
    action->setData(static_cast<int>(tool));
    tools_->addAction(action);
    addAction(action);
    connect(action, &QAction::triggered, this, [this, tool] { editor_->setTool(tool); });
    return action;
  };
  addTool(tr("Select"), "S", SliceEditor::Tool::Select,
          tr("Click an instance; Ctrl+click adds one"))
      ->setChecked(true);
  addTool(tr("Paint"), "B", SliceEditor::Tool::Paint,
          tr("Drag to paint the selected instance (a new one when none is selected)"));
  addTool(tr("Erase brush"), "E", SliceEditor::Tool::EraseBrush, tr("Drag to erase voxels"));
  addTool(tr("Cut"), "C", SliceEditor::Tool::Cut,
          tr("Drag a line: the plane through it splits the selected instance"));
  addTool(tr("Seeds"), "D", SliceEditor::Tool::Seeds,
          tr("Click seeds in the selected instance, then Split at seeds (Return)"));
  bar->addSeparator();
  // The orientation of the slice editor: the plane it shows (keys: the axis
  // looked along).
  axes_ = new QActionGroup(this);
  axes_->setExclusive(true);
  for (const auto& [axis, key, tip] :
       {std::tuple{SliceEditor::Axis::Z, "Z", tr("xy planes, looking along z")},
        std::tuple{SliceEditor::Axis::Y, "Y", tr("xz planes, looking along y")},
        std::tuple{SliceEditor::Axis::X, "X", tr("yz planes, looking along x")}}) {
    auto* action = bar->addAction(SliceEditor::axisName(axis));
    action->setObjectName(QStringLiteral("proofreadAxis_") + SliceEditor::axisName(axis));
    action->setCheckable(true);
    action->setChecked(axis == SliceEditor::Axis::Z);
    action->setShortcut(QKeySequence(QString::fromLatin1(key)));
    action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    action->setToolTip(tip + " (" + key + ")");
    action->setData(static_cast<int>(axis));
    axes_->addAction(action);
    addAction(action);
    connect(action, &QAction::triggered, this, [this, axis = axis] { editor_->setAxis(axis); });
  }
  bar->addSeparator();
  const auto addCommand = [&](const QString& text, const QKeySequence& key, const QString& tip,
                              auto slot) {
    auto* action = bar->addAction(text);
    action->setShortcut(key);
    action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    action->setToolTip(tip + " (" + key.toString() + ")");
    addAction(action);
    connect(action, &QAction::triggered, this, slot);
    return action;
  };
  addCommand(tr("Merge"), QKeySequence(Qt::Key_M),
             tr("Merge the selected instances into the first"), [this] { mergeSelected(); });
  addCommand(tr("Erase"), QKeySequence(Qt::Key_Delete), tr("Erase the selected instances"),
             [this] { eraseSelected(); });
  addCommand(tr("Split at seeds"), QKeySequence(Qt::Key_Return),
             tr("Split the selected instance by region growing from the seeds"),
             [this] { splitSelectedBySeeds(); });
  bar->addSeparator();
  auto* undo = undo_->createUndoAction(this, tr("Undo"));
  undo->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Z));
  undo->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  auto* redo = undo_->createRedoAction(this, tr("Redo"));
  redo->setShortcuts(
      {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence(Qt::CTRL | Qt::Key_Y)});
  redo->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  // Short labels keep the toolbar in view; the step is named in the tooltip
  // (and in the History tab). These run after the stack's own updates.
  connect(undo_, &QUndoStack::undoTextChanged, undo, [this, undo](const QString& step) {
    undo->setText(tr("Undo"));
    undo->setToolTip(step.isEmpty() ? tr("Undo (Ctrl+Z)") : tr("Undo %1 (Ctrl+Z)").arg(step));
  });
  connect(undo_, &QUndoStack::redoTextChanged, redo, [this, redo](const QString& step) {
    redo->setText(tr("Redo"));
    redo->setToolTip(step.isEmpty() ? tr("Redo (Ctrl+Shift+Z)")
                                    : tr("Redo %1 (Ctrl+Shift+Z)").arg(step));
  });
  bar->addAction(undo);
  bar->addAction(redo);
  addAction(undo);
  addAction(redo);
  bar->addSeparator();
  bar->addWidget(new QLabel(tr(" brush ")));
  radius_ = new QDoubleSpinBox();
  radius_->setRange(0.5, 50);
  radius_->setSingleStep(0.5);
  radius_->setValue(editor_->brushRadius());
  radius_->setSuffix(tr(" vox"));
  radius_->setToolTip(tr("Brush radius ([ and ] change it)"));
  bar->addWidget(radius_);
  connect(radius_, &QDoubleSpinBox::valueChanged, this,
          [this](double value) { editor_->setBrushRadius(value); });
  addCommand(tr("−"), QKeySequence(Qt::Key_BracketLeft), tr("Smaller brush"), [this] {
    radius_->setValue(radius_->value() - 0.5);
  })->setVisible(false);
  addCommand(tr("+"), QKeySequence(Qt::Key_BracketRight), tr("Larger brush"), [this] {
    radius_->setValue(radius_->value() + 0.5);
  })->setVisible(false);
  auto* backgroundOnly = new QCheckBox(tr("paint over background only"));
  backgroundOnly->setObjectName("paintBackgroundOnly");
  backgroundOnly->setToolTip(tr("The brush leaves other instances' voxels alone"));
  bar->addWidget(backgroundOnly);
  connect(backgroundOnly, &QCheckBox::toggled, this,
          [this](bool on) { paintBackgroundOnly_ = on; });
  auto* partly = new QCheckBox(tr("partly labelled GT"));
  partly->setObjectName("partlyLabelled");
  partly->setToolTip(
      tr("FISBe's partly-labelled rules: unmatched predictions away from labelled neurons are "
         "not false positives"));
  bar->addWidget(partly);
  connect(partly, &QCheckBox::toggled, this, [this](bool on) {
    partlyLabelled_ = on;
    if (score_ && score_->collected() && !scoreBusy_) runScoreTask();
  });
  bar->addSeparator();
  addCommand(tr("Save labels…"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_S),
             tr("Write the corrected labels as HDF5 or zarr"), [this] {
               const QString path = QFileDialog::getSaveFileName(
                   this, tr("Save corrected labels"), QString(),
                   tr("HDF5 (*.h5 *.hdf *.hdf5);;Zarr store (*.zarr)"));
               if (path.isEmpty()) return;
               bool overwrite = false;
               if (!sourcePath_.empty() && std::filesystem::weakly_canonical(path.toStdString()) ==
                                               std::filesystem::weakly_canonical(sourcePath_)) {
                 overwrite =
                     QMessageBox::question(this, tr("Overwrite the source labels?"),
                                           tr("%1 holds the labels as they were opened. Replace it "
                                              "with the corrected labels?")
                                               .arg(path)) == QMessageBox::Yes;
                 if (!overwrite) return;
               }
               saveLabels(path, overwrite);
             });
}

// --- Opening ---------------------------------------------------------------

void ProofreadPage::openLabels(io::DatasetId id) {
  const auto dataset = session_.find(id);
  if (!dataset) throw std::invalid_argument("no such dataset");
  auto source = proofreadLabelSource(dataset);  // throws for what is not labels
  labelsId_ = id;
  addShownDataset(id);
  setWindowTitle(tr("Proofread %1").arg(QString::fromStdString(dataset->name())));
  sourcePath_ = dataset->provenance().sourcePath;
  sourceInternal_ = dataset->name();
  auto result = std::make_shared<std::shared_ptr<fe::LabelVolume>>();
  say(tr("Reading %1…").arg(QString::fromStdString(dataset->name())), 0);
  runTask(
      tr("Reading labels of %1").arg(QString::fromStdString(dataset->name())),
      [source, result](plugins::ProgressReporter& reporter) {
        ReporterProgress progress(reporter);
        *result = std::make_shared<fe::LabelVolume>(
            fe::LabelVolume::fromSource(*source->source, &progress));
      },
      [this, result](const QString& error) {
        if (!error.isEmpty()) {
          complain(tr("Cannot proofread these labels"), error);
          return;
        }
        labels_ = *result;
        onLabelsLoaded();
      });
}

void ProofreadPage::onLabelsLoaded() {
  QElapsedTimer timer;
  timer.start();
  editor_->setLabels(labels_.get());
  editor_->setPlane(labels_->shape().depth / 2);
  // Voxels drawn in their physical proportions in every orientation.
  if (const auto dataset = session_.find(labelsId_)) {
    const auto grid = labelGrid(dataset, labels_->shape());
    editor_->setVoxelSpacing(grid.spacing[2], grid.spacing[1], grid.spacing[0]);
  }
  rebuildTable();
  const auto step = fe::previewStepFor(labels_->shape(), kLabelPreviewVoxels);
  preview_ = std::make_unique<fe::LabelPreview>(*labels_, step);
  rebuild3d();
  QString message =
      tr("%1 instances (%2), %3 × %4 × %5 voxels; ready in %6 ms")
          .arg(labels_->instances().size())
          .arg(QString::fromStdString(analysis::fisbe::labelTypeName(labels_->type())))
          .arg(labels_->shape().depth)
          .arg(labels_->shape().height)
          .arg(labels_->shape().width)
          .arg(elapsedMs(timer), 0, 'f', 0);
  if (labels_->overlapVoxels() > 0)
    message += tr("; %1 voxels in several instances now belong to one (the last channel)")
                   .arg(labels_->overlapVoxels());
  say(message);
  note(message);
  if (score_ && !score_->collected()) startScore();
  replayPending();
  emit labelsLoaded();
}

void ProofreadPage::openRaw(io::DatasetId id) {
  const auto dataset = session_.find(id);
  auto raw = std::make_unique<Raw>();
  if (auto volume = std::dynamic_pointer_cast<const io::microscopy::VolumeDataset>(dataset)) {
    if (holdsLabels(*volume)) throw std::invalid_argument("these are labels, not a raw image");
    raw->volume = volume;
    raw->channels = volume->volumeShape().channels;
  } else if (auto array = std::dynamic_pointer_cast<const io::ArrayDataset>(dataset)) {
    (void)shownGrid(*array, &raw->channels);  // throws for other shapes
    raw->array = array;
  } else {
    throw std::invalid_argument("not a volume");
  }
  if (raw->channels > 4) throw std::invalid_argument("at most 4 raw channels can be shown");
  rawId_ = id;
  raw_ = std::move(raw);
  addShownDataset(id);
  // The 3D view draws a preview; the editor reads planes at full resolution.
  auto preview = std::make_shared<std::shared_ptr<const io::ArrayDataset>>(raw_->array);
  const auto volume = raw_->volume;
  runTask(
      tr("Preview of %1").arg(QString::fromStdString(dataset->name())),
      [volume, preview](plugins::ProgressReporter& progress) {
        progress.report(0, "reading");
        if (volume)
          *preview = readVolumePreview(
              *volume, io::microscopy::previewStep(volume->volumeShape(), kPreviewVoxels));
      },
      [this, preview, id](const QString& error) {
        if (!error.isEmpty()) {
          complain(tr("Cannot show the raw image"), error);
          return;
        }
        const auto& array = **preview;
        raw_->looks = defaultChannelLooks(array, raw_->channels);
        if (raw_->looks.empty()) {
          // One channel: grey, limits at the 0.5th and 99.5th percentile.
          std::vector<double> sample;
          const io::TypedArray& values = array.typed();  // the preview's own type
          const std::size_t stride = std::max<std::size_t>(1, values.size() / 200000);
          for (std::size_t i = 0; i < values.size(); i += stride) sample.push_back(values.at(i));
          std::sort(sample.begin(), sample.end());
          ChannelLook grey{QColor(Qt::white), sample.empty() ? 0 : sample[sample.size() / 200],
                           sample.empty() ? 1 : sample[sample.size() * 199 / 200], 1, true};
          if (grey.high <= grey.low) grey.high = grey.low + 1;
          raw_->looks = {grey};
        }
        const QString name = QString::fromStdString(array.name());
        auto* slices = new SliceLayer(tr("%1 (slices)").arg(name), id, *preview);
        auto* rendering = new VolumeLayer(tr("%1 (volume)").arg(name), id, *preview);
        rendering->setVisible(false);
        scene_->addLayer(slices);
        scene_->addLayer(rendering);
        if (!restoredScenes()) {
          view_->setStandardView(VtkView::StandardView::Anterior);
          view_->orbit(35, 25);
        }
        editor_->setRawPlane([this](SliceEditor::Axis axis, std::int64_t index) {
          return composeRawPlane(axis, index);
        });
      });
}

QImage ProofreadPage::composeRawPlane(SliceEditor::Axis axis, std::int64_t index) const {
  if (!raw_ || raw_->looks.empty() || !labels_) return {};
  const auto s = labels_->shape();
  const auto d = static_cast<std::size_t>(s.depth), h = static_cast<std::size_t>(s.height),
             w = static_cast<std::size_t>(s.width);
  const auto at = static_cast<std::size_t>(index);
  // The plane as a box of the volume: rows × columns of the image.
  std::size_t z0 = 0, z1 = d, y0 = 0, y1 = h, x0 = 0, x1 = w;
  if (axis == SliceEditor::Axis::Z) z0 = at, z1 = at + 1;
  if (axis == SliceEditor::Axis::Y) y0 = at, y1 = at + 1;
  if (axis == SliceEditor::Axis::X) x0 = at, x1 = at + 1;
  const std::size_t rows = axis == SliceEditor::Axis::Z ? h : d;
  const std::size_t columns = axis == SliceEditor::Axis::X ? h : w;
  const std::size_t n = rows * columns;
  const std::size_t channels = raw_->channels;
  std::vector<float> plane(channels * n);  // [c][row][column]
  if (raw_->volume) {
    const auto shape = raw_->volume->volumeShape();
    if (shape.z != d || shape.y != h || shape.x != w) return {};
    // [c][z][y][x] of the box is [c][row][column] for every orientation.
    raw_->volume->readFloat({0, channels, z0, z1, y0, y1, x0, x1}, std::span<float>(plane));
  } else {
    const auto& shape = raw_->array->shape();
    if (shape[0] != d || shape[1] != h || shape[2] != w) return {};
    const auto& values = raw_->array->values();
    std::size_t i = 0;
    for (std::size_t z = z0; z < z1; ++z)
      for (std::size_t y = y0; y < y1; ++y)
        for (std::size_t x = x0; x < x1; ++x, ++i)
          for (std::size_t c = 0; c < channels; ++c)
            plane[c * n + i] = static_cast<float>(values[((z * h + y) * w + x) * channels + c]);
  }
  QImage image(static_cast<int>(columns), static_cast<int>(rows), QImage::Format_RGB32);
  for (std::size_t y = 0; y < rows; ++y) {
    auto* out = reinterpret_cast<QRgb*>(image.scanLine(static_cast<int>(y)));
    for (std::size_t x = 0; x < columns; ++x) {
      double r = 0, g = 0, b = 0;
      for (std::size_t c = 0; c < channels; ++c) {
        const ChannelLook& look = raw_->looks[std::min(c, raw_->looks.size() - 1)];
        if (!look.visible) continue;
        const double t = look.intensity(plane[c * n + y * columns + x]);
        r += t * look.colour.redF();
        g += t * look.colour.greenF();
        b += t * look.colour.blueF();
      }
      out[x] =
          qRgb(static_cast<int>(std::min(1.0, r) * 255), static_cast<int>(std::min(1.0, g) * 255),
               static_cast<int>(std::min(1.0, b) * 255));
    }
  }
  return image;
}

void ProofreadPage::openGroundTruth(io::DatasetId id) {
  const auto dataset = session_.find(id);
  if (!dataset) throw std::invalid_argument("no such dataset");
  auto source = proofreadLabelSource(dataset);
  gtId_ = id;
  addShownDataset(id);
  analysis::fisbe::EvaluationOptions options;
  options.dimNeurons = dimNeuronsOf(*dataset);
  gtLoading_ = true;
  auto result = std::make_shared<std::shared_ptr<fe::IncrementalScore>>();
  const QString name = QString::fromStdString(dataset->name());
  say(tr("Thinning the ground truth %1…").arg(name), 0);
  runTask(
      tr("Ground truth %1").arg(name),
      [source, options, result](plugins::ProgressReporter& reporter) {
        ReporterProgress progress(reporter);
        const auto shape = source->source->shape();
        auto gt = analysis::fisbe::loadInstances(*source->source, {{}, shape}, {}, &progress);
        *result = std::make_shared<fe::IncrementalScore>(std::move(gt), options, &progress);
      },
      [this, result, name](const QString& error) {
        gtLoading_ = false;
        if (!error.isEmpty()) {
          complain(tr("Cannot score against %1").arg(name), error);
          return;
        }
        score_ = *result;
        // The ground truth's outlines on the editor (its instances are fixed
        // once read: the rescoring task only reads them too).
        editor_->setGroundTruthPlane([score = score_](SliceEditor::Axis axis, std::int64_t at,
                                                      std::vector<std::uint16_t>& ids) {
          const auto& gt = score->groundTruth();
          const auto width = gt.shape.width, height = gt.shape.height;
          for (const auto& instance : gt.instances) {
            const auto& box = instance.mask.box();
            const auto gtId = static_cast<std::uint16_t>(instance.id);
            switch (axis) {
              case SliceEditor::Axis::Z:
                if (at < box.z0 || at >= box.z1) continue;
                for (const auto& run : instance.mask.runs())
                  if (run.z == at)
                    std::fill(ids.begin() + run.y * width + run.x0,
                              ids.begin() + run.y * width + run.x1, gtId);
                break;
              case SliceEditor::Axis::Y:  // rows z, columns x
                if (at < box.y0 || at >= box.y1) continue;
                for (const auto& run : instance.mask.runs())
                  if (run.y == at)
                    std::fill(ids.begin() + run.z * width + run.x0,
                              ids.begin() + run.z * width + run.x1, gtId);
                break;
              case SliceEditor::Axis::X:  // rows z, columns y
                if (at < box.x0 || at >= box.x1) continue;
                for (const auto& run : instance.mask.runs())
                  if (run.x0 <= at && at < run.x1) ids[run.z * height + run.y] = gtId;
                break;
            }
          }
        });
        if (labels_) startScore();
      });
}

void ProofreadPage::startScore() {
  QElapsedTimer timer;
  timer.start();
  try {
    score_->collect(*labels_);
  } catch (const std::exception& error) {
    complain(tr("Cannot score these labels"), QString::fromStdString(error.what()));
    score_.reset();
    return;
  }
  note(tr("scoring: instances collected in %1 ms").arg(elapsedMs(timer), 0, 'f', 0));
  runScoreTask();
}

void ProofreadPage::runScoreTask() {
  scoreBusy_ = true;
  auto score = score_;
  auto options = score_->options();
  options.partlyLabelled = partlyLabelled_;
  auto result = std::make_shared<std::shared_ptr<analysis::fisbe::ImageMetrics>>();
  auto timer = std::make_shared<QElapsedTimer>();
  timer->start();
  auto workMs = std::make_shared<double>(0);
  scoreLabel_->setText(scoreLabel_->text() + tr(" — rescoring…"));
  runTask(
      tr("Rescoring against the ground truth"),
      [score, result, partly = partlyLabelled_,
       work = workMs](plugins::ProgressReporter& reporter) {
        QElapsedTimer clock;
        clock.start();
        ReporterProgress progress(reporter);
        score->setPartlyLabelled(partly);
        score->thin(&progress);
        *result = std::make_shared<analysis::fisbe::ImageMetrics>(score->metrics(&progress));
        *work = elapsedMs(clock);
      },
      [this, result, timer, workMs](const QString& error) {
        scoreBusy_ = false;
        lastRescoreMs_ = elapsedMs(*timer);
        lastRescoreWorkMs_ = *workMs;
        if (!error.isEmpty()) {
          note(tr("rescoring failed: %1").arg(error));
        } else {
          metrics_ = *result;
          showMetrics();
        }
        if (!pendingScore_.empty()) {
          for (const auto& diff : pendingScore_) score_->collect(*labels_, diff);
          pendingScore_.clear();
          runScoreTask();
          return;
        }
        emit rescored();
      });
}

QString ProofreadPage::scoreText() const {
  if (!metrics_) return {};
  const auto& m = *metrics_;
  return tr("S %1 · avF1 %2 · C %3 · TP@0.5 %4/%5 · FS %6 · FM %7 · %8 predictions")
      .arg(m.score, 0, 'f', 4)
      .arg(m.avFscore19, 0, 'f', 4)
      .arg(m.averageGtCoverage, 0, 'f', 4)
      .arg(m.tp05)
      .arg(m.numGt)
      .arg(m.falseSplits)
      .arg(m.falseMerges)
      .arg(m.numPred);
}

void ProofreadPage::showMetrics() {
  scoreLabel_->setText(tr("%1 (rescored in %2 ms%3)")
                           .arg(scoreText())
                           .arg(lastRescoreWorkMs_, 0, 'f', 0)
                           .arg(partlyLabelled_ ? tr(", partly-labelled rules") : QString()));
  rebuildTable();
}

// --- Editing ---------------------------------------------------------------

bool ProofreadPage::edit(const fe::EditOperation& operation) {
  if (!labels_) {
    say(tr("The labels are still being read"));
    return false;
  }
  if (saving_) {
    say(tr("Saving the labels; edit again when it is done"));
    return false;
  }
  QElapsedTimer timer;
  timer.start();
  std::shared_ptr<fe::LabelDiff> diff;
  try {
    diff = std::make_shared<fe::LabelDiff>(fe::computeEdit(*labels_, operation));
  } catch (const std::exception& error) {
    say(tr("%1: %2").arg(QString::fromStdString(operation.describe()), error.what()));
    return false;
  }
  if (diff->empty()) {
    say(tr("%1 changes nothing").arg(QString::fromStdString(operation.describe())));
    return false;
  }
  const double diffMs = elapsedMs(timer);
  applyDiff(*diff, true, operation);
  breakdown_ = tr("diff %1, ").arg(diffMs, 0, 'f', 1) + breakdown_;
  pushCommand(operation, diff);
  lastEditMs_ = elapsedMs(timer);
  say(tr("%1: %2 voxels in %3 ms")
          .arg(QString::fromStdString(operation.describe()))
          .arg(diff->voxelCount())
          .arg(lastEditMs_, 0, 'f', 0));
  return true;
}

void ProofreadPage::pushCommand(fe::EditOperation operation, std::shared_ptr<fe::LabelDiff> diff) {
  undo_->push(new EditCommand(*this, std::move(operation), std::move(diff)));
  enforceUndoLimit();
}

std::size_t ProofreadPage::historyBytes() const {
  std::size_t bytes = 0;
  for (int i = 0; i < undo_->count(); ++i)
    bytes += static_cast<const EditCommand*>(undo_->command(i))->bytes();
  return bytes;
}

void ProofreadPage::setUndoMemoryLimit(std::size_t bytes) {
  undoLimitBytes_ = bytes;
  enforceUndoLimit();
}

void ProofreadPage::enforceUndoLimit() {
  if (historyBytes() <= undoLimitBytes_ || undo_->count() <= 1) return;
  // QUndoStack cannot drop its oldest commands: rebuild it without them.
  // The dropped edits stay applied and in the edit log (committed_).
  std::vector<std::pair<fe::EditOperation, std::shared_ptr<fe::LabelDiff>>> kept;
  const int index = undo_->index();
  for (int i = 0; i < undo_->count(); ++i) {
    const auto* command = static_cast<const EditCommand*>(undo_->command(i));
    kept.emplace_back(command->operation(), command->diff());
  }
  std::size_t total = 0;
  for (const auto& [op, diff] : kept) total += diff->bytes();
  std::size_t drop = 0;
  while (drop + 1 < kept.size() && drop < static_cast<std::size_t>(index) &&
         total > undoLimitBytes_) {
    total -= kept[drop].second->bytes();
    committed_.push_back(kept[drop].first);
    ++drop;
  }
  rebuildingStack_ = true;
  undo_->clear();
  for (std::size_t i = drop; i < static_cast<std::size_t>(index); ++i)
    undo_->push(new EditCommand(*this, kept[i].first, kept[i].second));
  rebuildingStack_ = false;
  note(tr("undo history over %1 MB: the oldest %n step(s) can no longer be undone", "",
          static_cast<int>(drop))
           .arg(static_cast<double>(undoLimitBytes_) / 1e6, 0, 'f', 1));
}

void ProofreadPage::applyDiff(const fe::LabelDiff& diff, bool forward,
                              const fe::EditOperation& operation) {
  if (rebuildingStack_ || !labels_) return;
  QElapsedTimer timer, total;
  timer.start();
  total.start();
  if (forward)
    labels_->apply(diff);
  else
    labels_->revert(diff);
  breakdown_ = tr("apply %1").arg(elapsedMs(timer), 0, 'f', 1);
  // The selection follows the edit: merged into the kept one, split into both parts.
  std::vector<Label> next;
  if (forward) {
    using Kind = fe::EditOperation::Kind;
    if (operation.kind == Kind::Merge) next = {operation.labels.front()};
    if (operation.kind == Kind::SplitByPlane || operation.kind == Kind::SplitBySeeds) {
      next = {operation.labels.front()};
      for (const Label l : operation.newLabels)
        if (std::find(next.begin(), next.end(), l) == next.end()) next.push_back(l);
    }
    if (operation.kind == Kind::Paint && operation.labels.front() != 0)
      next = {operation.labels.front()};
  } else {
    for (const Label l : diff.touchedLabels())
      if (labels_->hasInstance(l)) next.push_back(l);
  }
  afterChange(forward ? diff : fe::reversed(diff));
  timer.restart();
  selectLabels(next);
  breakdown_ += tr(", selection %1").arg(elapsedMs(timer), 0, 'f', 1);
  if (!forward) lastEditMs_ = elapsedMs(total);  // an undo: what it took
  emit edited();
}

void ProofreadPage::afterChange(const fe::LabelDiff& diff) {
  QElapsedTimer timer;
  timer.start();
  const auto step = [&](const char* what) {
    breakdown_ += tr(", %1 %2").arg(what).arg(elapsedMs(timer), 0, 'f', 1);
    timer.restart();
  };
  editor_->refresh();
  step("editor");
  if (preview_) preview_->update(*labels_, diff);
  schedule3d();
  step("preview");
  rebuildTable();
  step("table");
  if (score_ && score_->collected()) {
    if (scoreBusy_) {
      pendingScore_.push_back(diff);
    } else {
      score_->collect(*labels_, diff);
      runScoreTask();
    }
  }
  step("score collect");
}

bool ProofreadPage::mergeSelected() {
  if (selected_.size() < 2) {
    say(tr("Select two instances to merge (Ctrl+click adds one)"));
    return false;
  }
  return edit(fe::mergeOperation(selected_.front(),
                                 std::vector<Label>(selected_.begin() + 1, selected_.end())));
}

bool ProofreadPage::eraseSelected() {
  if (selected_.empty()) {
    say(tr("Select an instance to erase"));
    return false;
  }
  return edit(fe::eraseOperation(selected_));  // one undo step for all of them
}

bool ProofreadPage::splitSelectedByCut(Voxel from, Voxel to) {
  if (selected_.size() != 1) {
    say(tr("Select the one instance to cut"));
    return false;
  }
  // The plane holds the drawn line and the viewing axis: its normal is the
  // line × the axis, (z, y, x) — for xy planes (0, dx, −dy).
  const double d[3] = {double(to.z - from.z), double(to.y - from.y), double(to.x - from.x)};
  double a[3] = {0, 0, 0};
  a[static_cast<int>(editor_->axis())] = 1;
  const std::array<double, 3> normal{d[1] * a[2] - d[2] * a[1], d[2] * a[0] - d[0] * a[2],
                                     d[0] * a[1] - d[1] * a[0]};
  try {
    return edit(fe::splitByPlaneOperation(selected_.front(), from, normal, labels_->unusedLabel()));
  } catch (const std::exception& error) {
    say(QString::fromStdString(error.what()));
    return false;
  }
}

bool ProofreadPage::splitSelectedBySeeds() {
  const auto seeds = editor_->seeds();
  if (selected_.size() != 1 || seeds.size() < 2) {
    say(tr("Select one instance and click at least two seeds in it (Seeds tool, D)"));
    return false;
  }
  std::vector<Label> seedLabels{selected_.front()};
  try {
    Label next = labels_->unusedLabel();
    for (std::size_t i = 1; i < seeds.size(); ++i) seedLabels.push_back(next++);
  } catch (const std::exception& error) {
    say(QString::fromStdString(error.what()));
    return false;
  }
  const bool done = edit(fe::splitBySeedsOperation(selected_.front(), seeds, seedLabels));
  if (done) editor_->clearSeeds();
  return done;
}

bool ProofreadPage::paintStroke(std::vector<Voxel> centres, bool erase) {
  if (!labels_) return false;
  Label value = 0;
  if (!erase) {
    try {
      value = selected_.empty() ? labels_->unusedLabel() : selected_.front();
    } catch (const std::exception& error) {
      say(QString::fromStdString(error.what()));
      return false;
    }
  }
  // The brush is round in physical units on anisotropic voxels.
  std::array<double, 3> spacing{1, 1, 1};
  if (const auto dataset = session_.find(labelsId_)) {
    const auto grid = labelGrid(dataset, labels_->shape());
    const double smallest = std::min({grid.spacing[0], grid.spacing[1], grid.spacing[2]});
    if (smallest > 0)
      spacing = {grid.spacing[2] / smallest, grid.spacing[1] / smallest,
                 grid.spacing[0] / smallest};
  }
  return edit(fe::paintOperation(value, std::move(centres), editor_->brushRadius(), spacing,
                                 paintBackgroundOnly_ && !erase
                                     ? fe::EditOperation::PaintMode::BackgroundOnly
                                     : fe::EditOperation::PaintMode::Everything));
}

void ProofreadPage::selectLabels(std::vector<Label> labels) {
  selected_ = std::move(labels);
  std::vector<std::int64_t> indices;
  for (const Label l : selected_) indices.push_back(static_cast<std::int64_t>(l));
  if (labelsId_ != io::kNoDataset) {
    if (indices.empty())
      session_.selection().clear(kOrigin);
    else
      session_.selection().select(labelsId_, indices, kOrigin);
  }
  applySelection();
}

void ProofreadPage::applySelection() {
  editor_->setSelectedLabels(selected_);
  updatingTable_ = true;
  table_->clearSelection();
  for (int row = 0; row < table_->rowCount(); ++row) {
    const Label l = table_->item(row, 0)->data(Qt::UserRole).toULongLong();
    if (std::find(selected_.begin(), selected_.end(), l) == selected_.end()) continue;
    table_->selectRow(row);
  }
  if (!selected_.empty())
    for (int row = 0; row < table_->rowCount(); ++row)
      if (table_->item(row, 0)->data(Qt::UserRole).toULongLong() == selected_.front())
        table_->scrollToItem(table_->item(row, 0));
  updatingTable_ = false;
  // The editor jumps to the selected instance when it is not on the plane shown.
  if (selected_.size() == 1 && labels_) {
    const auto it = labels_->instances().find(selected_.front());
    if (it != labels_->instances().end()) {
      const auto& box = it->second.box;
      const auto axis = editor_->axis();
      const std::int64_t lo = axis == SliceEditor::Axis::Z   ? box.z0
                              : axis == SliceEditor::Axis::Y ? box.y0
                                                             : box.x0;
      const std::int64_t hi = axis == SliceEditor::Axis::Z   ? box.z1
                              : axis == SliceEditor::Axis::Y ? box.y1
                                                             : box.x1;
      if (editor_->plane() < lo || editor_->plane() >= hi) editor_->setPlane((lo + hi) / 2);
    }
  }
}

void ProofreadPage::rebuildTable() {
  if (!labels_) return;
  updatingTable_ = true;
  table_->setSortingEnabled(false);
  const auto& instances = labels_->instances();
  table_->setRowCount(static_cast<int>(instances.size()));
  std::map<std::int64_t, const analysis::fisbe::PredInstanceRow*> scored;
  if (metrics_)
    for (const auto& row : metrics_->predInstances) scored[row.label] = &row;
  int row = 0;
  const auto number = [](double value) {
    auto* item = new QTableWidgetItem();
    item->setData(Qt::DisplayRole, value);
    return item;
  };
  for (const auto& [label, info] : instances) {
    auto* labelItem = number(static_cast<double>(label));
    labelItem->setData(Qt::UserRole, QVariant::fromValue<qulonglong>(label));
    labelItem->setForeground(instanceColour(static_cast<int>(label % 0x7fffffff)));
    table_->setItem(row, 0, labelItem);
    table_->setItem(row, 1, number(static_cast<double>(info.voxels)));
    const auto& b = info.box;
    table_->setItem(row, 2, new QTableWidgetItem(QStringLiteral("%1–%2").arg(b.z0).arg(b.z1 - 1)));
    table_->setItem(row, 3, new QTableWidgetItem(QStringLiteral("%1–%2").arg(b.y0).arg(b.y1 - 1)));
    table_->setItem(row, 4, new QTableWidgetItem(QStringLiteral("%1–%2").arg(b.x0).arg(b.x1 - 1)));
    const auto it = scored.find(static_cast<std::int64_t>(label));
    if (metrics_ && it != scored.end()) {
      const auto& r = *it->second;
      table_->setItem(row, 5,
                      new QTableWidgetItem(r.matchedGt05 ? QString::number(r.matchedGt05)
                                                         : QStringLiteral("—")));
      table_->setItem(row, 6, number(static_cast<double>(r.matchedClDice05)));
      const QString outcome = r.matchedGt05          ? tr("TP")
                              : r.falseSplit05       ? tr("false split")
                              : r.falsePositive05    ? tr("FP")
                              : !r.mergedGts.empty() ? tr("merges GT")
                                                     : tr("unmatched");
      table_->setItem(row, 7, new QTableWidgetItem(outcome));
    } else {
      const bool removed = metrics_ != nullptr;
      for (int c = 5; c < 8; ++c)
        table_->setItem(
            row, c,
            new QTableWidgetItem(c == 7 && removed ? tr("≤ 800 voxels: not scored") : QString()));
    }
    ++row;
  }
  table_->setSortingEnabled(true);
  updatingTable_ = false;
  applySelection();
}

// --- 3D ----------------------------------------------------------------------

void ProofreadPage::schedule3d() {
  rebuild3dTimer_->start();
}

void ProofreadPage::rebuild3d() {
  if (!preview_ || !labels_) return;
  if (building3d_) {  // one build at a time; the latest preview follows it
    rebuild3dAgain_ = true;
    return;
  }
  QElapsedTimer timer;
  timer.start();
  const auto s = preview_->shape();
  std::vector<double> values(preview_->values().begin(), preview_->values().end());
  io::Attributes attributes;
  writeVolumeGrid(labelGrid(session_.find(labelsId_), labels_->shape())
                      .subsampled(static_cast<std::size_t>(preview_->step())),
                  attributes);
  auto array = std::make_shared<io::ArrayDataset>(
      io::DatasetKind::LabelVolume, "labels",
      std::vector<std::size_t>{static_cast<std::size_t>(s.depth),
                               static_cast<std::size_t>(s.height),
                               static_cast<std::size_t>(s.width)},
      std::move(values), io::Provenance{}, std::move(attributes),
      analysis::fisbe::labelTypeName(labels_->type()));
  const double copyMs = elapsedMs(timer);
  // The surfaces (flying edges, smoothing) are made off the GUI thread; the
  // layer is swapped in when they are ready.
  building3d_ = true;
  auto surfaces = std::make_shared<std::shared_ptr<const LabelVolumeLayer::Surfaces>>();
  auto work = std::make_shared<QElapsedTimer>();
  work->start();
  const int step = preview_->step();
  runTask(
      tr("3D instances"),
      [array, surfaces](plugins::ProgressReporter&) {
        *surfaces = LabelVolumeLayer::buildSurfaces(*array);
      },
      [this, surfaces, work, copyMs, step](const QString& error) {
        building3d_ = false;
        if (!error.isEmpty()) {
          complain(tr("The 3D instances cannot be drawn"), error);
        } else {
          QElapsedTimer swap;
          swap.start();
          const double opacity = labelLayer_ ? labelLayer_->opacity() : 0.8;
          const bool visible = labelLayer_ ? labelLayer_->isVisible() : true;
          if (labelLayer_) scene_->removeLayer(labelLayer_);
          labelLayer_ =
              new LabelVolumeLayer(tr("instances (1:%1)").arg(step), labelsId_, *surfaces);
          labelLayer_->setOpacity(opacity);
          labelLayer_->setVisible(visible);
          const bool first = scene_->layers().empty();
          scene_->addLayer(labelLayer_);
          if (first && !restoredScenes()) {
            view_->setStandardView(VtkView::StandardView::Anterior);
            view_->orbit(35, 25);
          }
          last3dMs_ = copyMs + elapsedMs(swap);
          note(tr("3D instances redrawn: %1 ms on the GUI thread, surfaces built in %2 ms off it")
                   .arg(last3dMs_, 0, 'f', 0)
                   .arg(elapsedMs(*work), 0, 'f', 0));
          emit view3dUpdated();
        }
        if (rebuild3dAgain_) {
          rebuild3dAgain_ = false;
          rebuild3d();
        }
      });
}

// --- Saving and the session ---------------------------------------------------

bool ProofreadPage::saveLabels(const QString& path, bool overwriteSource) {
  if (!labels_ || saving_) return false;
  const std::filesystem::path target = path.toStdString();
  std::error_code ec;
  if (!sourcePath_.empty() && !overwriteSource &&
      std::filesystem::weakly_canonical(target, ec) ==
          std::filesystem::weakly_canonical(sourcePath_, ec)) {
    complain(tr("Not saved"),
             tr("%1 holds the labels as they were opened; choose another file.").arg(path));
    return false;
  }
  try {
    io::microscopy::containerFormatFor(target);
  } catch (const std::invalid_argument&) {
    complain(tr("Not saved"), tr("%1: save as .h5, .hdf, .hdf5 or .zarr").arg(path));
    return false;
  }
  std::string internal = sourceInternal_;
  while (!internal.empty() && internal.front() == '/') internal.erase(0, 1);
  if (internal.empty() || internal.find('/') == std::string::npos) internal = "volumes/labels";
  saving_ = true;
  auto labels = labels_;
  const auto log = editsToJson(editLog());
  std::map<std::string, std::string> attributes{{"proofread_edits", log}};
  if (!sourcePath_.empty()) attributes["proofread_from"] = sourcePath_ + "::" + sourceInternal_;
  auto timer = std::make_shared<QElapsedTimer>();
  timer->start();
  runTask(
      tr("Saving labels to %1").arg(path),
      [labels, target, internal, attributes](plugins::ProgressReporter& reporter) {
        const auto s = labels->shape();
        io::microscopy::LabelVolumeToWrite out;
        out.data = labels->data();
        out.type = voxelTypeOf(labels->type());
        out.z = static_cast<std::size_t>(s.depth);
        out.y = static_cast<std::size_t>(s.height);
        out.x = static_cast<std::size_t>(s.width);
        out.attributes = attributes;
        const auto progress = [&](double f) {
          if (reporter.cancelled()) throw analysis::Cancelled();
          reporter.report(f, "writing");
        };
        io::microscopy::writeLabelVolume(target, internal, out, progress);
      },
      [this, path, internal, timer](const QString& error) {
        saving_ = false;
        if (error.isEmpty()) {
          const QString message = tr("Saved the labels to %1 (%2) in %3 ms")
                                      .arg(path, QString::fromStdString(internal))
                                      .arg(elapsedMs(*timer), 0, 'f', 0);
          say(message);
          note(message);
          undo_->setClean();
        } else {
          complain(tr("Labels not saved"), error);
        }
        emit saved(path, error);
      });
  return true;
}

std::vector<fe::EditOperation> ProofreadPage::editLog() const {
  auto log = committed_;
  for (int i = 0; i < undo_->index(); ++i)
    log.push_back(static_cast<const EditCommand*>(undo_->command(i))->operation());
  return log;
}

std::string ProofreadPage::saveState() const {
  nlohmann::json state{{"edits", editsToJson(editLog())},
                       {"axis", static_cast<int>(editor_->axis())},
                       {"plane", editor_->plane()},
                       {"tool", static_cast<int>(editor_->tool())},
                       {"brush", editor_->brushRadius()},
                       {"partly_labelled", partlyLabelled_},
                       {"scenes", io::toJson(captureScenes(*this))}};
  return state.dump();
}

void ProofreadPage::restoreState(const std::string& json) {
  const auto state = nlohmann::json::parse(json, nullptr, false);
  if (!state.is_object()) return;
  try {
    if (state.contains("edits"))
      pendingReplay_ = fe::editsFromJson(state["edits"].get<std::string>());
  } catch (const std::exception& error) {
    complain(tr("The saved edits cannot be read"), QString::fromStdString(error.what()));
  }
  if (state.contains("brush")) radius_->setValue(state["brush"].get<double>());
  if (state.contains("tool")) {
    const int tool = state["tool"].get<int>();
    for (auto* action : tools_->actions())
      if (action->data().toInt() == tool) action->trigger();
  }
  partlyLabelled_ = state.value("partly_labelled", false);
  if (auto* partly = findChild<QCheckBox*>("partlyLabelled")) {
    const QSignalBlocker quiet(partly);
    partly->setChecked(partlyLabelled_);
  }
  restoredPlane_ = state.value("plane", std::int64_t{-1});
  restoredAxis_ = std::clamp(state.value("axis", 0), 0, 2);
  if (state.contains("scenes")) applyScenes(*this, io::sceneStatesFromJsonValue(state["scenes"]));
  if (labels_) replayPending();
}

void ProofreadPage::replayPending() {
  if (pendingReplay_.empty() && restoredPlane_ < 0) return;
  auto ops = std::move(pendingReplay_);
  pendingReplay_.clear();
  std::size_t applied = 0;
  for (const auto& op : ops) {
    if (!edit(op)) {
      complain(tr("Edits not restored"),
               tr("Edit %1 of %2 (%3) no longer applies to these labels; the later ones are "
                  "skipped.")
                   .arg(applied + 1)
                   .arg(ops.size())
                   .arg(QString::fromStdString(op.describe())));
      break;
    }
    ++applied;
  }
  if (applied > 0) note(tr("restored %n edit(s) of the session", "", static_cast<int>(applied)));
  if (restoredPlane_ >= 0) {
    for (auto* action : axes_->actions())
      if (action->data().toInt() == restoredAxis_) action->trigger();
    editor_->setPlane(restoredPlane_);
  }
  restoredPlane_ = -1;
}

// --- Adoption and the provider -------------------------------------------------

int ProofreadPage::adoptionScore(io::DatasetId id, const io::Dataset& dataset) const {
  if (!labels_ || id == labelsId_) return 0;
  const auto shape = spatialShapeOf(dataset);
  if (!shape || !(*shape == labels_->shape())) return 0;
  // One more than the volume page gives an overlay of the same size.
  if (isLabelDataset(dataset)) return gtId_ == io::kNoDataset ? 66 : 0;
  return rawId_ == io::kNoDataset ? 66 : 0;
}

void ProofreadPage::adopt(io::DatasetId id) {
  const auto dataset = session_.find(id);
  if (!dataset) return;
  if (isLabelDataset(*dataset))
    openGroundTruth(id);
  else
    openRaw(id);
}

namespace {

class ProofreadProvider final : public ViewProvider {
 public:
  std::string id() const override { return "microscopy.proofread"; }
  ViewMatch match(const io::Session& session,
                  const std::vector<io::DatasetId>& offered) const override {
    // Scored below the volume page (50 / 70), which stays what opens label
    // volumes; this page wins when a manifest names it (100) or through
    // "Open with" on a tab.
    const auto roles = proofreadRoles(session, offered);
    if (roles.labels == io::kNoDataset) return {};
    ViewMatch match{45, {roles.labels}};
    if (roles.raw != io::kNoDataset) match.datasets.push_back(roles.raw);
    if (roles.groundTruth != io::kNoDataset) match.datasets.push_back(roles.groundTruth);
    return match;
  }
  Page* create(PageHost& host, const std::vector<io::DatasetId>& datasets) const override {
    auto* page = new ProofreadPage(host.session());
    page->setHost(&host);
    try {
      page->openLabels(datasets.front());
      bool haveGt = false, haveRaw = false;
      for (std::size_t i = 1; i < datasets.size(); ++i) {
        const auto dataset = host.session().find(datasets[i]);
        if (!dataset) continue;
        if (isLabelDataset(*dataset) && !haveGt) {
          page->openGroundTruth(datasets[i]);
          haveGt = true;
        } else if (!isLabelDataset(*dataset) && !haveRaw) {
          page->openRaw(datasets[i]);
          haveRaw = true;
        }
      }
    } catch (...) {
      delete page;
      throw;
    }
    return page;
  }
};

}  // namespace

NL_REGISTER_VIEW_PROVIDER(ProofreadProvider)

}  // namespace nl::widgets
