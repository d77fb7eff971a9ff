// test.api_mismatch: its manifest declares api_version 999.
#include <QObject>

#include "../StepPlugin.h"

class ApiMismatchFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<nl::test::StepPlugin>("test.api_mismatch", true);
  }
};

#include "ApiMismatchPlugin.moc"
