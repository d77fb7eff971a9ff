#pragma once
// A sortable table of a Table/Electrodes dataset, a spike recording's units,
// or a 1-D/2-D array. Selecting rows writes the shared Selection.
#include <QWidget>

#include "io/Session.h"

class QTableView;

namespace nl::widgets {

class TableView : public QWidget {
  Q_OBJECT
 public:
  TableView(io::Session& session, io::DatasetId dataset, QWidget* parent = nullptr);
  ~TableView() override;
  QTableView* view() const { return view_; }
  QString toCsv() const;

 private:
  io::Session& session_;
  io::DatasetId dataset_;
  QTableView* view_ = nullptr;
  bool updating_ = false;
  io::Signal<const std::string&>::ConnectionId connection_ = 0;
};

}  // namespace nl::widgets
