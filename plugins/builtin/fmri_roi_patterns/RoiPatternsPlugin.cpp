// fmri.roi_patterns: betas inside a mask → a ResponseMatrix laid out as
// ephys.response_matrix writes it, so the RSA plugins take it unchanged.
#include <QObject>
#include <nlohmann/json.hpp>

#include "analysis/fmri/RoiPatterns.h"
#include "analysis/fmri/VolumeGrid.h"
#include "plugins/api/AnalysisPlugin.h"

namespace {

namespace fm = nl::analysis::fmri;

// A [condition][z][y][x] betas volume: its grid and condition count.
std::pair<fm::VolumeGrid, std::size_t> betasLayout(const nl::io::ArrayDataset& betas) {
  return {fm::gridOf(betas, "betas"), fm::volumeCountOf(betas)};
}

std::vector<std::string> conditionNames(const nl::io::ArrayDataset& betas, std::size_t count) {
  const auto found = betas.attributes().find("conditions");
  if (found != betas.attributes().end()) {
    const auto parsed = nlohmann::json::parse(found->second, nullptr, false);
    if (parsed.is_array() && parsed.size() == count) {
      std::vector<std::string> names;
      for (const auto& item : parsed)
        names.push_back(item.is_string() ? item.get<std::string>() : item.dump());
      return names;
    }
  }
  std::vector<std::string> names;
  for (std::size_t c = 0; c < count; ++c) names.push_back("condition " + std::to_string(c + 1));
  return names;
}

class RoiPatternsPlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "fmri.roi_patterns"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto& betas = dynamic_cast<const nl::io::ArrayDataset&>(*inputs.at("betas"));
    const auto& mask = dynamic_cast<const nl::io::ArrayDataset&>(*inputs.at("mask"));
    const auto [grid, conditions] = betasLayout(betas);
    const auto maskGrid = fm::gridOf(mask, "mask");
    if (fm::volumeCountOf(mask) != 1)
      throw std::invalid_argument("mask '" + mask.name() + "' must be a 3-D volume");
    if (!maskGrid.sameShape(grid))
      throw std::invalid_argument("mask '" + mask.name() + "' is " + std::to_string(maskGrid.nx) +
                                  "×" + std::to_string(maskGrid.ny) + "×" +
                                  std::to_string(maskGrid.nz) + " voxels but the betas are " +
                                  std::to_string(grid.nx) + "×" + std::to_string(grid.ny) + "×" +
                                  std::to_string(grid.nz));
    if (maskGrid.affineDifference(grid) > 1e-3)
      throw std::invalid_argument("mask '" + mask.name() +
                                  "' has the betas' shape but a different affine (another space)");
    auto patterns = fm::roiPatterns(betas.typed(), conditions, mask.typed());
    const std::size_t count = patterns.voxels.size();
    if (parameters.boolean("centre_voxels"))
      for (std::size_t j = 0; j < count; ++j) {
        double mean = 0;
        for (std::size_t c = 0; c < conditions; ++c) mean += patterns.values[c * count + j];
        mean /= static_cast<double>(conditions);
        for (std::size_t c = 0; c < conditions; ++c) patterns.values[c * count + j] -= mean;
      }
    nlohmann::json ids = nlohmann::json::array(), ijk = nlohmann::json::array(),
                   xyz = nlohmann::json::array();
    for (auto v : patterns.voxels) {
      const std::size_t i = v % grid.nx, j = (v / grid.nx) % grid.ny, k = v / (grid.nx * grid.ny);
      ids.push_back(static_cast<double>(v));
      ijk.push_back({i, j, k});
      const auto w = grid.voxelToWorld(
          {static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
      xyz.push_back({w[0], w[1], w[2]});
    }
    nl::io::Attributes attributes{
        {"stimulus_labels", nlohmann::json(conditionNames(betas, conditions)).dump()},
        {"unit_ids", ids.dump()},
        {"voxel_ijk", ijk.dump()},
        {"voxel_xyz_mm", xyz.dump()},
        {"units", betas.attributes().contains("units") ? betas.attributes().at("units") : "beta"},
        {"population", "voxels of " + mask.name()}};
    return {
        {"patterns", std::make_shared<nl::io::ArrayDataset>(
                         nl::io::DatasetKind::ResponseMatrix, betas.name() + " in " + mask.name(),
                         std::vector<std::size_t>{conditions, count}, std::move(patterns.values),
                         context.provenance(), attributes)}};
  }
};

}  // namespace

class RoiPatternsFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<RoiPatternsPlugin>();
  }
};

#include "RoiPatternsPlugin.moc"
