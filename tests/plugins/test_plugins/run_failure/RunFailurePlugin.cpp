// test.run_failure: loads and starts normally, then fails inside run() —
// with a std::runtime_error, std::bad_alloc, a non-standard exception or an
// io::FileError (as a lazily read input would) — so tests see how the runner,
// jobs and the CLI report failures that happen mid-run. mode=none succeeds;
// mode=ignore_cancel works for 30 s without ever looking at cancellation (a
// plugin stuck in a library call), so tests see that signals still end the CLI.
// For batch runs in child processes it also misbehaves as a process: crashes
// (segfault: SIGSEGV, abort: SIGABRT), hangs without ever looking at
// cancellation (hang), or allocates and touches memory without bound
// (allocate; refused unless RLIMIT_AS caps the process, so it cannot take the
// machine down).
#include <sys/resource.h>

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

[[noreturn]] void allocateWithoutBound() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    throw std::runtime_error("mode 'allocate' needs an address-space limit (RLIMIT_AS)");
  std::vector<std::unique_ptr<char[]>> blocks;
  for (;;) {
    constexpr std::size_t kBlock = std::size_t{32} << 20;
    blocks.emplace_back(new char[kBlock]);  // throws std::bad_alloc at the limit
    std::memset(blocks.back().get(), 1, kBlock);
  }
}

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
    if (mode == "segfault") std::raise(SIGSEGV);
    if (mode == "abort") std::abort();
    if (mode == "hang")
      for (;;) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (mode == "allocate") allocateWithoutBound();
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
