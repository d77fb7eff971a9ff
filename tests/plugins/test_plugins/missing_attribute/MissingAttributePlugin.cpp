// test.missing_attribute: its manifest promises an attribute its output lacks.
#include <QObject>

#include "../StepPlugin.h"

class MissingAttributeFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<nl::test::StepPlugin>("test.missing_attribute", true);
  }
};

#include "MissingAttributePlugin.moc"
