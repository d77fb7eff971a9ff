// The proofreading page on real FISBe data, through the main window: opened
// with "Open with" from the volume page, clicks select instances (highlight
// pixels, table rows), merge recolours and shrinks the table, undo restores
// the pixels, paint adds voxels, the score follows every edit and equals a
// full evaluation, the session replays the edits, the history has a memory
// cap, and the labels are saved without touching the source.
#include <gtest/gtest.h>

#include <QDir>
#include <QTableWidget>
#include <QTest>
#include <QUndoStack>
#include <cstring>

#include "GuiTestUtil.h"
#include "analysis/fisbe/Evaluate.h"
#include "app/gui/MainWindow.h"
#include "io/ReaderRegistry.h"
#include "io/microscopy/VolumeDataset.h"
#include "tests/support/TestSupport.h"
#include "widgets/AreaColors.h"
#include "widgets/Screenshot.h"
#include "widgets/pages/PageTabs.h"
#include "widgets/pages/ViewRegistry.h"
#include "widgets/pages/proofread/ProofreadPage.h"
#include "widgets/pages/proofread/SliceEditor.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/VolumeLayers.h"

namespace {

using nl::widgets::ProofreadPage;
using nl::widgets::SliceEditor;
using Label = ProofreadPage::Label;

constexpr const char* kRawCrop = "fisbe_raw/JRC_SS05008-20160318_24_B2_crop.zarr";
constexpr const char* kGtStore = "zarr/R14A02-20180905_65_A6.zarr";
constexpr const char* kPredFile = "zarr/R14A02-20180905_65_A6_pred.hdf";

void snapshot(QWidget* widget, const char* name) {
  if (const QString dir = qEnvironmentVariable("NL_TEST_SNAPSHOTS"); !dir.isEmpty())
    nl::widgets::composeWindowImage(widget).save(QDir(dir).filePath(QString(name) + ".png"));
}

nl::widgets::PageTabs* tabsOf(nl::app::MainWindow& window) {
  return qobject_cast<nl::widgets::PageTabs*>(window.viewTabs());
}

ProofreadPage* waitForLabels(ProofreadPage* page) {
  EXPECT_TRUE(nl::test::waitUntil([&] { return page->labelsReady(); }, 30000));
  return page;
}

// A voxel of `label` on plane z (the first in raster order), or none.
std::optional<std::pair<int, int>> voxelOn(const ProofreadPage& page, std::int64_t z, Label label) {
  const auto& v = *page.labels();
  for (int y = 0; y < v.shape().height; ++y)
    for (int x = 0; x < v.shape().width; ++x)
      if (v.at(z, y, x) == label) return std::pair{y, x};
  return std::nullopt;
}

// The plane where `a` and `b` both have the most voxels (by the smaller count).
std::int64_t planeWithBoth(const ProofreadPage& page, Label a, Label b) {
  const auto& v = *page.labels();
  std::int64_t best = 0, bestCount = -1;
  for (std::int64_t z = 0; z < v.shape().depth; ++z) {
    std::int64_t na = 0, nb = 0;
    for (int y = 0; y < v.shape().height; ++y)
      for (int x = 0; x < v.shape().width; ++x) {
        const Label l = v.at(z, y, x);
        na += l == a, nb += l == b;
      }
    if (std::min(na, nb) > bestCount) bestCount = std::min(na, nb), best = z;
  }
  return best;
}

int countLabel(const nl::analysis::fisbe::edit::LabelVolume& v, Label label) {
  int n = 0;
  for (std::uint64_t i = 0; i < static_cast<std::uint64_t>(v.voxelCount()); ++i)
    n += v.at(i) == label;
  return n;
}

QColor pixelOfVoxel(SliceEditor& editor, int y, int x) {
  const QImage grab = editor.grab().toImage();
  const QPointF p = editor.positionOf(y, x) * grab.devicePixelRatio();
  return grab.pixelColor(static_cast<int>(p.x()), static_cast<int>(p.y()));
}

std::vector<unsigned char> bytesOf(const nl::analysis::fisbe::edit::LabelVolume& v) {
  const auto* p = static_cast<const unsigned char*>(v.data());
  return {p, p + v.voxelCount() * static_cast<std::int64_t>(labelTypeSize(v.type()))};
}

class ProofreadWindow : public ::testing::Test {
 protected:
  void SetUp() override {
    window_ = std::make_unique<nl::app::MainWindow>();
    window_->setInteractive(false);
    window_->resize(1600, 1000);
    window_->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(window_.get()));
  }
  std::unique_ptr<nl::app::MainWindow> window_;
};

TEST_F(ProofreadWindow, OpenWithClickMergeUndoPaintOnTheRealFisbeCrop) {
  NL_REQUIRE_FIXTURE(kRawCrop);
  // The sample folder (raw + gt_instances) opens on the volume page …
  ASSERT_EQ(
      window_->openFiles({QString::fromStdString((nl::test::fixtures() / kRawCrop).string())}), 2);
  auto* tabs = tabsOf(*window_);
  ASSERT_NE(tabs, nullptr);
  auto* volumePage = tabs->currentPage();
  ASSERT_NE(volumePage, nullptr);
  EXPECT_EQ(volumePage->viewId(), "volume");
  // … and "Open with" offers the proofreading page.
  const auto choices = tabs->openWithChoices(*volumePage);
  ASSERT_NE(std::find(choices.begin(), choices.end(), "microscopy.proofread"), choices.end());
  auto* page =
      qobject_cast<ProofreadPage*>(tabs->openPageWith(*volumePage, "microscopy.proofread"));
  ASSERT_NE(page, nullptr);
  waitForLabels(page);
  auto* editor = page->editor();
  ASSERT_TRUE(nl::test::waitUntil([&] {
    return !page->scenes().front()->layers().empty() &&
           page->scenes().front()->layers().size() >= 3;
  }));
  EXPECT_EQ(page->labels()->instances().size(), 3u);
  EXPECT_EQ(page->instanceTable()->rowCount(), 3);

  // Shortcuts need the window active and the page focused.
  window_->activateWindow();
  QApplication::setActiveWindow(window_.get());
  ASSERT_TRUE(QTest::qWaitForWindowActive(window_.get()));
  editor->setFocus();
  // Go to a plane where neurons 2 and 3 both are, and click neuron 3.
  const auto z = planeWithBoth(*page, 2, 3);
  editor->setPlane(z);
  QApplication::processEvents();
  const auto on3 = voxelOn(*page, z, 3), on2 = voxelOn(*page, z, 2);
  ASSERT_TRUE(on3 && on2);
  const QColor before3 = pixelOfVoxel(*editor, on3->first, on3->second);
  EXPECT_FALSE(nl::test::isHighlightYellow(before3));
  QTest::mouseClick(editor, Qt::LeftButton, {},
                    editor->positionOf(on3->first, on3->second).toPoint());
  ASSERT_EQ(page->selectedLabels(), std::vector<Label>{3});
  const QColor selected3 = pixelOfVoxel(*editor, on3->first, on3->second);
  EXPECT_TRUE(nl::test::isHighlightYellow(selected3)) << selected3.name().toStdString();
  EXPECT_GT(nl::test::countHighlight(editor->grab().toImage()), 20);
  // The table follows: the row of label 3 is selected.
  const auto rows = page->instanceTable()->selectionModel()->selectedRows();
  ASSERT_EQ(rows.size(), 1);
  EXPECT_EQ(page->instanceTable()->item(rows.front().row(), 0)->text(), "3");
  // … and the other way: a row picked in the table selects its instance.
  for (int row = 0; row < page->instanceTable()->rowCount(); ++row)
    if (page->instanceTable()->item(row, 0)->text() == "1") page->instanceTable()->selectRow(row);
  EXPECT_EQ(page->selectedLabels(), std::vector<Label>{1});
  EXPECT_EQ(window_->session().selection().indices(), std::vector<std::int64_t>{1});
  QTest::mouseClick(editor, Qt::LeftButton, {},
                    editor->positionOf(on3->first, on3->second).toPoint());
  ASSERT_EQ(page->selectedLabels(), std::vector<Label>{3});
  snapshot(window_.get(), "proofread_selected");

  // Ctrl+click adds neuron 2; M merges it into 3: its pixels turn yellow
  // with 3's, the table loses a row.
  const QImage beforeMerge = editor->composed();
  QTest::mouseClick(editor, Qt::LeftButton, Qt::ControlModifier,
                    editor->positionOf(on2->first, on2->second).toPoint());
  ASSERT_EQ(page->selectedLabels(), (std::vector<Label>{3, 2}));
  const QImage selectedBoth = editor->composed();
  QTest::keyClick(editor, Qt::Key_M);
  EXPECT_EQ(page->undoStack()->count(), 1);
  EXPECT_EQ(page->undoStack()->undoText(), "Merge 2 into 3");
  EXPECT_FALSE(page->labels()->hasInstance(2));
  EXPECT_EQ(page->instanceTable()->rowCount(), 2);
  EXPECT_EQ(page->selectedLabels(), std::vector<Label>{3});
  // Deselect and draw the instances opaque: the former neuron 2 now has
  // neuron 3's palette colour.
  page->selectLabels({});
  editor->setLabelOpacity(1.0);
  QApplication::processEvents();
  EXPECT_EQ(pixelOfVoxel(*editor, on2->first, on2->second).rgb(),
            nl::widgets::instanceColour(3).rgb());
  EXPECT_EQ(pixelOfVoxel(*editor, on3->first, on3->second).rgb(),
            nl::widgets::instanceColour(3).rgb());
  EXPECT_EQ(page->labels()->at(z, on2->first, on2->second), 3u);
  page->undoStack()->undo();
  page->selectLabels({});
  EXPECT_EQ(pixelOfVoxel(*editor, on2->first, on2->second).rgb(),
            nl::widgets::instanceColour(2).rgb());
  page->undoStack()->redo();
  editor->setLabelOpacity(0.5);
  page->selectLabels({3});
  snapshot(window_.get(), "proofread_merged");

  // Ctrl+Z restores the pixels exactly (with both selected again).
  QTest::keyClick(editor, Qt::Key_Z, Qt::ControlModifier);
  EXPECT_EQ(page->undoStack()->index(), 0);
  EXPECT_TRUE(page->labels()->hasInstance(2));
  EXPECT_EQ(page->instanceTable()->rowCount(), 3);
  page->selectLabels({3});
  EXPECT_EQ(editor->composed(), beforeMerge);
  page->selectLabels({3, 2});
  EXPECT_EQ(editor->composed(), selectedBoth);
  // Ctrl+Shift+Z redoes it.
  QTest::keyClick(editor, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
  EXPECT_FALSE(page->labels()->hasInstance(2));
  QTest::keyClick(editor, Qt::Key_Z, Qt::ControlModifier);

  // Cut (C): a line dragged across neuron 3 on this plane splits it along
  // the plane through the line and the z axis.
  {
    page->selectLabels({3});
    QTest::keyClick(editor, Qt::Key_C);
    ASSERT_EQ(editor->tool(), SliceEditor::Tool::Cut);
    const Label cutLabel = page->labels()->unusedLabel();
    const auto& box = page->labels()->instances().at(3).box;
    const int x = static_cast<int>((box.x0 + box.x1) / 2);
    QTest::mousePress(editor, Qt::LeftButton, {}, editor->positionOf(0, x).toPoint());
    QMouseEvent move(QEvent::MouseMove, editor->positionOf(49, x),
                     editor->mapToGlobal(editor->positionOf(49, x)), Qt::NoButton, Qt::LeftButton,
                     Qt::NoModifier);
    QApplication::sendEvent(editor, &move);
    QTest::mouseRelease(editor, Qt::LeftButton, {}, editor->positionOf(49, x).toPoint());
    EXPECT_EQ(page->undoStack()->undoText().left(7), "Split 3");
    ASSERT_TRUE(page->labels()->hasInstance(cutLabel));
    // The side x < the line's (normal (0, 0, −dy) for a downward line) is the new instance.
    EXPECT_EQ(page->labels()->instances().at(cutLabel).box.x1 - 1 < x, true);
    EXPECT_EQ(page->selectedLabels(), (std::vector<Label>{3, cutLabel}));
    QTest::keyClick(editor, Qt::Key_Z, Qt::ControlModifier);
    EXPECT_FALSE(page->labels()->hasInstance(cutLabel));
  }

  // Seeds (D): two clicks in neuron 3, Return splits it by region growing.
  {
    page->selectLabels({3});
    QTest::keyClick(editor, Qt::Key_D);
    ASSERT_EQ(editor->tool(), SliceEditor::Tool::Seeds);
    std::optional<std::pair<int, int>> last;
    for (int y = 49; y >= 0 && !last; --y)
      for (int x = 49; x >= 0 && !last; --x)
        if (page->labels()->at(z, y, x) == 3) last = std::pair{y, x};
    ASSERT_TRUE(last);
    const Label seedLabel = page->labels()->unusedLabel();
    QTest::mouseClick(editor, Qt::LeftButton, {},
                      editor->positionOf(on3->first, on3->second).toPoint());
    QTest::mouseClick(editor, Qt::LeftButton, {},
                      editor->positionOf(last->first, last->second).toPoint());
    ASSERT_EQ(editor->seeds().size(), 2u);
    QTest::keyClick(editor, Qt::Key_Return);
    EXPECT_EQ(page->undoStack()->undoText(), "Split 3 at 2 seeds");
    ASSERT_TRUE(page->labels()->hasInstance(seedLabel));
    EXPECT_EQ(page->labels()->at(z, on3->first, on3->second), 3u);
    EXPECT_EQ(page->labels()->at(z, last->first, last->second), seedLabel);
    EXPECT_TRUE(editor->seeds().empty());
    QTest::keyClick(editor, Qt::Key_Z, Qt::ControlModifier);
    EXPECT_FALSE(page->labels()->hasInstance(seedLabel));
    QTest::keyClick(editor, Qt::Key_S);
  }

  // Paint (B) a new instance on background with a stroke.
  page->selectLabels({});
  QTest::keyClick(editor, Qt::Key_B);
  EXPECT_EQ(editor->tool(), SliceEditor::Tool::Paint);
  std::optional<std::pair<int, int>> empty;
  for (int y = 5; y < 45 && !empty; ++y)
    for (int x = 5; x < 40 && !empty; ++x) {
      bool clear = true;
      for (int d = 0; d < 8 && clear; ++d) clear = page->labels()->at(z, y, x + d) == 0;
      if (clear) empty = std::pair{y, x};
    }
  ASSERT_TRUE(empty);
  const Label fresh = page->labels()->unusedLabel();
  const QColor beforePaint = pixelOfVoxel(*editor, empty->first, empty->second + 4);
  const QPoint from = editor->positionOf(empty->first, empty->second).toPoint();
  const QPoint to = editor->positionOf(empty->first, empty->second + 7).toPoint();
  QTest::mousePress(editor, Qt::LeftButton, {}, from);
  for (int step = 1; step <= 7; ++step) {
    QMouseEvent move(QEvent::MouseMove, editor->positionOf(empty->first, empty->second + step),
                     editor->mapToGlobal(editor->positionOf(empty->first, empty->second + step)),
                     Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(editor, &move);
  }
  QTest::mouseRelease(editor, Qt::LeftButton, {}, to);
  ASSERT_TRUE(page->labels()->hasInstance(fresh));
  EXPECT_GT(countLabel(*page->labels(), fresh), 7 * 9);  // radius 3 spheres along 8 voxels
  EXPECT_EQ(page->labels()->at(z, empty->first, empty->second + 4), fresh);
  EXPECT_NE(pixelOfVoxel(*editor, empty->first, empty->second + 4), beforePaint);
  EXPECT_EQ(page->instanceTable()->rowCount(), 4);
  EXPECT_EQ(page->selectedLabels(), std::vector<Label>{fresh});
  editor->setFocus();
  snapshot(window_.get(), "proofread_painted");

  // The session keeps the edits: a page made again from the same datasets
  // and given the state replays them.
  const std::string state = page->saveState();
  const auto datasets = page->shownDatasets();
  const auto edited = bytesOf(*page->labels());
  auto* again = qobject_cast<ProofreadPage*>(tabs->openWith("microscopy.proofread", datasets));
  ASSERT_NE(again, nullptr);
  again->restoreState(state);
  waitForLabels(again);
  EXPECT_EQ(again->undoStack()->count(), 1);
  EXPECT_EQ(bytesOf(*again->labels()), edited);
  EXPECT_EQ(again->editor()->plane(), z);
}

// The plane along `axis` (0 z, 1 y, 2 x) where `label` has the most voxels.
std::int64_t busiestPlane(const nl::analysis::fisbe::edit::LabelVolume& v, int axis, Label label) {
  const auto s = v.shape();
  std::vector<std::int64_t> count(static_cast<std::size_t>(axis == 0   ? s.depth
                                                           : axis == 1 ? s.height
                                                                       : s.width),
                                  0);
  for (std::int64_t z = 0; z < s.depth; ++z)
    for (std::int64_t y = 0; y < s.height; ++y)
      for (std::int64_t x = 0; x < s.width; ++x)
        if (v.at(z, y, x) == label)
          ++count[static_cast<std::size_t>(axis == 0 ? z : axis == 1 ? y : x)];
  return std::max_element(count.begin(), count.end()) - count.begin();
}

void drag(SliceEditor* editor, const std::vector<QPointF>& points) {
  QTest::mousePress(editor, Qt::LeftButton, {}, points.front().toPoint());
  for (std::size_t i = 1; i < points.size(); ++i) {
    QMouseEvent move(QEvent::MouseMove, points[i], editor->mapToGlobal(points[i]), Qt::NoButton,
                     Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(editor, &move);
  }
  QTest::mouseRelease(editor, Qt::LeftButton, {}, points.back().toPoint());
}

// The editor looking along y (xz planes, key Y) and x (yz planes, key X):
// the screen pixels show the voxels (z, y, x) they claim, and every tool
// edits the voxels under the mouse in that orientation — select, cut (the
// plane through the line and the viewing axis), paint, erase, seeds — and
// anisotropic voxels are drawn in their physical proportions.
TEST_F(ProofreadWindow, EditsInXzAndYzPlanesLandAtTheirVoxels) {
  NL_REQUIRE_FIXTURE(kRawCrop);
  ASSERT_EQ(
      window_->openFiles({QString::fromStdString((nl::test::fixtures() / kRawCrop).string())}), 2);
  auto* tabs = tabsOf(*window_);
  auto* page = qobject_cast<ProofreadPage*>(
      tabs->openPageWith(*tabs->currentPage(), "microscopy.proofread"));
  ASSERT_NE(page, nullptr);
  waitForLabels(page);
  auto* editor = page->editor();
  window_->activateWindow();
  QApplication::setActiveWindow(window_.get());
  ASSERT_TRUE(QTest::qWaitForWindowActive(window_.get()));
  editor->setFocus();
  const auto& v = *page->labels();
  const auto s = v.shape();

  // xz: rows are z, columns x, on the plane y0.
  QTest::keyClick(editor, Qt::Key_Y);
  ASSERT_EQ(editor->axis(), SliceEditor::Axis::Y);
  const std::int64_t y0 = busiestPlane(v, 1, 3);
  editor->setPlane(y0);
  EXPECT_EQ(editor->plane(), y0);
  editor->setLabelOpacity(1.0);
  QApplication::processEvents();
  int checked = 0;
  for (int z = 4; z < s.depth; z += 2)  // below the plane's caption
    for (int x = 0; x < s.width; x += 2)
      if (const Label l = v.at(z, y0, x); l != 0) {
        ASSERT_EQ(pixelOfVoxel(*editor, z, x).rgb(), nl::widgets::instanceColour(int(l)).rgb())
            << "z " << z << " x " << x;
        ++checked;
      }
  EXPECT_GT(checked, 10);
  editor->setLabelOpacity(0.5);
  snapshot(window_.get(), "proofread_xz");

  // Select: a click on a voxel of neuron 3 in this plane selects it.
  std::optional<std::pair<int, int>> on3;
  for (int z = 0; z < s.depth && !on3; ++z)
    for (int x = 0; x < s.width && !on3; ++x)
      if (v.at(z, y0, x) == 3) on3 = std::pair{z, x};
  ASSERT_TRUE(on3);
  QTest::mouseClick(editor, Qt::LeftButton, {},
                    editor->positionOf(on3->first, on3->second).toPoint());
  ASSERT_EQ(page->selectedLabels(), std::vector<Label>{3});
  EXPECT_TRUE(nl::test::isHighlightYellow(pixelOfVoxel(*editor, on3->first, on3->second)));

  // Cut: a line along z at column xc; with the y axis it spans the plane
  // x = xc, so the new instance lies wholly on one side of it, in every y.
  {
    QTest::keyClick(editor, Qt::Key_C);
    const Label cutLabel = page->labels()->unusedLabel();
    const auto box = v.instances().at(3).box;
    const int xc = static_cast<int>((box.x0 + box.x1) / 2);
    drag(editor, {editor->positionOf(0, xc), editor->positionOf(s.depth - 1, xc)});
    ASSERT_TRUE(v.hasInstance(cutLabel));
    const auto cut = v.instances().at(cutLabel).box;
    EXPECT_TRUE(cut.x1 <= xc + 1 || cut.x0 >= xc) << cut.x0 << ".." << cut.x1 << " at " << xc;
    EXPECT_GT(cut.y1 - cut.y0, 1) << "the cut is a plane through the volume, not this slice";
    // … and what stays neuron 3 on the other side (boxes only grow: count).
    std::int64_t before = 0, after = 0;
    for (std::int64_t z = 0; z < s.depth; ++z)
      for (std::int64_t y = 0; y < s.height; ++y)
        for (std::int64_t x = 0; x < s.width; ++x)
          if (v.at(z, y, x) == 3 && x != xc) (x < xc ? before : after) += 1;
    EXPECT_GT(before + after, 0);
    EXPECT_TRUE(before == 0 || after == 0) << before << " left and " << after << " right of " << xc;
    QTest::keyClick(editor, Qt::Key_Z, Qt::ControlModifier);
    EXPECT_FALSE(v.hasInstance(cutLabel));
  }

  // Paint (B) a new instance on background along x at row z1: the voxels
  // change at y0 and within the brush of it, nowhere else.
  page->selectLabels({});
  QTest::keyClick(editor, Qt::Key_B);
  std::optional<std::pair<int, int>> empty;
  for (int z = 6; z < s.depth - 6 && !empty; ++z)
    for (int x = 5; x < s.width - 12 && !empty; ++x) {
      bool clear = true;
      for (int d = 0; d < 8 && clear; ++d) clear = v.at(z, y0, x + d) == 0;
      if (clear) empty = std::pair{z, x};
    }
  ASSERT_TRUE(empty);
  const auto before = bytesOf(v);
  const Label fresh = page->labels()->unusedLabel();
  std::vector<QPointF> stroke;
  for (int step = 0; step <= 7; ++step)
    stroke.push_back(editor->positionOf(empty->first, empty->second + step));
  drag(editor, stroke);
  ASSERT_TRUE(v.hasInstance(fresh));
  EXPECT_EQ(v.at(empty->first, y0, empty->second + 4), fresh);
  EXPECT_TRUE(nl::test::isHighlightYellow(pixelOfVoxel(*editor, empty->first, empty->second + 4)));
  const double r = editor->brushRadius();
  std::int64_t changed = 0;
  for (std::int64_t z = 0; z < s.depth; ++z)
    for (std::int64_t y = 0; y < s.height; ++y)
      for (std::int64_t x = 0; x < s.width; ++x)
        if (v.at(z, y, x) == fresh) {
          ++changed;
          ASSERT_LE(std::abs(y - y0), r) << "painted at y " << y;
          ASSERT_LE(std::abs(z - empty->first), r) << "painted at z " << z;
          ASSERT_GE(x, empty->second - r);
          ASSERT_LE(x, empty->second + 7 + r);
        }
  EXPECT_GT(changed, 7 * 9);

  // Erase brush (E) over the middle of the stroke.
  QTest::keyClick(editor, Qt::Key_E);
  drag(editor, {editor->positionOf(empty->first, empty->second + 3),
                editor->positionOf(empty->first, empty->second + 4)});
  EXPECT_EQ(v.at(empty->first, y0, empty->second + 4), 0u);
  EXPECT_EQ(v.at(empty->first, y0, empty->second + 3), 0u);
  page->undoStack()->undo();
  page->undoStack()->undo();
  EXPECT_EQ(bytesOf(v), before);

  // yz (key X): rows z, columns y, on the plane x0; seeds in neuron 3 split it there.
  QTest::keyClick(editor, Qt::Key_S);
  QTest::keyClick(editor, Qt::Key_X);
  ASSERT_EQ(editor->axis(), SliceEditor::Axis::X);
  const std::int64_t x0 = busiestPlane(v, 2, 3);
  editor->setPlane(x0);
  QApplication::processEvents();
  std::optional<std::pair<int, int>> first, last;
  for (int z = 0; z < s.depth; ++z)
    for (int y = 0; y < s.height; ++y)
      if (v.at(z, y, x0) == 3) {
        if (!first) first = std::pair{z, y};
        last = std::pair{z, y};
      }
  ASSERT_TRUE(first && last && *first != *last);
  QTest::mouseClick(editor, Qt::LeftButton, {},
                    editor->positionOf(first->first, first->second).toPoint());
  ASSERT_EQ(page->selectedLabels(), std::vector<Label>{3});
  QTest::keyClick(editor, Qt::Key_D);
  const Label seedLabel = page->labels()->unusedLabel();
  QTest::mouseClick(editor, Qt::LeftButton, {},
                    editor->positionOf(first->first, first->second).toPoint());
  QTest::mouseClick(editor, Qt::LeftButton, {},
                    editor->positionOf(last->first, last->second).toPoint());
  ASSERT_EQ(editor->seeds().size(), 2u);
  EXPECT_EQ(editor->seeds()[1].x, x0);
  EXPECT_EQ(editor->seeds()[1].z, last->first);
  EXPECT_EQ(editor->seeds()[1].y, last->second);
  QTest::keyClick(editor, Qt::Key_Return);
  ASSERT_TRUE(v.hasInstance(seedLabel));
  EXPECT_EQ(v.at(first->first, first->second, x0), 3u);
  EXPECT_EQ(v.at(last->first, last->second, x0), seedLabel);
  snapshot(window_.get(), "proofread_yz_seeds");
  page->undoStack()->undo();

  // Anisotropic voxels (z three times the x and y spacing): in an xz plane
  // a row is three times as tall as a column is wide, and the mouse still
  // finds its voxel.
  QTest::keyClick(editor, Qt::Key_Y);
  page->selectLabels({});
  editor->setVoxelSpacing(3, 1, 1);
  QApplication::processEvents();
  const QPointF o = editor->positionOf(10, 10);
  const double column = editor->positionOf(10, 11).x() - o.x();
  const double row = editor->positionOf(11, 10).y() - o.y();
  EXPECT_NEAR(row / column, 3.0, 1e-6);
  for (const auto& [z, x] : {std::pair{0, 0}, std::pair{7, 31}, std::pair{49, 49}}) {
    const auto voxel = editor->voxelAt(editor->positionOf(z, x));
    ASSERT_TRUE(voxel);
    EXPECT_EQ(voxel->z, z);
    EXPECT_EQ(voxel->y, y0);
    EXPECT_EQ(voxel->x, x);
  }
  editor->setLabelOpacity(1.0);
  QApplication::processEvents();
  for (int z = 4; z < s.depth; z += 3)  // below the plane's caption
    for (int x = 0; x < s.width; x += 3)
      if (const Label l = v.at(z, y0, x); l != 0) {
        ASSERT_EQ(pixelOfVoxel(*editor, z, x).rgb(), nl::widgets::instanceColour(int(l)).rgb());
      }
  editor->setLabelOpacity(0.5);
  snapshot(window_.get(), "proofread_xz_anisotropic");
}

TEST_F(ProofreadWindow, ScoreFollowsEveryEditAndEqualsTheFullEvaluation) {
  NL_REQUIRE_FIXTURE(kGtStore);
  NL_REQUIRE_FIXTURE(kPredFile);
  using namespace nl::io::microscopy;
  // Crops of the real R14A02 ground truth and prediction as in-memory volumes.
  auto open = [](const char* relative, const char* internal) {
    auto contents =
        nl::io::ReaderRegistry::builtin().open(nl::test::fixtures() / relative, internal);
    return std::dynamic_pointer_cast<const VolumeDataset>(contents.datasets.front());
  };
  const auto gtFile = open(kGtStore, "volumes/gt_instances");
  const auto predFile = open(kPredFile, "volumes/gmm_label_cleaned");
  ASSERT_TRUE(gtFile && predFile);
  const Box box{0, 7, 56, 184, 276, 500, 308, 532};
  auto gtValues = gtFile->read<std::uint8_t>(box);
  auto predBox = box;
  predBox.c1 = 1;
  auto predValues = predFile->read<std::int32_t>(predBox);
  const VolumeShape gtShape{7, 128, 224, 224}, predShape{1, 128, 224, 224};
  auto gt = std::make_shared<VolumeDataset>(
      "gt_instances", std::make_shared<InMemoryVolumeSource<std::uint8_t>>(gtShape, gtValues),
      VoxelSize{}, LabelEncoding::InstanceChannels);
  auto pred = std::make_shared<VolumeDataset>(
      "gmm_label_cleaned",
      std::make_shared<InMemoryVolumeSource<std::int32_t>>(predShape, predValues), VoxelSize{},
      LabelEncoding::LabelIds);
  auto& session = window_->session();
  const auto gtId = session.add(gt), predId = session.add(pred);
  // The volume page stays what opens label volumes; a manifest naming the
  // proofreading view (as microscopy.segment_neurons does) makes it win.
  const auto& registry = nl::widgets::ViewRegistry::instance();
  EXPECT_EQ(registry.best(session, {predId, gtId}).provider->id(), "volume");
  const auto declared = registry.best(session, {predId, gtId}, {"microscopy.proofread"});
  EXPECT_EQ(declared.provider->id(), "microscopy.proofread");
  EXPECT_EQ(declared.match.score, 100);
  EXPECT_EQ(declared.match.datasets, (std::vector<nl::io::DatasetId>{predId, gtId}));
  auto* page = qobject_cast<ProofreadPage*>(
      tabsOf(*window_)->openWith("microscopy.proofread", {predId, gtId}));
  ASSERT_NE(page, nullptr);
  waitForLabels(page);
  ASSERT_TRUE(nl::test::waitUntil([&] { return page->metrics() && !page->scoring(); }, 30000));

  nl::analysis::fisbe::EvaluationOptions options;
  options.threads = 1;
  const nl::analysis::fisbe::LabelBuffer gtSource(
      gtValues.data(), nl::analysis::fisbe::LabelType::UInt8, 7, {128, 224, 224});
  auto full = [&] {
    return nl::analysis::fisbe::evaluate(gtSource, page->labels()->buffer(), options);
  };
  const auto start = full();
  EXPECT_EQ(page->metrics()->score, start.score);
  EXPECT_EQ(page->metrics()->numPred, 3);
  EXPECT_NE(page->scoreText().indexOf(QString::number(start.score, 'f', 4)), -1);
  // The ground truth's neurons are outlined in white on the editor.
  ASSERT_TRUE(page->editor()->showsGroundTruth());
  page->selectLabels({3});  // the editor moves to a plane through prediction 3
  const QImage withGt = page->editor()->composed();
  EXPECT_GT(nl::test::countNear(withGt, QColor(Qt::white), 60), 10);
  snapshot(window_.get(), "proofread_scored");

  page->selectLabels({3, 2});
  ASSERT_TRUE(page->mergeSelected());
  ASSERT_TRUE(nl::test::waitUntil([&] { return !page->scoring(); }, 30000));
  const auto merged = full();
  EXPECT_EQ(page->metrics()->score, merged.score);
  EXPECT_EQ(page->metrics()->numPred, 2);
  EXPECT_EQ(page->metrics()->falseMerges, merged.falseMerges);
  // Two edits in a row: the second waits for the first rescoring.
  page->selectLabels({1});
  ASSERT_TRUE(page->eraseSelected());
  page->undoStack()->undo();
  page->undoStack()->undo();
  ASSERT_TRUE(nl::test::waitUntil([&] { return !page->scoring(); }, 30000));
  EXPECT_EQ(page->metrics()->score, start.score);
  EXPECT_EQ(page->instanceTable()->rowCount(), 3);
}

TEST_F(ProofreadWindow, HistoryIsCappedInBytesAndSavingNeverOverwritesTheSource) {
  NL_REQUIRE_FIXTURE(kRawCrop);
  ASSERT_EQ(
      window_->openFiles({QString::fromStdString((nl::test::fixtures() / kRawCrop).string())}), 2);
  auto* tabs = tabsOf(*window_);
  auto* page = qobject_cast<ProofreadPage*>(
      tabs->openPageWith(*tabs->currentPage(), "microscopy.proofread"));
  ASSERT_NE(page, nullptr);
  waitForLabels(page);
  // Paint five dabs: each diff is a few hundred bytes.
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(page->edit(nl::analysis::fisbe::edit::paintOperation(static_cast<Label>(10 + i),
                                                                     {{25, 10 + 6 * i, 10}}, 2.0)));
  const std::size_t all = page->historyBytes();
  page->setUndoMemoryLimit(all / 2);
  EXPECT_LE(page->historyBytes(), all / 2);
  EXPECT_LT(page->undoStack()->count(), 5);
  EXPECT_GE(page->undoStack()->count(), 1);
  // The dropped steps stay applied and in the session's edit log.
  EXPECT_TRUE(page->labels()->hasInstance(10));
  EXPECT_NE(page->saveState().find("\"labels\\\":[10]"), std::string::npos) << page->saveState();
  const int kept = page->undoStack()->count();
  for (int i = 0; i < kept; ++i) page->undoStack()->undo();
  EXPECT_TRUE(page->labels()->hasInstance(10));
  EXPECT_FALSE(page->labels()->hasInstance(14));

  // Saving: the source store is refused; a new zarr store reads back.
  const auto source = (nl::test::fixtures() / kRawCrop).string();
  EXPECT_FALSE(page->saveLabels(QString::fromStdString(source)));
  nl::test::TempDir dir;
  const QString target = QString::fromStdString((dir.path() / "fixed.zarr").string());
  bool done = false;
  QString error;
  QObject::connect(page, &ProofreadPage::saved, [&](const QString&, const QString& e) {
    done = true;
    error = e;
  });
  ASSERT_TRUE(page->saveLabels(target));
  ASSERT_TRUE(nl::test::waitUntil([&] { return done; }, 30000));
  EXPECT_TRUE(error.isEmpty()) << error.toStdString();
  const auto back =
      nl::io::ReaderRegistry::builtin().open(dir.path() / "fixed.zarr", "volumes/gt_instances");
  const auto volume =
      std::dynamic_pointer_cast<const nl::io::microscopy::VolumeDataset>(back.datasets.front());
  ASSERT_NE(volume, nullptr);
  EXPECT_EQ(volume->voxelType(), nl::io::microscopy::VoxelType::UInt8);
  const auto values = volume->readChannel<std::uint8_t>(0);
  EXPECT_EQ(std::memcmp(values.data(), page->labels()->data(), values.size()), 0);
}

}  // namespace

namespace {

TEST_F(ProofreadWindow, ASessionFileBringsTheEditsBack) {
  NL_REQUIRE_FIXTURE(kRawCrop);
  ASSERT_EQ(
      window_->openFiles({QString::fromStdString((nl::test::fixtures() / kRawCrop).string())}), 2);
  auto* tabs = tabsOf(*window_);
  auto* page = qobject_cast<ProofreadPage*>(
      tabs->openPageWith(*tabs->currentPage(), "microscopy.proofread"));
  ASSERT_NE(page, nullptr);
  waitForLabels(page);
  ASSERT_TRUE(page->edit(nl::analysis::fisbe::edit::mergeOperation(3, {2})));
  ASSERT_TRUE(page->edit(nl::analysis::fisbe::edit::paintOperation(9, {{20, 20, 20}}, 2.5)));
  page->editor()->setPlane(12);
  const auto edited = bytesOf(*page->labels());
  nl::test::TempDir dir;
  const QString path = QString::fromStdString((dir.path() / "proofread.nlsession").string());
  ASSERT_TRUE(window_->saveSession(path));

  nl::app::MainWindow other;
  other.setInteractive(false);
  other.resize(1600, 1000);
  other.show();
  ASSERT_TRUE(other.loadSession(path));
  ProofreadPage* restored = nullptr;
  ASSERT_TRUE(nl::test::waitUntil(
      [&] {
        for (auto* p : tabsOf(other)->pages())
          if (auto* candidate = qobject_cast<ProofreadPage*>(p)) restored = candidate;
        return restored && restored->labelsReady();
      },
      30000));
  EXPECT_EQ(restored->undoStack()->count(), 2);
  EXPECT_EQ(restored->undoStack()->undoText(), "Paint label 9 (1 dab, radius 2.5)");
  EXPECT_EQ(bytesOf(*restored->labels()), edited);
  EXPECT_EQ(restored->editor()->plane(), 12);
  // The restored steps are undoable like any other.
  restored->undoStack()->undo();
  restored->undoStack()->undo();
  EXPECT_TRUE(restored->labels()->hasInstance(2));
}

}  // namespace
