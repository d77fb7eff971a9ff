// test.run_failure: loads and starts normally, then fails inside run() —
// with a std::runtime_error, std::bad_alloc, a non-standard exception or an
// io::FileError (as a lazily read input would) — so tests see how the runner,
// jobs and the CLI report failures that happen mid-run. mode=none succeeds.
// The modes a process cannot survive (segfault, abort, hang ignoring cancel,
// allocate without bound) are for worker-process runs only.
#include <QObject>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <thread>
#include <vector>

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
    if (mode == "segfault") std::raise(SIGSEGV);
    if (mode == "abort") std::abort();
    if (mode == "hang")
      while (true) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (mode == "allocate") {
      std::vector<std::unique_ptr<char[]>> blocks;
      while (true) {  // 64 MB at a time, every page touched: real memory, not promises
        blocks.emplace_back(new char[64 << 20]);
        std::memset(blocks.back().get(), 1, 64 << 20);
      }
    }
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
