#include "widgets/scene/ProbeScene.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "widgets/AreaColors.h"
#include "widgets/VtkView.h"
#include "widgets/scene/PointsLayer.h"
#include "widgets/scene/Scene.h"

namespace nl::widgets {

ProbeScene::ProbeScene(Scene* scene, io::Session& session, io::DatasetId recording, QObject* parent)
    : QObject(parent), scene_(scene) {
  const auto spikes = std::dynamic_pointer_cast<const io::SpikeRecording>(session.find(recording));
  if (!spikes || !spikes->electrodes())
    throw std::invalid_argument("probe view needs a recording with electrodes");
  const auto& electrodes = *spikes->electrodes();
  const auto& x = *electrodes.numericColumn("x");
  const auto& y = *electrodes.numericColumn("y");
  const auto& z = *electrodes.numericColumn("z");
  const io::Column* location = electrodes.column("location");
  auto areaOf = [](const io::Column* column, std::size_t row) {
    return areaColor(column ? QString::fromStdString(column->cellText(row)) : QString());
  };

  std::vector<std::array<double, 3>> sites;
  std::vector<QColor> siteColours;
  for (std::size_t i = 0; i < electrodes.rowCount(); ++i) {
    sites.push_back({x[i], y[i], z[i]});
    siteColours.push_back(areaOf(location, i));
  }
  // Glyph sizes follow the spacing of distinct sites (median nearest
  // neighbour): 20 µm on a Neuropixels shank, millimetres between microwire
  // bundles — whatever unit the file uses.
  std::vector<std::array<double, 3>> distinct;
  for (const auto& p : sites)
    if (std::isfinite(p[0]) && std::isfinite(p[1]) && std::isfinite(p[2]) &&
        std::none_of(distinct.begin(), distinct.end(), [&](const auto& q) { return q == p; }))
      distinct.push_back(p);
  std::vector<double> nearest;
  for (std::size_t i = 0; i < distinct.size(); ++i) {
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < distinct.size(); ++j)
      if (i != j)
        best = std::min(best,
                        std::hypot(distinct[i][0] - distinct[j][0], distinct[i][1] - distinct[j][1],
                                   distinct[i][2] - distinct[j][2]));
    if (std::isfinite(best)) nearest.push_back(best);
  }
  double pitch = 1.0;
  if (!nearest.empty()) {
    std::nth_element(nearest.begin(),
                     nearest.begin() + static_cast<std::ptrdiff_t>(nearest.size() / 2),
                     nearest.end());
    pitch = nearest[nearest.size() / 2] > 0 ? nearest[nearest.size() / 2] : 1.0;
  }
  // Few, far-apart sites (bundles in two hemispheres) must not become huge balls.
  double extent = 0;
  for (int a = 0; a < 3; ++a) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& p : distinct) lo = std::min(lo, p[a]), hi = std::max(hi, p[a]);
    if (!distinct.empty()) extent = std::max(extent, hi - lo);
  }
  if (extent > 0) pitch = std::min(pitch, extent / (distinct.size() < 10 ? 12.0 : 40.0));
  const double siteRadius = 0.35 * pitch, unitRadius = 0.75 * pitch, spacing = 1.7 * pitch;
  auto* siteLayer = new PointsLayer(tr("electrode sites"), io::kNoDataset, sites, siteRadius);
  siteLayer->setColours(siteColours);
  siteLayer->setPickRadius(0);  // sites are context here; units are what one selects

  const io::Column* groups = electrodes.column("group_name");
  bool oneProbe = true;
  for (std::size_t i = 1; groups != nullptr && i < electrodes.rowCount(); ++i)
    oneProbe = oneProbe && groups->cellText(i) == groups->cellText(0);
  if (sites.size() >= 2 && oneProbe && distinct.size() >= 2)
    scene->addLayer(new LinesLayer(tr("shank"), io::kNoDataset, {{sites.front(), sites.back()}},
                                   2.5 * siteRadius, QColor(190, 190, 198)));
  if (!scene->layers().empty())
    scene->layers().front()->setOpacity(0.25);  // the shank, behind the sites
  scene->addLayer(siteLayer);

  // Units beside the shank at their peak channel's height, spread along the
  // anterior axis so units on one channel stay apart in a lateral view.
  const auto& units = *spikes->units();
  const auto* peak = units.numericColumn("peak_channel_id");
  const auto* rate = units.numericColumn("firing_rate");
  const auto* ux = units.numericColumn("x");
  const auto* uy = units.numericColumn("y");
  const auto* uz = units.numericColumn("z");
  const io::Column* unitLocation = units.column("location");
  std::vector<std::array<double, 3>> positions;
  std::vector<QColor> colours;
  std::vector<double> sizes;
  std::map<std::array<double, 3>, int> perPosition;  // units drawn at one spot so far
  // A unit's site: Allen's peak_channel_id names an electrode *id*; an NWB
  // `electrodes` region column holds a *row* of the electrodes table.
  const auto* region = units.numericColumn("electrodes");
  const auto* electrodeIds = electrodes.numericColumn("id");
  std::map<double, std::size_t> rowOfId;
  if (electrodeIds)
    for (std::size_t r = 0; r < electrodeIds->size(); ++r) rowOfId.emplace((*electrodeIds)[r], r);
  auto electrodeRowOf = [&](std::size_t unit) -> std::size_t {
    if (peak) {
      if (const auto it = rowOfId.find((*peak)[unit]); it != rowOfId.end()) return it->second;
      if ((*peak)[unit] >= 0) return static_cast<std::size_t>((*peak)[unit]);
    }
    if (region && (*region)[unit] >= 0) return static_cast<std::size_t>((*region)[unit]);
    return electrodes.rowCount();  // unknown
  };
  for (std::size_t u = 0; u < units.rowCount(); ++u) {
    std::array<double, 3> p{0, 0, 0};
    if (ux && uy && uz) {
      p = {(*ux)[u], (*uy)[u], (*uz)[u]};
    } else if (const auto row = electrodeRowOf(u); row < electrodes.rowCount()) {
      p = {x[row], y[row], z[row]};
    }
    // Units on the same site (or on sites sharing one position, as in a
    // microwire bundle) line up side by side instead of hiding each other.
    p[1] += 2.0 * spacing + spacing * perPosition[p]++;
    positions.push_back(p);
    colours.push_back(areaOf(unitLocation, u).lighter(125));
    const double r = rate ? (*rate)[u] : 5.0;
    sizes.push_back(0.6 + 0.4 * std::sqrt(std::max(0.0, r) / 5.0));
  }
  units_ = new PointsLayer(tr("units"), recording, positions, unitRadius);
  units_->setColours(colours);
  units_->setSizes(sizes);
  std::map<QString, std::vector<double>> attributes;
  for (const auto& column : units.columns())
    if (column.isNumeric() && column.name != "x" && column.name != "y" && column.name != "z")
      attributes[QString::fromStdString(column.name)] = column.numbers();
  units_->setAttributes(std::move(attributes));
  scene->addLayer(units_);
  scene->view()->setStandardView(VtkView::StandardView::Lateral);
}

int ProbeScene::unitAt(QPointF widgetPosition, double radiusPx) const {
  units_->setPickRadius(radiusPx);
  const auto hit = units_->pickNear(*scene_->view(), widgetPosition);
  units_->setPickRadius(12.0);
  return hit ? static_cast<int>(hit->index) : -1;
}

std::array<double, 3> ProbeScene::unitPosition(int unit) const {
  return units_->positions().at(static_cast<std::size_t>(unit));
}

}  // namespace nl::widgets
