// test.load_marker: when its library is loaded (not when it is listed), it
// appends a line to the file named by NL_TEST_LOAD_MARKER, so a test can see
// from outside a process whether listing plugins loaded any library.
#include <QObject>
#include <cstdlib>
#include <fstream>

#include "../StepPlugin.h"

namespace {
const bool kMarked = [] {
  if (const char* path = std::getenv("NL_TEST_LOAD_MARKER"))
    std::ofstream(path, std::ios::app) << "loaded\n";
  return true;
}();
}  // namespace

class LoadMarkerFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    (void)kMarked;
    return std::make_unique<nl::test::StepPlugin>("test.load_marker", true);
  }
};

#include "LoadMarkerPlugin.moc"
