#pragma once
// A sortable table of a Table/Electrodes dataset, a spike recording's units,
// or a 1-D/2-D array. Selecting rows writes the shared Selection.
#include <QWidget>

#include "io/Session.h"

class QAbstractTableModel;
class QTableView;

namespace nl::widgets {

class TableView : public QWidget {
  Q_OBJECT
 public:
  TableView(io::Session& session, io::DatasetId dataset, QWidget* parent = nullptr);
  ~TableView() override;
  QTableView* view() const { return view_; }
  QString toCsv() const;
  // Columns computed for the table's rows after it was opened (e.g. waveform
  // metrics of units); shown after its own, sortable and searchable.
  void appendColumns(std::vector<io::Column> columns);

 private:
  void fitHeaders();
  io::Session& session_;
  io::DatasetId dataset_;
  QTableView* view_ = nullptr;
  QAbstractTableModel* model_ = nullptr;
  bool updating_ = false;
  io::Signal<const std::string&>::ConnectionId connection_ = 0;
};

}  // namespace nl::widgets
