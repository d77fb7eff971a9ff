// The proofreading page on the full-size fixture (385 × 685 × 686 int32
// prediction + 7-neuron ground truth), driven like a user: time to first
// score, then per edit the GUI thread's latency (diff, apply, editor redraw,
// table, preview, collecting for the score), the 3D redraw and the
// background rescoring ("rescore": the task's work; "shown": until the
// number is on screen, including waits for the GUI thread). Wall clock; run under
//   xvfb-run -a -s "-screen 0 1920x1200x24" neuroloupe_bench_proofread_page [screenshot.png]
#include <QApplication>
#include <QElapsedTimer>
#include <QTest>
#include <QUndoStack>
#include <cstdio>

#include "app/gui/MainWindow.h"
#include "io/ReaderRegistry.h"
#include "io/microscopy/VolumeDataset.h"
#include "widgets/Screenshot.h"
#include "widgets/pages/PageTabs.h"
#include "widgets/pages/proofread/ProofreadPage.h"
#include "widgets/pages/proofread/SliceEditor.h"

namespace {

bool waitUntil(const std::function<bool()>& done, int timeoutMs) {
  QElapsedTimer timer;
  timer.start();
  while (!done()) {
    if (timer.elapsed() > timeoutMs) return false;
    QTest::qWait(5);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  const std::filesystem::path fixtures = NEUROLOUPE_FIXTURES_DIR;
  const auto gtPath = fixtures / "zarr/R14A02-20180905_65_A6.zarr";
  const auto predPath = fixtures / "zarr/R14A02-20180905_65_A6_pred.hdf";
  if (!std::filesystem::exists(gtPath) || !std::filesystem::exists(predPath)) {
    std::printf("fixtures absent\n");
    return 0;
  }
  nl::app::MainWindow window;
  window.setInteractive(false);
  window.resize(1800, 1100);
  window.show();
  auto& session = window.session();
  const auto pred = session.add(nl::io::ReaderRegistry::builtin()
                                    .open(predPath, "volumes/gmm_label_cleaned")
                                    .datasets.front());
  const auto gt = session.add(
      nl::io::ReaderRegistry::builtin().open(gtPath, "volumes/gt_instances").datasets.front());
  QElapsedTimer total;
  total.start();
  auto* tabs = qobject_cast<nl::widgets::PageTabs*>(window.viewTabs());
  auto* page =
      qobject_cast<nl::widgets::ProofreadPage*>(tabs->openWith("microscopy.proofread", {pred, gt}));
  if (!page || !waitUntil([&] { return page->labelsReady(); }, 600000)) return 1;
  std::printf("labels ready (read, measured, table, editor, 3D): %lld ms\n",
              static_cast<long long>(total.elapsed()));
  if (!waitUntil([&] { return page->metrics() && !page->scoring(); }, 600000)) return 1;
  std::printf("first score (ground truth read and thinned, predictions thinned): %lld ms — %s\n",
              static_cast<long long>(total.elapsed()), page->scoreText().toStdString().c_str());
  std::printf("3D instances drawn in %.0f ms\n\n", page->last3dMs());
  std::printf("%-36s %10s %10s %10s %10s\n", "edit", "GUI ms", "rescore ms", "shown ms", "3D ms");
  const auto run = [&](const char* what, const std::function<bool()>& edit) {
    const double before3d = page->last3dMs();
    if (!edit()) {
      std::printf("%-36s refused\n", what);
      return;
    }
    const double gui = page->lastEditMs();
    const QString breakdown = page->lastBreakdown();
    waitUntil([&] { return !page->scoring(); }, 600000);
    QTest::qWait(800);  // the 3D redraw waits 0.6 s for more edits
    waitUntil([&] { return page->last3dMs() != before3d; }, 10000);
    std::printf("%-36s %10.1f %10.0f %10.0f %10.0f   %s\n      (%s)\n", what, gui,
                page->lastRescoreWorkMs(), page->lastRescoreMs(), page->last3dMs(),
                page->scoreText().toStdString().c_str(), breakdown.toStdString().c_str());
  };
  using namespace nl::analysis::fisbe::edit;
  run("merge 2 into 3", [&] {
    page->selectLabels({3, 2});
    return page->mergeSelected();
  });
  run("undo", [&] {
    page->undoStack()->undo();
    return true;
  });
  run("erase 10", [&] {
    page->selectLabels({10});
    return page->eraseSelected();
  });
  run("undo", [&] {
    page->undoStack()->undo();
    return true;
  });
  const auto box = page->labels()->instances().at(3).box;
  run("cut 3 at its middle z (plane)", [&] {
    return page->edit(
        splitByPlaneOperation(3, {static_cast<std::int32_t>((box.z0 + box.z1) / 2), 0, 0},
                              {1, 0, 0}, page->labels()->unusedLabel()));
  });
  run("undo", [&] {
    page->undoStack()->undo();
    return true;
  });
  run("paint a 20-dab stroke (radius 3)", [&] {
    std::vector<nl::analysis::fisbe::Voxel> stroke;
    for (int i = 0; i < 20; ++i) stroke.push_back({192, 300 + i, 300});
    page->selectLabels({3});
    return page->paintStroke(stroke, false);
  });
  run("plane change (editor redraw)", [&] {
    QElapsedTimer t;
    t.start();
    page->editor()->setPlane(page->editor()->plane() + 1);
    std::printf("%-36s %10.1f\n", "  (z + 1)", static_cast<double>(t.nsecsElapsed()) / 1e6);
    return false;
  });
  if (argc > 1) nl::widgets::composeWindowImage(&window).save(argv[1]);
  return 0;
}
