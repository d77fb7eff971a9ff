#include "widgets/pages/volume_series/VolumeSeriesPage.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QShortcut>
#include <QSlider>
#include <QSplitter>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "io/volume/VolumeGrid.h"
#include "widgets/VtkView.h"
#include "widgets/charts/Chart.h"
#include "widgets/pages/ViewRegistry.h"
#include "widgets/pages/shared/SliceOverlay.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/VolumeLayers.h"

namespace nl::widgets {

namespace {}  // namespace

VolumeSeriesPage::VolumeSeriesPage(io::Session& session, io::DatasetId series, QWidget* parent)
    : Page(parent), session_(session), seriesId_(series) {
  series_ = std::dynamic_pointer_cast<const io::ArrayDataset>(session_.find(series));
  if (!series_ || series_->shape().size() != 4)
    throw std::invalid_argument("a 4-D run [t][z][y][x] is needed");
  const auto shape = series_->shape();
  frames_ = shape[0], nz_ = shape[1], ny_ = shape[2], nx_ = shape[3];
  if (frames_ == 0 || nx_ * ny_ * nz_ == 0) throw std::invalid_argument("the run is empty");
  if (const auto it = series_->attributes().find("tr"); it != series_->attributes().end())
    tr_ = std::stod(it->second);
  grid_ = io::readVolumeGrid(*series_, io::AxisOrder::TZYX);  // throws on malformed geometry
  // One window for the whole run (2nd–98th percentile of a sample of voxels),
  // so a voxel's brightness means the same in every volume. The run stays in
  // its stored type (a memory mapping for a .nii): the sample, each shown
  // volume and each time course are read from it, and nothing widens the
  // whole run to doubles. The sample comes from ten volumes spread over the
  // run, so opening touches (pages in) those volumes only, not the file.
  const auto& values = series_->typed();
  const std::size_t volumeSize = nx_ * ny_ * nz_;
  const std::size_t sampledVolumes = std::min<std::size_t>(frames_, 10);
  const std::size_t stride = std::max<std::size_t>(1, volumeSize * sampledVolumes / 200000);
  std::vector<double> sample;
  for (std::size_t s = 0; s < sampledVolumes; ++s) {
    const std::size_t t = sampledVolumes == 1 ? 0 : s * (frames_ - 1) / (sampledVolumes - 1);
    const std::size_t count = (volumeSize - 1) / stride + 1;
    sample.resize(sample.size() + count);
    values.gather(t * volumeSize, stride, count, sample.data() + sample.size() - count);
  }
  std::erase_if(sample, [](double v) { return !std::isfinite(v); });
  if (!sample.empty()) {
    std::sort(sample.begin(), sample.end());
    window_ = {sample[sample.size() * 2 / 100], sample[sample.size() * 98 / 100]};
    if (!(window_.second > window_.first)) window_ = {sample.front(), sample.back() + 1e-9};
  }

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* bar = new QHBoxLayout();
  bar->setContentsMargins(6, 4, 6, 0);
  bar->addWidget(new QLabel(tr("Volume"), this));
  slider_ = new QSlider(Qt::Horizontal, this);
  slider_->setObjectName("timeSlider");
  slider_->setRange(0, static_cast<int>(frames_) - 1);
  slider_->setToolTip(tr("Volume in the run (, and . step through time)"));
  bar->addWidget(slider_, 1);
  timeLabel_ = new QLabel(this);
  timeLabel_->setObjectName("timeLabel");
  bar->addWidget(timeLabel_);
  readout_ = new QLabel(this);
  readout_->setObjectName("voxelReadout");
  readout_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  bar->addWidget(readout_);
  layout->addLayout(bar);
  auto* split = new QSplitter(Qt::Vertical, this);
  view_ = new VtkView();
  view_->setObjectName("series3d");
  split->addWidget(view_);
  chart_ = new Chart();
  chart_->setObjectName("voxelCourse");
  chart_->linkTimeCursor(&session_);
  chart_->setVisible(false);
  split->addWidget(chart_);
  split->setSizes({650, 250});
  layout->addWidget(split, 1);
  scene_ = new Scene(view_, session_, this);

  connect(slider_, &QSlider::valueChanged, this,
          [this](int t) { showVolume(static_cast<std::size_t>(t)); });
  auto* back = new QShortcut(QKeySequence(Qt::Key_Comma), this);
  connect(back, &QShortcut::activated, this, [this] { slider_->setValue(slider_->value() - 1); });
  auto* forward = new QShortcut(QKeySequence(Qt::Key_Period), this);
  connect(forward, &QShortcut::activated, this,
          [this] { slider_->setValue(slider_->value() + 1); });
  connect(scene_, &Scene::picked, this, [this](const PickHit& hit) {
    if (hit.index < 0) return;
    const auto flat = static_cast<std::size_t>(hit.index);
    selectVoxel(flat % nx_, (flat / nx_) % ny_, flat / (nx_ * ny_));
  });
  showVolume(0);
  view_->setStandardView(VtkView::StandardView::Anterior);
  view_->orbit(35, 25);
}

VolumeSeriesPage::~VolumeSeriesPage() = default;

std::shared_ptr<const io::ArrayDataset> VolumeSeriesPage::frame(std::size_t t) const {
  const std::size_t n = nx_ * ny_ * nz_;
  std::vector<double> volume(n);
  series_->typed().toDouble(t * n, n, volume.data());
  io::Attributes attributes = series_->attributes();
  attributes["volume_index"] = std::to_string(t);
  return std::make_shared<io::ArrayDataset>(io::DatasetKind::Volume, series_->name(),
                                            std::vector<std::size_t>{nz_, ny_, nx_},
                                            std::move(volume), series_->provenance(), attributes);
}

void VolumeSeriesPage::showVolume(std::size_t t) {
  t = std::min(t, frames_ - 1);
  current_ = t;
  // A new slice layer on the new volume, keeping crosshair, colormap and window.
  auto* next =
      new SliceLayer(tr("%1 (volume %2)").arg(QString::fromStdString(series_->name())).arg(t),
                     seriesId_, frame(t));
  if (slices_) {
    const auto [i, j, k] = slices_->crosshair();
    next->setCrosshair(i, j, k);
    next->setColormap(slices_->colormap());
    const auto [low, high] = slices_->scalarRange();
    next->setScalarRange(low, high);
    if (slices_->hasOverlay()) next->setOverlay(slices_->overlay(), slices_->overlayThreshold());
    scene_->addLayer(next);
    scene_->removeLayer(slices_);  // and deletes it
  } else {
    next->setColormap("gray");
    next->setScalarRange(window_.first, window_.second);
    scene_->addLayer(next);
  }
  slices_ = next;
  scene_->setScalarBarLayer(slices_);
  if (slider_->value() != static_cast<int>(t)) slider_->setValue(static_cast<int>(t));
  timeLabel_->setText(
      tr("%1 / %2  (%3 s)").arg(t).arg(frames_ - 1).arg(static_cast<double>(t) * tr_));
  session_.selection().setTimeCursor(static_cast<double>(t) * tr_, "volume-series");
  if (voxelChosen_) readout_->setText(readout());
}

std::array<double, 3> VolumeSeriesPage::worldOf(std::size_t i, std::size_t j, std::size_t k) const {
  return grid_.voxelToWorld(
      {static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
}

std::vector<double> VolumeSeriesPage::voxelCourse(std::size_t i, std::size_t j,
                                                  std::size_t k) const {
  std::vector<double> course(frames_);
  const std::size_t volume = nx_ * ny_ * nz_;
  series_->typed().gather((k * ny_ + j) * nx_ + i, volume, frames_, course.data());
  return course;
}

QString VolumeSeriesPage::readout() const {
  const auto [i, j, k] = voxel_;
  const auto world = worldOf(i, j, k);
  const double value = series_->typed().at(((current_ * nz_ + k) * ny_ + j) * nx_ + i);
  return tr("voxel (%1, %2, %3)  world (%4, %5, %6) mm  = %7")
      .arg(i)
      .arg(j)
      .arg(k)
      .arg(world[0], 0, 'f', 1)
      .arg(world[1], 0, 'f', 1)
      .arg(world[2], 0, 'f', 1)
      .arg(value, 0, 'g', 6);
}

void VolumeSeriesPage::selectVoxel(std::size_t i, std::size_t j, std::size_t k) {
  if (i >= nx_ || j >= ny_ || k >= nz_) return;
  voxel_ = {i, j, k};
  voxelChosen_ = true;
  slices_->setCrosshair(i, j, k);
  ChartSeries course;
  course.name = tr("voxel (%1, %2, %3)").arg(i).arg(j).arg(k);
  course.y = voxelCourse(i, j, k);
  for (std::size_t t = 0; t < frames_; ++t) course.x.push_back(static_cast<double>(t) * tr_);
  chart_->setSeries({course});
  chart_->setTitle(tr("%1 at voxel (%2, %3, %4)")
                       .arg(QString::fromStdString(series_->name()))
                       .arg(i)
                       .arg(j)
                       .arg(k));
  chart_->setAxisTitles(tr("time (s)"), tr("signal"));
  chart_->setVisible(true);
  readout_->setText(readout());
}

}  // namespace nl::widgets

namespace nl::widgets {

int VolumeSeriesPage::adoptionScore(io::DatasetId id, const io::Dataset& dataset) const {
  return sliceLayerFitting(scenes(), id, dataset) ? 60 : 0;
}

void VolumeSeriesPage::adopt(io::DatasetId id) {
  const auto array = std::dynamic_pointer_cast<const io::ArrayDataset>(session_.find(id));
  if (!array) return;
  if (auto* slices = sliceLayerFitting(scenes(), id, *array)) {
    say(overlayOnSlices(*slices, array));
    addShownDataset(id);
  }
}

std::string VolumeSeriesPage::saveState() const {
  auto json = nlohmann::json::parse(Page::saveState());
  json["volume"] = current_;
  return json.dump();
}

void VolumeSeriesPage::restoreState(const std::string& text) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_object() && json.contains("volume") && json["volume"].is_number_unsigned() &&
      json["volume"].get<std::size_t>() < frames_)
    showVolume(json["volume"].get<std::size_t>());
  Page::restoreState(text);
}

namespace {

// A run (x y z t), or a stack of more than four statistic volumes: slices of
// one volume at a time with a time slider.
class VolumeSeriesProvider final : public ViewProvider {
 public:
  std::string id() const override { return "fmri.volume_series"; }
  ViewMatch match(const io::Session& session,
                  const std::vector<io::DatasetId>& offered) const override {
    for (const auto id : offered) {
      const auto array = std::dynamic_pointer_cast<const io::ArrayDataset>(session.find(id));
      if (array && array->shape().size() == 4 &&
          (array->kind() == io::DatasetKind::VoxelSeries ||
           (array->kind() == io::DatasetKind::Volume && array->shape()[3] > 4)))
        return {50, {id}};
    }
    return {};
  }
  Page* create(PageHost& host, const std::vector<io::DatasetId>& datasets) const override {
    auto* page = new VolumeSeriesPage(host.session(), datasets.at(0));
    page->setHost(&host);
    return page;
  }
};

}  // namespace

NL_REGISTER_VIEW_PROVIDER(VolumeSeriesProvider)

}  // namespace nl::widgets
