#pragma once
// The parameter panel: pick a plugin, pick its inputs from the session, set
// its parameters in a generated form, run it (Ctrl+R).
#include <QWidget>

#include "io/Session.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"

class QComboBox;
class QListWidget;
class QLabel;
class QPushButton;
class QFormLayout;

namespace nl::widgets {

class ParameterForm;

class AnalysisPanel : public QWidget {
  Q_OBJECT
 public:
  AnalysisPanel(io::Session& session, const plugins::PluginManager& plugins,
                QWidget* parent = nullptr);
  ~AnalysisPanel() override;
  void selectPlugin(const QString& id);
  // Lists first the analyses that take `dataset`, chooses one of them unless
  // the chosen one takes it too, and preselects it in the first port it fits.
  void offerInput(io::DatasetId dataset);
  // Whether every required port of the chosen analysis has a dataset to take.
  bool currentCanRun() const;
  ParameterForm* form() const { return form_; }

 public slots:
  void run();

 signals:
  void runRequested(nl::plugins::RunRequest request);

 private:
  void rebuildInputs();
  void listPlugins(io::DatasetId offered);
  io::Session& session_;
  const plugins::PluginManager& plugins_;
  QComboBox* pluginCombo_ = nullptr;
  QLabel* summary_ = nullptr;
  QFormLayout* inputsLayout_ = nullptr;
  std::vector<std::pair<std::string, QComboBox*>> inputCombos_;
  // Ports that take several datasets: checked items, in list order (drag to reorder).
  std::vector<std::pair<std::string, QListWidget*>> inputLists_;
  ParameterForm* form_ = nullptr;
  QPushButton* runButton_ = nullptr;
  io::Signal<io::DatasetId>::ConnectionId added_ = 0, removed_ = 0;
};

}  // namespace nl::widgets
