#include <QObject>
#include <thread>

#include "plugins/api/AnalysisPlugin.h"

namespace {
class Slow final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "test.bad_output"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs&, const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto steps = parameters.integer("steps");
    for (std::int64_t i = 0; i < steps; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      context.update(static_cast<double>(i + 1) / static_cast<double>(steps),
                     "step " + std::to_string(i + 1));
    }
    return {
        {"steps_done", std::make_shared<nl::io::ArrayDataset>(
                           nl::io::DatasetKind::Scalars, "steps", std::vector<std::size_t>{1},
                           std::vector<double>{static_cast<double>(steps)}, nl::io::Provenance{})}};
  }
};
}  // namespace

class SlowFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<Slow>();
  }
};

#include "BadOutputPlugin.moc"
