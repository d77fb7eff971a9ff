#include "widgets/pages/fisbe/FisbePage.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "io/RunInputs.h"
#include "io/microscopy/VolumeDataset.h"
#include "plugins/Job.h"
#include "widgets/TableView.h"
#include "widgets/VtkView.h"
#include "widgets/charts/Chart.h"
#include "widgets/scene/LabelVolumeLayer.h"
#include "widgets/scene/Scene.h"

namespace nl::widgets {

namespace {

// List cells ("[6,8]") of the instance tables.
std::vector<std::int64_t> idList(const io::TableDataset& table, const char* column,
                                 std::size_t row) {
  const auto* c = table.column(column);
  if (c == nullptr) return {};
  const auto json = nlohmann::json::parse(c->cellText(row), nullptr, false);
  std::vector<std::int64_t> ids;
  if (json.is_array())
    for (const auto& v : json)
      if (v.is_number_integer()) ids.push_back(v.get<std::int64_t>());
  return ids;
}

double cell(const io::TableDataset& table, const char* column, std::size_t row) {
  const auto* values = table.numericColumn(column);
  return values != nullptr && row < values->size() ? (*values)[row] : std::nan("");
}

std::int64_t previewLabel(const io::TableDataset& table, std::size_t row, bool instanceChannels) {
  return instanceChannels ? static_cast<std::int64_t>(cell(table, "channel", row)) + 1
                          : static_cast<std::int64_t>(cell(table, "label", row));
}

std::optional<std::size_t> rowOfPreviewLabel(const io::TableDataset& table, std::int64_t label,
                                             bool instanceChannels) {
  for (std::size_t row = 0; row < table.rowCount(); ++row)
    if (previewLabel(table, row, instanceChannels) == label) return row;
  return std::nullopt;
}

nlohmann::json metricsJson(const io::TableDataset& metrics) {
  const auto it = metrics.attributes().find("metrics_json");
  return it == metrics.attributes().end() ? nlohmann::json()
                                          : nlohmann::json::parse(it->second, nullptr, false);
}

double number(const nlohmann::json& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_number()
             ? object[key].get<double>()
             : std::nan("");
}

}  // namespace

QColor FisbePage::outcomeColour(Outcome outcome) {
  // Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
  switch (outcome) {
    case Outcome::Matched:
      return QColor(0, 158, 115);  // bluish green
    case Outcome::Missed:
      return QColor(213, 94, 0);  // vermillion
    case Outcome::Merged:
      return QColor(204, 121, 167);  // reddish purple
    case Outcome::FalseSplit:
      return QColor(230, 159, 0);  // orange
    case Outcome::FalsePositive:
      return QColor(86, 180, 233);  // sky blue
    case Outcome::Unscored:
      return QColor(150, 150, 150);
    case Outcome::Removed:
      return QColor(90, 90, 90);
  }
  return QColor(128, 128, 128);
}

QString FisbePage::outcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::Matched:
      return tr("matched");
    case Outcome::Missed:
      return tr("missed (false negative)");
    case Outcome::Merged:
      return tr("merged");
    case Outcome::FalseSplit:
      return tr("false split");
    case Outcome::FalsePositive:
      return tr("false positive");
    case Outcome::Unscored:
      return tr("not scored (unlabelled region)");
    case Outcome::Removed:
      return tr("removed (too small)");
  }
  return {};
}

bool FisbePage::isFisbeMetrics(const io::Dataset& dataset) {
  return dataset.kind() == io::DatasetKind::Table &&
         dataset.attributes().contains("metrics_json") &&
         dataset.provenance().pluginId == "fisbe.evaluate";
}

std::map<std::int64_t, FisbePage::Outcome> FisbePage::groundTruthOutcomes(
    const io::TableDataset& gt, const io::TableDataset& pred, bool instanceChannels) {
  std::set<std::int64_t> merged;  // GT ids under a prediction that covers several
  for (std::size_t row = 0; row < pred.rowCount(); ++row)
    if (const auto ids = idList(pred, "merged_gts", row); ids.size() > 1)
      merged.insert(ids.begin(), ids.end());
  std::map<std::int64_t, Outcome> out;
  for (std::size_t row = 0; row < gt.rowCount(); ++row) {
    const auto id = static_cast<std::int64_t>(cell(gt, "id", row));
    Outcome outcome = cell(gt, "matched_pred_05", row) > 0 ? Outcome::Matched : Outcome::Missed;
    if (merged.contains(id)) outcome = Outcome::Merged;
    out[previewLabel(gt, row, instanceChannels)] = outcome;
  }
  return out;
}

std::map<std::int64_t, FisbePage::Outcome> FisbePage::predictionOutcomes(
    const io::TableDataset& pred, bool instanceChannels) {
  std::map<std::int64_t, Outcome> out;
  for (std::size_t row = 0; row < pred.rowCount(); ++row) {
    Outcome outcome = Outcome::Unscored;
    if (idList(pred, "merged_gts", row).size() > 1)
      outcome = Outcome::Merged;
    else if (cell(pred, "matched_gt_05", row) > 0)
      outcome = Outcome::Matched;
    else if (cell(pred, "false_split_05", row) > 0)
      outcome = Outcome::FalseSplit;
    else if (cell(pred, "false_positive_05", row) > 0)
      outcome = Outcome::FalsePositive;
    out[previewLabel(pred, row, instanceChannels)] = outcome;
  }
  return out;
}

FisbePage::FisbePage(io::Session& session, io::DatasetId metrics, io::DatasetId gtInstances,
                     io::DatasetId predInstances, QWidget* parent)
    : Page(parent),
      session_(session),
      metrics_(std::dynamic_pointer_cast<const io::TableDataset>(session.find(metrics))),
      gt_(std::dynamic_pointer_cast<const io::TableDataset>(session.find(gtInstances))),
      pred_(std::dynamic_pointer_cast<const io::TableDataset>(session.find(predInstances))),
      gtId_(gtInstances),
      predId_(predInstances) {
  if (!metrics_ || !isFisbeMetrics(*metrics_) || !gt_ || !pred_)
    throw std::invalid_argument("not the outputs of a fisbe.evaluate run");
  const auto json = metricsJson(*metrics_);
  const auto general = json.value("general", nlohmann::json::object());
  const auto confusion = json.value("confusion_matrix", nlohmann::json::object());

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  summary_ = new QLabel(this);
  summary_->setObjectName("fisbeSummary");
  summary_->setTextFormat(Qt::RichText);
  summary_->setWordWrap(true);  // a long line must not widen the page past the window
  summary_->setText(
      tr("<b>S</b> %1 &nbsp; <b>avF1</b> %2 &nbsp; <b>C</b> %3 &nbsp; <b>TP<sub>0.5</sub></b> "
         "%4 of %5 neurons (%6 predictions) &nbsp; <b>FS</b> %7 &nbsp; <b>FM</b> %8 &nbsp; "
         "<span style='color:gray'>%9 vs %10</span>")
          .arg(number(general, "avg_f1_cov_score"), 0, 'f', 4)
          .arg(number(confusion, "avFscore"), 0, 'f', 4)
          .arg(number(general, "avg_gt_skel_coverage"), 0, 'f', 4)
          .arg(number(general, "TP_05"), 0, 'f', 0)
          .arg(number(general, "Num GT"), 0, 'f', 0)
          .arg(number(general, "Num Pred"), 0, 'f', 0)
          .arg(number(general, "FS"), 0, 'f', 0)
          .arg(number(general, "FM"), 0, 'f', 0)
          .arg(QString::fromStdString(metrics_->attributes().count("prediction")
                                          ? metrics_->attributes().at("prediction")
                                          : std::string("prediction")),
               QString::fromStdString(metrics_->attributes().count("ground_truth")
                                          ? metrics_->attributes().at("ground_truth")
                                          : std::string("ground truth"))));
  layout->addWidget(summary_);
  missingBar_ = new QWidget(this);
  missingBar_->setObjectName("fisbeMissingInputs");
  auto* missingLayout = new QHBoxLayout(missingBar_);
  missingLayout->setContentsMargins(0, 0, 0, 0);
  missingText_ = new QLabel(missingBar_);
  missingText_->setWordWrap(true);
  missingText_->setStyleSheet("color: #b35806");
  auto* locate = new QPushButton(tr("Locate…"), missingBar_);
  locate->setObjectName("fisbeLocate");
  missingLayout->addWidget(missingText_, 1);
  missingLayout->addWidget(locate);
  missingBar_->hide();
  layout->addWidget(missingBar_);
  connect(locate, &QPushButton::clicked, this, [this] {
    if (missing_.empty()) return;
    const auto& first = missing_.front();
    const QString path = QFileDialog::getOpenFileName(
        this,
        tr("Locate the %1 (was %2)")
            .arg(first.groundTruth ? tr("ground truth") : tr("prediction"),
                 QString::fromStdString(first.sourcePath)),
        QFileInfo(QString::fromStdString(first.sourcePath)).absolutePath());
    if (path.isEmpty()) return;
    try {
      locateInput(0, path);
    } catch (const std::exception& error) {
      complain(tr("Cannot open file"), QString::fromStdString(error.what()));
    }
  });

  auto* split = new QSplitter(Qt::Vertical, this);
  auto* top = new QSplitter(Qt::Horizontal);
  chart_ = new Chart();
  chart_->setObjectName("fisbeThresholdChart");
  chart_->setMinimumWidth(220);
  {
    // Every threshold of the official file (0.1…0.9 and 0.55…0.95), in order.
    std::vector<std::pair<double, const nlohmann::json*>> rows;
    for (const auto& [key, value] : confusion.items())
      if (key.rfind("th_", 0) == 0 && value.is_object()) {
        std::string digits = key.substr(3);
        std::replace(digits.begin(), digits.end(), '_', '.');
        rows.emplace_back(std::stod(digits), &value);
      }
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    ChartSeries precision{tr("precision"),    ChartSeries::Style::Line, {}, {}, {}, {},
                          QColor(0, 114, 178)};
    ChartSeries recall{tr("recall"), ChartSeries::Style::Line, {}, {}, {}, {}, QColor(213, 94, 0)};
    ChartSeries f1{tr("F1"), ChartSeries::Style::Line, {}, {}, {}, {}, QColor(0, 158, 115)};
    for (const auto& [threshold, values] : rows) {
      for (auto* s : {&precision, &recall, &f1}) s->x.push_back(threshold);
      precision.y.push_back(number(*values, "precision"));
      recall.y.push_back(number(*values, "recall"));
      f1.y.push_back(number(*values, "fscore"));
    }
    chart_->setSeries({precision, recall, f1});
    chart_->setTitle(tr("matching at each clDice threshold"));
    chart_->setAxisTitles(tr("clDice threshold"), tr("score"));
  }
  top->addWidget(chart_);

  auto makeView = [&](const QString& title, const char* name, VtkView*& view, Scene*& scene) {
    auto* box = new QWidget();
    auto* boxLayout = new QVBoxLayout(box);
    boxLayout->setContentsMargins(0, 0, 0, 0);
    boxLayout->setSpacing(2);
    auto* label = new QLabel(title, box);
    boxLayout->addWidget(label);
    view = new VtkView(box);
    view->setObjectName(name);
    view->setMinimumSize(180, 180);
    boxLayout->addWidget(view, 1);
    scene = new Scene(view, session_, box);
    top->addWidget(box);
  };
  makeView(tr("<b>ground truth</b> — reading…"), "fisbeGroundTruthView", gtView_, gtScene_);
  makeView(tr("<b>prediction</b> — reading…"), "fisbePredictionView", predView_, predScene_);
  gtView_->shareCameraWith(predView_);
  top->setStretchFactor(0, 2);
  top->setStretchFactor(1, 3);
  top->setStretchFactor(2, 3);
  split->addWidget(top);

  auto* bottom = new QWidget();
  auto* bottomLayout = new QVBoxLayout(bottom);
  bottomLayout->setContentsMargins(0, 0, 0, 0);
  QString legend;
  for (Outcome o : {Outcome::Matched, Outcome::Missed, Outcome::Merged, Outcome::FalseSplit,
                    Outcome::FalsePositive, Outcome::Removed})
    legend += QStringLiteral("<span style='color:%1'>&#9632;</span> %2 &nbsp; ")
                  .arg(outcomeColour(o).name(), outcomeName(o));
  auto* legendLabel = new QLabel(tr("At clDice 0.5: ") + legend, bottom);
  legendLabel->setObjectName("fisbeLegend");
  bottomLayout->addWidget(legendLabel);
  readout_ = new QLabel(tr("Click an instance or a table row."), bottom);
  readout_->setObjectName("fisbeReadout");
  bottomLayout->addWidget(readout_);
  auto* tables = new QSplitter(Qt::Horizontal, bottom);
  gtTable_ = new TableView(session_, gtInstances);
  predTable_ = new TableView(session_, predInstances);
  tables->addWidget(gtTable_);
  tables->addWidget(predTable_);
  bottomLayout->addWidget(tables, 1);
  split->addWidget(bottom);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  layout->addWidget(split, 1);

  // After the scenes' own handlers (connected first): add the counterparts.
  selectionConnection_ =
      session_.selection().changed.connect([this](const std::string&) { showCounterparts(); });
  connect(gtScene_, &Scene::picked, this,
          [this](const PickHit& hit) { describePick(true, hit.index); });
  connect(predScene_, &Scene::picked, this,
          [this](const PickHit& hit) { describePick(false, hit.index); });
}

FisbePage::~FisbePage() {
  session_.selection().changed.disconnect(selectionConnection_);
}

LabelVolumeLayer* FisbePage::layerOf(Scene* scene) const {
  for (auto* layer : scene->layers())
    if (auto* labels = qobject_cast<LabelVolumeLayer*>(layer)) return labels;
  return nullptr;
}

void FisbePage::showCounterparts() {
  const auto& selection = session_.selection();
  const bool fromGroundTruth = selection.dataset() == gtId_;
  if (!fromGroundTruth && selection.dataset() != predId_) return;
  auto* other = layerOf(fromGroundTruth ? predScene_ : gtScene_);
  if (other == nullptr) return;
  const auto& from = fromGroundTruth ? *gt_ : *pred_;
  const auto& to = fromGroundTruth ? *pred_ : *gt_;
  // Evaluation ids in the other table: matched at 0.5, and the predictions
  // covering a neuron / the neuron a prediction lies on.
  std::set<std::int64_t> ids;
  for (const auto row : selection.indices()) {
    if (row < 0 || static_cast<std::size_t>(row) >= from.rowCount()) continue;
    const auto r = static_cast<std::size_t>(row);
    const double matched = cell(from, fromGroundTruth ? "matched_pred_05" : "matched_gt_05", r);
    if (matched > 0) ids.insert(static_cast<std::int64_t>(matched));
    if (fromGroundTruth) {
      for (auto id : idList(from, "covering_predictions", r)) ids.insert(id);
    } else if (const double on = cell(from, "assigned_gt", r); on > 0) {
      ids.insert(static_cast<std::int64_t>(on));
    }
  }
  std::vector<std::int64_t> labels;
  const bool channels = fromGroundTruth ? predInstanceChannels_ : gtInstanceChannels_;
  for (std::size_t row = 0; row < to.rowCount(); ++row)
    if (ids.contains(static_cast<std::int64_t>(cell(to, "id", row))))
      labels.push_back(previewLabel(to, row, channels));
  other->setHighlight(labels);
  (fromGroundTruth ? predScene_ : gtScene_)->view()->requestRender();
}

void FisbePage::setGroundTruth(const LabelPreview& preview) {
  gtInstanceChannels_ = preview.instanceChannels;
  auto* layer = new LabelVolumeLayer(tr("ground truth"), preview.id, preview.labels);
  std::map<int, QColor> colours;
  std::vector<std::pair<std::int64_t, std::int64_t>> rows;
  for (const auto& [label, outcome] : groundTruthOutcomes(*gt_, *pred_, preview.instanceChannels)) {
    colours[static_cast<int>(label)] = outcomeColour(outcome);
    if (const auto row = rowOfPreviewLabel(*gt_, label, preview.instanceChannels))
      rows.emplace_back(label, static_cast<std::int64_t>(*row));
  }
  layer->setLabelColours(colours);
  layer->linkItemsToRows(gtId_, rows);
  gtScene_->addLayer(layer);
  if (!restoredScenes()) gtView_->setStandardView(VtkView::StandardView::Dorsal);
  if (auto* title = gtView_->parentWidget()->findChild<QLabel*>())
    title->setText(tr("<b>ground truth</b> — %1 neurons").arg(gt_->rowCount()));
}

void FisbePage::setPrediction(const LabelPreview& preview) {
  predInstanceChannels_ = preview.instanceChannels;
  auto* layer = new LabelVolumeLayer(tr("prediction"), preview.id, preview.labels);
  const auto outcomes = predictionOutcomes(*pred_, preview.instanceChannels);
  std::map<int, QColor> colours;
  std::vector<std::pair<std::int64_t, std::int64_t>> rows;
  for (int label : layer->labels()) {
    const auto it = outcomes.find(label);
    const Outcome outcome = it == outcomes.end() ? Outcome::Removed : it->second;
    colours[label] = outcomeColour(outcome);
    if (outcome == Outcome::Removed) layer->setLabelOpacity(label, 0.35);
    if (const auto row = rowOfPreviewLabel(*pred_, label, preview.instanceChannels))
      rows.emplace_back(label, static_cast<std::int64_t>(*row));
  }
  layer->setLabelColours(colours);
  layer->linkItemsToRows(predId_, rows);
  predScene_->addLayer(layer);
  if (gtScene_->layers().empty() && !restoredScenes())
    predView_->setStandardView(VtkView::StandardView::Dorsal);
  if (auto* title = predView_->parentWidget()->findChild<QLabel*>())
    title->setText(tr("<b>prediction</b> — %1 instances scored").arg(pred_->rowCount()));
}

void FisbePage::describePick(bool groundTruth, std::int64_t label) {
  const auto& table = groundTruth ? *gt_ : *pred_;
  const auto row =
      rowOfPreviewLabel(table, label, groundTruth ? gtInstanceChannels_ : predInstanceChannels_);
  if (!row) {
    readout_->setText(groundTruth
                          ? tr("ground-truth label %1 is not among the scored neurons").arg(label)
                          : tr("prediction %1 was removed before scoring (too small)").arg(label));
    return;
  }
  const std::size_t r = *row;
  const auto id = static_cast<std::int64_t>(cell(table, "id", r));
  if (groundTruth) {
    const Outcome outcome = groundTruthOutcomes(*gt_, *pred_, gtInstanceChannels_)[label];
    readout_->setText(tr("neuron %1 (channel %2): %3 — best prediction %4 at clDice %5, "
                         "coverage %6, %7 voxels, skeleton %8 voxels%9")
                          .arg(id)
                          .arg(cell(table, "channel", r), 0, 'f', 0)
                          .arg(outcomeName(outcome))
                          .arg(cell(table, "best_pred", r), 0, 'f', 0)
                          .arg(cell(table, "best_cldice", r), 0, 'f', 3)
                          .arg(cell(table, "coverage", r), 0, 'f', 3)
                          .arg(cell(table, "voxels", r), 0, 'f', 0)
                          .arg(cell(table, "skeleton_voxels", r), 0, 'f', 0)
                          .arg(cell(table, "dim", r) > 0 ? tr(", dim") : QString()));
  } else {
    const Outcome outcome = predictionOutcomes(*pred_, predInstanceChannels_)[label];
    const double matched = cell(table, "matched_gt_05", r);
    readout_->setText(
        tr("prediction %1 (label %2): %3%4 — %5 voxels, skeleton %6 voxels, mainly on %7")
            .arg(id)
            .arg(cell(table, "label", r), 0, 'f', 0)
            .arg(outcomeName(outcome))
            .arg(matched > 0 ? tr(" to neuron %1 at clDice %2")
                                   .arg(matched, 0, 'f', 0)
                                   .arg(cell(table, "matched_cldice_05", r), 0, 'f', 3)
                             : QString())
            .arg(cell(table, "voxels", r), 0, 'f', 0)
            .arg(cell(table, "skeleton_voxels", r), 0, 'f', 0)
            .arg(cell(table, "assigned_gt", r) > 0
                     ? tr("neuron %1").arg(cell(table, "assigned_gt", r), 0, 'f', 0)
                     : tr("background")));
  }
}

QString FisbePage::summaryText() const {
  return summary_->text();
}

QString FisbePage::readoutText() const {
  return readout_->text();
}

namespace {

// Two label views on one page: 8 M voxels each.
constexpr std::size_t kPreviewVoxels = std::size_t{8} << 20;

}  // namespace

void FisbePage::showScoredVolume(io::DatasetId id, bool groundTruth) {
  addShownDataset(id);
  const auto labels = session_.find(id);
  const QString which = groundTruth ? QObject::tr("ground truth") : QObject::tr("prediction");
  // The preview stands for the scored volume (its id), it is not a dataset of its own.
  auto apply = [id, groundTruth](FisbePage& target, std::shared_ptr<const io::ArrayDataset> preview,
                                 bool instanceChannels) {
    const FisbePage::LabelPreview shown{id, preview, instanceChannels};
    if (groundTruth)
      target.setGroundTruth(shown);
    else
      target.setPrediction(shown);
  };
  if (const auto array = std::dynamic_pointer_cast<const io::ArrayDataset>(labels)) {
    // Already in memory: one channel of ids as the label views take them.
    if (array->shape().size() == 3 && array->elementCount() <= kPreviewVoxels)
      apply(*this, array, false);
    else
      note(tr("FISBe page: %1: only 3-D label arrays of up to %2 voxels are shown")
               .arg(QString::fromStdString(array->name()))
               .arg(kPreviewVoxels));
    return;
  }
  const auto volume = std::dynamic_pointer_cast<const io::microscopy::VolumeDataset>(labels);
  if (!volume) {
    note(tr("FISBe page: %1 is not a volume").arg(QString::fromStdString(labels->name())));
    return;
  }
  const auto step = io::microscopy::previewStep(volume->volumeShape(), kPreviewVoxels);
  const bool instanceChannels =
      volume->labelEncoding() == io::microscopy::LabelEncoding::InstanceChannels;
  auto preview = std::make_shared<std::shared_ptr<const io::ArrayDataset>>();
  // runTask calls back only while the page lives.
  runTask(
      QObject::tr("Preview of the %1").arg(which),
      [volume, step, preview](plugins::ProgressReporter&) {
        *preview = io::microscopy::toLabelIdArrayPooled(*volume, step);
      },
      [this, preview, instanceChannels, apply, which](const QString& error) {
        try {
          if (!error.isEmpty()) throw std::runtime_error(error.toStdString());
          apply(*this, *preview, instanceChannels);
        } catch (const std::exception& failure) {
          note(tr("FISBe page: %1 not shown in 3D: %2")
                   .arg(which, QString::fromStdString(failure.what())));
        }
      });
}

void FisbePage::setMissingInputs(std::vector<MissingInput> missing) {
  missing_ = std::move(missing);
  missingText_->setText(missingInputsText());
  missingBar_->setVisible(!missing_.empty());
}

QString FisbePage::missingInputsText() const {
  QStringList lines;
  for (const auto& input : missing_)
    lines << tr("The scored %1 is missing: %2 (%3).")
                 .arg(input.groundTruth ? tr("ground truth") : tr("prediction"),
                      QString::fromStdString(input.sourcePath.empty()
                                                 ? std::string("no file recorded")
                                                 : input.sourcePath),
                      QString::fromStdString(input.problem));
  return lines.join('\n');
}

void FisbePage::locateInput(std::size_t missingIndex, const QString& path) {
  if (missingIndex >= missing_.size()) return;
  const MissingInput input = missing_[missingIndex];
  const auto report =
      io::relocateRunInput(session_, metrics_->provenance().runId,
                           input.groundTruth ? "ground_truth" : "prediction", path.toStdString());
  const auto* item = report.items.empty() ? nullptr : &report.items.front();
  if (!item || item->id == io::kNoDataset)
    throw io::FileError(path.toStdString(), item ? item->message : "holds no such dataset");
  missing_.erase(missing_.begin() + static_cast<std::ptrdiff_t>(missingIndex));
  setMissingInputs(missing_);
  showScoredVolume(item->id, input.groundTruth);
}

}  // namespace nl::widgets
