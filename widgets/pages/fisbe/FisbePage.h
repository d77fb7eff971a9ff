#pragma once
// The result of fisbe.evaluate on one page: the headline scores (S, avF1, C,
// TP at 0.5, false splits and merges), precision / recall / F1 against the
// clDice threshold, ground truth and prediction side by side in 3D through
// one camera with every instance coloured by its outcome at 0.5, and the
// per-instance tables (a row selects its instance in 3D and a click on an
// instance selects its row).
#include <QColor>
#include <QString>
#include <QWidget>
#include <map>
#include <memory>

#include "io/Session.h"
#include "widgets/pages/Page.h"

class QLabel;

namespace nl::widgets {

class Chart;
class LabelVolumeLayer;
class Scene;
class TableView;
class VtkView;

class FisbePage : public Page {
  Q_OBJECT
 public:
  // How an instance fared at clDice 0.5 (the official TP_05 matching; splits
  // and merges as the per-threshold false_split / the many-to-many FM rule).
  enum class Outcome {
    Matched,        // GT matched / prediction a true positive
    Missed,         // GT without a match (false negative)
    Merged,         // GT covered by a merging prediction / a prediction over ≥ 2 GT
    FalseSplit,     // unmatched prediction lying mainly on a GT neuron
    FalsePositive,  // unmatched prediction on background
    Unscored,       // prediction not counted (partly labelled image)
    Removed,        // prediction removed before scoring (≤ the size limit)
  };
  static QColor outcomeColour(Outcome outcome);
  static QString outcomeName(Outcome outcome);

  // The three outputs of one fisbe.evaluate run (found by their ids).
  FisbePage(io::Session& session, io::DatasetId metrics, io::DatasetId gtInstances,
            io::DatasetId predInstances, QWidget* parent = nullptr);
  ~FisbePage() override;

  // The label volumes in 3D (previews in the ArrayDataset convention, label
  // ids [z][y][x]); `instanceChannels` says the preview's ids are channel + 1
  // (one channel per instance in the file) rather than the file's label ids.
  struct LabelPreview {
    io::DatasetId id = io::kNoDataset;
    std::shared_ptr<const io::ArrayDataset> labels;
    bool instanceChannels = false;
  };
  void setGroundTruth(const LabelPreview& preview);
  void setPrediction(const LabelPreview& preview);
  // Shows a scored label volume of the session (chunked ones through a
  // preview read as a task); problems go to the log.
  void showScoredVolume(io::DatasetId labels, bool groundTruth);

  // Scored volumes that could not be found: the page says which file is
  // missing and offers to locate it.
  struct MissingInput {
    bool groundTruth = true;
    std::string sourcePath, internalPath, problem;
  };
  void setMissingInputs(std::vector<MissingInput> missing);
  QString missingInputsText() const;
  // Opens `path` (at the missing input's internal path) in place of the
  // missing input; throws io::FileError when it cannot be read.
  void locateInput(std::size_t missingIndex, const QString& path);

  // Outcome of every instance, keyed by the preview label id.
  static std::map<std::int64_t, Outcome> groundTruthOutcomes(const io::TableDataset& gt,
                                                             const io::TableDataset& pred,
                                                             bool instanceChannels);
  static std::map<std::int64_t, Outcome> predictionOutcomes(const io::TableDataset& pred,
                                                            bool instanceChannels);

  Chart* chart() const { return chart_; }
  Scene* groundTruthScene() const { return gtScene_; }
  Scene* predictionScene() const { return predScene_; }
  TableView* groundTruthTable() const { return gtTable_; }
  TableView* predictionTable() const { return predTable_; }
  QString summaryText() const;
  QString readoutText() const;

  // Whether `dataset` is the metrics output of fisbe.evaluate.
  static bool isFisbeMetrics(const io::Dataset& dataset);

 private:
  void describePick(bool groundTruth, std::int64_t label);
  // A neuron chosen in its table or view also lights up, in the other view,
  // the predictions that match or cover it (and a prediction its neuron).
  void showCounterparts();
  LabelVolumeLayer* layerOf(Scene* scene) const;
  io::Session& session_;
  std::shared_ptr<const io::TableDataset> metrics_, gt_, pred_;
  io::DatasetId gtId_, predId_;
  QLabel* summary_ = nullptr;
  QLabel* readout_ = nullptr;
  QWidget* missingBar_ = nullptr;
  QLabel* missingText_ = nullptr;
  std::vector<MissingInput> missing_;
  Chart* chart_ = nullptr;
  VtkView* gtView_ = nullptr;
  VtkView* predView_ = nullptr;
  Scene* gtScene_ = nullptr;
  Scene* predScene_ = nullptr;
  TableView* gtTable_ = nullptr;
  TableView* predTable_ = nullptr;
  bool gtInstanceChannels_ = false, predInstanceChannels_ = false;
  io::Signal<const std::string&>::ConnectionId selectionConnection_ = 0;
};

}  // namespace nl::widgets
