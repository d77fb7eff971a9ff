#include "widgets/pages/surface/SurfacePage.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "io/surface/Fsaverage.h"
#include "widgets/VtkView.h"
#include "widgets/charts/Chart.h"
#include "widgets/pages/ViewRegistry.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/SurfaceLayer.h"

namespace nl::widgets {

namespace {

std::shared_ptr<const io::ArrayDataset> overlayOf(const io::Session& session, io::DatasetId id) {
  auto array = std::dynamic_pointer_cast<const io::ArrayDataset>(session.find(id));
  return array && array->kind() == io::DatasetKind::SurfaceOverlay ? array : nullptr;
}

bool isLabelArray(const io::ArrayDataset& overlay) {
  const auto it = overlay.attributes().find("labels");
  return it != overlay.attributes().end() && it->second == "true";
}

bool isShading(const io::ArrayDataset& overlay) {
  const std::string& name = overlay.name();
  return !isLabelArray(overlay) &&
         (name.find("sulc") != std::string::npos || name.find("curv") != std::string::npos);
}

std::size_t columnsOf(const io::ArrayDataset& overlay) {
  return overlay.shape().size() >= 2 ? overlay.columnsPerRow() : 1;
}

// Which hemisphere a file name says: 'l', 'r' or 0 (lh.pial, pial_left, …).
char sideOf(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto has = [&name](const char* token) { return name.find(token) != std::string::npos; };
  if (has("left") || name.starts_with("lh") || has(".lh") || has("_lh") || has("-lh")) return 'l';
  if (has("right") || name.starts_with("rh") || has(".rh") || has("_rh") || has("-rh")) return 'r';
  return 0;
}

std::pair<float, float> xExtent(const io::SurfaceMeshDataset& mesh) {
  float lo = std::numeric_limits<float>::max(), hi = std::numeric_limits<float>::lowest();
  const auto& v = mesh.vertices();
  for (std::size_t i = 0; i < v.size(); i += 3) {
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
  }
  return {lo, hi};
}

}  // namespace

struct SurfacePage::Hemisphere {
  io::DatasetId meshId = io::kNoDataset;
  std::shared_ptr<const io::SurfaceMeshDataset> mesh;  // as drawn (maybe shifted)
  SurfaceLayer* layer = nullptr;
  io::DatasetId overlayId = io::kNoDataset, underlayId = io::kNoDataset;
  std::shared_ptr<const io::ArrayDataset> overlay;  // fitted to the mesh
};

SurfacePage::SurfacePage(io::Session& session, io::DatasetId mesh, QWidget* parent)
    : Page(parent), session_(session) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* bar = new QHBoxLayout();
  bar->setContentsMargins(6, 4, 6, 0);
  auto addChoice = [this, bar](const QString& label, QComboBox*& box, const char* name) {
    bar->addWidget(new QLabel(label, this));
    box = new QComboBox(this);
    box->setObjectName(name);
    box->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    bar->addWidget(box);
  };
  addChoice(tr("Surface"), meshChoice_, "meshChoice");
  addChoice(tr("Shading"), underlayChoice_, "underlayChoice");
  addChoice(tr("Overlay"), overlayChoice_, "overlayChoice");
  bar->addWidget(new QLabel(tr("Column"), this));
  column_ = new QSpinBox(this);
  column_->setObjectName("overlayColumn");
  column_->setToolTip(tr("Which column (time point) of a multi-column overlay is shown"));
  column_->setEnabled(false);
  bar->addWidget(column_);
  bar->addStretch(1);
  readout_ = new QLabel(this);
  readout_->setObjectName("vertexReadout");
  readout_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  bar->addWidget(readout_);
  layout->addLayout(bar);

  auto* split = new QSplitter(Qt::Vertical, this);
  view_ = new VtkView();
  view_->setObjectName("surface3d");
  split->addWidget(view_);
  chart_ = new Chart();
  chart_->setObjectName("vertexCourse");
  chart_->setVisible(false);
  split->addWidget(chart_);
  split->setSizes({700, 250});
  layout->addWidget(split, 1);
  scene_ = new Scene(view_, session_, this);

  auto first = std::make_unique<Hemisphere>();
  first->meshId = mesh;
  first->mesh = std::dynamic_pointer_cast<const io::SurfaceMeshDataset>(session_.find(mesh));
  if (!first->mesh) throw std::invalid_argument("not a surface mesh");
  first->layer = new SurfaceLayer(QString::fromStdString(first->mesh->name()), mesh, first->mesh);
  scene_->addLayer(first->layer);
  scene_->setScalarBarLayer(first->layer);
  hemispheres_.push_back(std::move(first));

  connect(meshChoice_, &QComboBox::activated, this,
          [this](int index) { switchMesh(meshChoice_->itemData(index).toULongLong()); });
  connect(underlayChoice_, &QComboBox::activated, this, [this](int index) {
    const io::DatasetId id = underlayChoice_->itemData(index).toULongLong();
    const auto array = overlayOf(session_, id);
    Hemisphere* target = array ? hemisphereFor(array->rows(), array->name()) : nullptr;
    for (auto& h : hemispheres_)
      if (!array || h.get() == target) applyUnderlay(*h, id);
  });
  connect(overlayChoice_, &QComboBox::activated, this, [this](int index) {
    const io::DatasetId id = overlayChoice_->itemData(index).toULongLong();
    if (id == io::kNoDataset) {
      for (auto& h : hemispheres_) applyOverlay(*h, io::kNoDataset);
      return;
    }
    try {
      showOverlay(id);
    } catch (const std::exception& error) {
      emit message(QString::fromStdString(error.what()));
    }
  });
  connect(column_, &QSpinBox::valueChanged, this, [this] { applyColumn(); });
  connect(scene_, &Scene::picked, this, [this](const PickHit& hit) {
    if (hit.index >= 0) showVertex(hit.index);
  });
  added_ = session_.datasetAdded.connect([this](io::DatasetId) { refreshChoices(); });

  refreshChoices();
  // Sulcal depth by default, as every surface viewer does.
  for (int i = 0; i < underlayChoice_->count(); ++i)
    if (underlayChoice_->itemText(i).contains("sulc") &&
        sideOf(underlayChoice_->itemText(i).toStdString()) ==
            sideOf(hemispheres_.front()->mesh->name())) {
      underlayChoice_->setCurrentIndex(i);
      applyUnderlay(*hemispheres_.front(), underlayChoice_->itemData(i).toULongLong());
      break;
    }
  view_->setStandardView(VtkView::StandardView::Lateral);
}

SurfacePage::~SurfacePage() {
  session_.datasetAdded.disconnect(added_);
}

SurfaceLayer* SurfacePage::layer(int hemisphere) const {
  return hemisphere >= 0 && static_cast<std::size_t>(hemisphere) < hemispheres_.size()
             ? hemispheres_[static_cast<std::size_t>(hemisphere)]->layer
             : nullptr;
}

SurfacePage::Hemisphere* SurfacePage::hemisphereFor(std::size_t rows, const std::string& name) {
  Hemisphere* fallback = nullptr;
  const char side = sideOf(name);
  for (auto& h : hemispheres_) try {
      (void)io::surface::overlayRowsForMesh(rows, h->mesh->vertexCount());
      if (side == 0 || sideOf(h->mesh->name()) == side) return h.get();
      if (!fallback && sideOf(h->mesh->name()) == 0) fallback = h.get();
    } catch (const std::invalid_argument&) {
    }
  // A left-hemisphere overlay never lands on the right hemisphere and back.
  return fallback;
}

bool SurfacePage::accepts(io::DatasetId overlay) const {
  const auto array = overlayOf(session_, overlay);
  if (!array) return false;
  return const_cast<SurfacePage*>(this)->hemisphereFor(array->rows(), array->name()) != nullptr;
}

void SurfacePage::refreshChoices() {
  const auto* reference = hemispheres_.front()->mesh.get();
  auto fill = [](QComboBox* box, const std::vector<std::pair<QString, io::DatasetId>>& items,
                 io::DatasetId current) {
    box->clear();
    for (const auto& [text, id] : items) {
      box->addItem(text, QVariant::fromValue<qulonglong>(id));
      if (id == current) box->setCurrentIndex(box->count() - 1);
    }
  };
  std::vector<std::pair<QString, io::DatasetId>> meshes, overlays{{tr("(none)"), io::kNoDataset}},
      shading{{tr("(none)"), io::kNoDataset}};
  for (const auto& entry : session_.entries()) {
    const QString name = QString::fromStdString(entry.dataset->name());
    if (const auto mesh = std::dynamic_pointer_cast<const io::SurfaceMeshDataset>(entry.dataset))
      if (mesh->vertexCount() == reference->vertexCount() &&
          sideOf(mesh->name()) == sideOf(reference->name()))
        meshes.emplace_back(name + QString(" (%1)").arg(entry.id), entry.id);
    if (const auto array = overlayOf(session_, entry.id);
        array && hemisphereFor(array->rows(), array->name())) {
      const QString text =
          name + (columnsOf(*array) > 1 ? tr(" (%1 columns)").arg(columnsOf(*array)) : QString());
      (isShading(*array) ? shading : overlays).emplace_back(text, entry.id);
    }
  }
  fill(meshChoice_, meshes, hemispheres_.front()->meshId);
  fill(overlayChoice_, overlays, hemispheres_.front()->overlayId);
  fill(underlayChoice_, shading, hemispheres_.front()->underlayId);
}

void SurfacePage::applyUnderlay(Hemisphere& hemisphere, io::DatasetId underlay) {
  hemisphere.underlayId = underlay;
  const auto array = overlayOf(session_, underlay);
  if (!array) {
    hemisphere.layer->setUnderlay({});
    return;
  }
  try {
    const auto fitted = io::surface::fitOverlayToMesh(array, hemisphere.mesh->vertexCount());
    std::vector<double> values(hemisphere.mesh->vertexCount());
    const std::size_t columns = columnsOf(*fitted);
    for (std::size_t v = 0; v < values.size(); ++v) values[v] = fitted->values()[v * columns];
    hemisphere.layer->setUnderlay(std::move(values));
  } catch (const std::exception& error) {
    emit message(QString::fromStdString(error.what()));
  }
}

void SurfacePage::applyOverlay(Hemisphere& hemisphere, io::DatasetId overlay) {
  hemisphere.overlayId = overlay;
  hemisphere.overlay.reset();
  const auto array = overlayOf(session_, overlay);
  if (!array) {
    hemisphere.layer->setOverlay({});
    hemisphere.layer->setLabels({});
    column_->setEnabled(false);
    return;
  }
  hemisphere.overlay = io::surface::fitOverlayToMesh(array, hemisphere.mesh->vertexCount());
  if (isLabelArray(*array)) {
    // Label keys per vertex plus the colour table the reader put beside them.
    SurfaceLabels labels;
    const auto& keys = hemisphere.overlay->values();
    labels.perVertex.reserve(keys.size());
    for (double k : keys) labels.perVertex.push_back(std::isfinite(k) ? static_cast<int>(k) : -1);
    const auto tableName = array->attributes().find("colortable");
    for (const auto& entry : session_.entries()) {
      const auto table = std::dynamic_pointer_cast<const io::TableDataset>(entry.dataset);
      if (!table || tableName == array->attributes().end() || table->name() != tableName->second)
        continue;
      const auto* key = table->numericColumn("key");
      const auto* r = table->numericColumn("r");
      const auto* g = table->numericColumn("g");
      const auto* b = table->numericColumn("b");
      const auto* names = table->column("name");
      if (!key || !r || !g || !b) continue;
      for (std::size_t row = 0; row < table->rowCount(); ++row) {
        const int k = static_cast<int>((*key)[row]);
        labels.colours[k] = QColor::fromRgb(static_cast<int>(std::lround((*r)[row])),
                                            static_cast<int>(std::lround((*g)[row])),
                                            static_cast<int>(std::lround((*b)[row])));
        if (names) labels.names[k] = QString::fromStdString(names->cellText(row));
      }
    }
    hemisphere.layer->setOverlay({});
    hemisphere.layer->setLabels(std::move(labels));
    hemisphere.layer->setLabelsVisible(true);
    column_->setEnabled(false);
    return;
  }
  hemisphere.layer->setLabels({});
  const auto columns = static_cast<int>(columnsOf(*hemisphere.overlay));
  column_->blockSignals(true);
  column_->setRange(0, columns - 1);
  column_->setEnabled(columns > 1);
  column_->blockSignals(false);
  applyColumn();
}

void SurfacePage::applyColumn() {
  const auto column = static_cast<std::size_t>(std::max(0, column_->value()));
  for (auto& h : hemispheres_) {
    if (!h->overlay || isLabelArray(*h->overlay)) continue;
    const std::size_t columns = columnsOf(*h->overlay);
    const std::size_t c = std::min(column, columns - 1);
    std::vector<double> values(h->mesh->vertexCount());
    for (std::size_t v = 0; v < values.size(); ++v)
      values[v] = h->overlay->values()[v * columns + c];
    QString name = QString::fromStdString(h->overlay->name());
    if (columns > 1) name += tr(" [%1]").arg(c);
    // Atlas maps (retinotopy, ROIs) are exactly 0 outside their region: leave
    // those vertices to the shading, as Freeview's default threshold does.
    const auto zeros = static_cast<std::size_t>(std::count(values.begin(), values.end(), 0.0));
    if (h->layer->threshold() == 0.0 && zeros * 5 > values.size()) h->layer->setThreshold(1e-9);
    h->layer->setOverlay(std::move(values), name);
  }
  if (chartedVertex_ >= 0) showVertex(chartedVertex_);
}

void SurfacePage::showOverlay(io::DatasetId overlay) {
  const auto array = overlayOf(session_, overlay);
  if (!array) throw std::invalid_argument("not a per-vertex overlay");
  Hemisphere* target = hemisphereFor(array->rows(), array->name());
  if (!target) {
    // Let fitOverlayToMesh say why (sizes and fsaverage resolutions).
    (void)io::surface::fitOverlayToMesh(array, hemispheres_.front()->mesh->vertexCount());
    throw std::invalid_argument("overlay does not fit this surface");
  }
  if (isShading(*array)) {
    applyUnderlay(*target, overlay);
  } else {
    applyOverlay(*target, overlay);
  }
  refreshChoices();
}

std::string SurfacePage::otherHemisphereName(const std::string& name) {
  // lh ↔ rh, left ↔ right (lh.pial ↔ rh.pial, pial_left ↔ pial_right).
  for (const auto& [a, b] : {std::pair<std::string, std::string>{"left", "right"},
                             {"right", "left"},
                             {"lh", "rh"},
                             {"rh", "lh"}})
    if (const auto p = name.find(a); p != std::string::npos)
      return name.substr(0, p) + b + name.substr(p + a.size());
  return name;
}

std::shared_ptr<const io::SurfaceMeshDataset> SurfacePage::placedBesideFirst(
    std::shared_ptr<const io::SurfaceMeshDataset> other) const {
  // Inflated and spherical hemispheres share one origin: move the second
  // beside the first (pial and white already sit apart).
  const auto [lo, hi] = xExtent(*hemispheres_.front()->mesh);
  const auto [otherLo, otherHi] = xExtent(*other);
  if (!(otherLo < hi && otherHi > lo)) return other;
  const bool right = sideOf(other->name()) == 'r';
  const float gap = 0.1f * (hi - lo);
  const float shift = right ? (hi + gap - otherLo) : (lo - gap - otherHi);
  std::vector<float> vertices = other->vertices();
  for (std::size_t i = 0; i < vertices.size(); i += 3) vertices[i] += shift;
  return std::make_shared<io::SurfaceMeshDataset>(other->name(), std::move(vertices),
                                                  other->triangles(), other->provenance(),
                                                  other->attributes());
}

void SurfacePage::replaceMesh(Hemisphere& h, io::DatasetId id,
                              std::shared_ptr<const io::SurfaceMeshDataset> drawn) {
  // A new layer on the new mesh, with the same underlay, overlay and labels.
  auto* old = h.layer;
  h.meshId = id;
  h.mesh = std::move(drawn);
  h.layer = new SurfaceLayer(QString::fromStdString(h.mesh->name()), id, h.mesh);
  h.layer->setColormap(old->colormap());
  h.layer->setThreshold(old->threshold());
  scene_->addLayer(h.layer);
  if (scene_->scalarBarLayer() == old || scene_->scalarBarLayer() == nullptr)
    scene_->setScalarBarLayer(h.layer);
  scene_->removeLayer(old);
  applyUnderlay(h, h.underlayId);
  applyOverlay(h, h.overlayId);
}

void SurfacePage::switchMesh(io::DatasetId mesh) {
  auto& first = *hemispheres_.front();
  if (mesh == first.meshId) return;
  const auto next = std::dynamic_pointer_cast<const io::SurfaceMeshDataset>(session_.find(mesh));
  if (!next || next->vertexCount() != first.mesh->vertexCount()) return;
  replaceMesh(first, mesh, next);
  // The other hemisphere follows (pial with pial, inflated with inflated).
  if (hemispheres_.size() > 1) {
    const std::string wanted = otherHemisphereName(next->name());
    for (const auto& entry : session_.entries())
      if (const auto other = std::dynamic_pointer_cast<const io::SurfaceMeshDataset>(entry.dataset);
          other && other->name() == wanted && other->name() != next->name() &&
          other->vertexCount() == hemispheres_[1]->mesh->vertexCount()) {
        replaceMesh(*hemispheres_[1], entry.id, placedBesideFirst(other));
        break;
      }
  }
  view_->resetCamera();
}

void SurfacePage::addHemisphere(io::DatasetId mesh) {
  auto other = std::dynamic_pointer_cast<const io::SurfaceMeshDataset>(session_.find(mesh));
  if (!other) throw std::invalid_argument("not a surface mesh");
  auto h = std::make_unique<Hemisphere>();
  h->meshId = mesh;
  h->mesh = placedBesideFirst(other);
  h->layer = new SurfaceLayer(QString::fromStdString(other->name()), mesh, h->mesh);
  scene_->addLayer(h->layer);
  hemispheres_.push_back(std::move(h));
  // Its own hemisphere's shading when the session has it.
  for (const auto& entry : session_.entries())
    if (const auto array = overlayOf(session_, entry.id);
        array && isShading(*array) &&
        hemisphereFor(array->rows(), array->name()) == hemispheres_.back().get()) {
      applyUnderlay(*hemispheres_.back(), entry.id);
      break;
    }
  view_->setStandardView(VtkView::StandardView::Dorsal);  // both in sight
  refreshChoices();
}

void SurfacePage::showVertex(std::int64_t vertex) {
  chartedVertex_ = vertex;
  const Hemisphere* h = hemispheres_.front().get();
  for (const auto& candidate : hemispheres_)
    if (candidate->layer == scene_->scalarBarLayer()) h = candidate.get();
  QString text = tr("vertex %1").arg(vertex);
  const auto v = static_cast<std::size_t>(vertex);
  if (h->overlay && v < h->mesh->vertexCount()) {
    const std::size_t columns = columnsOf(*h->overlay);
    const auto column = std::min(static_cast<std::size_t>(column_->value()), columns - 1);
    text += tr(": %1 = %2")
                .arg(QString::fromStdString(h->overlay->name()))
                .arg(h->overlay->values()[v * columns + column], 0, 'g', 5);
    if (columns > 1) {
      ChartSeries course;
      course.name = tr("vertex %1").arg(vertex);
      for (std::size_t c = 0; c < columns; ++c) {
        course.x.push_back(static_cast<double>(c));
        course.y.push_back(h->overlay->values()[v * columns + c]);
      }
      chart_->setSeries({course});
      chart_->setTitle(
          tr("%1 at vertex %2").arg(QString::fromStdString(h->overlay->name())).arg(vertex));
      chart_->setAxisTitles(tr("column (time point)"), QString::fromStdString(h->overlay->name()));
      chart_->setVisible(true);
    }
  }
  readout_->setText(text);
}

}  // namespace nl::widgets

namespace nl::widgets {

std::vector<Scene*> SurfacePage::scenes() const {
  return {scene_};
}

int SurfacePage::adoptionScore(io::DatasetId id, const io::Dataset& dataset) const {
  if (dataset.kind() == io::DatasetKind::SurfaceOverlay) return accepts(id) ? 60 : 0;
  if (dataset.kind() != io::DatasetKind::SurfaceMesh || layer(1) != nullptr || !layer(0)) return 0;
  // lh.pial beside an open rh.pial: the other hemisphere joins the page.
  const auto first = session_.find(layer(0)->dataset());
  if (!first) return 0;
  const std::string swapped = otherHemisphereName(first->name());
  return swapped != first->name() && swapped == dataset.name() ? 70 : 0;
}

void SurfacePage::adopt(io::DatasetId id) {
  const auto dataset = session_.find(id);
  if (!dataset) return;
  if (dataset->kind() == io::DatasetKind::SurfaceMesh)
    addHemisphere(id);
  else
    showOverlay(id);
  addShownDataset(id);
}

std::string SurfacePage::saveState() const {
  auto json = nlohmann::json::parse(Page::saveState());
  json["mesh"] = meshChoice_->currentText().toStdString();
  json["overlay"] = overlayChoice_->currentText().toStdString();
  json["underlay"] = underlayChoice_->currentText().toStdString();
  json["column"] = column_->value();
  return json.dump();
}

void SurfacePage::restoreState(const std::string& text) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_object()) {
    // Data choices first (they rebuild layers), looks and cameras after.
    auto choose = [&json](QComboBox* combo, const char* key) {
      if (!json.contains(key) || !json[key].is_string()) return;
      const int index = combo->findText(QString::fromStdString(json[key].get<std::string>()));
      if (index >= 0) combo->setCurrentIndex(index);
    };
    choose(meshChoice_, "mesh");
    choose(underlayChoice_, "underlay");
    choose(overlayChoice_, "overlay");
    if (json.contains("column") && json["column"].is_number_integer())
      column_->setValue(json["column"].get<int>());
  }
  Page::restoreState(text);
}

namespace {

class SurfaceProvider final : public ViewProvider {
 public:
  std::string id() const override { return "surface"; }
  ViewMatch match(const io::Session& session,
                  const std::vector<io::DatasetId>& offered) const override {
    for (const auto id : offered)
      if (const auto d = session.find(id); d && d->kind() == io::DatasetKind::SurfaceMesh)
        return {50, {id}};
    return {};
  }
  Page* create(PageHost& host, const std::vector<io::DatasetId>& datasets) const override {
    auto* page = new SurfacePage(host.session(), datasets.at(0));
    page->setHost(&host);
    QObject::connect(page, &SurfacePage::message, page,
                     [&host](const QString& text) { host.showMessage(text, 8000); });
    return page;
  }
};

}  // namespace

NL_REGISTER_VIEW_PROVIDER(SurfaceProvider)

}  // namespace nl::widgets
