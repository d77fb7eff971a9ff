// The prosthesis planner page on fsaverage5 with the Benson template and a
// plan table as prosthesis.plan writes it: the registry picks the page, the
// electrodes are on screen, dragging one (real mouse events through the 3D
// view) moves it over the surface and changes the percept, undo and redo
// bring both back, the edited plan survives saveState/restoreState, and the
// exports carry every electrode.
#include <gtest/gtest.h>

#include <QFile>
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
std::unique_ptr<PlanSession> planSession() {
  auto s = std::make_unique<PlanSession>();
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

OpenPage openPage() {
  OpenPage o;
  o.s = planSession();
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
  const QPointF from = grip->second, to = from + QPointF(0, -15);
  mouse(*view, QEvent::MouseButtonPress, from, Qt::ShiftModifier);
  for (int step = 1; step <= 3; ++step)
    mouse(*view, QEvent::MouseMove, from + (to - from) * (step / 3.0), Qt::ShiftModifier);
  mouse(*view, QEvent::MouseButtonRelease, to, Qt::ShiftModifier);
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
