#include "widgets/scene/ProbeScene.h"

#include <cmath>
#include <map>

#include "widgets/AreaColors.h"
#include "widgets/VtkView.h"
#include "widgets/scene/PointsLayer.h"
#include "widgets/scene/Scene.h"

namespace nl::widgets {

ProbeScene::ProbeScene(Scene* scene, io::Session& session, io::DatasetId recording, QObject* parent)
    : QObject(parent), scene_(scene) {
  const auto spikes = std::dynamic_pointer_cast<const io::SpikeRecording>(session.find(recording));
  if (!spikes || !spikes->electrodes()) throw std::invalid_argument("probe view needs a recording with electrodes");
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
  auto* siteLayer = new PointsLayer(tr("electrode sites"), io::kNoDataset, sites, 7.0);
  siteLayer->setColours(siteColours);
  siteLayer->setPickRadius(0);  // sites are context here; units are what one selects

  if (sites.size() >= 2)
    scene->addLayer(new LinesLayer(tr("shank"), io::kNoDataset, {{sites.front(), sites.back()}}, 18.0,
                                   QColor(190, 190, 198)));
  scene->addLayer(siteLayer);
  scene->layers().front()->setOpacity(0.25);

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
  std::map<long, int> perChannel;
  for (std::size_t u = 0; u < units.rowCount(); ++u) {
    std::array<double, 3> p{0, 0, 0};
    if (ux && uy && uz) {
      p = {(*ux)[u], (*uy)[u], (*uz)[u]};
    } else if (peak) {
      const auto channel = static_cast<std::size_t>(std::max(0.0, (*peak)[u]));
      if (channel < electrodes.rowCount()) p = {x[channel], y[channel], z[channel]};
    }
    const long key = peak ? static_cast<long>((*peak)[u]) : static_cast<long>(u);
    p[1] += 70.0 + 34.0 * perChannel[key]++;
    positions.push_back(p);
    colours.push_back(areaOf(unitLocation, u).lighter(125));
    const double r = rate ? (*rate)[u] : 5.0;
    sizes.push_back(0.6 + 0.4 * std::sqrt(std::max(0.0, r) / 5.0));
  }
  units_ = new PointsLayer(tr("units"), recording, positions, 15.0);
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
