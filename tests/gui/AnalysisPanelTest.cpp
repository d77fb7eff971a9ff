// The analysis panel fills ports that take several datasets (rsa.layer_mapping:
// populations × layers) from checkable, reorderable lists, and sends them to
// the runner as name#0, name#1, … in list order.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QListWidget>
#include <QPushButton>
#include <QTest>

#include "io/Session.h"
#include "plugins/PluginManager.h"
#include "tests/support/TestSupport.h"
#include "widgets/AnalysisPanel.h"

namespace {

std::shared_ptr<const nl::io::ArrayDataset> matrix(const std::string& name,
                                                   nl::io::DatasetKind kind, double offset) {
  std::vector<double> values(6 * 4);
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = offset + static_cast<double>((i * 7) % 11);
  return std::make_shared<nl::io::ArrayDataset>(kind, name, std::vector<std::size_t>{6, 4}, values);
}

TEST(AnalysisPanel, MultipleInputPortsAreCheckedListsSentInOrder) {
  nl::plugins::PluginManager plugins;
  plugins.discover({NEUROLOUPE_PLUGIN_DIR});
  if (nl::test::requirePlugin(plugins, "rsa.layer_mapping") == nullptr) return;
  nl::io::Session session;
  const auto conv1 = session.add(matrix("conv1", nl::io::DatasetKind::FeatureMatrix, 0));
  const auto conv2 = session.add(matrix("conv2", nl::io::DatasetKind::FeatureMatrix, 1));
  const auto visp = session.add(matrix("VISp", nl::io::DatasetKind::ResponseMatrix, 2));
  nl::widgets::AnalysisPanel panel(session, plugins);
  panel.show();
  panel.selectPlugin("rsa.layer_mapping");
  auto* layers = panel.findChild<QListWidget*>("input_layers");
  auto* populations = panel.findChild<QListWidget*>("input_populations");
  ASSERT_NE(layers, nullptr);
  ASSERT_NE(populations, nullptr);
  // Every accepted dataset is offered; nothing is checked until the user says so.
  ASSERT_EQ(layers->count(), 3);
  for (int row = 0; row < layers->count(); ++row)
    EXPECT_EQ(layers->item(row)->checkState(), Qt::Unchecked);
  // conv2 first, then conv1: the list order is the layer order.
  layers->item(1)->setCheckState(Qt::Checked);
  layers->item(0)->setCheckState(Qt::Checked);
  layers->insertItem(0, layers->takeItem(1));
  panel.offerInput(visp);
  EXPECT_EQ(populations->item(2)->checkState(), Qt::Checked) << "offerInput checks it in a list";
  std::vector<nl::plugins::RunRequest> requested;
  QObject::connect(&panel, &nl::widgets::AnalysisPanel::runRequested,
                   [&requested](const nl::plugins::RunRequest& r) { requested.push_back(r); });
  QTest::mouseClick(panel.findChild<QPushButton*>("runButton"), Qt::LeftButton);
  ASSERT_EQ(requested.size(), 1u);
  const auto& request = requested.front();
  EXPECT_EQ(request.inputs.at("layers#0"), session.find(conv2));
  EXPECT_EQ(request.inputs.at("layers#1"), session.find(conv1));
  EXPECT_EQ(request.inputs.at("populations#0"), session.find(visp));
  EXPECT_EQ(request.inputs.count("layers#2"), 0u);
}

TEST(AnalysisPanel, EventPortsOfferOnlyTablesWithTheColumnsThePluginNeeds) {
  nl::plugins::PluginManager plugins;
  plugins.discover({NEUROLOUPE_PLUGIN_DIR});
  if (nl::test::requirePlugin(plugins, "ephys.psth") == nullptr) return;
  nl::io::Session session;
  using nl::io::Column;
  session.add(std::make_shared<nl::io::TableDataset>(
      nl::io::DatasetKind::Table, "drifting_gratings_presentations",
      std::vector<Column>{{"start_time", std::vector<double>{1, 2}},
                          {"orientation", std::vector<double>{0, 90}}}));
  session.add(std::make_shared<nl::io::TableDataset>(
      nl::io::DatasetKind::Table, "FISBe metrics",
      std::vector<Column>{{"metric", std::vector<std::string>{"S"}},
                          {"value", std::vector<double>{0.4}}}));
  nl::widgets::AnalysisPanel panel(session, plugins);
  panel.selectPlugin("ephys.psth");
  auto* intervals = panel.findChild<QComboBox*>("input_intervals");
  ASSERT_NE(intervals, nullptr);
  ASSERT_EQ(intervals->count(), 1) << "a table without start_time is not offered";
  EXPECT_EQ(intervals->itemText(0), "drifting_gratings_presentations");
}

}  // namespace
