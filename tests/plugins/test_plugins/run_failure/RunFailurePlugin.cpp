// test.run_failure: loads and starts normally, then fails inside run() —
// with a std::runtime_error, std::bad_alloc, a non-standard exception or an
// io::FileError (as a lazily read input would) — so tests see how the runner,
// jobs and the CLI report failures that happen mid-run. mode=none succeeds;
// mode=ignore_cancel works for 30 s without ever looking at cancellation (a
// plugin stuck in a library call), so tests see that signals still end the CLI.
#include <QObject>
#include <chrono>
#include <new>
#include <stdexcept>
#include <thread>

#include "io/Error.h"
#include "plugins/api/AnalysisPlugin.h"

namespace {
class RunFailure final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "test.run_failure"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs&, const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    context.update(0.5, "about to fail");
    const std::string& mode = parameters.text("mode");
    if (mode == "runtime_error") throw std::runtime_error("kaput in run");
    if (mode == "bad_alloc") throw std::bad_alloc();
    if (mode == "non_standard") throw 42;
    if (mode == "file_error")
      throw nl::io::FileError("/data/broken.h5", "chunk 3 cannot be decompressed");
    if (mode == "ignore_cancel") std::this_thread::sleep_for(std::chrono::seconds(30));
    return {{"never", std::make_shared<nl::io::ArrayDataset>(
                          nl::io::DatasetKind::Scalars, "ok", std::vector<std::size_t>{1},
                          std::vector<double>{1.0}, context.provenance())}};
  }
};
}  // namespace

class RunFailureFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<RunFailure>();
  }
};

#include "RunFailurePlugin.moc"
