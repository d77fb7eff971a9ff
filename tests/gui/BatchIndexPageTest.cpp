// The index of a real `neuroloupe-cli batch` folder opened in the main
// window: a batch-index page whose rows open the runs' result files (from
// the index's folder, wherever it was moved), and say why a failed run has none.
#include <gtest/gtest.h>

#include <QListWidget>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "app/gui/MainWindow.h"
#include "io/Provenance.h"
#include "widgets/AnalysisPanel.h"
#include "widgets/TableView.h"
#include "widgets/pages/batch/BatchIndexPage.h"

namespace {

nl::widgets::BatchIndexPage* batchPage(nl::app::MainWindow& window) {
  for (int i = 0; i < window.viewTabs()->count(); ++i)
    if (auto* page = qobject_cast<nl::widgets::BatchIndexPage*>(window.viewTabs()->widget(i)))
      return page;
  return nullptr;
}

int rowOf(nl::widgets::BatchIndexPage& page, const QString& runId) {
  const auto* model = page.table()->view()->model();
  for (int c = 0; c < model->columnCount(); ++c) {
    if (model->headerData(c, Qt::Horizontal).toString() != "run_id") continue;
    for (int r = 0; r < model->rowCount(); ++r)
      if (model->index(r, c).data().toString() == runId) return r;
  }
  return -1;
}

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace

TEST(BatchIndexPage, RowsOpenTheirResultsFromWhereTheFolderIsNow) {
  QTemporaryDir temp;
  const std::filesystem::path dir = temp.path().toStdString();
  write(dir / "t.csv", "a,b\n1,2\n3,5\n4,9\n");
  write(dir / "broken.npy", "not a numpy file");
  write(dir / "plan.json", R"({"runs": [
    {"id": "s1", "plugin": "stats.descriptive", "inputs": {"data": "t.csv"}},
    {"id": "s2", "plugin": "stats.descriptive", "inputs": {"data": "t.csv"},
     "parameters": {"axis": "rows"}},
    {"id": "bad", "plugin": "stats.descriptive", "inputs": {"data": "broken.npy"}}]})");
  const std::string command = "env -u NEUROLOUPE_PLUGIN_PATH '" + std::string(NEUROLOUPE_CLI) +
                              "' batch '" + (dir / "plan.json").string() + "' --out '" +
                              (dir / "out").string() + "' 2>/dev/null";
  ASSERT_EQ(WEXITSTATUS(std::system(command.c_str())), 4) << "one run fails";
  // The folder moved after the batch (a cluster's results copied to a desk).
  std::filesystem::rename(dir / "out", dir / "moved");

  nl::app::MainWindow window;
  ASSERT_EQ(window.openFiles({QString::fromStdString((dir / "moved/index.h5").string())}), 1);
  auto* page = batchPage(window);
  ASSERT_NE(page, nullptr) << "index.h5 opens as a batch index";
  const int tabs = window.viewTabs()->count();
  const std::size_t datasets = window.session().size();
  // The index is a catalogue of results, not data: the Analysis panel does
  // not tick it as any analysis's input (it used to become the optional
  // `stimuli` table of connectome.affinity).
  for (auto* list : window.analysisPanel()->findChildren<QListWidget*>())
    for (int item = 0; item < list->count(); ++item)
      EXPECT_NE(list->item(item)->checkState(), Qt::Checked)
          << list->objectName().toStdString() << " has the index ticked";

  const int failed = rowOf(*page, "bad");
  ASSERT_GE(failed, 0);
  EXPECT_FALSE(page->openRow(failed)) << "a failed run has no result to open";
  EXPECT_EQ(window.viewTabs()->count(), tabs);

  const int row = rowOf(*page, "s2");
  ASSERT_GE(row, 0);
  // Activation (double-click, Enter) opens it, as File > Open would.
  emit page->table()->view()->activated(page->table()->view()->model()->index(row, 0));
  EXPECT_EQ(window.viewTabs()->count(), tabs + 1);
  ASSERT_GT(window.session().size(), datasets);
  const auto& added = window.session().entries().back();
  ASSERT_TRUE(added.dataset);
  EXPECT_EQ(added.dataset->provenance().sourcePath,
            nl::io::absoluteNormalPath((dir / "moved/s2.h5").string()));
  // Opening it again reuses what the session has.
  EXPECT_TRUE(page->openRow(row));
  EXPECT_EQ(window.session().size(), datasets + 1);
}
