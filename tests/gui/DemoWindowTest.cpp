// The main window on its demo: it draws, the 3D view has rendered pixels, and
// the views are linked through the one Selection.
#include <algorithm>

#include <gtest/gtest.h>

#include <QColor>
#include <QDir>
#include <QProcess>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include "GuiTestUtil.h"
#include "app/gui/MainWindow.h"
#include "widgets/AreaColors.h"
#include "widgets/Screenshot.h"
#include "widgets/VtkView.h"
#include "widgets/charts/Chart.h"
#include "widgets/charts/RasterWidget.h"
#include "widgets/scene/ProbeScene.h"

using nl::test::waitUntil;

namespace {

struct DemoFixture : ::testing::Test {
  void SetUp() override {
    window = std::make_unique<nl::app::MainWindow>();
    window->setInteractive(false);
    window->resize(1400, 880);
    window->show();
    window->openDemo();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(window.get()));
    view = window->findChild<nl::widgets::VtkView*>("probe3d");
    ASSERT_NE(view, nullptr);
    ASSERT_TRUE(waitUntil([&] { return view->framesRendered() > 0; }))
        << "the 3D view never painted";
    scene = window->findChild<nl::widgets::ProbeScene*>();
    ASSERT_NE(scene, nullptr);
    raster = window->findChild<nl::widgets::RasterWidget*>("raster");
    ASSERT_NE(raster, nullptr);
  }
  nl::io::DatasetId recordingId() const { return window->session().entries().front().id; }

  std::unique_ptr<nl::app::MainWindow> window;
  nl::widgets::VtkView* view = nullptr;
  nl::widgets::ProbeScene* scene = nullptr;
  nl::widgets::RasterWidget* raster = nullptr;
};

TEST_F(DemoFixture, ScreenshotIsNotBlankAnd3DAreaRendered) {
  const QImage shot = nl::widgets::composeWindowImage(window.get());
  ASSERT_FALSE(shot.isNull());
  EXPECT_GT(nl::test::distinctColours(shot), 200) << "the window looks blank";
  const QRect area(view->mapTo(window.get(), QPoint(0, 0)) * shot.devicePixelRatio(),
                   view->size() * shot.devicePixelRatio());
  // The gradient background (dark at the bottom, lighter at the top) and
  // coloured glyphs must be there: a blank or unrendered GL area is uniform.
  EXPECT_GT(nl::test::distinctColours(shot, area), 40);
  const QColor top = shot.pixelColor(area.center().x(), area.top() + 3);
  const QColor bottom = shot.pixelColor(area.center().x(), area.bottom() - 3);
  EXPECT_GT(top.lightness(), bottom.lightness() + 20) << "no gradient background: VTK did not draw";
  // The demo starts with a unit selected: its highlight glyph is on screen.
  EXPECT_GT(nl::test::countHighlight(shot, area), 10);
}

TEST_F(DemoFixture, ClickOnUnitIn3DSelectsIt) {
  auto& selection = window->session().selection();
  selection.clear("test");
  // The unit drawn most clear of its neighbours, so the click is unambiguous.
  const auto spikes = std::dynamic_pointer_cast<const nl::io::SpikeRecording>(
      window->session().find(recordingId()));
  int unit = -1;
  double clearance = 0;
  for (int u = 0; u < static_cast<int>(spikes->unitCount()); ++u) {
    const auto a = view->worldToWidget(scene->unitPosition(u));
    if (!a || !view->rect().contains(a->toPoint())) continue;
    double nearest = 1e9;
    for (int v = 0; v < static_cast<int>(spikes->unitCount()); ++v)
      if (const auto b = view->worldToWidget(scene->unitPosition(v)); v != u && b)
        nearest = std::min(nearest, std::hypot(a->x() - b->x(), a->y() - b->y()));
    if (nearest > clearance) clearance = nearest, unit = u;
  }
  ASSERT_GE(unit, 0);
  ASSERT_GT(clearance, 4.0) << "units too crowded on screen to click one";
  const auto where = view->worldToWidget(scene->unitPosition(unit));
  ASSERT_TRUE(where.has_value());
  ASSERT_EQ(scene->unitAt(*where), unit) << "another unit is drawn at the same spot";
  QTest::mouseClick(view, Qt::LeftButton, Qt::NoModifier, where->toPoint());
  ASSERT_EQ(selection.dataset(), recordingId());
  ASSERT_EQ(selection.indices(), std::vector<std::int64_t>{unit});
  // Clicking empty space clears it.
  QTest::mouseClick(view, Qt::LeftButton, Qt::NoModifier, QPoint(3, 3));
  EXPECT_TRUE(selection.indices().empty());
}

TEST_F(DemoFixture, ClickInRasterMovesThe3DHighlight) {
  auto& selection = window->session().selection();
  // Pick the row of a unit well away from the currently selected one.
  const QRectF plot = raster->plotRect();
  int target = -1;
  QPointF click;
  for (double y = plot.bottom() - 3; y > plot.top(); y -= 2) {
    const int unit = raster->unitAtY(y);
    if (unit >= 0 && (selection.indices().empty() || unit != selection.indices().front())) {
      const auto a = view->worldToWidget(scene->unitPosition(unit));
      const auto b =
          view->worldToWidget(scene->unitPosition(static_cast<int>(selection.indices().front())));
      if (a && b && std::hypot(a->x() - b->x(), a->y() - b->y()) > 80) {
        target = unit;
        click = QPointF(plot.center().x(), y);
        break;
      }
    }
  }
  ASSERT_GE(target, 0);
  const QPoint point = click.toPoint();
  QTest::mouseClick(raster, Qt::LeftButton, Qt::NoModifier, point);
  ASSERT_EQ(selection.indices(), std::vector<std::int64_t>{target});
  EXPECT_TRUE(selection.hasTimeCursor());
  EXPECT_NEAR(selection.timeCursor(), raster->timeAtX(point.x()), 1e-9);

  const int before = view->framesRendered();
  ASSERT_TRUE(waitUntil([&] { return view->framesRendered() > before; }));
  const QImage frame = view->grabFramebuffer();
  const QPointF highlight = nl::test::highlightCentroid(frame);
  ASSERT_GE(highlight.x(), 0) << "no highlight pixels in the 3D view";
  const auto expected = view->worldToWidget(scene->unitPosition(target));
  ASSERT_TRUE(expected.has_value());
  const double ratio = frame.devicePixelRatio();
  EXPECT_NEAR(highlight.x() / ratio, expected->x(), 12.0);
  EXPECT_NEAR(highlight.y() / ratio, expected->y(), 12.0);
}

TEST_F(DemoFixture, SessionRoundTripRestoresViewsAndSelection) {
  QTemporaryDir dir;
  const QString path = dir.filePath("demo.nlsession");
  raster->setTimeWindow(100.0, 130.0);
  window->session().selection().select(recordingId(), {5, 7}, "test");
  ASSERT_TRUE(window->saveSession(path));
  const auto datasets = window->session().size();

  auto other = std::make_unique<nl::app::MainWindow>();
  other->setInteractive(false);
  other->show();
  ASSERT_TRUE(other->loadSession(path));
  EXPECT_EQ(other->session().size(), datasets);
  EXPECT_EQ(other->viewTabs()->count(), window->viewTabs()->count());
  auto* restored = other->findChild<nl::widgets::RasterWidget*>("raster");
  ASSERT_NE(restored, nullptr);
  EXPECT_NEAR(restored->timeWindow().first, 100.0, 1e-9);
  EXPECT_NEAR(restored->timeWindow().second, 130.0, 1e-9);
  EXPECT_EQ(other->session().selection().indices(), (std::vector<std::int64_t>{5, 7}));
  const auto spikes = std::dynamic_pointer_cast<const nl::io::SpikeRecording>(
      other->session().entries().front().dataset);
  ASSERT_TRUE(spikes);
  const auto original = std::dynamic_pointer_cast<const nl::io::SpikeRecording>(
      window->session().entries().front().dataset);
  EXPECT_EQ(spikes->allSpikeTimes(), original->allSpikeTimes());
}

TEST(DemoBinary, ScreenshotFlagWritesANonBlankPng) {
  QTemporaryDir dir;
  const QString png = dir.filePath("shot.png");
  QProcess process;
  process.start(NEUROLOUPE_GUI_BINARY, {"--demo", "--screenshot", png, "--quit-after", "1500"});
  ASSERT_TRUE(process.waitForFinished(60000)) << "the app did not quit by itself";
  EXPECT_EQ(process.exitStatus(), QProcess::NormalExit);
  EXPECT_EQ(process.exitCode(), 0) << process.readAllStandardError().toStdString();
  const QImage image(png);
  ASSERT_FALSE(image.isNull()) << "no PNG written";
  EXPECT_GE(image.width(), 800);
  EXPECT_GT(nl::test::distinctColours(image), 200);
}

// Qt takes "--session ID" for X11 session management; the documented
// "--session FILE" must still open the saved session (an empty window has
// no saturated pixels; the demo's raster and 3D views have many).
TEST_F(DemoFixture, SessionFlagWithSeparateValueOpensTheSession) {
  QTemporaryDir dir;
  const QString path = dir.filePath("demo.nlsession");
  ASSERT_TRUE(window->saveSession(path));
  const QString png = dir.filePath("session.png");
  QProcess process;
  process.start(NEUROLOUPE_GUI_BINARY,
                {"--session", path, "--screenshot", png, "--quit-after", "1500"});
  ASSERT_TRUE(process.waitForFinished(60000)) << "the app did not quit by itself";
  EXPECT_EQ(process.exitCode(), 0) << process.readAllStandardError().toStdString();
  const QImage image(png);
  ASSERT_FALSE(image.isNull()) << "no PNG written";
  const int saturated = nl::test::countSaturated(image.convertToFormat(QImage::Format_RGB32), 60);
  EXPECT_GT(saturated, 2000) << "the session's views are not on screen";
}

TEST(DemoBinary, BadFileOnCommandLineIsReportedNotFatal) {
  QTemporaryDir dir;
  QFile broken(dir.filePath("broken.npy"));
  ASSERT_TRUE(broken.open(QIODevice::WriteOnly));
  broken.write("\x93NUMPY\x01\x00\x10\x00{'descr': '<f8'");  // header cut short
  broken.close();
  QProcess process;
  process.start(NEUROLOUPE_GUI_BINARY, {broken.fileName(), "--quit-after", "500"});
  ASSERT_TRUE(process.waitForFinished(60000));
  EXPECT_EQ(process.exitCode(), 0);
}

}  // namespace

namespace {

TEST_F(DemoFixture, BrushingUnitsInTheScatterHighlightsThemIn3D) {
  auto* scatter = window->findChild<nl::widgets::Chart*>("unitsScatter");
  ASSERT_NE(scatter, nullptr);
  auto& selection = window->session().selection();
  // Brush the deepest units (LP, near the tip): distance from tip < 500 µm.
  scatter->brush(QRectF(QPointF(-1, -1), QPointF(1000, 499)));  // edges count as inside
  ASSERT_EQ(selection.dataset(), recordingId());
  ASSERT_FALSE(selection.indices().empty());
  const auto spikes = std::dynamic_pointer_cast<const nl::io::SpikeRecording>(
      window->session().find(recordingId()));
  const auto& depth = *spikes->units()->numericColumn("probe_vertical_position");
  for (auto unit : selection.indices()) EXPECT_LT(depth[static_cast<std::size_t>(unit)], 500.0);
  std::size_t expected = 0;
  for (double d : depth) expected += d < 500.0 ? 1 : 0;
  EXPECT_EQ(selection.indices().size(), expected);

  // The 3D view now draws the highlight at the deep end of the probe.
  const int before = view->framesRendered();
  ASSERT_TRUE(waitUntil([&] { return view->framesRendered() > before; }));
  const QImage frame = view->grabFramebuffer();
  const QPointF centroid = nl::test::highlightCentroid(frame);
  ASSERT_GE(centroid.x(), 0);
  double meanY = 0;
  for (auto unit : selection.indices())
    meanY += view->worldToWidget(scene->unitPosition(static_cast<int>(unit)))->y();
  meanY /= static_cast<double>(selection.indices().size());
  EXPECT_NEAR(centroid.y() / frame.devicePixelRatio(), meanY, 40.0);
}

}  // namespace

#include <QLineEdit>
#include <QTableView>

#include "widgets/TableView.h"
#include "widgets/charts/PsthView.h"

namespace {

TEST_F(DemoFixture, UnitTableFiltersByExpressionAndDrivesTheSelection) {
  auto* table = window->findChild<nl::widgets::TableView*>("unitTable");
  ASSERT_NE(table, nullptr);
  auto* filter = table->findChild<QLineEdit*>();
  ASSERT_NE(filter, nullptr);
  filter->setText("location == VISp; firing_rate > 5");
  const auto spikes = std::dynamic_pointer_cast<const nl::io::SpikeRecording>(
      window->session().find(recordingId()));
  const auto& rate = *spikes->units()->numericColumn("firing_rate");
  const auto* area = spikes->units()->column("location");
  int expected = 0;
  for (std::size_t u = 0; u < spikes->unitCount(); ++u)
    expected += area->cellText(u) == "VISp" && rate[u] > 5 ? 1 : 0;
  ASSERT_GT(expected, 0);
  EXPECT_EQ(table->view()->model()->rowCount(), expected);
  filter->setText("snr >> 2");
  EXPECT_FALSE(filter->toolTip().isEmpty()) << "a bad expression is reported";
  filter->setText("");
  EXPECT_EQ(table->view()->model()->rowCount(), static_cast<int>(spikes->unitCount()));
  table->view()->selectRow(7);
  const auto& selection = window->session().selection();
  ASSERT_EQ(selection.dataset(), recordingId());
  EXPECT_EQ(selection.indices().size(), 1u);
}

TEST_F(DemoFixture, PsthHasOneLinePerOrientation) {
  auto* psth = window->findChild<nl::widgets::PsthView*>("psth");
  ASSERT_NE(psth, nullptr);
  ASSERT_EQ(psth->chart()->series().size(), 8u);
  // NL_TEST_SNAPSHOTS=DIR keeps pictures of the views for a person to look at.
  if (const QString dir = qEnvironmentVariable("NL_TEST_SNAPSHOTS"); !dir.isEmpty()) {
    psth->resize(900, 600);
    psth->grab().save(dir + "/psth.png");
  }
  // The selected (tuned VISp) unit fires far more during its preferred
  // grating than in the half second before the gratings.
  double before = 0, bestDuring = 0;
  int nBefore = 0;
  for (const auto& s : psth->chart()->series()) {
    double during = 0;
    int nDuring = 0;
    for (std::size_t b = 0; b < s.x.size(); ++b) {
      if (s.x[b] < -0.05) before += s.y[b], ++nBefore;
      if (s.x[b] > 0.1 && s.x[b] < 1.9) during += s.y[b], ++nDuring;
    }
    ASSERT_GT(nDuring, 0);
    bestDuring = std::max(bestDuring, during / nDuring);
  }
  ASSERT_GT(nBefore, 0);
  EXPECT_GT(bestDuring, 1.5 * before / nBefore);
}

}  // namespace

// --help and --version are answered before Qt looks for a display.
TEST(DemoBinary, HelpAndVersionNeedNoDisplay) {
  QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
  environment.remove("DISPLAY");
  environment.remove("WAYLAND_DISPLAY");
  environment.insert("QT_QPA_PLATFORM", "xcb");
  for (const QString& flag : {QString("--help"), QString("--version")}) {
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(NEUROLOUPE_GUI_BINARY, {flag});
    ASSERT_TRUE(process.waitForFinished(30000));
    EXPECT_EQ(process.exitCode(), 0)
        << flag.toStdString() << ": " << process.readAllStandardError().toStdString();
    const QString out = QString::fromLocal8Bit(process.readAllStandardOutput());
    if (flag == "--help") {
      EXPECT_TRUE(out.contains("--screenshot")) << out.toStdString();
      EXPECT_TRUE(out.contains("--session")) << out.toStdString();
    } else {
      EXPECT_TRUE(out.startsWith("NeuroLoupe ")) << out.toStdString();
    }
  }
}
