#pragma once
// The page of a connectome.ntf run (view "connectome.factors"): the temporal
// factors over the experiment's timeline with the stimulus epochs shaded, the
// animal factors as bars, the chosen component's neuron-pair factor as an
// N×N affinity matrix ordered by community (a connectome.communities run on
// this pair_factors when the session holds one, else average-linkage
// clusters) with the community boundaries drawn, the anatomical connectome of
// the same neurons in the same order beside it, the community graph at the
// neurons' 3D positions (or a force-directed 2D layout when there are none)
// and the traces of the chosen neurons (the affinity run's aligned_traces).
// When the run selected its rank (rank_min … rank_max), a rank selection
// panel charts its rank_selection table against the rank: reconstruction
// error, factor match score to each rank's best restart, core consistency,
// every restart a point, the rank this run keeps marked.
// Neurons are the items of the pair_factors dataset in the shared Selection:
// the matrices, the graph and the trace view follow each other through it.
// Everything is found through provenance (widgets/pages/shared/Runs.h).
#include <QPointF>
#include <QString>
#include <memory>
#include <vector>

#include "io/Session.h"
#include "widgets/pages/Page.h"

namespace nl::widgets {

class ConnectomePage final : public Page {
  Q_OBJECT
 public:
  // `timeFactors` is the run's time_factors output (any output of the run
  // will do: its siblings are found by run id).
  ConnectomePage(io::Session& session, io::DatasetId timeFactors);
  ~ConnectomePage() override;

  int componentCount() const;
  int component() const;
  void setComponent(int component);
  // Hierarchy levels of the communities run for the current component (1 without one).
  int levelCount() const;
  int level() const;
  void setLevel(int level);
  bool hasCommunities() const;
  bool hasTraces() const;
  bool hasStimulusEpochs() const;
  bool hasPositions() const;
  // The run has a rank_selection table (the rank selection panel is shown).
  bool hasRankSelection() const;
  std::size_t neuronCount() const;
  // Display position → neuron of the matrices now shown.
  const std::vector<std::size_t>& neuronOrder() const;
  // Community (or cluster) of every neuron for the current component and level.
  const std::vector<int>& neuronGroups() const;
  // The dataset whose items the neurons are in the Selection (pair_factors).
  io::DatasetId neuronItems() const;
  // The anatomical connectome table shown beside the functional matrix
  // (kNoDataset: none); any Table with pre, post and synapses columns.
  void setAnatomy(io::DatasetId table);
  io::DatasetId anatomy() const;
  // Reads an anatomical connectome file off the GUI thread, adds its table
  // to the session and shows it (what "Open connectome file…" does).
  void loadAnatomyFile(const QString& path);
  // How many of the page's neurons the anatomical table names.
  std::size_t anatomyMatched() const;
  // True while an ordering or a layout is being computed off the GUI thread.
  bool isBusy() const;
  // Where the graph draws a neuron, in page coordinates ((−1, −1): not shown).
  QPointF graphNodePosition(std::size_t neuron) const;

  std::string saveState() const override;
  void restoreState(const std::string& json) override;

 private:
  void refresh();
  void applyComponentView();
  void refreshTraces();
  void showRankSelection();
  void refreshAnatomy();
  void refreshAnatomyChoices();
  void openAnatomyFile();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nl::widgets
