// test.bad_manifest: its manifest names a dataset kind that does not exist;
// it must be listed with the schema's message and never loaded.
#include <QObject>

#include "../StepPlugin.h"

class BadManifestFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<nl::test::StepPlugin>("test.bad_manifest", true);
  }
};

#include "BadManifestPlugin.moc"
