// The prosthesis planner page on fsaverage5 with the Benson template and a
// plan table as prosthesis.plan writes it: the registry picks the page, the
// electrodes are on screen, dragging one (real mouse events through the 3D
// view) moves it over the surface and changes the percept, undo and redo
// bring both back, the edited plan survives saveState/restoreState, and the
// exports carry every electrode.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QListWidget>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "GuiTestUtil.h"
#include "io/ReaderRegistry.h"
#include "io/Session.h"
#include "tests/support/TestSupport.h"
#include "widgets/VtkView.h"
#include "widgets/charts/Chart.h"
#include "widgets/pages/ViewRegistry.h"
#include "widgets/pages/prosthesis/PlannerPage.h"
#include "widgets/pages/prosthesis/PlannerProvider.h"
#include "widgets/pages/prosthesis/VisualFieldView.h"
#include "widgets/scene/PointsLayer.h"
#include "widgets/scene/Scene.h"

using nl::test::waitUntil;
namespace wp = nl::widgets::prosthesis;

namespace {

const std::filesystem::path kFixtures = NEUROLOUPE_FIXTURES_DIR;
const char* kFiles[] = {"surface/fsaverage5/white_left.gii.gz",
                        "surface/fsaverage5/pial_left.gii.gz",
                        "surface/fsaverage5/sphere_left.gii.gz",
                        "surface/fsaverage5/infl_left.gii.gz",
                        "surface/benson14_fsaverage/lh.benson14_angle.v4_0.mgz",
                        "surface/benson14_fsaverage/lh.benson14_eccen.v4_0.mgz",
                        "surface/benson14_fsaverage/lh.benson14_varea.v4_0.mgz"};

#define NL_REQUIRE_PLANNER_FIXTURES() \
  for (const char* f : kFiles) NL_REQUIRE_FIXTURE(f)

struct PlanSession {
  nl::io::Session session;
  nl::io::DatasetId plan = nl::io::kNoDataset;
};

// The session a plan run leaves: its inputs and its electrode table (V1
// vertices between 2° and 8°, every 7th, the last three one thread).
// With `vessels`, the braincharter arterial atlas is in the session too and
// the plan's parameters name its constraint (hard, 0.5 mm), as a
// prosthesis.plan run with a vessels input leaves it.
const char* kVessels = "vasculature/braincharter_MNI/mean_Ved_ToF_Thresh.nii.gz";

std::unique_ptr<PlanSession> planSession(bool vessels = false) {
  auto s = std::make_unique<PlanSession>();
  if (vessels)
    s->session.add(nl::io::ReaderRegistry::builtin().open(kFixtures / kVessels).datasets.at(0));
  std::shared_ptr<const nl::io::ArrayDataset> eccen, varea;
  for (const char* f : kFiles) {
    const auto dataset = nl::io::ReaderRegistry::builtin().open(kFixtures / f).datasets.at(0);
    s->session.add(dataset);
    if (std::string(f).find("eccen") != std::string::npos)
      eccen = std::dynamic_pointer_cast<const nl::io::ArrayDataset>(dataset);
    if (std::string(f).find("varea") != std::string::npos)
      varea = std::dynamic_pointer_cast<const nl::io::ArrayDataset>(dataset);
  }
  std::vector<double> vertex, thread;
  int seen = 0;
  for (std::size_t v = 0; v < 10242 && vertex.size() < 12; ++v)
    if (varea->values()[v] == 1.0 && eccen->values()[v] > 2 && eccen->values()[v] < 8 &&
        seen++ % 4 == 0) {
      vertex.push_back(static_cast<double>(v));
      thread.push_back(vertex.size() > 9 ? 0 : -1);
    }
  nl::io::Provenance provenance;
  provenance.pluginId = "prosthesis.plan";
  provenance.outputName = "electrodes";
  if (vessels)
    provenance.parametersJson =
        R"({"vessel_mode":"hard","margin_um":500,"vessel_threshold":0.5,"vessel_space":"mni152"})";
  s->plan = s->session.add(std::make_shared<nl::io::TableDataset>(
      nl::io::DatasetKind::Table, "electrodes",
      std::vector<nl::io::Column>{{"vertex", vertex}, {"thread", thread}}, provenance));
  return s;
}

void mouse(QWidget& widget, QEvent::Type type, QPointF position,
           Qt::KeyboardModifiers modifiers = Qt::NoModifier) {
  const Qt::MouseButtons buttons =
      type == QEvent::MouseButtonRelease ? Qt::NoButton : Qt::MouseButtons(Qt::LeftButton);
  QMouseEvent event(type, position, widget.mapToGlobal(position), Qt::LeftButton, buttons,
                    modifiers);
  QApplication::sendEvent(&widget, &event);
}

bool isElectrodeOrange(const QColor& c) {
  return c.saturation() > 120 && c.value() > 90 && std::abs(c.hue() - 24) <= 14;
}

// Whether an electrode glyph is drawn around a widget position.
bool glyphAt(const QImage& frame, QPointF p, double ratio) {
  for (int dy = -3; dy <= 3; ++dy)
    for (int dx = -3; dx <= 3; ++dx) {
      const int x = static_cast<int>(p.x() * ratio) + dx, y = static_cast<int>(p.y() * ratio) + dy;
      if (frame.rect().contains(x, y) && isElectrodeOrange(frame.pixelColor(x, y))) return true;
    }
  return false;
}

struct OpenPage {
  std::unique_ptr<PlanSession> s;
  std::unique_ptr<wp::PlannerPage> page;
};

OpenPage openPage(bool vessels = false) {
  OpenPage o;
  o.s = planSession(vessels);
  o.page.reset(wp::makePlannerPage(o.s->session, o.s->plan));
  o.page->resize(1300, 760);
  o.page->show();
  EXPECT_TRUE(QTest::qWaitForWindowExposed(o.page.get()));
  return o;
}

// An electrode whose glyph is on screen, and where to drag it (towards the
// middle of the view, onto the cortex).
std::pair<std::size_t, QPointF> visibleElectrode(wp::PlannerPage& page, const QImage& frame) {
  auto* view = page.view();
  for (std::size_t i = 0; i < page.sites().size(); ++i) {
    if (page.sites()[i].thread >= 0 || !page.fields()[i].active) continue;
    const auto p = view->worldToWidget(page.glyphPosition(i));
    if (p && glyphAt(frame, *p, frame.devicePixelRatio())) return {i, *p};
  }
  return {page.sites().size(), {}};
}

TEST(PlannerPage, OpensOnAPlanWithItsElectrodesOnScreen) {
  NL_REQUIRE_PLANNER_FIXTURES();
  auto s = planSession();
  const auto choice = nl::widgets::ViewRegistry::instance().best(s->session, {s->plan});
  ASSERT_NE(choice.provider, nullptr);
  EXPECT_EQ(choice.provider->id(), "prosthesis.planner");
  EXPECT_EQ(choice.match.score, 80);
  EXPECT_EQ(nl::widgets::ViewRegistry::instance()
                .best(s->session, {s->plan}, {"prosthesis.planner"})
                .match.score,
            100);

  auto o = openPage();
  auto& page = *o.page;
  EXPECT_EQ(page.shownSurface(), "inflated") << "V1 is buried in the calcarine on the pial surface";
  ASSERT_EQ(page.sites().size(), 12u);
  int active = 0;
  for (const auto& f : page.fields()) {
    active += f.active;
    if (f.active) {
      EXPECT_EQ(f.sample.area, 1);
    }
  }
  EXPECT_GE(active, 10) << "V1 electrodes between 2 and 8 degrees are in the ±10° field";
  const QImage frame = nl::test::freshFrame(*page.view());
  int drawn = 0;
  for (std::size_t i = 0; i < page.sites().size(); ++i)
    if (const auto p = page.view()->worldToWidget(page.glyphPosition(i));
        p && glyphAt(frame, *p, frame.devicePixelRatio()))
      ++drawn;
  EXPECT_GE(drawn, 6) << "electrode glyphs are drawn where the electrodes are";
  EXPECT_GT(nl::test::countNear(frame, QColor(255, 120, 20), 60), 40);
  // The visual field: the phosphene map and a percept of the image.
  const auto* field = page.visualField();
  ASSERT_FALSE(field->percept().isNull());
  EXPECT_GT(nl::test::distinctColours(field->phosphenes()), 3);
  EXPECT_GT(nl::test::distinctColours(field->percept()), 2);
  if (const char* dir = std::getenv("NL_TEST_SNAPSHOTS"))
    page.exportScreenshot(QString::fromLocal8Bit(dir) + "/planner.png");
}

TEST(PlannerPage, DraggingAnElectrodeMovesItAndItsPerceptAndUndoRestoresBoth) {
  NL_REQUIRE_PLANNER_FIXTURES();
  auto o = openPage();
  auto& page = *o.page;
  auto* view = page.view();
  const QImage frame = nl::test::freshFrame(*view);
  const auto [index, from] = visibleElectrode(page, frame);
  ASSERT_LT(index, page.sites().size()) << "some single electrode is visible";
  // A bright image over the whole field: every electrode in it is on, so
  // moving one moves a spot of the percept.
  QTemporaryDir dir;
  {
    QFile white(dir.filePath("white.pgm"));
    ASSERT_TRUE(white.open(QIODevice::WriteOnly));
    white.write(QByteArray("P5\n8 8\n255\n") + QByteArray(64, char(255)));
  }
  page.setImageFile(dir.filePath("white.pgm"));
  ASSERT_GT(page.frame().target.maxCoeff(), 0.9);
  double maxAmp = 0;
  for (double a : page.frame().amplitudes) maxAmp = std::max(maxAmp, a);
  std::cout << "[planner] percept max " << page.frame().percept.maxCoeff() << ", max amplitude "
            << maxAmp * 1e6 << " uA, phosphene map max " << page.frame().phosphenes.maxCoeff()
            << "\n";
  ASSERT_GT(page.frame().percept.maxCoeff(), 0.05) << "a bright image gives a visible percept";
  const auto before = page.sites();
  const QImage perceptBefore = page.visualField()->percept();
  const QImage mapBefore = page.visualField()->phosphenes();

  // Half way to another electrode: still in V1 (so still drawn orange).
  std::optional<QPointF> other;
  for (std::size_t j = 0; j < page.sites().size() && !other; ++j)
    if (j != index && page.fields()[j].active)
      if (const auto p = view->worldToWidget(page.glyphPosition(j));
          p && std::hypot(p->x() - from.x(), p->y() - from.y()) > 30)
        other = p;
  ASSERT_TRUE(other);
  const QPointF to = from + 0.5 * (*other - from);
  mouse(*view, QEvent::MouseButtonPress, from);
  EXPECT_TRUE(view->isInteracting()) << "dragging an electrode draws the coarse cortex";
  for (int step = 1; step <= 6; ++step)
    mouse(*view, QEvent::MouseMove, from + (to - from) * (step / 6.0));
  mouse(*view, QEvent::MouseButtonRelease, to);
  EXPECT_FALSE(view->isInteracting());
  std::cout << "[planner] percept update while dragging: slowest " << page.slowestDragUpdateMs()
            << " ms, last " << page.lastUpdateMs() << " ms (" << page.sites().size()
            << " electrodes, 81x81 grid)\n";

  const auto after = page.sites();
  EXPECT_FALSE(after[index] == before[index]) << "the electrode moved";
  for (std::size_t i = 0; i < after.size(); ++i)
    if (i != index) {
      EXPECT_TRUE(after[i] == before[i]) << "only the dragged one moved";
    }
  EXPECT_GT(nl::test::differingFraction(page.visualField()->phosphenes(), mapBefore, 8), 0.001)
      << "its phosphene moved";
  EXPECT_GT(nl::test::differingFraction(page.visualField()->percept(), perceptBefore, 0), 0.0);
  // The glyph followed the mouse.
  const QImage moved = nl::test::freshFrame(*view);
  const auto drawnAt = view->worldToWidget(page.glyphPosition(index));
  ASSERT_TRUE(drawnAt);
  EXPECT_LT(std::hypot(drawnAt->x() - to.x(), drawnAt->y() - to.y()), 6.0);
  EXPECT_TRUE(glyphAt(moved, *drawnAt, moved.devicePixelRatio()));

  ASSERT_EQ(page.undoStack()->count(), 1);
  EXPECT_EQ(page.undoStack()->undoText(), QString("Move electrode %1").arg(index));
  page.undoStack()->undo();
  EXPECT_TRUE(page.sites() == before);
  EXPECT_EQ(nl::test::differingFraction(page.visualField()->percept(), perceptBefore, 0), 0.0);
  EXPECT_EQ(nl::test::differingFraction(page.visualField()->phosphenes(), mapBefore, 0), 0.0);
  const QImage undone = nl::test::freshFrame(*view);
  EXPECT_TRUE(glyphAt(undone, from, undone.devicePixelRatio())) << "the glyph is back";
  page.undoStack()->redo();
  EXPECT_TRUE(page.sites() == after);
}

TEST(PlannerPage, EditedPlanSurvivesSaveAndRestoreAndExports) {
  NL_REQUIRE_PLANNER_FIXTURES();
  auto o = openPage();
  auto& page = *o.page;
  auto sites = page.sites();
  std::shared_ptr<const nl::io::SurfaceMeshDataset> pial;
  for (const auto& entry : o.s->session.entries())
    if (entry.dataset->name() == "pial_left")
      pial = std::dynamic_pointer_cast<const nl::io::SurfaceMeshDataset>(entry.dataset);
  ASSERT_TRUE(pial);
  sites[2].point = wp::pointAtVertex(*pial, 123);
  page.setSites(sites, "Move electrode 2");
  page.showSurface("pial");
  const std::string state = page.saveState();

  auto again = std::unique_ptr<wp::PlannerPage>(wp::makePlannerPage(o.s->session, o.s->plan));
  EXPECT_FALSE(again->sites() == page.sites()) << "a fresh page shows the plan as computed";
  again->restoreState(state);
  EXPECT_TRUE(again->sites() == page.sites()) << "the edit came back";
  EXPECT_EQ(again->shownSurface(), "pial");

  QTemporaryDir dir;
  page.exportCsv(dir.filePath("plan.csv"));
  page.exportJson(dir.filePath("plan.json"));
  QFile csv(dir.filePath("plan.csv"));
  ASSERT_TRUE(csv.open(QIODevice::ReadOnly));
  const auto lines = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
  ASSERT_EQ(lines.size(), 13);
  EXPECT_TRUE(lines[0].startsWith("index,thread,vertex,triangle"));
  EXPECT_EQ(lines[3].split(',')[2], "123") << "electrode 2 sits at vertex 123";
  QFile json(dir.filePath("plan.json"));
  ASSERT_TRUE(json.open(QIODevice::ReadOnly));
  const auto parsed = nlohmann::json::parse(json.readAll().toStdString());
  ASSERT_EQ(parsed["electrodes"].size(), 12u);
  const auto& e = parsed["electrodes"][0];
  // MNI305 → MNI152 is FreeSurfer's published affine, not the identity.
  EXPECT_GT(std::abs(e["mni152_mm"][0].get<double>() - e["surface_ras_mm"][0].get<double>()) +
                std::abs(e["mni152_mm"][2].get<double>() - e["surface_ras_mm"][2].get<double>()),
            0.5);
  EXPECT_EQ(parsed["hemisphere"], "left");
  EXPECT_THROW(page.exportCsv("/nonexistent-folder/plan.csv"), std::runtime_error);
}

}  // namespace

namespace {

TEST(PlannerPage, OptimisesInTheBackgroundWithItsChartAndUndoesWithCtrlZ) {
  NL_REQUIRE_PLANNER_FIXTURES();
  auto o = openPage();
  auto& page = *o.page;
  const auto before = page.sites();
  QSignalSpy finished(&page, &wp::PlannerPage::optimisationFinished);
  page.setOptimiserIterations(20);
  page.optimise();
  EXPECT_TRUE(page.optimising());
  ASSERT_TRUE(waitUntil([&] { return finished.count() > 0; }, 60000));
  EXPECT_FALSE(page.optimising());
  ASSERT_EQ(page.undoStack()->count(), 1);
  EXPECT_TRUE(page.undoStack()->undoText().startsWith("Optimise"));
  EXPECT_FALSE(page.sites() == before);
  const auto* chart = page.findChild<nl::widgets::Chart*>("plannerConvergence");
  ASSERT_NE(chart, nullptr);
  ASSERT_EQ(chart->series().size(), 2u);
  EXPECT_GT(chart->series()[0].y.size(), 1u) << "the loss of every iteration";
  EXPECT_LT(chart->series()[0].y.back(), chart->series()[0].y.front()) << "the loss went down";
  // Ctrl+Z on the page undoes the optimisation, Ctrl+Shift+Z redoes it.
  const auto optimised = page.sites();
  page.activateWindow();
  ASSERT_TRUE(QTest::qWaitForWindowActive(&page));
  page.view()->setFocus();
  QTest::keyClick(page.view(), Qt::Key_Z, Qt::ControlModifier);
  EXPECT_TRUE(page.sites() == before);
  QTest::keyClick(page.view(), Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
  EXPECT_TRUE(page.sites() == optimised);
}

}  // namespace

namespace {

TEST(PlannerPage, ShiftDragMovesTheWholeThread) {
  NL_REQUIRE_PLANNER_FIXTURES();
  auto o = openPage();
  auto& page = *o.page;
  auto* view = page.view();
  const QImage frame = nl::test::freshFrame(*view);
  std::optional<std::pair<std::size_t, QPointF>> grip;
  for (std::size_t i = 0; i < page.sites().size() && !grip; ++i)
    if (page.sites()[i].thread == 0)
      if (const auto p = view->worldToWidget(page.glyphPosition(i));
          p && glyphAt(frame, *p, frame.devicePixelRatio()))
        grip = std::pair{i, *p};
  ASSERT_TRUE(grip) << "an electrode of the thread is on screen";
  const auto before = page.sites();
  auto layersOf = [&page]() {
    std::pair<nl::widgets::PointsLayer*, nl::widgets::LinesLayer*> found{nullptr, nullptr};
    for (auto* layer : page.scene()->layers()) {
      if (auto* p = qobject_cast<nl::widgets::PointsLayer*>(layer); p && p->name() == "electrodes")
        found.first = p;
      if (auto* l = qobject_cast<nl::widgets::LinesLayer*>(layer)) found.second = l;
    }
    return found;
  };
  const auto [glyphs, tubes] = layersOf();
  ASSERT_NE(glyphs, nullptr);
  ASSERT_NE(tubes, nullptr);
  const std::size_t stillFacets = glyphs->glyphTriangles();
  const auto tubeBefore = tubes->lines();
  const QPointF from = grip->second, to = from + QPointF(0, -15);
  mouse(*view, QEvent::MouseButtonPress, from, Qt::ShiftModifier);
  // While the user drags, the glyphs are decimated (llvmpipe pays for every
  // triangle): 6 × 4 facets instead of the still 14 × 10.
  EXPECT_LE(glyphs->glyphTriangles(), 36u);
  EXPECT_GT(stillFacets, 200u);
  for (int step = 1; step <= 3; ++step)
    mouse(*view, QEvent::MouseMove, from + (to - from) * (step / 3.0), Qt::ShiftModifier);
  // The thread's tube follows its electrodes in the same layer (not a new
  // layer and pipeline per mouse move).
  EXPECT_EQ(layersOf().second, tubes);
  ASSERT_EQ(tubes->lines().size(), 1u);
  EXPECT_NE(tubes->lines()[0], tubeBefore[0]) << "the tube moved with the thread";
  mouse(*view, QEvent::MouseButtonRelease, to, Qt::ShiftModifier);
  EXPECT_EQ(glyphs->glyphTriangles(), stillFacets) << "still: the full glyphs again";
  // The tube runs through the thread's electrodes as drawn.
  {
    std::size_t k = 0;
    for (std::size_t i = 0; i < page.sites().size(); ++i)
      if (page.sites()[i].thread == 0) {
        ASSERT_LT(k, tubes->lines()[0].size());
        const auto p = page.glyphPosition(i);
        const auto& q = tubes->lines()[0][k++];
        EXPECT_LT(std::hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]), 1e-9);
      }
  }
  int moved = 0;
  for (std::size_t i = 0; i < before.size(); ++i) {
    const bool changed = !(page.sites()[i] == before[i]);
    if (before[i].thread == 0) {
      moved += changed;
    } else {
      EXPECT_FALSE(changed) << "electrode " << i << " is not on the thread";
    }
  }
  EXPECT_EQ(moved, 3) << "every electrode of the thread moved";
  EXPECT_EQ(page.undoStack()->undoText(), "Move thread 0");
  page.undoStack()->undo();
  EXPECT_TRUE(page.sites() == before);
}

}  // namespace

namespace {

bool isVesselRed(const QColor& c) {
  return c.saturation() > 200 && c.value() > 60 &&
         (c.hue() >= 340 || (c.hue() >= 0 && c.hue() <= 5));
}
bool isViolationMagenta(const QColor& c) {
  return c.saturation() > 150 && c.value() > 90 && std::abs(c.hue() - 300) <= 12;
}
int countWhere(const QImage& image, bool (*test)(const QColor&)) {
  int n = 0;
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) n += test(image.pixelColor(x, y));
  return n;
}
bool magentaAt(const QImage& frame, QPointF p, double ratio) {
  for (int dy = -3; dy <= 3; ++dy)
    for (int dx = -3; dx <= 3; ++dx) {
      const int x = static_cast<int>(p.x() * ratio) + dx, y = static_cast<int>(p.y() * ratio) + dy;
      if (frame.rect().contains(x, y) && isViolationMagenta(frame.pixelColor(x, y))) return true;
    }
  return false;
}

// The braincharter arterial atlas with the plan: vessels near the cortex are
// drawn (and hidden by the toggle), electrodes closer than the margin are
// drawn magenta and listed with their distances, and Optimise keeps the
// constraint the page sets: "off" lets violations stand (the live chart
// shows them), "hard" ends with none.
TEST(PlannerPage, VesselsAreDrawnViolationsListedAndOptimiseKeepsTheMargin) {
  NL_REQUIRE_PLANNER_FIXTURES();
  NL_REQUIRE_FIXTURE(kVessels);
  QElapsedTimer clock;
  clock.start();
  auto o = openPage(true);
  std::cout << "[planner] opened with the vessel atlas in " << clock.elapsed() << " ms\n";
  auto& page = *o.page;
  ASSERT_TRUE(page.hasVessels());
  EXPECT_TRUE(page.vesselsShown());
  EXPECT_EQ(page.vesselConstraint().mode, nl::analysis::prosthesis::ConstraintMode::Hard);
  EXPECT_DOUBLE_EQ(page.vesselConstraint().marginMm, 0.5) << "the plan's margin";
  ASSERT_NE(page.vesselLayer(), nullptr);
  const auto vesselCount = page.vesselLayer()->positions().size();
  std::cout << "[planner] " << vesselCount
            << " vessel glyphs (voxels within 3 mm of the pial surface around V1-V3)\n";
  EXPECT_GT(vesselCount, 100u);
  // Every electrode has its distance (the atlas covers the occipital lobe).
  std::vector<double> distances;
  for (const auto& f : page.fields()) {
    ASSERT_TRUE(std::isfinite(f.vesselDistanceMm));
    EXPECT_GE(f.vesselDistanceMm, 0.0);
    distances.push_back(f.vesselDistanceMm);
  }
  // Eccentricity colouring (viridis, no red): the red on screen is the vessels'.
  auto* colour = page.findChild<QComboBox*>("plannerColour");
  ASSERT_NE(colour, nullptr);
  colour->setCurrentIndex(1);
  QMetaObject::invokeMethod(colour, "activated", Q_ARG(int, 1));
  const QImage withVessels = nl::test::freshFrame(*page.view());
  if (const char* dir = std::getenv("NL_TEST_SNAPSHOTS"))
    page.exportScreenshot(QString::fromLocal8Bit(dir) + "/planner-vessels.png");
  page.setVesselsShown(false);
  const QImage without = nl::test::freshFrame(*page.view());
  const int red = countWhere(withVessels, isVesselRed), redOff = countWhere(without, isVesselRed);
  std::cout << "[planner] vessel-red pixels: " << red << " shown, " << redOff << " hidden\n";
  EXPECT_GT(red - redOff, 300) << "the vessels are drawn";
  // Pixels: a device pixel ratio of 2 has 4 times as many (QT_SCALE_FACTOR=2).
  const double pixelsPerPoint = std::pow(without.devicePixelRatio(), 2);
  EXPECT_LT(redOff, 40 * pixelsPerPoint)
      << "and hidden by the toggle (the orientation marker's R axis is red)";
  page.setVesselsShown(true);
  // On the pial surface the vessels are drawn where they are (one glyph per
  // 1.2 mm cell), within 3 mm of it.
  page.showSurface("pial");
  ASSERT_NE(page.vesselLayer(), nullptr);
  EXPECT_GT(page.vesselLayer()->positions().size(), vesselCount) << "in place, not per vertex";
  const QImage onPial = nl::test::freshFrame(*page.view());
  EXPECT_GT(countWhere(onPial, isVesselRed), 300);
  if (const char* dir = std::getenv("NL_TEST_SNAPSHOTS"))
    page.exportScreenshot(QString::fromLocal8Bit(dir) + "/planner-vessels-pial.png");
  page.showSurface("inflated");

  // A margin that half the electrodes violate.
  std::vector<double> sorted = distances;
  std::sort(sorted.begin(), sorted.end());
  const double margin = std::ceil(100 * sorted[sorted.size() / 2]) / 100 + 0.01;
  page.setVesselConstraint(nl::analysis::prosthesis::ConstraintMode::Off, margin);
  const auto violations = page.violations();
  std::cout << "[planner] margin " << margin << " mm (page " << page.vesselConstraint().marginMm
            << "); distances";
  for (double d : sorted) std::cout << " " << d;
  std::cout << "\n";
  const auto expected = static_cast<std::size_t>(
      std::count_if(distances.begin(), distances.end(), [&](double d) { return d < margin; }));
  ASSERT_EQ(violations.size(), expected);
  ASSERT_GE(violations.size(), 3u);
  ASSERT_EQ(page.violationList()->count(), static_cast<int>(expected));
  for (std::size_t k = 0; k < violations.size(); ++k) {
    const auto& v = violations[k];
    EXPECT_NEAR(v.distanceMm, distances[static_cast<std::size_t>(v.electrode)], 1e-12);
    const QString text = page.violationList()->item(static_cast<int>(k))->text();
    EXPECT_TRUE(text.contains(QString("electrode %1").arg(v.electrode))) << text.toStdString();
    EXPECT_TRUE(text.contains(QString::number(v.distanceMm, 'f', 2))) << text.toStdString();
    if (k > 0) {
      EXPECT_LE(violations[k - 1].distanceMm, v.distanceMm) << "nearest first";
    }
  }
  // Violating electrodes are magenta on screen, the others are not.
  const QImage marked = nl::test::freshFrame(*page.view());
  int magentaShown = 0, visibleViolators = 0;
  for (const auto& v : violations) {
    const auto p =
        page.view()->worldToWidget(page.glyphPosition(static_cast<std::size_t>(v.electrode)));
    if (!p || !marked.rect().contains(p->toPoint())) continue;
    ++visibleViolators;
    magentaShown += magentaAt(marked, *p, marked.devicePixelRatio());
  }
  EXPECT_GE(magentaShown, 2) << "of " << visibleViolators << " violating electrodes on screen";
  if (const char* dir = std::getenv("NL_TEST_SNAPSHOTS"))
    page.exportScreenshot(QString::fromLocal8Bit(dir) + "/planner-violations.png");

  // Optimise with the constraint off: the chart shows violations.
  QSignalSpy finished(&page, &wp::PlannerPage::optimisationFinished);
  page.setOptimiserIterations(4);
  clock.restart();
  page.optimise();
  ASSERT_TRUE(waitUntil([&] { return finished.count() > 0; }, 60000));
  std::cout << "[planner] optimise (off) " << clock.elapsed() << " ms\n";
  const auto* chart = page.findChild<nl::widgets::Chart*>("plannerConvergence");
  ASSERT_NE(chart, nullptr);
  ASSERT_EQ(chart->series().size(), 2u);
  const auto& offViolations = chart->series()[1].y;
  ASSERT_FALSE(offViolations.empty());
  EXPECT_GT(*std::max_element(offViolations.begin(), offViolations.end()), 0.0)
      << "without the constraint the margin is violated";

  // Hard: none at any iteration, none listed, none magenta.
  page.setVesselConstraint(nl::analysis::prosthesis::ConstraintMode::Hard, margin);
  clock.restart();
  page.optimise();
  ASSERT_TRUE(waitUntil([&] { return finished.count() > 1; }, 60000));
  std::cout << "[planner] optimise (hard) " << clock.elapsed() << " ms\n";
  if (const char* dir = std::getenv("NL_TEST_SNAPSHOTS"))
    page.exportScreenshot(QString::fromLocal8Bit(dir) + "/planner-hard.png");
  const auto& hardViolations = chart->series()[1].y;
  ASSERT_FALSE(hardViolations.empty());
  EXPECT_EQ(*std::max_element(hardViolations.begin(), hardViolations.end()), 0.0);
  for (const auto& record : page.convergence()) EXPECT_GE(record.minVesselDistanceMm, margin);
  EXPECT_TRUE(page.violations().empty());
  EXPECT_EQ(page.violationList()->count(), 0);
  for (const auto& f : page.fields()) EXPECT_GE(f.vesselDistanceMm, margin - 1e-9);
  const QImage clean = nl::test::freshFrame(*page.view());
  EXPECT_LT(countWhere(clean, isViolationMagenta), 5) << "no electrode is drawn as violating";
}

}  // namespace

namespace {

// A plan over both hemispheres (prosthesis.plan with hemisphere "both"):
// lh + rh fsaverage5 with their Benson maps, electrodes on both V1s.
TEST(PlannerPage, BothHemispheresInOnePlan) {
  NL_REQUIRE_PLANNER_FIXTURES();
  const char* right[] = {"surface/fsaverage5/white_right.gii.gz",
                         "surface/fsaverage5/pial_right.gii.gz",
                         "surface/fsaverage5/sphere_right.gii.gz",
                         "surface/fsaverage5/infl_right.gii.gz",
                         "surface/benson14_fsaverage/rh.benson14_angle.v4_0.mgz",
                         "surface/benson14_fsaverage/rh.benson14_eccen.v4_0.mgz",
                         "surface/benson14_fsaverage/rh.benson14_varea.v4_0.mgz"};
  for (const char* f : right) NL_REQUIRE_FIXTURE(f);
  nl::io::Session session;
  std::shared_ptr<const nl::io::ArrayDataset> eccen[2], varea[2];
  auto add = [&](const char* f, int side) {
    const auto dataset = nl::io::ReaderRegistry::builtin().open(kFixtures / f).datasets.at(0);
    session.add(dataset);
    if (std::string(f).find("eccen") != std::string::npos)
      eccen[side] = std::dynamic_pointer_cast<const nl::io::ArrayDataset>(dataset);
    if (std::string(f).find("varea") != std::string::npos)
      varea[side] = std::dynamic_pointer_cast<const nl::io::ArrayDataset>(dataset);
  };
  for (const char* f : kFiles) add(f, 0);
  for (const char* f : right) add(f, 1);
  // Six V1 vertices of each hemisphere between 2° and 8°.
  std::vector<double> vertex, thread;
  std::vector<std::string> hemisphere;
  for (int side = 0; side < 2; ++side) {
    int seen = 0, taken = 0;
    for (std::size_t v = 0; v < 10242 && taken < 6; ++v)
      if (varea[side]->values()[v] == 1.0 && eccen[side]->values()[v] > 2 &&
          eccen[side]->values()[v] < 8 && seen++ % 5 == 0) {
        vertex.push_back(static_cast<double>(v));
        thread.push_back(-1);
        hemisphere.push_back(side == 0 ? "left" : "right");
        ++taken;
      }
  }
  nl::io::Provenance provenance;
  provenance.pluginId = "prosthesis.plan";
  provenance.outputName = "electrodes";
  const auto plan = session.add(std::make_shared<nl::io::TableDataset>(
      nl::io::DatasetKind::Table, "electrodes",
      std::vector<nl::io::Column>{
          {"thread", thread}, {"hemisphere", hemisphere}, {"vertex", vertex}},
      provenance, nl::io::Attributes{{"hemisphere", "both"}}));
  std::unique_ptr<wp::PlannerPage> page(wp::makePlannerPage(session, plan));
  page->resize(1300, 760);
  page->show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(page.get()));
  ASSERT_EQ(page->sites().size(), 12u);
  // Each hemisphere's electrodes in the opposite visual field, at their own
  // hemisphere's position (MNI305 x < 0 on the left).
  for (std::size_t i = 0; i < 12; ++i) {
    const auto& f = page->fields()[i];
    ASSERT_TRUE(f.active) << "electrode " << i;
    if (i < 6) {
      EXPECT_GT(f.sample.field.x, 0.0) << "left hemisphere → right visual field";
      EXPECT_LT(f.sample.position.x(), 0.0);
    } else {
      EXPECT_LT(f.sample.field.x, 0.0) << "right hemisphere → left visual field";
      EXPECT_GT(f.sample.position.x(), 0.0);
    }
  }
  // The phosphene map lights both halves of the field.
  const QImage map = page->visualField()->phosphenes();
  ASSERT_FALSE(map.isNull());
  const int half = map.width() / 2;
  EXPECT_GT(nl::test::distinctColours(map, QRect(0, 0, half, map.height())), 3);
  EXPECT_GT(nl::test::distinctColours(map, QRect(half, 0, map.width() - half, map.height())), 3);
  // Glyphs of both hemispheres on screen, the left's on the left (seen from behind).
  const QImage frame = nl::test::freshFrame(*page->view());
  double leftX = 0, rightX = 0;
  int leftDrawn = 0, rightDrawn = 0;
  for (std::size_t i = 0; i < 12; ++i)
    if (const auto p = page->view()->worldToWidget(page->glyphPosition(i));
        p && glyphAt(frame, *p, frame.devicePixelRatio())) {
      (i < 6 ? leftX : rightX) += p->x();
      ++(i < 6 ? leftDrawn : rightDrawn);
    }
  EXPECT_GE(leftDrawn, 2);
  EXPECT_GE(rightDrawn, 2);
  if (leftDrawn && rightDrawn) {
    EXPECT_LT(leftX / leftDrawn, rightX / rightDrawn);
  }
  // The export names each electrode's hemisphere and numbers its vertex there.
  QTemporaryDir dir;
  page->exportJson(dir.filePath("both.json"));
  QFile json(dir.filePath("both.json"));
  ASSERT_TRUE(json.open(QIODevice::ReadOnly));
  const auto parsed = nlohmann::json::parse(json.readAll().toStdString());
  EXPECT_EQ(parsed["hemisphere"], "both");
  ASSERT_EQ(parsed["electrodes"].size(), 12u);
  EXPECT_EQ(parsed["electrodes"][0]["hemisphere"], "left");
  EXPECT_EQ(parsed["electrodes"][11]["hemisphere"], "right");
  EXPECT_EQ(parsed["electrodes"][11]["vertex"].get<int>(), static_cast<int>(vertex[11]));
  if (const char* snapshots = std::getenv("NL_TEST_SNAPSHOTS"))
    page->exportScreenshot(QString::fromLocal8Bit(snapshots) + "/planner-both.png");
}

}  // namespace
