// test.throwing: making the analysis object throws.
#include <QObject>

#include "../StepPlugin.h"

class ThrowingFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    throw std::runtime_error("boom");
  }
};

#include "ThrowingPlugin.moc"
