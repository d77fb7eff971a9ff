// The RSA views: the layer-mapping page of an rsa.layer_mapping run (also
// reached from its RDM stack) and the MDS scatter of rsa.mds.
#include <QVBoxLayout>
#include <map>
#include <nlohmann/json.hpp>

#include "io/Session.h"
#include "widgets/charts/Chart.h"
#include "widgets/pages/ViewRegistry.h"
#include "widgets/pages/rsa/RsaPage.h"
#include "widgets/pages/shared/Runs.h"

namespace nl::widgets {

namespace {

class LayerMappingProvider final : public ViewProvider {
 public:
  std::string id() const override { return "rsa.layer_mapping"; }
  ViewMatch match(const io::Session& session,
                  const std::vector<io::DatasetId>& offered) const override {
    for (const auto id : offered) {
      const auto dataset = session.find(id);
      if (!dataset) continue;
      if (RsaPage::isLayerProfiles(*dataset)) return {80, {id}};
      // An RDM stack alone: the page of its run, when the profiles are here.
      if (dataset->attributes().contains("rdm_stack"))
        for (const auto sibling : outputsOfSameRun(session, id))
          if (RsaPage::isLayerProfiles(*session.find(sibling))) return {80, {sibling}};
    }
    return {};
  }
  Page* create(PageHost& host, const std::vector<io::DatasetId>& datasets) const override {
    auto* page = new RsaPage(host.session(), datasets.at(0));
    page->setHost(&host);
    page->setWindowTitle(QObject::tr("Layer mapping"));
    return page;
  }
};

// Stimuli as points in the first two MDS dimensions, one colour per label.
class MdsPage final : public Page {
 public:
  MdsPage(io::Session& session, io::DatasetId id, const io::ArrayDataset& array) {
    std::vector<std::string> labels;
    if (const auto it = array.attributes().find("stimulus_labels");
        it != array.attributes().end()) {
      const auto json = nlohmann::json::parse(it->second, nullptr, false);
      if (json.is_array())
        for (const auto& label : json)
          labels.push_back(label.is_string() ? label.get<std::string>() : label.dump());
    }
    std::map<std::string, ChartSeries> byLabel;
    const std::size_t n = array.shape()[0], dims = array.shape()[1];
    for (std::size_t i = 0; i < n; ++i) {
      const std::string label = i < labels.size() ? labels[i] : "stimuli";
      auto& series = byLabel[label];
      series.name = QString::fromStdString(label);
      series.style = ChartSeries::Style::Scatter;
      series.x.push_back(array.values()[i * dims]);
      series.y.push_back(array.values()[i * dims + 1]);
      series.items.push_back(static_cast<std::int64_t>(i));
    }
    std::vector<ChartSeries> all;
    const QColor palette[] = {QColor(31, 119, 180), QColor(255, 127, 14),  QColor(44, 160, 44),
                              QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75)};
    for (auto& [label, series] : byLabel) {
      series.color = palette[all.size() % std::size(palette)];
      all.push_back(std::move(series));
    }
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* chart = new Chart();
    chart->setObjectName("mds");
    chart->setSeries(all);
    const auto explained = array.attributes().find("explained");
    chart->setTitle(tr("%1 (share of variance in these dimensions: %2)")
                        .arg(QString::fromStdString(array.name()))
                        .arg(QString::fromStdString(
                            explained != array.attributes().end() ? explained->second : "?")));
    chart->setAxisTitles(tr("dimension 1"), tr("dimension 2"));
    chart->linkItems(&session, id);
    layout->addWidget(chart);
  }
};

class MdsProvider final : public ViewProvider {
 public:
  std::string id() const override { return "rsa.mds"; }
  ViewMatch match(const io::Session& session,
                  const std::vector<io::DatasetId>& offered) const override {
    for (const auto id : offered)
      if (const auto array = std::dynamic_pointer_cast<const io::ArrayDataset>(session.find(id));
          array && array->shape().size() == 2 && array->shape()[1] >= 2 &&
          array->attributes().contains("axes") &&
          array->attributes().at("axes") == "stimulus, dimension")
        return {60, {id}};
    return {};
  }
  Page* create(PageHost& host, const std::vector<io::DatasetId>& datasets) const override {
    const auto array =
        std::dynamic_pointer_cast<const io::ArrayDataset>(host.session().find(datasets.at(0)));
    if (!array || array->shape().size() != 2 || array->shape()[1] < 2)
      throw std::invalid_argument("not an MDS embedding (stimuli × dimensions)");
    auto* page = new MdsPage(host.session(), datasets.at(0), *array);
    page->setHost(&host);
    return page;
  }
};

}  // namespace

NL_REGISTER_VIEW_PROVIDER(LayerMappingProvider)
NL_REGISTER_VIEW_PROVIDER(MdsProvider)

}  // namespace nl::widgets
