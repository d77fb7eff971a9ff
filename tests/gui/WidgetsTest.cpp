// Widget-level tests: the generated parameter form, chart exports, and the
// raster's cost with millions of spikes.
#include <gtest/gtest.h>

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QMouseEvent>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>
#include <nlohmann/json.hpp>
#include <random>

#include "GuiTestUtil.h"
#include "io/Session.h"
#include "widgets/Colormap.h"
#include "widgets/ParameterForm.h"
#include "widgets/charts/Chart.h"
#include "widgets/charts/RasterWidget.h"

namespace {

TEST(ParameterForm, BuildsOneEditorPerParameterWithRangesAndDefaults) {
  const auto schema = nl::plugins::ParameterSchema::fromJson(nlohmann::json::parse(R"([
    {"name": "bins", "type": "int", "default": 20, "min": 1, "max": 500, "unit": "bins", "help": "number of bins"},
    {"name": "window", "type": "double", "default": 0.25, "min": 0.0, "max": 2.0, "unit": "s"},
    {"name": "normalise", "type": "bool", "default": true},
    {"name": "metric", "type": "choice", "choices": ["pearson", "spearman"], "default": "spearman"},
    {"name": "label", "type": "string", "default": "VISp"}
  ])"));
  nl::widgets::ParameterForm form;
  form.setSchema(schema);
  auto* bins = qobject_cast<QSpinBox*>(form.editor("bins"));
  auto* window = qobject_cast<QDoubleSpinBox*>(form.editor("window"));
  auto* normalise = qobject_cast<QCheckBox*>(form.editor("normalise"));
  auto* metric = qobject_cast<QComboBox*>(form.editor("metric"));
  ASSERT_TRUE(bins && window && normalise && metric && form.editor("label"));
  EXPECT_EQ(bins->minimum(), 1);
  EXPECT_EQ(bins->maximum(), 500);
  EXPECT_EQ(bins->value(), 20);
  EXPECT_TRUE(bins->suffix().contains("bins"));
  EXPECT_DOUBLE_EQ(window->value(), 0.25);
  EXPECT_EQ(metric->currentText(), "spearman");
  EXPECT_TRUE(bins->toolTip().contains("number of bins"));

  bins->setValue(42);
  window->setValue(1.5);
  normalise->setChecked(false);
  metric->setCurrentText("pearson");
  const auto values = form.values();
  EXPECT_EQ(values.integer("bins"), 42);
  EXPECT_DOUBLE_EQ(values.real("window"), 1.5);
  EXPECT_FALSE(values.boolean("normalise"));
  EXPECT_EQ(values.text("metric"), "pearson");
  form.resetToDefaults();
  EXPECT_EQ(form.values().integer("bins"), 20);
}

// One x value (the factor of a single animal, one bin) once asked Qt Charts
// for 1e13 tick labels and froze the window; it must draw like any other.
TEST(Chart, ASingleXValueDrawsWithoutEndlessTicks) {
  for (const auto style :
       {nl::widgets::ChartSeries::Style::Bars, nl::widgets::ChartSeries::Style::Line,
        nl::widgets::ChartSeries::Style::Scatter}) {
    nl::widgets::Chart chart;
    chart.resize(400, 300);
    nl::widgets::ChartSeries series;
    series.style = style;
    series.x = {0};
    series.y = {0.7};
    chart.setSeries({series});
    chart.show();
    QApplication::processEvents();
    const QImage image = chart.grab().toImage();
    EXPECT_EQ(image.width(), 400);
  }
}

TEST(Chart, ExportsValidSvgAndCsvOfItsData) {
  nl::widgets::Chart chart;
  chart.resize(500, 350);
  nl::widgets::ChartSeries series;
  series.name = "unit \"7\"";
  series.x = {0, 45, 90};
  series.y = {1.5, 9.0, 2.25};
  series.lower = {1.0, 8.0, 2.0};
  series.upper = {2.0, 10.0, 2.5};
  chart.setSeries({series});
  chart.show();
  QTemporaryDir dir;
  const QString svgPath = dir.filePath("chart.svg");
  ASSERT_TRUE(chart.exportSvg(svgPath));
  QFile svg(svgPath);
  ASSERT_TRUE(svg.open(QIODevice::ReadOnly));
  QXmlStreamReader xml(&svg);
  bool sawSvg = false;
  int paths = 0;
  while (!xml.atEnd()) {
    xml.readNext();
    if (xml.isStartElement() && xml.name() == QLatin1String("svg")) sawSvg = true;
    if (xml.isStartElement() &&
        (xml.name() == QLatin1String("path") || xml.name() == QLatin1String("polyline")))
      ++paths;
  }
  EXPECT_FALSE(xml.hasError()) << xml.errorString().toStdString();
  EXPECT_TRUE(sawSvg);
  EXPECT_GT(paths, 0);

  const QStringList lines = chart.toCsv().split('\n', Qt::SkipEmptyParts);
  ASSERT_EQ(lines.size(), 4);
  EXPECT_EQ(lines[0], "series,x,y,lower,upper");
  EXPECT_EQ(lines[2], "\"unit \"\"7\"\"\",45,9,8,10");
  const QImage png = chart.render(QSize(400, 300));
  EXPECT_GT(nl::test::distinctColours(png), 10);
}

// 5 million spikes render whole and in a 1-s window (their speed is measured
// by BM_Raster5M in bench/views_bench.cpp, not asserted here).
TEST(RasterWidget, FiveMillionSpikesRenderWholeAndZoomed) {
  const std::size_t units = 250, perUnit = 20000;
  std::mt19937_64 random(7);
  std::vector<double> times;
  std::vector<std::uint64_t> offsets{0};
  times.reserve(units * perUnit);
  for (std::size_t u = 0; u < units; ++u) {
    double t = 0;
    std::exponential_distribution<double> isi(perUnit / 1000.0);
    for (std::size_t k = 0; k < perUnit; ++k) times.push_back(t += isi(random));
    offsets.push_back(times.size());
  }
  nl::io::Session session;
  const auto id = session.add(std::make_shared<nl::io::SpikeRecording>(
      "big", nullptr, std::move(times), std::move(offsets), nullptr));
  nl::widgets::RasterWidget raster(session, id);
  raster.resize(1600, 900);
  raster.show();
  const QImage whole = raster.render(QSize(1600, 900));
  EXPECT_GT(nl::test::distinctColours(whole), 3);
  raster.setTimeWindow(500.0, 501.0);
  const QImage zoomed = raster.render(QSize(1600, 900));
  EXPECT_GT(nl::test::distinctColours(zoomed), 3) << "the 1-s window shows its spikes";
  EXPECT_NE(zoomed, whole) << "zooming in changes the picture";
}

}  // namespace

#include "widgets/Screenshot.h"
#include "widgets/charts/HeatMap.h"

namespace {

TEST(HeatMap, DrawsColourbarExportsAndBrushesRows) {
  nl::io::Session session;
  const auto id = session.add(std::make_shared<nl::io::ArrayDataset>(
      nl::io::DatasetKind::Array, "m", std::vector<std::size_t>{4, 3},
      std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  nl::widgets::HeatMap heat(&session, id);
  heat.resize(500, 300);
  heat.setMatrix({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 4, 3);
  heat.setRowLabels({"a", "b", "c", "d"});
  heat.setColumnLabels({"x", "y", "z"});
  heat.show();
  EXPECT_EQ(heat.range(), (std::pair<double, double>{0.0, 11.0}));
  // Cell colours follow the colormap: the first cell is the low end, the last the high end.
  const QImage image = heat.render(QSize(500, 300));
  const QRectF m = heat.matrixRect();
  const QColor first =
      image.pixelColor(static_cast<int>(m.left() + 5), static_cast<int>(m.top() + 5));
  const QColor last =
      image.pixelColor(static_cast<int>(m.right() - 5), static_cast<int>(m.bottom() - 5));
  const auto viridis = nl::widgets::Colormap::byName("viridis");
  EXPECT_NEAR(first.green(), viridis.at(0).green(), 6);
  EXPECT_NEAR(last.green(), viridis.at(1).green(), 6);
  // CSV of the data behind it.
  const QStringList lines = heat.toCsv().split('\n', Qt::SkipEmptyParts);
  ASSERT_EQ(lines.size(), 5);
  EXPECT_EQ(lines[0], "row,x,y,z");
  EXPECT_EQ(lines[4], "d,9,10,11");
  // SVG is well-formed.
  QTemporaryDir dir;
  ASSERT_TRUE(heat.exportSvg(dir.filePath("h.svg")));
  QFile svg(dir.filePath("h.svg"));
  ASSERT_TRUE(svg.open(QIODevice::ReadOnly));
  QXmlStreamReader xml(&svg);
  while (!xml.atEnd()) xml.readNext();
  EXPECT_FALSE(xml.hasError());
  // Dragging over rows b..c selects them.
  const QPoint from(static_cast<int>(m.center().x()),
                    static_cast<int>(m.top() + m.height() * 0.375));
  const QPoint to(static_cast<int>(m.center().x()), static_cast<int>(m.top() + m.height() * 0.625));
  QTest::mousePress(&heat, Qt::LeftButton, Qt::NoModifier, from);
  QMouseEvent move(QEvent::MouseMove, QPointF(to), heat.mapToGlobal(QPointF(to)), Qt::NoButton,
                   Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(&heat, &move);
  QTest::mouseRelease(&heat, Qt::LeftButton, Qt::NoModifier, to);
  EXPECT_EQ(session.selection().indices(), (std::vector<std::int64_t>{1, 2}));
}

TEST(Export, PngAtTwiceTheScaleHasTwiceThePixels) {
  nl::widgets::HeatMap heat;
  heat.resize(320, 200);
  heat.setMatrix({1, 2, 3, 4}, 2, 2);
  heat.show();
  const QImage one = nl::widgets::composeWindowImage(&heat, 1);
  const QImage two = nl::widgets::composeWindowImage(&heat, 2);
  EXPECT_EQ(two.width(), 2 * static_cast<int>(one.width() / one.devicePixelRatio()));
  QTemporaryDir dir;
  ASSERT_TRUE(two.save(dir.filePath("x.png")));
  const QImage back(dir.filePath("x.png"));
  EXPECT_EQ(back.size(), two.size());
}

}  // namespace

#include <QPlainTextEdit>
#include <QProgressBar>
#include <stdexcept>

#include "plugins/Job.h"
#include "widgets/JobsPanel.h"

namespace {

TEST(JobsPanel, AFailedJobsRowSaysWhy) {
  nl::widgets::JobsPanel panel;
  panel.show();
  auto* job = new nl::plugins::Job(
      "preview raw",
      [](nl::plugins::ProgressReporter&) {
        throw std::runtime_error("crop.zarr: chunk 0.1.2 is truncated\nsecond line");
      },
      &panel);
  panel.addJob(job, "preview raw");
  job->start();
  ASSERT_TRUE(nl::test::waitUntil([&] { return panel.runningJobs() == 0; }));
  const auto bars = panel.findChildren<QProgressBar*>();
  ASSERT_EQ(bars.size(), 1);
  EXPECT_EQ(bars.front()->format(), "failed: crop.zarr: chunk 0.1.2 is truncated");
  EXPECT_TRUE(panel.logView()->toPlainText().contains("second line"));
}

}  // namespace
