#pragma once
// PSTH of the selected unit aligned to an intervals table's events, one line
// per condition of a column (± SEM band), and the trial raster beneath it (or
// beside it when the view is short and wide).
#include <QWidget>

#include "io/Session.h"

class QComboBox;
class QDoubleSpinBox;
class QSplitter;

namespace nl::widgets {

class Chart;

class PsthView : public QWidget {
  Q_OBJECT
 public:
  PsthView(io::Session& session, io::DatasetId recording, io::DatasetId intervals, QString groupBy,
           QWidget* parent = nullptr);
  ~PsthView() override;
  Chart* chart() const { return chart_; }
  void refresh();

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  io::Session& session_;
  io::DatasetId recording_, intervals_;
  QComboBox* groupBy_ = nullptr;
  QDoubleSpinBox* binWidth_ = nullptr;
  QDoubleSpinBox* smoothing_ = nullptr;
  Chart* chart_ = nullptr;
  QWidget* trialRaster_ = nullptr;
  QSplitter* split_ = nullptr;
  io::Signal<const std::string&>::ConnectionId connection_ = 0;
};

}  // namespace nl::widgets
