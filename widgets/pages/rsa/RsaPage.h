#pragma once
// The result of rsa.layer_mapping on one page: similarity-vs-layer curves per
// brain population with bootstrap CI bands and the noise-ceiling band, the
// pseudo-depth of each population as bars with its CI, and the RDMs of the
// populations and layers side by side, reorderable by a stimulus label.
#include <QWidget>
#include <memory>

#include "io/Session.h"
#include "widgets/pages/Page.h"

class QComboBox;

namespace nl::widgets {

class Chart;
class HeatMap;

class RsaPage : public Page {
  Q_OBJECT
 public:
  // `profiles`: the populations × layers × 3 output; its sibling outputs of
  // the same run (depths table, RDM stack) are found in the session.
  RsaPage(io::Session& session, io::DatasetId profiles, QWidget* parent = nullptr);

  Chart* profileChart() const { return profiles_; }
  Chart* depthChart() const { return depths_; }
  std::size_t rdmCount() const { return heatMaps_.size(); }
  // Orders every RDM's stimuli by `labels` (e.g. animate / inanimate).
  void orderStimuliBy(const std::vector<QString>& labels);

  // Selects, in every open recording, the units of a brain population: its
  // name is an area (VISp) or the unit filter it came from ("location ==
  // VISp; snr > 1"); returns how many units were selected. The probe view
  // and unit table follow the selection. Clicking a curve or bar does this.
  std::size_t selectPopulation(const QString& name);

  // Whether `dataset` is an rsa.layer_mapping profiles array.
  static bool isLayerProfiles(const io::Dataset& dataset);

 private:
  io::Session& session_;
  Chart* profiles_ = nullptr;
  Chart* depths_ = nullptr;
  std::vector<HeatMap*> heatMaps_;
  std::vector<QString> seriesPopulation_;  // population of each profile-chart series
  std::vector<QString> barPopulation_;     // population of each pseudo-depth bar
  std::shared_ptr<const io::ArrayDataset> rdmStack_;
  std::vector<std::size_t> order_;  // current stimulus order of the heat maps

 public:
  const std::vector<std::size_t>& stimulusOrder() const { return order_; }
};

}  // namespace nl::widgets
