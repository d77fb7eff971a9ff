#pragma once
// The pages of the window as tabs: asks the view registry which page shows
// what (or which open page adopts a dataset), keeps each page's layer list
// for the Layers dock, and saves/restores the pages of a session.
#include <QTabWidget>
#include <string>
#include <vector>

#include "io/Dataset.h"
#include "io/Selection.h"

class QStackedWidget;

namespace nl::widgets {

class Page;
class PageHost;

class PageTabs : public QTabWidget {
  Q_OBJECT
 public:
  explicit PageTabs(PageHost& host, QWidget* parent = nullptr);
  ~PageTabs() override;

  // The layer list of the current page's first scene (a placeholder when it
  // has none): put it in a dock.
  QStackedWidget* layerLists() const { return layers_; }

  // Shows the best page for `offered` (or lets an open page adopt a single
  // dataset) when its score reaches `minimumScore`; returns whether it did.
  bool openBest(const std::vector<io::DatasetId>& offered, int minimumScore);
  // The views the producing plugins' manifests name for these datasets.
  std::vector<std::string> declaredViews(const std::vector<io::DatasetId>& ids) const;
  // Makes the page of provider `viewId`; reports failures through the host.
  Page* openWith(const std::string& viewId, const std::vector<io::DatasetId>& datasets);
  // "Open with" (the tab's context menu): the other providers that can show
  // what `page` shows, and the page one of them makes of it.
  std::vector<std::string> openWithChoices(const Page& page) const;
  Page* openPageWith(const Page& page, const std::string& viewId);
  void addPage(Page* page, bool makeCurrent = true);

  std::vector<Page*> pages() const;
  Page* currentPage() const;
  void closePagesShowing(io::DatasetId id);
  void closeAll();

  // The pages as JSON (provider, datasets by session position, page state).
  std::string layoutJson() const;
  // Reopens the pages of a saved layout. Datasets are named by their saved
  // position: `idsBySavedPosition` (io::SessionLoadReport) says which dataset
  // each became (kNoDataset: it did not come back); without it, positions
  // are those of the session's entries. Tabs of an unexpected shape or whose
  // dataset is gone are skipped with a line in the log.
  void restoreLayout(const std::string& json,
                     const std::vector<io::DatasetId>* idsBySavedPosition = nullptr);

 private:
  PageHost& host_;
  QStackedWidget* layers_ = nullptr;
};

}  // namespace nl::widgets
