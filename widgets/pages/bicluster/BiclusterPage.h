#pragma once
// The page of an ephys.bicluster run: the counts raster reordered by neuron
// cluster with the state of every bin as a coloured ribbon (maxPEAR, and
// minVI under it when the run has it), the neuron and
// time-bin posterior similarities reordered by cluster and state, latent
// trajectories with their 95 % HPD bands, the cluster/state count histograms
// and the log-likelihood traces. Choosing a cluster selects its units (on the
// run's recording when it had one, else on the counts); clicking a bin moves
// the session's time cursor.
#include <QString>
#include <memory>

#include "io/Session.h"
#include "widgets/pages/Page.h"

namespace nl::widgets {

class BiclusterPage final : public Page {
  Q_OBJECT
 public:
  // `summary` is the run's summary output; its siblings are found by run id.
  BiclusterPage(io::Session& session, io::DatasetId summary);
  ~BiclusterPage() override;

  static bool isBiclusterSummary(const io::Dataset& dataset);
  // Selects the units of maxPEAR cluster `cluster` (tests, the cluster list).
  void selectCluster(int cluster);
  int clusterCount() const;
  // The dataset whose items the units are (the recording, else the counts).
  io::DatasetId unitsDataset() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nl::widgets
