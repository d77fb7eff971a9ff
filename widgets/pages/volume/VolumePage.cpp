#include "widgets/pages/volume/VolumePage.h"

#include <QTabWidget>
#include <QVBoxLayout>
#include <algorithm>

#include "analysis/fisbe/VolumeLabels.h"
#include "io/microscopy/VolumeDataset.h"
#include "plugins/Runner.h"
#include "widgets/TableView.h"
#include "widgets/VtkView.h"
#include "widgets/pages/ViewRegistry.h"
#include "widgets/pages/shared/SliceOverlay.h"
#include "widgets/pages/shared/VolumePreview.h"
#include "widgets/scene/LabelVolumeLayer.h"
#include "widgets/scene/PointsLayer.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/SwcLines.h"
#include "widgets/scene/VolumeLayers.h"

namespace nl::widgets {

VolumePage::VolumePage(io::Session& session, QWidget* parent) : Page(parent), session_(session) {
  layout_ = new QVBoxLayout(this);
  layout_->setContentsMargins(0, 0, 0, 0);
  view_ = new VtkView();
  view_->setObjectName("volume3d");
  layout_->addWidget(view_, 1);
  // The scene holds the view's props: it must outlive ~VtkView, so it is the
  // page's child, not the view's.
  scene_ = new Scene(view_, session_, this);
  connect(scene_, &Scene::picked, this, [this](const PickHit& hit) {
    const QString instance = describeInstance(hit.dataset, hit.index);
    say(instance.isEmpty() ? hit.description : instance);
  });
}

VolumePage::~VolumePage() = default;

std::vector<Scene*> VolumePage::scenes() const {
  return {scene_};
}

void VolumePage::showArray(io::DatasetId id, std::shared_ptr<const io::ArrayDataset> volume,
                           bool overlaid, bool isPreview) {
  const bool first = scene_->layers().empty();
  const QString name = QString::fromStdString(volume->name());
  if (volume->kind() == io::DatasetKind::LabelVolume) {
    auto* layer = new LabelVolumeLayer(overlaid ? name + tr(" (overlaid)") : name, id, volume);
    if (overlaid) layer->setOpacity(0.4);
    scene_->addLayer(layer);
  } else {
    // Slices first (one channel through the colormap, up to four as a
    // colour composite); the volume rendering is one click away.
    auto* rendering = new VolumeLayer(tr("%1 (volume)").arg(name), id, volume);
    scene_->addLayer(new SliceLayer(tr("%1 (slices)").arg(name), id, volume));
    rendering->setVisible(false);
    scene_->addLayer(rendering);
  }
  if (!isPreview) addShownDataset(id);
  if (first && !restoredScenes()) {
    view_->setStandardView(VtkView::StandardView::Anterior);
    view_->orbit(35, 25);  // oblique: all three slices visible
  }
}

void VolumePage::showChunked(io::DatasetId id,
                             std::shared_ptr<const io::microscopy::VolumeDataset> volume) {
  addShownDataset(id);
  const auto shape = volume->volumeShape();
  std::size_t step = io::microscopy::previewStep(shape, kPreviewVoxels);
  // A second volume of the size of one already here (labels over their raw
  // image, a prediction over its ground truth) is read at the same step, so
  // that the two line up voxel for voxel, and overlaid.
  bool overlaid = false;
  if (grid_.step != 0 && grid_.z == shape.z && grid_.y == shape.y && grid_.x == shape.x) {
    step = grid_.step;
    overlaid = true;
  } else if (grid_.step == 0) {
    grid_ = {step, shape.z, shape.y, shape.x};
  }
  const bool labels = holdsLabels(*volume);
  const QString name = QString::fromStdString(volume->name());
  say(tr("Reading a 1:%1 preview of %2…").arg(step).arg(name), 0);
  auto preview = std::make_shared<std::shared_ptr<io::ArrayDataset>>();
  runTask(
      tr("Preview of %1").arg(name),
      [volume, step, preview](plugins::ProgressReporter& progress) {
        progress.report(0.0, "reading");
        *preview = readVolumePreview(*volume, step);
      },
      [this, slot = previews_++, id, preview, volume, step, labels, overlaid,
       name](const QString& error) {
        // Previews are shown in the order asked for, whichever arrives first,
        // so that the layers (and a saved arrangement of them) keep one order.
        arrived_[slot] = [this, id, preview, volume, step, labels, overlaid, name, error] {
          if (!error.isEmpty()) {
            complain(tr("Cannot show volume"), error);
            return;
          }
          // The preview stands for its volume (same id: selections and the
          // instance table refer to the volume); it is not a dataset of its own.
          try {
            showArray(id, *preview, overlaid && labels, true);
          } catch (const std::exception& failure) {
            complain(tr("Cannot show volume"), QString::fromStdString(failure.what()));
            return;
          }
          if (labels) measureInstances(volume, id);
          say(tr("%1: preview at 1:%2, pooled over blocks of %2 × %2 × %2 voxels")
                  .arg(name)
                  .arg(step));
          emit previewShown(id);
        };
        for (auto it = arrived_.find(shownPreviews_); it != arrived_.end();
             it = arrived_.find(shownPreviews_)) {
          const auto show = std::move(it->second);
          arrived_.erase(it);
          ++shownPreviews_;
          show();
        }
      });
}

void VolumePage::measureInstances(std::shared_ptr<const io::microscopy::VolumeDataset> volume,
                                  io::DatasetId preview) {
  // Voxel counts, boxes and skeletons at full resolution (seconds for FISBe
  // volumes); then clicks on an instance report them and select its row.
  // A session brings its measured table back: no need to measure again.
  for (const auto& entry : session_.entries())
    if (const auto it = entry.dataset->attributes().find("instances_of");
        it != entry.dataset->attributes().end() && it->second == volume->datasetId() &&
        entry.dataset->kind() == io::DatasetKind::Table) {
      showInstanceTable(preview, entry.id);
      return;
    }
  auto table = std::make_shared<std::shared_ptr<io::TableDataset>>();
  runTask(
      tr("Measuring the instances of %1").arg(QString::fromStdString(volume->name())),
      [volume, table](plugins::ProgressReporter& reporter) {
        ReporterProgress progress(reporter);
        *table = analysis::fisbe::instanceTable(*volume, &progress);
      },
      [this, table, preview](const QString& error) {
        if (!error.isEmpty()) {
          note(tr("instances not measured: %1").arg(error));
          return;
        }
        const auto tableId = session_.add(*table);
        showInstanceTable(preview, tableId);
      });
}

void VolumePage::showInstanceTable(io::DatasetId preview, io::DatasetId tableId) {
  const auto table = std::dynamic_pointer_cast<const io::TableDataset>(session_.find(tableId));
  if (!table || !table->numericColumn("label")) return;
  instanceTables_[preview] = tableId;
  std::vector<std::pair<std::int64_t, std::int64_t>> labelRows;
  const auto& labels = *table->numericColumn("label");
  for (std::size_t row = 0; row < table->rowCount(); ++row)
    labelRows.emplace_back(static_cast<std::int64_t>(labels[row]), static_cast<std::int64_t>(row));
  for (auto* layer : scene_->layers())
    if (layer->dataset() == preview) {
      // The instances in 3D and the table's rows select each other.
      layer->linkItemsToRows(tableId, labelRows);
      if (tables_ == nullptr) {
        tables_ = new QTabWidget(this);
        tables_->setObjectName("instanceTables");
        tables_->setMaximumHeight(230);
        layout_->addWidget(tables_);
      }
      tables_->addTab(new TableView(session_, tableId), layer->name() + tr(" — instances"));
    }
  say(tr("%1: %2 instances measured; click one for its numbers")
          .arg(QString::fromStdString(table->name()))
          .arg(table->rowCount()));
  emit instancesMeasured(tableId);
}

void VolumePage::showSwc(io::DatasetId id) {
  const auto table = std::dynamic_pointer_cast<const io::TableDataset>(session_.find(id));
  if (!table || !isSwcTable(*table)) throw std::invalid_argument("not an SWC reconstruction");
  auto branches = swcBranches(*table);
  auto* layer = new LinesLayer(
      QString::fromStdString(table->name()), id, std::move(branches.polylines),
      // Real radii are often below a pixel at whole-cell zoom.
      std::max(branches.medianRadius, 0.0015 * branches.diagonal), QColor(200, 200, 200));
  layer->setColours(branches.colours);
  scene_->addLayer(layer);
  addShownDataset(id);
}

int VolumePage::adoptionScore(io::DatasetId id, const io::Dataset& dataset) const {
  if (sliceLayerFitting(scenes(), id, dataset)) return 60;
  if (const auto* volume = dynamic_cast<const io::microscopy::VolumeDataset*>(&dataset);
      volume && holdsLabels(*volume) && grid_.step != 0) {
    const auto shape = volume->volumeShape();
    if (grid_.z == shape.z && grid_.y == shape.y && grid_.x == shape.x) return 65;
  }
  if (const auto* table = dynamic_cast<const io::TableDataset*>(&dataset);
      table && isSwcTable(*table) && host() && host()->currentPage() == this)
    return 60;
  return 0;
}

void VolumePage::adopt(io::DatasetId id) {
  const auto dataset = session_.find(id);
  if (!dataset) return;
  if (auto* slices = sliceLayerFitting(scenes(), id, *dataset)) {
    say(overlayOnSlices(*slices, std::dynamic_pointer_cast<const io::ArrayDataset>(dataset)));
    addShownDataset(id);
  } else if (const auto volume =
                 std::dynamic_pointer_cast<const io::microscopy::VolumeDataset>(dataset)) {
    showChunked(id, volume);
  } else {
    showSwc(id);
  }
}

QString VolumePage::describeInstance(io::DatasetId preview, std::int64_t label) const {
  const auto it = instanceTables_.find(preview);
  if (it == instanceTables_.end()) return {};
  const auto table = std::dynamic_pointer_cast<const io::TableDataset>(session_.find(it->second));
  if (!table) return {};
  const auto& labels = *table->numericColumn("label");
  for (std::size_t row = 0; row < table->rowCount(); ++row) {
    if (static_cast<std::int64_t>(labels[row]) != label) continue;
    auto at = [&](const char* column) { return (*table->numericColumn(column))[row]; };
    const auto unit = table->attributes().count("length_unit")
                          ? table->attributes().at("length_unit")
                          : std::string("voxel");
    return tr("instance %1: %2 voxels, skeleton %3 voxels (≈ %4 %5), box z %6–%7, y %8–%9, x "
              "%10–%11")
        .arg(label)
        .arg(at("voxels"), 0, 'f', 0)
        .arg(at("skeleton_voxels"), 0, 'f', 0)
        .arg(at("skeleton_length"), 0, 'f', 0)
        .arg(QString::fromStdString(unit))
        .arg(at("z0"), 0, 'f', 0)
        .arg(at("z1"), 0, 'f', 0)
        .arg(at("y0"), 0, 'f', 0)
        .arg(at("y1"), 0, 'f', 0)
        .arg(at("x0"), 0, 'f', 0)
        .arg(at("x1"), 0, 'f', 0);
  }
  return {};
}

namespace {

bool isShownVolume(const io::ArrayDataset& array) {
  const auto& s = array.shape();
  return array.kind() != io::DatasetKind::SurfaceOverlay &&
         (s.size() == 3 || (s.size() == 4 && s[3] <= 4)) && s[0] > 1 && s[1] > 1 && s[2] > 1;
}

class VolumeProvider final : public ViewProvider {
 public:
  std::string id() const override { return "volume"; }
  ViewMatch match(const io::Session& session,
                  const std::vector<io::DatasetId>& offered) const override {
    // A raw image with its instance labels (a FISBe sample folder): one page.
    io::DatasetId raw = io::kNoDataset, labels = io::kNoDataset;
    for (const auto id : offered)
      if (const auto v =
              std::dynamic_pointer_cast<const io::microscopy::VolumeDataset>(session.find(id))) {
        auto& slot = holdsLabels(*v) ? labels : raw;
        if (slot == io::kNoDataset) slot = id;
      }
    if (raw != io::kNoDataset && labels != io::kNoDataset) {
      const auto a =
          std::dynamic_pointer_cast<const io::microscopy::VolumeDataset>(session.find(raw));
      const auto b =
          std::dynamic_pointer_cast<const io::microscopy::VolumeDataset>(session.find(labels));
      const auto sa = a->volumeShape(), sb = b->volumeShape();
      if (sa.z == sb.z && sa.y == sb.y && sa.x == sb.x) return {70, {raw, labels}};
    }
    if (raw != io::kNoDataset) return {50, {raw}};
    if (labels != io::kNoDataset) return {50, {labels}};
    for (const auto id : offered) {
      const auto dataset = session.find(id);
      if (const auto* table = dynamic_cast<const io::TableDataset*>(dataset.get());
          table && isSwcTable(*table))
        return {50, {id}};
      if (const auto* array = dynamic_cast<const io::ArrayDataset*>(dataset.get());
          array && isShownVolume(*array))
        return {30, {id}};
    }
    return {};
  }
  Page* create(PageHost& host, const std::vector<io::DatasetId>& datasets) const override {
    auto* page = new VolumePage(host.session());
    page->setHost(&host);
    try {
      for (const auto id : datasets) {
        const auto dataset = host.session().find(id);
        if (!dataset) continue;
        if (page->windowTitle().isEmpty())
          page->setWindowTitle(QString::fromStdString(dataset->name()));
        if (const auto volume =
                std::dynamic_pointer_cast<const io::microscopy::VolumeDataset>(dataset))
          page->showChunked(id, volume);
        else if (const auto array = std::dynamic_pointer_cast<const io::ArrayDataset>(dataset))
          page->showArray(id, array);
        else
          page->showSwc(id);
      }
    } catch (...) {
      delete page;
      throw;
    }
    return page;
  }
};

}  // namespace

NL_REGISTER_VIEW_PROVIDER(VolumeProvider)

}  // namespace nl::widgets
