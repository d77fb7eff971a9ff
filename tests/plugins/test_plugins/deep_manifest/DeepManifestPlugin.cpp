// test.deep_manifest: its manifest (written at configure time,
// tests/plugins/CMakeLists.txt) nests an array 600 levels deep — deeper than
// the JSON guard allows (io::kMaxJsonDepth), within what moc and Qt's CBOR
// reader take. It must be listed as failed, the file named, and never loaded.
// Built into <test plugin folder>-deep-manifest, where only that test looks.
#include <QObject>

#include "../StepPlugin.h"

class DeepManifestFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "deep_manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<nl::test::StepPlugin>("test.deep_manifest", true);
  }
};

#include "DeepManifestPlugin.moc"
