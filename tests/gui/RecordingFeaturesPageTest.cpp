// The recording page on an Allen-shaped NWB file with waveform_mean and
// spike_amplitudes: its Waveforms and Amplitudes tabs show the selected
// unit's mean waveform peaking on the site the generator planted, and its
// amplitudes. Set NEUROLOUPE_TEST_SCREENSHOTS=DIR to keep the page's pictures.
#include <gtest/gtest.h>

#include <QApplication>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <cmath>

#include "GuiTestUtil.h"
#include "io/ReaderRegistry.h"
#include "tests/support/TestSupport.h"
#include "tests/tools/AllenNwbGenerator.h"
#include "widgets/TableView.h"
#include "widgets/charts/AmplitudeView.h"
#include "widgets/charts/WaveformView.h"
#include "widgets/pages/recording/RecordingPage.h"

namespace {

void keep(QWidget& widget, const char* name) {
  if (const char* dir = std::getenv("NEUROLOUPE_TEST_SCREENSHOTS"))
    widget.grab().save(QString("%1/%2.png").arg(dir, name));
}

TEST(RecordingFeaturesPage, WaveformAndAmplitudeTabsShowWhatTheFileHolds) {
  nl::test::TempDir dir;
  nl::test::AllenNwbSpec spec;
  spec.probes = 2;
  spec.unitsPerProbe = 20;
  spec.durationSeconds = 120;
  spec.seed = 5;
  const auto truth = nl::test::writeAllenShapedNwb(dir / "allen.nwb", spec);
  const auto contents = nl::io::ReaderRegistry::builtin().open(dir / "allen.nwb");
  nl::io::Session session;
  nl::io::DatasetId recording = nl::io::kNoDataset, gratings = nl::io::kNoDataset;
  for (const auto& d : contents.datasets) {
    const auto id = session.add(d);
    if (d->kind() == nl::io::DatasetKind::SpikeRecording) recording = id;
    if (d->name() == "drifting_gratings_presentations") gratings = id;
  }
  ASSERT_NE(recording, nl::io::kNoDataset);
  const auto spikes =
      std::dynamic_pointer_cast<const nl::io::SpikeRecording>(session.find(recording));
  ASSERT_TRUE(spikes->hasWaveforms());
  ASSERT_TRUE(spikes->hasAmplitudes());
  const std::int64_t unit = 7;
  session.selection().select(recording, {unit}, "test");

  nl::widgets::RecordingPage page(session, recording, gratings);
  page.resize(1300, 850);
  page.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&page));
  auto* waveforms = page.findChild<nl::widgets::WaveformView*>("waveforms");
  auto* amplitudes = page.findChild<nl::widgets::AmplitudeView*>("amplitudes");
  ASSERT_NE(waveforms, nullptr);
  ASSERT_NE(amplitudes, nullptr);
  EXPECT_EQ(waveforms->peakChannel(), static_cast<int>(truth.peakSite[unit]))
      << "the peak channel is the site the generator planted";
  auto* tabs = qobject_cast<QTabWidget*>(waveforms->parentWidget()->parentWidget());
  ASSERT_NE(tabs, nullptr);
  tabs->setCurrentWidget(waveforms);
  QApplication::processEvents();
  const QImage wave = waveforms->grab().toImage();
  EXPECT_GT(nl::test::countNear(wave, QColor(31, 119, 180), 40), 300);
  keep(page, "recording_waveforms");
  tabs->setCurrentWidget(amplitudes);
  QApplication::processEvents();
  const QImage amp = amplitudes->grab().toImage();
  EXPECT_GT(nl::test::countNear(amp, QColor(31, 119, 180), 60, amplitudes->plotRect().toRect()),
            200);
  keep(page, "recording_amplitudes");

  // The unit table gains the waveform metrics the file lacks (it has Allen's
  // peak_channel_id and amplitude, not the duration), measured as a task.
  auto* table = page.findChild<nl::widgets::TableView*>("unitTable");
  ASSERT_NE(table, nullptr);
  const int before = table->view()->model()->columnCount();
  tabs->setCurrentWidget(table);
  ASSERT_TRUE(nl::test::waitUntil([&] { return table->view()->model()->columnCount() > before; }));
  int duration = -1;
  for (int c = 0; c < table->view()->model()->columnCount(); ++c)
    if (table->view()->model()->headerData(c, Qt::Horizontal).toString() == "waveform_duration_ms")
      duration = c;
  ASSERT_GE(duration, 0);
  // Each unit's duration is a trough-to-peak time of a 30 kHz waveform: a
  // multiple of 1/30 ms, between 0.1 and 1.5 ms for the generator's spikes.
  for (int r = 0; r < table->view()->model()->rowCount(); ++r) {
    const double ms = table->view()->model()->index(r, duration).data(Qt::UserRole).toDouble();
    EXPECT_GT(ms, 0.1);
    EXPECT_LT(ms, 1.5);
    EXPECT_NEAR(ms * 30.0, std::round(ms * 30.0), 1e-6);
  }
}

}  // namespace
