// surface.project_volume: glue from a volume and one or two meshes to
// analysis/fmri/Projection.
#include <QObject>

#include "analysis/fmri/Projection.h"
#include "analysis/fmri/VolumeGrid.h"
#include "plugins/api/AnalysisPlugin.h"

namespace {

namespace fm = nl::analysis::fmri;

class ProjectVolumePlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "surface.project_volume"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto& volume = dynamic_cast<const nl::io::ArrayDataset&>(*inputs.at("volume"));
    const auto& mesh = dynamic_cast<const nl::io::SurfaceMeshDataset&>(*inputs.at("mesh"));
    const nl::io::SurfaceMeshDataset* outer = nullptr;
    if (const auto found = inputs.find("outer_mesh"); found != inputs.end() && found->second)
      outer = &dynamic_cast<const nl::io::SurfaceMeshDataset&>(*found->second);
    if (outer && outer->vertexCount() != mesh.vertexCount())
      throw std::invalid_argument("outer mesh '" + outer->name() + "' has " +
                                  std::to_string(outer->vertexCount()) + " vertices but mesh '" +
                                  mesh.name() + "' has " + std::to_string(mesh.vertexCount()) +
                                  "; give the same surface at two depths (e.g. white and pial)");
    const auto grid = fm::gridOf(volume, "volume");
    const std::size_t volumes = fm::volumeCountOf(volume);
    fm::ProjectionOptions options;
    options.interpolation = fm::parseInterpolation(parameters.text("interpolation"));
    const auto samples = static_cast<std::size_t>(parameters.integer("depth_samples"));
    options.fractions.clear();
    for (std::size_t s = 0; s < samples; ++s)
      options.fractions.push_back(
          samples == 1 ? 0.5 : static_cast<double>(s) / static_cast<double>(samples - 1));
    context.update(0.0, "reading the volume");
    auto values = fm::projectToSurface(
        grid, volume.typed(), volumes, mesh.vertices(),
        outer ? std::span<const float>(outer->vertices()) : std::span<const float>(), options);
    nl::io::Attributes attributes{{"source_volume", volume.name()},
                                  {"interpolation", parameters.text("interpolation")},
                                  {"mesh", mesh.name()}};
    if (outer) {
      attributes["outer_mesh"] = outer->name();
      attributes["depth_samples"] = std::to_string(samples);
    }
    for (const char* key : {"hemisphere"})
      if (mesh.attributes().contains(key)) attributes[key] = mesh.attributes().at(key);
    for (const char* key : {"conditions", "statistic", "contrast", "dof", "units", "tr"})
      if (volume.attributes().contains(key)) attributes[key] = volume.attributes().at(key);
    std::vector<std::size_t> shape{mesh.vertexCount()};
    if (volumes > 1) shape.push_back(volumes);
    return {{"overlay", std::make_shared<nl::io::ArrayDataset>(nl::io::DatasetKind::SurfaceOverlay,
                                                               volume.name() + " on " + mesh.name(),
                                                               std::move(shape), std::move(values),
                                                               context.provenance(), attributes)}};
  }
};

}  // namespace

class ProjectVolumeFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<ProjectVolumePlugin>();
  }
};

#include "ProjectVolumePlugin.moc"
