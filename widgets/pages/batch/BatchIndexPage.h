#pragma once
// The index of a `neuroloupe-cli batch` folder (index.h5: a table whose
// table_role attribute is "batch_index"; docs/BATCH.md) as a sortable table;
// activating a row (double-click, Enter) opens that run's result file from
// the index's folder as File > Open would, or says why the run has none.
#include <QString>

#include "io/Session.h"
#include "widgets/pages/Page.h"

class QLabel;

namespace nl::widgets {

class TableView;

class BatchIndexPage final : public Page {
  Q_OBJECT
 public:
  BatchIndexPage(io::Session& session, io::DatasetId index);
  static bool isBatchIndex(const io::Dataset& dataset);
  TableView* table() const { return table_; }
  // Opens the result of the run shown in view row `row`; false (and a
  // message) when the run has none or its file does not open.
  bool openRow(int row);

 private:
  QString cell(int row, const QString& column) const;

  io::Session& session_;
  io::DatasetId index_;
  TableView* table_ = nullptr;
  QLabel* summary_ = nullptr;
};

}  // namespace nl::widgets
