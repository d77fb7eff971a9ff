// fmri.glm: glue from a run, an events table and an optional mask to
// analysis/fmri (design, OLS, contrast).
#include <QObject>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/fmri/Contrast.h"
#include "analysis/fmri/Design.h"
#include "analysis/fmri/Glm.h"
#include "analysis/fmri/VolumeGrid.h"
#include "plugins/api/AnalysisPlugin.h"

namespace {

namespace fm = nl::analysis::fmri;

std::string number(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

class GlmPlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "fmri.glm"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto& run = dynamic_cast<const nl::io::ArrayDataset&>(*inputs.at("run"));
    const auto& table = dynamic_cast<const nl::io::TableDataset&>(*inputs.at("events"));
    const auto grid = fm::gridOf(run, "run");
    const std::size_t scans = fm::volumeCountOf(run);
    if (run.shape().size() != 4 || scans < 2)
      throw std::invalid_argument("run '" + run.name() + "' has " + std::to_string(scans) +
                                  " volume(s); a GLM needs a 4-D run of at least 2");

    fm::DesignOptions options;
    options.repetitionTime =
        parameters.real("tr") > 0 ? parameters.real("tr") : fm::numberAttribute(run, "tr");
    if (!(options.repetitionTime > 0))
      throw std::invalid_argument("run '" + run.name() +
                                  "' has no repetition time (tr attribute); set the TR override");
    options.sliceTimeReference = parameters.real("slice_time_ref");
    options.oversampling = static_cast<int>(parameters.integer("hrf_oversampling"));
    options.drift = fm::parseDriftModel(parameters.text("drift_model"));
    options.highPassSeconds = parameters.real("high_pass");
    options.polynomialOrder = static_cast<int>(parameters.integer("polynomial_order"));
    const auto design = fm::buildDesign(fm::eventsFromTable(table), scans, options);
    const std::string& contrastSpec = parameters.text("contrast");
    Eigen::VectorXd weights;
    if (!contrastSpec.empty()) weights = fm::conditionContrast(contrastSpec, design);

    std::vector<std::size_t> voxels;
    const auto maskInput = inputs.find("mask");
    if (maskInput != inputs.end() && maskInput->second) {
      const auto& mask = dynamic_cast<const nl::io::ArrayDataset&>(*maskInput->second);
      const auto maskGrid = fm::gridOf(mask, "mask");
      if (fm::volumeCountOf(mask) != 1)
        throw std::invalid_argument("mask '" + mask.name() + "' must be a 3-D volume");
      if (!maskGrid.sameShape(grid))
        throw std::invalid_argument(
            "mask '" + mask.name() + "' is " + std::to_string(maskGrid.nx) + "×" +
            std::to_string(maskGrid.ny) + "×" + std::to_string(maskGrid.nz) + " voxels but run '" +
            run.name() + "' is " + std::to_string(grid.nx) + "×" + std::to_string(grid.ny) + "×" +
            std::to_string(grid.nz) + "; resample the mask to the run's grid");
      if (maskGrid.affineDifference(grid) > 1e-3)
        throw std::invalid_argument("mask '" + mask.name() +
                                    "' has the run's shape but a different affine (another "
                                    "space); resample it to the run's grid");
      const auto& values = mask.values();
      for (std::size_t v = 0; v < values.size(); ++v)
        if (values[v] != 0 && !std::isnan(values[v])) voxels.push_back(v);
      if (voxels.empty()) throw std::invalid_argument("mask '" + mask.name() + "' is empty");
    }
    context.update(0.0, "reading the run");
    // In its stored type (an int16 .nii stays a memory mapping): the GLM
    // widens one block of voxels at a time.
    const auto& series = run.typed();
    fm::GlmOptions glmOptions;
    glmOptions.percentSignalChange = parameters.boolean("percent_signal_change");
    const auto fit =
        fm::fitGlm(design.matrix, series, grid.voxelCount(), voxels, glmOptions, context);

    const std::size_t voxelCount = grid.voxelCount();
    const auto base = fm::gridAttributes(run);
    const auto& provenance = context.provenance();
    std::vector<double> betas;
    betas.reserve(design.conditions.size() * voxelCount);
    for (std::size_t c = 0; c < design.conditions.size(); ++c) {
      const auto volume =
          fm::scatter(fit, fit.betas.row(static_cast<long>(c)).transpose(), voxelCount);
      betas.insert(betas.end(), volume.begin(), volume.end());
    }
    auto betaAttributes = base;
    betaAttributes["axis_order"] = "condition,z,y,x";
    betaAttributes["conditions"] = nlohmann::json(design.conditions).dump();
    betaAttributes["units"] = glmOptions.percentSignalChange ? "% signal change" : "signal units";
    betaAttributes["dof"] = number(fit.dof);
    nl::plugins::Outputs outputs;
    outputs.push_back(
        {"betas", std::make_shared<nl::io::ArrayDataset>(
                      nl::io::DatasetKind::Volume, run.name() + " betas",
                      std::vector<std::size_t>{design.conditions.size(), grid.nz, grid.ny, grid.nx},
                      std::move(betas), provenance, betaAttributes)});
    if (weights.size() > 0) {
      const auto contrast = fm::computeContrast(fit, weights);
      auto statAttributes = base;
      statAttributes["contrast"] = contrastSpec;
      statAttributes["dof"] = number(fit.dof);
      auto volume = [&](const char* output, const std::string& label, const Eigen::VectorXd& v,
                        const std::string& statistic) {
        auto attributes = statAttributes;
        attributes["statistic"] = statistic;
        outputs.push_back({output, std::make_shared<nl::io::ArrayDataset>(
                                       nl::io::DatasetKind::Volume,
                                       run.name() + " " + label + " (" + contrastSpec + ")",
                                       std::vector<std::size_t>{grid.nz, grid.ny, grid.nx},
                                       fm::scatter(fit, v, voxelCount), provenance, attributes)});
      };
      volume("effect", "effect", contrast.effect, "effect");
      volume("t_map", "t", contrast.t, "t");
      volume("z_map", "z", contrast.z, "z");
    }
    outputs.push_back(
        {"design_matrix", fm::designTable(design, run.name() + " design matrix", provenance)});
    return outputs;
  }
};

}  // namespace

class GlmFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<GlmPlugin>();
  }
};

#include "GlmPlugin.moc"
