// The views every dataset has: a matrix as a heat map, anything as a table.
#include <QVBoxLayout>

#include "io/Session.h"
#include "widgets/TableView.h"
#include "widgets/charts/HeatMap.h"
#include "widgets/pages/ViewRegistry.h"

namespace nl::widgets {

namespace {

class MatrixPage final : public Page {
 public:
  MatrixPage(io::Session& session, io::DatasetId id, const io::ArrayDataset& array) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* heat = new HeatMap(&session, id);
    heat->setMatrix(array.values(), array.shape()[0], array.shape()[1]);
    heat->setTitle(QString::fromStdString(array.name()));
    layout->addWidget(heat);
  }
};

class HeatMapProvider final : public ViewProvider {
 public:
  std::string id() const override { return "array.heatmap"; }
  ViewMatch match(const io::Session& session,
                  const std::vector<io::DatasetId>& offered) const override {
    for (const auto id : offered)
      if (const auto array = std::dynamic_pointer_cast<const io::ArrayDataset>(session.find(id));
          array && array->kind() != io::DatasetKind::SurfaceOverlay && array->shape().size() == 2 &&
          array->shape()[0] > 1 && array->shape()[1] > 1)
        return {10, {id}};
    return {};
  }
  Page* create(PageHost& host, const std::vector<io::DatasetId>& datasets) const override {
    const auto array =
        std::dynamic_pointer_cast<const io::ArrayDataset>(host.session().find(datasets.at(0)));
    if (!array || array->shape().size() != 2)
      throw std::invalid_argument("a heat map needs a two-dimensional array");
    auto* page = new MatrixPage(host.session(), datasets.at(0), *array);
    page->setHost(&host);
    return page;
  }
};

class TablePage final : public Page {
 public:
  TablePage(io::Session& session, io::DatasetId id) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new TableView(session, id));
  }
};

// Every dataset can at least be looked at as numbers.
class TableProvider final : public ViewProvider {
 public:
  std::string id() const override { return "table"; }
  ViewMatch match(const io::Session& session,
                  const std::vector<io::DatasetId>& offered) const override {
    for (const auto id : offered)
      if (session.find(id)) return {1, {id}};
    return {};
  }
  Page* create(PageHost& host, const std::vector<io::DatasetId>& datasets) const override {
    auto* page = new TablePage(host.session(), datasets.at(0));
    page->setHost(&host);
    return page;
  }
};

}  // namespace

NL_REGISTER_VIEW_PROVIDER(HeatMapProvider)
NL_REGISTER_VIEW_PROVIDER(TableProvider)

}  // namespace nl::widgets
