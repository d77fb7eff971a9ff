#pragma once
// The data browser: every open dataset and result as a tree with its kind,
// shape and provenance (source file, or plugin id + version + parameters).
#include <QTreeWidget>
#include <string>

#include "io/Session.h"

namespace nl::widgets {

class PageTabs;

class DataBrowser : public QTreeWidget {
  Q_OBJECT
 public:
  explicit DataBrowser(io::Session& session, QWidget* parent = nullptr);
  ~DataBrowser() override;
  io::DatasetId currentDataset() const;
  QTreeWidgetItem* itemFor(io::DatasetId id) const;
  // The first dataset the current page shows becomes the current item, so
  // the Analysis panel offers what the user is looking at (a file opens many
  // datasets; the last one added is rarely the one its page shows).
  void followCurrentPage(PageTabs& tabs);

 signals:
  void openRequested(nl::io::DatasetId id);
  void removeRequested(nl::io::DatasetId id);

 protected:
  void contextMenuEvent(QContextMenuEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  void addEntry(io::DatasetId id);
  void addObjectTree(QTreeWidgetItem* parent, const std::string& json);
  io::Session& session_;
  io::Signal<io::DatasetId>::ConnectionId added_ = 0, removed_ = 0;
};

}  // namespace nl::widgets
