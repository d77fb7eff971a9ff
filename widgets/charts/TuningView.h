#pragma once
// Tuning curve of the selected units: mean rate ± SEM against a stimulus
// parameter of an intervals table, in a window after each stimulus onset.
#include <QWidget>

#include "io/Session.h"

namespace nl::widgets {

class Chart;

class TuningView : public QWidget {
  Q_OBJECT
 public:
  TuningView(io::Session& session, io::DatasetId recording, io::DatasetId stimulus,
             QString parameter, QWidget* parent = nullptr);
  ~TuningView() override;
  Chart* chart() const { return chart_; }
  void refresh();

 private:
  io::Session& session_;
  io::DatasetId recording_, stimulus_;
  QString parameter_;
  Chart* chart_ = nullptr;
  io::Signal<const std::string&>::ConnectionId connection_ = 0;
};

}  // namespace nl::widgets
