#include "widgets/pages/PageTabs.h"

#include <QLabel>
#include <QMenu>
#include <QStackedWidget>
#include <QTabBar>
#include <algorithm>
#include <nlohmann/json.hpp>

#include "io/Session.h"
#include "io/UntrustedInput.h"
#include "plugins/PluginManager.h"
#include "widgets/pages/Page.h"
#include "widgets/pages/ViewRegistry.h"
#include "widgets/scene/LayerList.h"

namespace nl::widgets {

PageTabs::PageTabs(PageHost& host, QWidget* parent) : QTabWidget(parent), host_(host) {
  setDocumentMode(true);
  setTabsClosable(true);
  setMovable(true);
  connect(this, &QTabWidget::tabCloseRequested, this, [this](int index) {
    QWidget* page = widget(index);
    removeTab(index);
    page->deleteLater();
  });
  tabBar()->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(tabBar(), &QWidget::customContextMenuRequested, this, [this](const QPoint& position) {
    auto* page = qobject_cast<Page*>(widget(tabBar()->tabAt(position)));
    if (!page) return;
    QMenu menu;
    QMenu* with = menu.addMenu(tr("Open with"));
    for (const auto& id : openWithChoices(*page))
      with->addAction(QString::fromStdString(id), this,
                      [this, page, id] { openPageWith(*page, id); });
    with->setEnabled(!with->isEmpty());
    menu.exec(tabBar()->mapToGlobal(position));
  });
  layers_ = new QStackedWidget();
  auto* noScene = new QLabel(tr("The current view has no 3D scene."));
  noScene->setAlignment(Qt::AlignCenter);
  noScene->setWordWrap(true);
  layers_->addWidget(noScene);
  connect(this, &QTabWidget::currentChanged, this, [this](int index) {
    auto* list =
        widget(index) ? widget(index)->property("nl_layer_list").value<QWidget*>() : nullptr;
    layers_->setCurrentWidget(list ? list : layers_->widget(0));
  });
}

PageTabs::~PageTabs() {
  closeAll();
}

std::vector<Page*> PageTabs::pages() const {
  std::vector<Page*> all;
  for (int i = 0; i < count(); ++i)
    if (auto* page = qobject_cast<Page*>(widget(i))) all.push_back(page);
  return all;
}

Page* PageTabs::currentPage() const {
  return qobject_cast<Page*>(currentWidget());
}

std::vector<std::string> PageTabs::declaredViews(const std::vector<io::DatasetId>& ids) const {
  // A plugin's manifest may name the view of an output ("view": "fisbe.evaluation").
  std::vector<std::string> views;
  for (const auto id : ids) {
    const auto dataset = host_.session().find(id);
    if (!dataset || !dataset->provenance().isDerived()) continue;
    const auto* plugin = host_.plugins().find(dataset->provenance().pluginId);
    const auto* port = plugin ? plugin->output(dataset->provenance().outputName) : nullptr;
    if (port && !port->view.empty()) views.push_back(port->view);
  }
  return views;
}

bool PageTabs::openBest(const std::vector<io::DatasetId>& offered, int minimumScore) {
  // An open page may take a single dataset into itself (an overlay onto its
  // surface, a map onto its slices); on a tie the current page wins.
  Page* adopter = nullptr;
  int adoption = 0;
  if (offered.size() == 1)
    if (const auto dataset = host_.session().find(offered.front()))
      for (auto* page : pages())
        if (int score = page->adoptionScore(offered.front(), *dataset); score > 0) {
          if (page == currentPage()) ++score;
          if (score > adoption) adoption = score, adopter = page;
        }
  const auto choice =
      ViewRegistry::instance().best(host_.session(), offered, declaredViews(offered));
  if (adopter && adoption >= choice.match.score) {
    try {
      adopter->adopt(offered.front());
      setCurrentWidget(adopter);
    } catch (const std::exception& error) {
      host_.report(tr("Cannot show dataset"), QString::fromStdString(error.what()));
    }
    return true;
  }
  if (!choice.provider || choice.match.score < minimumScore) return false;
  return openWith(choice.provider->id(), choice.match.datasets) != nullptr;
}

Page* PageTabs::openWith(const std::string& viewId, const std::vector<io::DatasetId>& datasets) {
  const auto* provider = ViewRegistry::instance().find(viewId);
  if (!provider || datasets.empty()) return nullptr;
  try {
    auto* page = provider->create(host_, datasets);
    if (!page) return nullptr;
    page->setViewId(viewId);
    // What it was made for comes first (sessions make it again from that);
    // what it took in while being made follows.
    const auto taken = page->shownDatasets();
    page->setShownDatasets(datasets);
    for (const auto id : taken) page->addShownDataset(id);
    addPage(page);
    return page;
  } catch (const std::exception& error) {
    host_.report(tr("Cannot show dataset"), QString::fromStdString(error.what()));
    return nullptr;
  }
}

std::vector<std::string> PageTabs::openWithChoices(const Page& page) const {
  std::vector<std::string> ids;
  for (const auto* provider : ViewRegistry::instance().providers())
    if (provider->id() != page.viewId() &&
        provider->match(host_.session(), page.shownDatasets()).score > 0)
      ids.push_back(provider->id());
  return ids;
}

Page* PageTabs::openPageWith(const Page& page, const std::string& viewId) {
  const auto* provider = ViewRegistry::instance().find(viewId);
  if (!provider) return nullptr;
  const auto match = provider->match(host_.session(), page.shownDatasets());
  if (match.score <= 0) return nullptr;
  return openWith(viewId, match.datasets);
}

void PageTabs::addPage(Page* page, bool makeCurrent) {
  QString title = page->windowTitle();
  if (title.isEmpty() && !page->shownDatasets().empty())
    if (const auto first = host_.session().find(page->shownDatasets().front()))
      title = QString::fromStdString(first->name());
  const int index = addTab(page, title);
  if (const auto scenes = page->scenes(); !scenes.empty()) {
    auto* list = new LayerList(scenes.front());
    layers_->addWidget(list);
    page->setProperty("nl_layer_list", QVariant::fromValue<QWidget*>(list));
    connect(page, &QObject::destroyed, list, &QObject::deleteLater);
  }
  if (makeCurrent || count() == 1) setCurrentIndex(index);
  if (currentWidget() == page)
    if (auto* list = page->property("nl_layer_list").value<QWidget*>())
      layers_->setCurrentWidget(list);
}

void PageTabs::closePagesShowing(io::DatasetId id) {
  for (auto* page : pages()) {
    const auto& shown = page->shownDatasets();
    if (std::find(shown.begin(), shown.end(), id) == shown.end()) continue;
    removeTab(indexOf(page));
    page->deleteLater();
  }
}

void PageTabs::closeAll() {
  while (count() > 0) delete widget(0);
}

std::string PageTabs::layoutJson() const {
  const auto& entries = host_.session().entries();
  auto position = [&entries](io::DatasetId id) -> int {
    for (std::size_t i = 0; i < entries.size(); ++i)
      if (entries[i].id == id) return static_cast<int>(i);
    return -1;
  };
  nlohmann::json tabs = nlohmann::json::array();
  for (auto* page : pages()) {
    nlohmann::json datasets = nlohmann::json::array();
    for (const auto id : page->shownDatasets()) datasets.push_back(position(id));
    tabs.push_back(
        {{"view", page->viewId()}, {"datasets", datasets}, {"state", page->saveState()}});
  }
  return nlohmann::json{{"tabs", tabs}, {"current", currentIndex()}}.dump();
}

void PageTabs::restoreLayout(const std::string& text) {
  const auto json = io::parseUntrustedJsonOrDiscarded(text);
  if (!json.is_object() || !json.contains("tabs") || !json["tabs"].is_array()) return;
  const auto& entries = host_.session().entries();
  for (const auto& tab : json["tabs"]) {
    if (!tab.is_object()) continue;
    std::vector<io::DatasetId> ids;
    for (const auto& p : tab.value("datasets", nlohmann::json::array())) {
      const int at = p.is_number_integer() ? p.get<int>() : -1;
      ids.push_back(at >= 0 && static_cast<std::size_t>(at) < entries.size()
                        ? entries[static_cast<std::size_t>(at)].id
                        : io::kNoDataset);
    }
    if (ids.empty() || ids.front() == io::kNoDataset) continue;  // its data did not come back
    // Sessions before view ids named the recording page "recording" and
    // kept no page state; other old pages open as a new open would.
    std::string view = tab.value("view", tab.value("type", std::string()));
    if (view == "recording") view = "ephys.recording";
    const int before = count();
    if (!ViewRegistry::instance().find(view) || !openWith(view, ids)) openBest({ids.front()}, 1);
    if (count() == before) continue;
    if (auto* page = qobject_cast<Page*>(widget(count() - 1))) {
      if (tab.contains("state") && tab["state"].is_string()) {
        // Pages parse their state themselves: bound it once, here.
        const auto& state = tab["state"].get_ref<const std::string&>();
        if (state.size() <= io::kMaxJsonBytes && io::jsonNestingDepth(state) <= io::kMaxJsonDepth)
          page->restoreState(state);
        else
          host_.log(tr("session: the saved state of a %1 view is too large or too deeply nested; "
                       "the view opens without it")
                        .arg(QString::fromStdString(view)));
      } else  // sessions before page states: the recording's raster fields at top level
        page->restoreState(tab.dump());
    }
  }
  setCurrentIndex(std::clamp(json.value("current", 0), 0, std::max(0, count() - 1)));
}

}  // namespace nl::widgets
