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

void PageTabs::restoreLayout(const std::string& text,
                             const std::vector<io::DatasetId>* idsBySavedPosition) {
  // The layout is file content: every part is checked for its type, and a
  // tab that does not fit is skipped with a line in the log.
  const auto json = io::parseUntrustedJsonOrDiscarded(text);
  const auto skip = [this](std::size_t tab, const QString& why) {
    host_.log(tr("session: view %1 was not restored: %2").arg(tab + 1).arg(why));
  };
  if (json.is_discarded() || !json.is_object()) {
    if (!text.empty()) host_.log(tr("session: the view layout is not a JSON object; ignored"));
    return;
  }
  const auto tabs = json.find("tabs");
  if (tabs == json.end()) return;
  if (!tabs->is_array()) {
    host_.log(tr("session: the view layout's \"tabs\" is not a list; ignored"));
    return;
  }
  std::vector<io::DatasetId> byPosition;
  if (idsBySavedPosition) {
    byPosition = *idsBySavedPosition;
  } else {
    for (const auto& entry : host_.session().entries()) byPosition.push_back(entry.id);
  }
  for (std::size_t t = 0; t < tabs->size(); ++t) {
    const auto& tab = (*tabs)[t];
    if (!tab.is_object()) {
      skip(t, tr("not a JSON object"));
      continue;
    }
    const auto datasets = tab.find("datasets");
    if (datasets == tab.end() || !datasets->is_array() || datasets->empty()) {
      skip(t, tr("it names no datasets"));
      continue;
    }
    // Saved positions; the first is what the page is of, the others what it
    // was offered with. A dataset that did not come back is never replaced
    // by whatever now sits at its position.
    std::vector<io::DatasetId> ids;
    bool firstMissing = false;
    for (std::size_t i = 0; i < datasets->size(); ++i) {
      const auto& p = (*datasets)[i];
      const bool valid = p.is_number_integer() && p.get<std::int64_t>() >= 0 &&
                         static_cast<std::uint64_t>(p.get<std::int64_t>()) < byPosition.size();
      const io::DatasetId id =
          valid ? byPosition[static_cast<std::size_t>(p.get<std::int64_t>())] : io::kNoDataset;
      if (id == io::kNoDataset || !host_.session().find(id)) {
        if (i == 0) firstMissing = true;
        continue;
      }
      ids.push_back(id);
    }
    if (firstMissing || ids.empty()) {
      skip(t, tr("its dataset did not come back"));
      continue;
    }
    // Sessions before view ids named the recording page "recording" and
    // kept no page state; other old pages open as a new open would.
    std::string view;
    for (const char* key : {"view", "type"})
      if (const auto v = tab.find(key); view.empty() && v != tab.end() && v->is_string())
        view = v->get<std::string>();
    if (view == "recording") view = "ephys.recording";
    const auto* provider = ViewRegistry::instance().find(view);
    Page* page = nullptr;
    if (provider && provider->match(host_.session(), ids).score > 0) page = openWith(view, ids);
    if (!page) {
      const int before = count();
      openBest({ids.front()}, 1);
      if (count() == before) continue;  // adopted by an open page, or nothing shows it
      page = qobject_cast<Page*>(widget(count() - 1));
    }
    if (!page) continue;
    const auto state = tab.find("state");
    if (state != tab.end() && state->is_string()) {
      // Pages parse their state themselves: bound it once, here.
      const auto& saved = state->get_ref<const std::string&>();
      if (saved.size() <= io::kMaxJsonBytes && io::jsonNestingDepth(saved) <= io::kMaxJsonDepth)
        page->restoreState(saved);
      else
        skip(t,
             tr("its saved state is too large or too deeply nested (the view opens without it)"));
    } else if (state == tab.end()) {  // sessions before page states: the raster fields at top level
      page->restoreState(io::dumpJson(tab));
    }
  }
  const auto current = json.find("current");
  const int index = current != json.end() && current->is_number_integer()
                        ? static_cast<int>(std::clamp<std::int64_t>(current->get<std::int64_t>(), 0,
                                                                    std::max(0, count() - 1)))
                        : 0;
  if (count() > 0) setCurrentIndex(index);
}

}  // namespace nl::widgets
