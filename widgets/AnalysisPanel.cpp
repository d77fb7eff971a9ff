#include "widgets/AnalysisPanel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QVBoxLayout>
#include <algorithm>
#include <set>

#include "widgets/ParameterForm.h"

namespace nl::widgets {

AnalysisPanel::AnalysisPanel(io::Session& session, const plugins::PluginManager& plugins,
                             QWidget* parent)
    : QWidget(parent), session_(session), plugins_(plugins) {
  auto* layout = new QVBoxLayout(this);
  pluginCombo_ = new QComboBox();
  pluginCombo_->setObjectName("pluginChoice");
  // Long plugin names must not widen the dock beyond the window.
  pluginCombo_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  pluginCombo_->setMinimumContentsLength(16);
  listPlugins(io::kNoDataset);
  layout->addWidget(pluginCombo_);
  summary_ = new QLabel();
  summary_->setWordWrap(true);
  summary_->setStyleSheet("color: #555;");
  layout->addWidget(summary_);
  auto* inputsBox = new QGroupBox(tr("Inputs"));
  inputsLayout_ = new QFormLayout(inputsBox);
  inputsLayout_->setRowWrapPolicy(QFormLayout::WrapLongRows);
  layout->addWidget(inputsBox);
  auto* paramsBox = new QGroupBox(tr("Parameters"));
  auto* paramsLayout = new QVBoxLayout(paramsBox);
  form_ = new ParameterForm();
  paramsLayout->addWidget(form_);
  auto* reset = new QPushButton(tr("Defaults"));
  connect(reset, &QPushButton::clicked, form_, &ParameterForm::resetToDefaults);
  paramsLayout->addWidget(reset, 0, Qt::AlignRight);
  layout->addWidget(paramsBox);
  runButton_ = new QPushButton(tr("Run (Ctrl+R)"));
  runButton_->setObjectName("runButton");
  runButton_->setDefault(true);
  connect(runButton_, &QPushButton::clicked, this, &AnalysisPanel::run);
  layout->addWidget(runButton_);
  layout->addStretch(1);
  if (pluginCombo_->count() == 0) {
    summary_->setText(
        tr("No analysis plugins were found. Check NEUROLOUPE_PLUGIN_PATH or the install."));
    runButton_->setEnabled(false);
  }
  connect(pluginCombo_, &QComboBox::currentIndexChanged, this, [this] { rebuildInputs(); });
  added_ = session_.datasetAdded.connect([this](io::DatasetId id) {
    rebuildInputs();
    // What was just opened decides the analyses offered, unless the chosen
    // one can already run.
    if (!currentCanRun()) offerInput(id);
  });
  removed_ = session_.datasetRemoved.connect([this](io::DatasetId) { rebuildInputs(); });
  rebuildInputs();
}

AnalysisPanel::~AnalysisPanel() {
  session_.datasetAdded.disconnect(added_);
  session_.datasetRemoved.disconnect(removed_);
}

void AnalysisPanel::selectPlugin(const QString& id) {
  const int index = pluginCombo_->findData(id);
  if (index >= 0) pluginCombo_->setCurrentIndex(index);
}

void AnalysisPanel::rebuildInputs() {
  // Keep what the user chose where it still applies.
  std::map<std::string, io::DatasetId> previous;
  for (const auto& [name, combo] : inputCombos_)
    previous[name] = combo->currentData().toULongLong();
  std::set<std::pair<std::string, io::DatasetId>> previouslyChecked;
  for (const auto& [name, list] : inputLists_)
    for (int row = 0; row < list->count(); ++row)
      if (list->item(row)->checkState() == Qt::Checked)
        previouslyChecked.emplace(name, list->item(row)->data(Qt::UserRole).toULongLong());
  while (inputsLayout_->rowCount() > 0) inputsLayout_->removeRow(0);
  inputCombos_.clear();
  inputLists_.clear();
  const auto* descriptor = plugins_.find(pluginCombo_->currentData().toString().toStdString());
  if (!descriptor) return;
  summary_->setText(QString::fromStdString(descriptor->summary));
  if (form_->property("plugin").toString().toStdString() != descriptor->id) {
    form_->setSchema(descriptor->parameters);
    form_->setProperty("plugin", QString::fromStdString(descriptor->id));
  }
  for (const auto& port : descriptor->inputs) {
    if (port.multiple) {
      auto* list = new QListWidget();
      list->setObjectName(QString::fromStdString("input_" + port.name));
      list->setDragDropMode(QAbstractItemView::InternalMove);
      list->setMaximumHeight(120);
      list->setToolTip(QString::fromStdString(port.help) +
                       tr("\nCheck every dataset to use; drag to set their order."));
      for (const auto& entry : session_.entries())
        if (port.fits(*entry.dataset)) {
          auto* item = new QListWidgetItem(QString::fromStdString(entry.dataset->name()), list);
          item->setData(Qt::UserRole, QVariant::fromValue<qulonglong>(entry.id));
          item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
          item->setCheckState(previouslyChecked.contains({port.name, entry.id}) ? Qt::Checked
                                                                                : Qt::Unchecked);
        }
      inputsLayout_->addRow(QString::fromStdString(port.name), list);
      inputLists_.emplace_back(port.name, list);
      continue;
    }
    auto* combo = new QComboBox();
    // Long dataset names must not widen the dock beyond the window.
    combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    combo->setMinimumContentsLength(12);
    combo->setObjectName(QString::fromStdString("input_" + port.name));
    combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    combo->setMinimumContentsLength(12);
    if (port.optional)
      combo->addItem(tr("(none)"), QVariant::fromValue<qulonglong>(io::kNoDataset));
    for (const auto& entry : session_.entries())
      if (port.fits(*entry.dataset))
        combo->addItem(QString::fromStdString(entry.dataset->name()),
                       QVariant::fromValue<qulonglong>(entry.id));
    if (auto it = previous.find(port.name); it != previous.end()) {
      const int index = combo->findData(QVariant::fromValue<qulonglong>(it->second));
      if (index >= 0) combo->setCurrentIndex(index);
    }
    combo->setToolTip(QString::fromStdString(port.help));
    inputsLayout_->addRow(QString::fromStdString(port.name), combo);
    inputCombos_.emplace_back(port.name, combo);
  }
}

namespace {
// Only a required port counts: a table fits every optional table port
// (stimulus epochs, labels), and would otherwise put those analyses first.
bool fitsSomeRequiredPort(const plugins::PluginDescriptor& plugin, const io::Dataset& dataset) {
  return std::any_of(
      plugin.inputs.begin(), plugin.inputs.end(),
      [&](const plugins::PortSpec& port) { return !port.optional && port.fits(dataset); });
}
}  // namespace

void AnalysisPanel::listPlugins(io::DatasetId offered) {
  const auto dataset = session_.find(offered);
  const QString current = pluginCombo_->currentData().toString();
  const QSignalBlocker blocker(pluginCombo_);
  pluginCombo_->clear();
  // The analyses that take the offered dataset first, then the others.
  std::vector<const plugins::PluginDescriptor*> fitting, others;
  for (const auto& p : plugins_.plugins())
    if (p.loaded) (dataset && fitsSomeRequiredPort(p, *dataset) ? fitting : others).push_back(&p);
  for (const auto* group : {&fitting, &others}) {
    if (group == &others && !fitting.empty() && !others.empty())
      pluginCombo_->insertSeparator(pluginCombo_->count());
    for (const auto* p : *group)
      pluginCombo_->addItem(QString::fromStdString(p->name + "  (" + p->id + ")"),
                            QString::fromStdString(p->id));
  }
  const int keep = pluginCombo_->findData(current);
  const bool currentFits = std::any_of(fitting.begin(), fitting.end(), [&](const auto* p) {
    return QString::fromStdString(p->id) == current;
  });
  pluginCombo_->setCurrentIndex(dataset && !fitting.empty() && !currentFits ? 0
                                : keep >= 0                                 ? keep
                                                                            : 0);
}

bool AnalysisPanel::currentCanRun() const {
  const auto* descriptor = plugins_.find(pluginCombo_->currentData().toString().toStdString());
  if (!descriptor) return false;
  for (const auto& port : descriptor->inputs) {
    if (port.optional) continue;
    const bool available =
        std::any_of(session_.entries().begin(), session_.entries().end(),
                    [&](const io::SessionEntry& e) { return port.fits(*e.dataset); });
    if (!available) return false;
  }
  return true;
}

void AnalysisPanel::offerInput(io::DatasetId dataset) {
  // What the user opened is offered; an instance table a page measured for
  // the volume it shows is not (it would pick an analysis of tables), nor a
  // batch index (a catalogue of result files, not data to analyse).
  const auto offered = session_.find(dataset);
  if (!offered || offered->attributes().contains("instances_of")) return;
  if (const auto role = offered->attributes().find("table_role");
      role != offered->attributes().end() && role->second == "batch_index")
    return;
  const QString before = pluginCombo_->currentData().toString();
  listPlugins(dataset);
  if (pluginCombo_->currentData().toString() != before) rebuildInputs();
  for (auto& [name, list] : inputLists_)
    for (int row = 0; row < list->count(); ++row)
      if (list->item(row)->data(Qt::UserRole).toULongLong() == dataset) {
        list->item(row)->setCheckState(Qt::Checked);
        return;
      }
  for (auto& [name, combo] : inputCombos_) {
    const int index = combo->findData(QVariant::fromValue<qulonglong>(dataset));
    if (index >= 0) {
      combo->setCurrentIndex(index);
      return;
    }
  }
}

void AnalysisPanel::run() {
  const auto* descriptor = plugins_.find(pluginCombo_->currentData().toString().toStdString());
  if (!descriptor) return;
  plugins::RunRequest request;
  request.pluginId = descriptor->id;
  try {
    request.parameters = form_->values();
  } catch (const plugins::ParameterError& error) {
    QMessageBox::warning(this, tr("Invalid parameter"), QString::fromStdString(error.what()));
    return;
  }
  for (const auto& [name, combo] : inputCombos_) {
    const io::DatasetId id = combo->currentData().toULongLong();
    if (id != io::kNoDataset) request.inputs[name] = session_.find(id);
  }
  for (const auto& [name, list] : inputLists_) {
    std::size_t index = 0;
    for (int row = 0; row < list->count(); ++row)
      if (list->item(row)->checkState() == Qt::Checked)
        request.inputs[plugins::multipleInputKey(name, index++)] =
            session_.find(list->item(row)->data(Qt::UserRole).toULongLong());
  }
  try {
    plugins::checkInputs(*descriptor, request.inputs);
  } catch (const plugins::RunError& error) {
    QMessageBox::warning(this, tr("Missing input"), QString::fromStdString(error.what()));
    return;
  }
  emit runRequested(request);
}

}  // namespace nl::widgets
