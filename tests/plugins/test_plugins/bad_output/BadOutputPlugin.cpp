// test.bad_output: outputs without the provenance the runner requires.
#include <QObject>

#include "../StepPlugin.h"

class BadOutputFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<nl::test::StepPlugin>("test.bad_output", false);
  }
};

#include "BadOutputPlugin.moc"
