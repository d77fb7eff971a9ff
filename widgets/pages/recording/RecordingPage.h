#pragma once
// A spike recording: the probe in 3D, the raster, and below it tuning, PSTH,
// the firing-rate heat map (binned as a task when first shown), units by depth and rate and
// the unit table — all linked through the session's selection.
#include "io/Session.h"
#include "widgets/pages/Page.h"

class QComboBox;

namespace nl::widgets {

class HeatMap;
class RasterWidget;
class TableView;
class Scene;

class RecordingPage : public Page {
  Q_OBJECT
 public:
  // `stimulus`: an intervals table (start_time, stop_time) or kNoDataset.
  RecordingPage(io::Session& session, io::DatasetId recording, io::DatasetId stimulus,
                PageHost* host = nullptr, QWidget* parent = nullptr);
  ~RecordingPage() override;

  RasterWidget* raster() const { return raster_; }
  HeatMap* rateHeatMap() const { return rates_; }
  std::vector<Scene*> scenes() const override;
  std::string saveState() const override;
  void restoreState(const std::string& json) override;

 private:
  void binRates();
  void measureWaveforms();
  io::Session& session_;
  io::DatasetId recording_;
  Scene* scene_ = nullptr;
  RasterWidget* raster_ = nullptr;
  HeatMap* rates_ = nullptr;
  QComboBox* order_ = nullptr;
  bool ratesStarted_ = false;
  bool waveformMetricsStarted_ = false;
  TableView* unitTable_ = nullptr;
};

}  // namespace nl::widgets
