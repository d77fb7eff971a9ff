#include "plugins/builtin/prosthesis_common/PluginSupport.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "io/surface/Fsaverage.h"

namespace nl::plugins::prosthesis {

pr::MapParameters mapParameters(const ParameterSet& p) {
  pr::MapParameters m;
  m.model = pr::parseMapModel(p.text("map"));
  m.k = p.real("k");
  m.a = p.real("a");
  m.b = p.real("b");
  m.alpha = {p.real("alpha_v1"), p.real("alpha_v2"), p.real("alpha_v3")};
  return m;
}

pr::PhospheneModel phospheneModel(const ParameterSet& p) {
  pr::PhospheneModel model;
  model.kind = pr::parsePhospheneModel(p.text("model"));
  model.sizeFactor = p.real("size_factor");
  model.currentSpread = p.real("current_spread") * 1e-6;  // µA/mm² → A/mm²
  model.scoreboardRho = p.real("rho_um") * 1e-3;
  model.magnification = pr::AnalyticMap(mapParameters(p));
  return model;
}

pr::VisualFieldGrid fieldGrid(const ParameterSet& p) {
  const double half = p.real("half_extent"), step = p.real("step");
  if (2 * half / step > 2000)
    throw std::invalid_argument("the visual-field grid would have more than 2000 pixels a side (" +
                                std::to_string(2 * half) + "° at " + std::to_string(step) +
                                "°); use a larger step");
  return pr::VisualFieldGrid::square(half, step);
}

pr::Hemisphere resolveHemisphere(const std::string& parameter, const io::Dataset* dataset) {
  if (parameter != "auto") return pr::parseHemisphere(parameter);
  if (dataset && dataset->attributes().contains("hemisphere")) {
    try {
      return pr::parseHemisphere(dataset->attributes().at("hemisphere"));
    } catch (const std::invalid_argument&) {
    }
  }
  return pr::Hemisphere::Left;
}

pr::VertexRetinotopy overlayRetinotopy(const io::ArrayDataset& angle,
                                       const io::ArrayDataset& eccentricity,
                                       const io::ArrayDataset* area, std::size_t vertexCount,
                                       pr::Hemisphere hemisphere, double maxEccentricity) {
  for (const io::ArrayDataset* overlay : {&angle, &eccentricity, area})
    if (overlay)
      io::surface::overlayRowsForMesh(overlay->rows(), vertexCount);  // throws with both sizes
  std::vector<double> areas;
  if (area) {
    areas = area->values();
  } else {
    areas.assign(eccentricity.values().size(), 0.0);
    for (std::size_t v = 0; v < areas.size(); ++v)
      areas[v] = std::isfinite(eccentricity.values()[v]) && eccentricity.values()[v] > 0 ? 1 : 0;
  }
  return pr::retinotopyFromOverlays(
      angle.values(), eccentricity.values(), areas, vertexCount, hemisphere,
      pr::AngleConvention::BensonUnsigned, maxEccentricity,
      "retinotopy '" + angle.name() + "' / '" + eccentricity.name() + "'");
}

pr::Image imageOnGrid(const io::ArrayDataset& image, const pr::VisualFieldGrid& grid) {
  const auto shape = image.shape();
  if (shape.size() != 2 || shape[0] < 2 || shape[1] < 2)
    throw std::invalid_argument("image '" + image.name() +
                                "' must be a 2-D array of at least 2 × 2");
  pr::Image source =
      Eigen::Map<const pr::Image>(image.values().data(), static_cast<Eigen::Index>(shape[0]),
                                  static_cast<Eigen::Index>(shape[1]));
  if (!source.allFinite())
    throw std::invalid_argument("image '" + image.name() + "' has non-finite pixels");
  const double top = source.maxCoeff();
  if (top > 1) source /= top;
  source = source.cwiseMax(0.0);
  return pr::fitImageToGrid(source, grid);
}

io::Attributes gridAttributes(const pr::VisualFieldGrid& grid) {
  return {{"x_min", std::to_string(grid.xMin)}, {"x_max", std::to_string(grid.xMax)},
          {"y_min", std::to_string(grid.yMin)}, {"y_max", std::to_string(grid.yMax)},
          {"step", std::to_string(grid.step)},  {"units", "degrees of visual angle"},
          {"axis_order", "row,column"}};
}

io::Column numberColumn(std::string name, std::vector<double> values) {
  return io::Column{std::move(name), std::move(values)};
}

}  // namespace nl::plugins::prosthesis
