// The recording page's waveform and amplitude (drift) views on units whose
// features are planted: the waveform view finds the peak channel and draws
// the traces where the sites are; the amplitude view shows the drift, and a
// click on it moves the shared time cursor, which the raster follows.
#include <gtest/gtest.h>

#include <QApplication>
#include <QMouseEvent>
#include <QTest>
#include <cmath>

#include "GuiTestUtil.h"
#include "io/Session.h"
#include "widgets/charts/AmplitudeView.h"
#include "widgets/charts/RasterWidget.h"
#include "widgets/charts/WaveformView.h"

namespace {

constexpr std::size_t kSamples = 82, kChannels = 384, kUnits = 3;

// Unit u peaks on channel 37 + 100·u with a trough of −(80 + 40u) µV at
// sample 30 and a positive peak 12 samples later; its neighbours see less,
// with distance along the probe. Amplitudes grow linearly over the recording
// (electrode drift).
class PlantedFeatures final : public nl::io::UnitFeatureSource {
 public:
  explicit PlantedFeatures(std::vector<std::size_t> spikeCounts)
      : counts_(std::move(spikeCounts)) {}
  bool hasWaveforms() const override { return true; }
  std::size_t waveformSamples() const override { return kSamples; }
  std::size_t waveformChannels() const override { return kChannels; }
  nl::io::WaveformMean waveformMean(std::size_t unit) const override {
    nl::io::WaveformMean w;
    w.samples = kSamples;
    w.channels = kChannels;
    w.samplingRateHz = 30000;
    w.unit = "volts";
    w.toMicrovolts = 1e6;
    w.values.assign(kSamples * kChannels, 0.0f);
    const double peak = 37.0 + 100.0 * static_cast<double>(unit);
    for (std::size_t c = 0; c < kChannels; ++c) {
      const double gain = std::exp(-std::abs(static_cast<double>(c) - peak) / 4.0);
      for (std::size_t s = 0; s < kSamples; ++s) {
        const double t = static_cast<double>(s);
        const double shape =
            -std::exp(-(t - 30) * (t - 30) / 8.0) + 0.4 * std::exp(-(t - 42) * (t - 42) / 30.0);
        w.values[s * kChannels + c] =
            static_cast<float>(1e-6 * (80.0 + 40.0 * unit) * gain * shape);
      }
    }
    return w;
  }
  bool hasAmplitudes() const override { return true; }
  std::vector<float> amplitudesOfUnit(std::size_t unit) const override {
    std::vector<float> a(counts_[unit]);
    for (std::size_t k = 0; k < a.size(); ++k)
      a[k] = static_cast<float>(1e-6 * (50.0 + 100.0 * static_cast<double>(k) / a.size()));
    return a;
  }
  std::string amplitudeUnit() const override { return "volts"; }
  double amplitudeToMicrovolts() const override { return 1e6; }

 private:
  std::vector<std::size_t> counts_;
};

std::shared_ptr<nl::io::SpikeRecording> plantedRecording() {
  std::vector<double> times;
  std::vector<std::uint64_t> offsets{0};
  std::vector<std::size_t> counts;
  for (std::size_t u = 0; u < kUnits; ++u) {
    const std::size_t n = 4000 + 1000 * u;
    for (std::size_t k = 0; k < n; ++k) times.push_back(1000.0 * (k + 0.5) / n);
    offsets.push_back(times.size());
    counts.push_back(n);
  }
  auto recording = std::make_shared<nl::io::SpikeRecording>("units", nullptr, std::move(times),
                                                            std::move(offsets), nullptr);
  recording->setUnitFeatures(std::make_shared<PlantedFeatures>(counts));
  return recording;
}

TEST(UnitFeaturesViews, WaveformViewFindsThePeakChannelAndDrawsTheSelectedUnits) {
  nl::io::Session session;
  const auto id = session.add(plantedRecording());
  nl::widgets::WaveformView view(session, id);
  view.resize(360, 420);
  view.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
  // Nothing selected: the most active unit (unit 2, 6,000 spikes), as the PSTH.
  EXPECT_EQ(view.shownUnits(), std::vector<std::size_t>{2});
  EXPECT_EQ(view.peakChannel(), 237);
  session.selection().select(id, {1}, "test");
  EXPECT_EQ(view.shownUnits(), std::vector<std::size_t>{1});
  EXPECT_EQ(view.peakChannel(), 137);
  QApplication::processEvents();
  const QImage one = view.grab().toImage();
  const int blue = nl::test::countNear(one, QColor(31, 119, 180), 40);
  EXPECT_GT(blue, 300) << "sixteen traces in the first unit's colour";
  session.selection().select(id, {1, 2}, "test");
  QApplication::processEvents();
  const QImage two = view.grab().toImage();
  EXPECT_EQ(view.shownUnits().size(), 2u);
  EXPECT_GT(nl::test::countNear(two, QColor(214, 39, 40), 40), 50)
      << "the second unit in its own colour (its peak is far: only its tail is near)";
}

TEST(UnitFeaturesViews, AmplitudeViewShowsDriftAndItsClickMovesTheRaster) {
  nl::io::Session session;
  const auto id = session.add(plantedRecording());
  session.selection().select(id, {0}, "test");
  nl::widgets::AmplitudeView view(session, id);
  view.resize(600, 260);
  view.show();
  nl::widgets::RasterWidget raster(session, id);
  raster.resize(600, 200);
  raster.show();
  raster.setTimeWindow(0.0, 20.0);
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
  const QImage image = view.grab().toImage();
  const QRectF plot = view.plotRect();
  // Mean height of the unit's pixels in the first and last fifth of the time axis.
  auto meanY = [&](double from, double to) {
    double sum = 0;
    int n = 0;
    for (int x = static_cast<int>(plot.left() + from * plot.width());
         x < static_cast<int>(plot.left() + to * plot.width()); ++x)
      for (int y = static_cast<int>(plot.top()) + 1; y < static_cast<int>(plot.bottom()); ++y) {
        const QColor c = image.pixelColor(x, y);
        if (c.blue() > c.red() + 40) sum += y, ++n;
      }
    return n > 0 ? sum / n : std::nan("");
  };
  const double early = meanY(0.02, 0.2), late = meanY(0.8, 0.98);
  ASSERT_TRUE(std::isfinite(early) && std::isfinite(late));
  EXPECT_GT(early - late, 0.4 * plot.height()) << "amplitudes grow from 50 to 150 µV";
  // A click at 3/4 of the time axis: the cursor goes there and the raster's
  // window follows it.
  QTest::mouseClick(&view, Qt::LeftButton, {},
                    QPoint(static_cast<int>(plot.left() + 0.75 * plot.width()),
                           static_cast<int>(plot.center().y())));
  ASSERT_TRUE(session.selection().hasTimeCursor());
  EXPECT_NEAR(session.selection().timeCursor(), 750.0, 5.0);
  const auto [t0, t1] = raster.timeWindow();
  EXPECT_LE(t0, session.selection().timeCursor());
  EXPECT_GE(t1, session.selection().timeCursor());
  EXPECT_NEAR(t1 - t0, 20.0, 1e-9) << "the raster keeps its span";
}

}  // namespace
