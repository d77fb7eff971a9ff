#pragma once
// Mean waveforms of the selected units on the channels around the peak
// channel, each trace drawn where its site is on the probe (as phy's waveform
// view does), so the spatial footprint of a unit can be seen and two units
// compared. Reads waveform_mean lazily per unit through the recording.
#include <QWidget>
#include <memory>

#include "io/Session.h"

namespace nl::widgets {

class WaveformView : public QWidget {
  Q_OBJECT
 public:
  WaveformView(io::Session& session, io::DatasetId recording, QWidget* parent = nullptr);
  ~WaveformView() override;
  // Channels shown around the peak channel (default 16).
  void setChannelCount(int channels);
  // The units drawn (the selection's, at most kMaxUnits) and the peak
  // channel of the first, for tests and the status line.
  std::vector<std::size_t> shownUnits() const;
  int peakChannel() const;
  static constexpr std::size_t kMaxUnits = 6;

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  void refresh();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nl::widgets
