#include "widgets/DataBrowser.h"

#include "io/UntrustedInput.h"
#include "widgets/pages/Page.h"
#include "widgets/pages/PageTabs.h"

#include <QContextMenuEvent>
#include <QHeaderView>
#include <QMenu>
#include <map>
#include <nlohmann/json.hpp>

namespace nl::widgets {

namespace {
constexpr int kIdRole = Qt::UserRole + 1;

QString shapeText(const std::vector<std::size_t>& shape) {
  QStringList parts;
  for (auto s : shape) parts << QString::number(s);
  return parts.join(QString::fromUtf8(" × "));
}
}  // namespace

DataBrowser::DataBrowser(io::Session& session, QWidget* parent)
    : QTreeWidget(parent), session_(session) {
  setColumnCount(3);
  setHeaderLabels({tr("Name"), tr("Kind"), tr("Shape")});
  header()->setSectionResizeMode(0, QHeaderView::Stretch);
  header()->setStretchLastSection(false);
  setAlternatingRowColors(true);
  setUniformRowHeights(true);
  for (const auto& entry : session_.entries()) addEntry(entry.id);
  added_ = session_.datasetAdded.connect([this](io::DatasetId id) { addEntry(id); });
  removed_ = session_.datasetRemoved.connect([this](io::DatasetId id) { delete itemFor(id); });
  connect(this, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
    while (item->parent()) item = item->parent();
    emit openRequested(item->data(0, kIdRole).toULongLong());
  });
}

DataBrowser::~DataBrowser() {
  session_.datasetAdded.disconnect(added_);
  session_.datasetRemoved.disconnect(removed_);
}

void DataBrowser::addEntry(io::DatasetId id) {
  const auto dataset = session_.find(id);
  if (!dataset) return;
  auto* item = new QTreeWidgetItem(this);
  item->setText(0, QString::fromStdString(dataset->name()));
  item->setText(1, QString::fromLatin1(io::kindName(dataset->kind()).data()));
  item->setText(2, shapeText(dataset->shape()));
  item->setData(0, kIdRole, QVariant::fromValue<qulonglong>(id));
  const auto& p = dataset->provenance();
  item->setToolTip(0, QString::fromStdString(p.describe()));
  auto addDetail = [item](const QString& key, const QString& value) {
    auto* child = new QTreeWidgetItem(item);
    child->setText(0, key + ": " + value);
    child->setToolTip(0, value);
    child->setFirstColumnSpanned(true);
    child->setForeground(0, QColor(90, 90, 100));
  };
  if (p.isDerived()) {
    addDetail(tr("plugin"), QString::fromStdString(p.pluginId + " " + p.pluginVersion));
    addDetail(tr("parameters"), QString::fromStdString(p.parametersJson));
    addDetail(tr("run"), QString::fromStdString(p.runId));
    for (const auto& input : p.inputs)
      addDetail(tr("input"), QString::fromStdString(input.describe()));
    addDetail(tr("created"), QString::fromStdString(p.createdUtc));
  } else if (!p.sourcePath.empty()) {
    addDetail(tr("file"), QString::fromStdString(p.sourcePath));
    if (!p.internalPath.empty())
      addDetail(tr("path in file"), QString::fromStdString(p.internalPath));
    addDetail(tr("reader"), QString::fromStdString(p.readerName));
  } else if (!p.readerName.empty()) {
    addDetail(tr("source"), QString::fromStdString(p.readerName));
  }
  for (const auto& [key, value] : dataset->attributes()) {
    if (key == "object_tree") {
      addObjectTree(item, value);
      continue;
    }
    addDetail(QString::fromStdString(key), QString::fromStdString(value));
  }
  setCurrentItem(item);
}

// A reader's list of objects it did not turn into datasets ({path,
// neurodata_type, attributes, datasets} each) as a tree nested by path.
void DataBrowser::addObjectTree(QTreeWidgetItem* parent, const std::string& json) {
  const auto objects = nlohmann::json::parse(json, nullptr, false);
  if (!objects.is_array()) return;
  const QColor detailColour(90, 90, 100);
  std::map<std::string, QTreeWidgetItem*> byPath{{"", parent}};
  auto nodeFor = [&](const std::string& path, auto& self) -> QTreeWidgetItem* {
    if (auto it = byPath.find(path); it != byPath.end()) return it->second;
    const auto slash = path.find_last_of('/');
    QTreeWidgetItem* above = self(slash == std::string::npos ? "" : path.substr(0, slash), self);
    auto* node = new QTreeWidgetItem(above);
    node->setText(0, QString::fromStdString(path.substr(slash + 1)));
    byPath[path] = node;
    return node;
  };
  for (const auto& object : objects) {
    if (!object.is_object() || !object.contains("path")) continue;
    auto* node = nodeFor(object.value("path", std::string()), nodeFor);
    node->setText(1, QString::fromStdString(object.value("neurodata_type", std::string())));
    if (object.contains("attributes") && object["attributes"].is_object())
      for (const auto& [key, value] : object["attributes"].items()) {
        auto* child = new QTreeWidgetItem(node);
        const QString text = QString::fromStdString(value.is_string() ? value.get<std::string>()
                                                                      : io::dumpJson(value));
        child->setText(0, QString::fromStdString(key) + ": " + text);
        child->setToolTip(0, text);
        child->setFirstColumnSpanned(true);
        child->setForeground(0, detailColour);
      }
    if (object.contains("datasets") && object["datasets"].is_array())
      for (const auto& dataset : object["datasets"]) {
        auto* child = new QTreeWidgetItem(node);
        child->setText(0, QString::fromStdString(dataset.value("name", std::string())));
        child->setText(1, QString::fromStdString(dataset.value("type", std::string())));
        QStringList shape;
        if (dataset.contains("shape") && dataset["shape"].is_array())
          for (const auto& n : dataset["shape"]) shape << QString::fromStdString(n.dump());
        child->setText(2, shape.join(QString::fromUtf8(" × ")));
        child->setForeground(0, detailColour);
      }
  }
}

QTreeWidgetItem* DataBrowser::itemFor(io::DatasetId id) const {
  for (int i = 0; i < topLevelItemCount(); ++i)
    if (topLevelItem(i)->data(0, kIdRole).toULongLong() == id) return topLevelItem(i);
  return nullptr;
}

void DataBrowser::followCurrentPage(PageTabs& tabs) {
  connect(&tabs, &QTabWidget::currentChanged, this, [this, &tabs] {
    const auto* page = tabs.currentPage();
    if (!page || page->shownDatasets().empty()) return;
    if (auto* item = itemFor(page->shownDatasets().front())) setCurrentItem(item);
  });
}

io::DatasetId DataBrowser::currentDataset() const {
  QTreeWidgetItem* item = currentItem();
  while (item && item->parent()) item = item->parent();
  return item ? item->data(0, kIdRole).toULongLong() : io::kNoDataset;
}

void DataBrowser::contextMenuEvent(QContextMenuEvent* event) {
  const io::DatasetId id = currentDataset();
  if (id == io::kNoDataset) return;
  QMenu menu(this);
  menu.addAction(tr("Open view"), this, [this, id] { emit openRequested(id); });
  menu.addAction(tr("Close dataset"), this, [this, id] { emit removeRequested(id); });
  menu.exec(event->globalPos());
}

void DataBrowser::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Delete && currentDataset() != io::kNoDataset) {
    emit removeRequested(currentDataset());
    return;
  }
  if ((event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) &&
      currentDataset() != io::kNoDataset) {
    emit openRequested(currentDataset());
    return;
  }
  QTreeWidget::keyPressEvent(event);
}

}  // namespace nl::widgets
