// test.missing_symbol: calls a function no library defines; loading with all
// symbols resolved must fail.
#include <QObject>

#include "../StepPlugin.h"

extern "C" void nl_test_symbol_that_no_library_defines();

class MissingSymbolFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    nl_test_symbol_that_no_library_defines();
    return std::make_unique<nl::test::StepPlugin>("test.missing_symbol", true);
  }
};

#include "MissingSymbolPlugin.moc"
