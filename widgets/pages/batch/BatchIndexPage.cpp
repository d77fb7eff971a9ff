#include "widgets/pages/batch/BatchIndexPage.h"

#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>
#include <filesystem>

#include "io/Error.h"
#include "io/ReaderRegistry.h"
#include "widgets/TableView.h"
#include "widgets/pages/ViewRegistry.h"

namespace nl::widgets {

BatchIndexPage::BatchIndexPage(io::Session& session, io::DatasetId index)
    : session_(session), index_(index) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  const auto table = std::dynamic_pointer_cast<const io::TableDataset>(session.find(index));
  std::size_t done = 0, rows = table ? table->rowCount() : 0;
  if (const auto* status = table ? table->column("status") : nullptr)
    for (std::size_t r = 0; r < rows; ++r) done += status->cellText(r) == "done";
  summary_ = new QLabel(
      tr("%1 of %2 runs done. Double-click a run to open its result.").arg(done).arg(rows));
  summary_->setContentsMargins(6, 4, 6, 4);
  layout->addWidget(summary_);
  table_ = new TableView(session, index);
  layout->addWidget(table_);
  connect(table_->view(), &QTableView::activated, this,
          [this](const QModelIndex& at) { openRow(at.row()); });
}

bool BatchIndexPage::isBatchIndex(const io::Dataset& dataset) {
  const auto it = dataset.attributes().find("table_role");
  return it != dataset.attributes().end() && it->second == "batch_index" &&
         dynamic_cast<const io::TableDataset*>(&dataset) != nullptr;
}

QString BatchIndexPage::cell(int row, const QString& column) const {
  const auto* model = table_->view()->model();
  for (int c = 0; c < model->columnCount(); ++c)
    if (model->headerData(c, Qt::Horizontal).toString() == column)
      return model->index(row, c).data().toString();
  return {};
}

bool BatchIndexPage::openRow(int row) {
  const QString run = cell(row, "run_id"), result = cell(row, "result");
  auto say = [this](const QString& text) {
    if (host() != nullptr) host()->showMessage(text);
  };
  if (result.isEmpty()) {
    const QString error = cell(row, "error");
    say(tr("run %1 has no result: %2%3")
            .arg(run, cell(row, "status"), error.isEmpty() ? QString() : " — " + error));
    return false;
  }
  const auto dataset = session_.find(index_);
  if (!dataset) return false;
  const auto folder = std::filesystem::path(dataset->provenance().sourcePath).parent_path();
  const auto file = folder / result.toStdString();
  try {
    const auto contents = io::ReaderRegistry::builtin().open(file);
    std::vector<io::DatasetId> ids;
    for (const auto& d : contents.datasets) {
      // Opened before: the datasets already in the session.
      const auto known = session_.findByDatasetId(d->datasetId());
      ids.push_back(known != io::kNoDataset ? known : session_.add(d));
    }
    if (ids.empty()) {
      say(tr("%1 holds no datasets").arg(QString::fromStdString(file.string())));
      return false;
    }
    if (host() != nullptr) {
      host()->log(
          tr("opened %1 (run %2 of the batch)").arg(QString::fromStdString(file.string()), run));
      host()->openView(ids.front());  // a result page gathers the run's other outputs
    }
    return true;
  } catch (const io::FileError& error) {
    say(QString::fromStdString(error.what()));
    return false;
  }
}

namespace {

class BatchIndexProvider final : public ViewProvider {
 public:
  std::string id() const override { return "batch.index"; }
  ViewMatch match(const io::Session& session,
                  const std::vector<io::DatasetId>& offered) const override {
    for (const auto id : offered)
      if (const auto d = session.find(id); d && BatchIndexPage::isBatchIndex(*d)) return {50, {id}};
    return {};
  }
  Page* create(PageHost& host, const std::vector<io::DatasetId>& datasets) const override {
    auto* page = new BatchIndexPage(host.session(), datasets.at(0));
    page->setHost(&host);
    page->setWindowTitle(QObject::tr("Batch index"));
    return page;
  }
};

}  // namespace

NL_REGISTER_VIEW_PROVIDER(BatchIndexProvider)

}  // namespace nl::widgets
