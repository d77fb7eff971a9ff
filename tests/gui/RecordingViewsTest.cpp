// The recording page's raster and PSTH at Allen scale: area names stay
// readable with 2,000 units on five probes, and a PSTH over 5,960 events keeps
// its tick labels and shows the trials as a density, not a solid block.
#include <gtest/gtest.h>

#include <QApplication>
#include <QPainter>
#include <QTest>
#include <random>

#include "GuiTestUtil.h"
#include "io/Session.h"
#include "widgets/charts/Chart.h"
#include "widgets/charts/PsthView.h"
#include "widgets/charts/RasterWidget.h"

namespace {

using nl::io::Column;
using nl::io::DatasetKind;

// Five probes of 400 units, each through cortex, hippocampus and thalamus;
// equal depths on different probes are in different cortical areas, so by
// depth alone the areas interleave unit by unit.
struct AllenLikeUnits {
  std::shared_ptr<nl::io::SpikeRecording> recording;
  std::vector<double> eventTimes;
};

AllenLikeUnits allenLikeUnits(std::size_t eventCount) {
  const std::vector<std::string> cortex{"VISp", "VISl", "VISrl", "VISal", "VISpm"};
  const std::vector<std::string> deep{"CA1", "LGd"};
  std::vector<std::string> location, probe;
  std::vector<double> depth, times;
  std::vector<std::uint64_t> offsets{0};
  std::mt19937_64 random(3);
  std::vector<double> events;
  for (std::size_t e = 0; e < eventCount; ++e) events.push_back(10.0 + 0.25 * e);
  for (std::size_t p = 0; p < 5; ++p)
    for (std::size_t u = 0; u < 400; ++u) {
      const double d = 3800.0 - 9.5 * u;  // µm from the tip
      depth.push_back(d);
      probe.push_back("probe" + std::string(1, static_cast<char>('A' + p)));
      location.push_back(u < 160 ? cortex[p] : u < 300 ? deep[0] : deep[1]);
      // A response 50–100 ms after each event for the first unit, sparse
      // background for all.
      std::vector<double> unit;
      std::uniform_real_distribution<double> background(0.0, 10.0 + 0.25 * eventCount + 5.0);
      for (int k = 0; k < 40; ++k) unit.push_back(background(random));
      if (p == 0 && u == 0)
        for (double t : events)
          unit.push_back(t + 0.05 + 0.05 * std::generate_canonical<double, 32>(random));
      std::sort(unit.begin(), unit.end());
      times.insert(times.end(), unit.begin(), unit.end());
      offsets.push_back(times.size());
    }
  auto units = std::make_shared<nl::io::TableDataset>(
      DatasetKind::Table, "units",
      std::vector<Column>{
          {"location", location}, {"probe_id", probe}, {"probe_vertical_position", depth}},
      nl::io::Provenance{});
  return {std::make_shared<nl::io::SpikeRecording>("units", units, std::move(times),
                                                   std::move(offsets), nullptr),
          events};
}

TEST(RecordingViews, RasterNamesTheAreasOfTwoThousandUnitsOnFiveProbes) {
  auto data = allenLikeUnits(10);
  nl::io::Session session;
  const auto id = session.add(data.recording);
  nl::widgets::RasterWidget raster(session, id);
  raster.resize(900, 420);
  raster.show();
  const QImage image = raster.render(QSize(900, 420));
  const QRectF plot = raster.plotRect();
  // Label text is drawn in dark grey left of the area bands.
  const QRect labels(0, static_cast<int>(plot.top()), static_cast<int>(plot.left()) - 10,
                     static_cast<int>(plot.height()));
  const int textPixels = nl::test::countNear(image, QColor(50, 50, 50), 60, labels);
  EXPECT_GT(textPixels, 200) << "area names are drawn at 2,000 units";
  // Ordered probe by probe: five blocks, each beginning with its cortex.
  std::vector<int> labelRows;
  for (int y = labels.top(); y < labels.bottom(); ++y)
    if (nl::test::countNear(image, QColor(50, 50, 50), 60, QRect(0, y, labels.width(), 1)) > 0)
      labelRows.push_back(y);
  int runs = 0;
  for (std::size_t i = 0; i < labelRows.size(); ++i)
    if (i == 0 || labelRows[i] > labelRows[i - 1] + 1) ++runs;
  EXPECT_GE(runs, 10) << "each probe's cortex and at least one deep area are named";
}

TEST(RecordingViews, PsthOfSixThousandEventsKeepsItsAxesAndShowsTheResponse) {
  auto data = allenLikeUnits(5960);
  auto intervals =
      std::make_shared<nl::io::TableDataset>(DatasetKind::Table, "natural_scenes_presentations",
                                             std::vector<Column>{{"start_time", data.eventTimes},
                                                                 {"stop_time",
                                                                  [&] {
                                                                    auto stops = data.eventTimes;
                                                                    for (auto& t : stops) t += 0.25;
                                                                    return stops;
                                                                  }()}},
                                             nl::io::Provenance{});
  nl::io::Session session;
  const auto recording = session.add(data.recording);
  const auto table = session.add(intervals);
  session.selection().select(recording, {0}, "test");
  // The lower half of the recording page at 1400 × 880: wide and short.
  nl::widgets::PsthView view(session, recording, table, QString());
  view.resize(500, 260);
  view.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
  QApplication::processEvents();
  EXPECT_GE(view.chart()->height(), 170) << "the PSTH chart is not squeezed by the trial strip";
  auto* trials = view.findChild<QWidget*>("trialRaster");
  ASSERT_NE(trials, nullptr);
  EXPECT_GE(trials->height(), 60);
  const QImage strip = trials->grab().toImage();
  // The strip is a density: the response column is darker than the rest and
  // there are many intensities, not one solid colour.
  EXPECT_GT(nl::test::distinctColours(strip), 8);
  const int w = strip.width();
  auto darkness = [&](double fraction) {
    const int x0 = static_cast<int>(50 + fraction * (w - 62));
    double sum = 0;
    int n = 0;
    for (int y = 8; y < strip.height() - 30; ++y) {
      sum += 255 - qGray(strip.pixel(x0, y));
      ++n;
    }
    return sum / std::max(1, n);
  };
  // Window −0.5 … 0.5 s (median duration 0.25 s × 1.25 < 0.5): 75 ms after
  // onset is at 0.575 of the width, −250 ms at 0.25.
  EXPECT_GT(darkness(0.575), 2 * darkness(0.25) + 5);
}

}  // namespace
