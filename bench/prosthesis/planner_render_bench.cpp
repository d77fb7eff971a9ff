// Frames per second of the prosthesis planner page on llvmpipe (under Xvfb),
// as a user sees them: the page opened by the registry's provider on a plan
// table over an fsaverage-size left hemisphere (fsaverage5's white, pial,
// sphere and inflated surfaces Loop-subdivided twice: 163,842 vertices and
// 327,680 triangles each, the fixtures have no full fsaverage mesh) with the
// Benson 2014 retinotopy (interpolated by the subdivision; visual area
// rounded), the braincharter arterial atlas (hard 0.5 mm, vessel glyphs on)
// and a plan of 100 single electrodes plus 3 threads of 32. Measured at each
// page size: the camera rotated by left-button drags through the view, and an
// electrode dragged over the cortex (each move updates the percept); frames
// the view drew over the loop's time (each move drawn through the event loop,
// as the app draws it: the view and the widgets the move changed in one
// update), and the percept update per move. Sizes are the page's (the
// window's: QOpenGLWidget composes the whole window through OpenGL).
//
//   bench/prosthesis/planner_render.sh build/ci [--levels L] [--frames N] [--sizes WxH,...]
//     [--single N] [--threads T] [--no-vessels] [--repeat R] [--breakdown] [--budget TRIANGLES]
//     [--snapshot DIR]
// (levels 0: fsaverage5 itself). Prints one line per size and interaction.
#include <vtkCellArray.h>
#include <vtkDoubleArray.h>
#include <vtkLoopSubdivisionFilter.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QMouseEvent>
#include <QSurfaceFormat>
#include <QUndoStack>
#include <QWindow>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/ReaderRegistry.h"
#include "io/Session.h"
#include "io/surface/Fsaverage.h"
#include "widgets/VtkView.h"
#include "widgets/pages/prosthesis/PlannerPage.h"
#include "widgets/pages/prosthesis/PlannerProvider.h"
#include "widgets/scene/PointsLayer.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/SceneLayer.h"
#include "widgets/scene/SurfaceLayer.h"

namespace wp = nl::widgets::prosthesis;

namespace {

std::shared_ptr<const nl::io::SurfaceMeshDataset> readMesh(const std::filesystem::path& file) {
  auto mesh = std::dynamic_pointer_cast<const nl::io::SurfaceMeshDataset>(
      nl::io::ReaderRegistry::builtin().open(file).datasets.at(0));
  if (!mesh) throw std::runtime_error(file.string() + " is not a surface mesh");
  return mesh;
}

std::vector<double> readOverlay(const std::filesystem::path& file, std::size_t vertices) {
  auto map = std::dynamic_pointer_cast<const nl::io::ArrayDataset>(
      nl::io::ReaderRegistry::builtin().open(file).datasets.at(0));
  if (!map) throw std::runtime_error(file.string() + " is not an overlay");
  const auto fitted = nl::io::surface::fitOverlayToMesh(map, vertices);
  std::vector<double> out(vertices);
  for (std::size_t v = 0; v < vertices; ++v) out[v] = fitted->values()[v * fitted->columnsPerRow()];
  return out;
}

// Loop subdivision of `mesh` (`levels` times), carrying `overlays` along.
// The output's numbering depends on the connectivity alone, so every surface
// of a hemisphere subdivides to the same vertices and triangles.
std::shared_ptr<const nl::io::SurfaceMeshDataset> subdivide(
    const nl::io::SurfaceMeshDataset& mesh, const std::string& name, int levels,
    std::vector<std::vector<double>>* overlays = nullptr) {
  if (levels == 0)
    return std::make_shared<nl::io::SurfaceMeshDataset>(name, mesh.vertices(), mesh.triangles());
  vtkNew<vtkPolyData> poly;
  vtkNew<vtkPoints> points;
  for (std::size_t v = 0; v < mesh.vertexCount(); ++v)
    points->InsertNextPoint(mesh.vertices()[3 * v], mesh.vertices()[3 * v + 1],
                            mesh.vertices()[3 * v + 2]);
  vtkNew<vtkCellArray> cells;
  for (std::size_t t = 0; t < mesh.triangleCount(); ++t) {
    const vtkIdType ids[3] = {mesh.triangles()[3 * t], mesh.triangles()[3 * t + 1],
                              mesh.triangles()[3 * t + 2]};
    cells->InsertNextCell(3, ids);
  }
  poly->SetPoints(points);
  poly->SetPolys(cells);
  if (overlays)
    for (std::size_t k = 0; k < overlays->size(); ++k) {
      vtkNew<vtkDoubleArray> values;
      values->SetName(("overlay" + std::to_string(k)).c_str());
      for (double x : (*overlays)[k]) values->InsertNextValue(x);
      poly->GetPointData()->AddArray(values);
    }
  vtkNew<vtkLoopSubdivisionFilter> loop;
  loop->SetInputData(poly);
  loop->SetNumberOfSubdivisions(levels);
  loop->Update();
  vtkPolyData* fine = loop->GetOutput();
  std::vector<float> vertices;
  for (vtkIdType i = 0; i < fine->GetNumberOfPoints(); ++i) {
    double p[3];
    fine->GetPoint(i, p);
    vertices.insert(vertices.end(),
                    {static_cast<float>(p[0]), static_cast<float>(p[1]), static_cast<float>(p[2])});
  }
  if (overlays)
    for (std::size_t k = 0; k < overlays->size(); ++k) {
      auto* array = fine->GetPointData()->GetArray(("overlay" + std::to_string(k)).c_str());
      if (!array) throw std::runtime_error("the subdivision dropped an overlay");
      auto& out = (*overlays)[k];
      out.resize(static_cast<std::size_t>(array->GetNumberOfTuples()));
      for (vtkIdType i = 0; i < array->GetNumberOfTuples(); ++i)
        out[static_cast<std::size_t>(i)] = array->GetComponent(i, 0);
    }
  std::vector<std::int32_t> triangles;
  vtkIdType count = 0;
  const vtkIdType* ids = nullptr;
  vtkCellArray* polys = fine->GetPolys();
  for (polys->InitTraversal(); polys->GetNextCell(count, ids);)
    for (vtkIdType k = 0; k < count; ++k) triangles.push_back(static_cast<std::int32_t>(ids[k]));
  return std::make_shared<nl::io::SurfaceMeshDataset>(name, std::move(vertices),
                                                      std::move(triangles));
}

std::shared_ptr<const nl::io::ArrayDataset> overlayDataset(const std::string& name,
                                                           std::vector<double> values) {
  const std::size_t n = values.size();
  return std::make_shared<nl::io::ArrayDataset>(nl::io::DatasetKind::SurfaceOverlay, name,
                                                std::vector<std::size_t>{n}, std::move(values));
}

struct Options {
  int levels = 2, frames = 40, single = 100, threads = 3;
  bool vessels = true;
  std::vector<std::pair<int, int>> sizes = {{1400, 880}, {1600, 1000}};
  std::string snapshots;
};

// The session a prosthesis.plan run leaves: its surfaces, its retinotopy, the
// vessel atlas and the electrode table (`single` V1 vertices between 1° and
// 9°, spread over the region, then `threads` threads of 32 neighbouring V1
// vertices ordered along their main axis).
nl::io::DatasetId buildSession(nl::io::Session& session, const std::filesystem::path& fixtures,
                               const Options& o) {
  const auto dir = fixtures / "surface" / "fsaverage5";
  const auto benson = fixtures / "surface" / "benson14_fsaverage";
  const std::string tag = o.levels ? "_loop" + std::to_string(o.levels) : "";
  const auto pial5 = readMesh(dir / "pial_left.gii.gz");
  std::vector<std::vector<double>> maps = {
      readOverlay(benson / "lh.benson14_angle.v4_0.mgz", pial5->vertexCount()),
      readOverlay(benson / "lh.benson14_eccen.v4_0.mgz", pial5->vertexCount()),
      readOverlay(benson / "lh.benson14_varea.v4_0.mgz", pial5->vertexCount())};
  std::shared_ptr<const nl::io::SurfaceMeshDataset> pial;
  for (const char* role : {"pial", "white", "sphere", "infl"}) {
    const auto source =
        std::string(role) == "pial" ? pial5 : readMesh(dir / (std::string(role) + "_left.gii.gz"));
    auto mesh = subdivide(*source, std::string(role) + "_left" + tag, o.levels,
                          std::string(role) == "pial" ? &maps : nullptr);
    if (pial && mesh->triangles() != pial->triangles())
      throw std::runtime_error("the subdivided surfaces do not share their triangles");
    if (std::string(role) == "pial") pial = mesh;
    session.add(mesh);
  }
  const std::size_t n = pial->vertexCount();
  // Visual area is categorical: round it, and leave cortex outside V1–V3 at 0.
  for (std::size_t v = 0; v < n; ++v) {
    maps[2][v] = std::round(maps[2][v]);
    if (maps[2][v] < 1 || maps[2][v] > 3) maps[0][v] = maps[1][v] = maps[2][v] = 0;
  }
  std::vector<std::size_t> v1;
  for (std::size_t v = 0; v < n; ++v)
    if (maps[2][v] == 1 && maps[1][v] > 1 && maps[1][v] < 9) v1.push_back(v);
  session.add(overlayDataset("lh.benson14_angle" + tag, maps[0]));
  session.add(overlayDataset("lh.benson14_eccen" + tag, maps[1]));
  session.add(overlayDataset("lh.benson14_varea" + tag, maps[2]));
  if (o.vessels)
    session.add(nl::io::ReaderRegistry::builtin()
                    .open(fixtures / "vasculature/braincharter_MNI/mean_Ved_ToF_Thresh.nii.gz")
                    .datasets.at(0));
  if (v1.size() < static_cast<std::size_t>(o.single + 32 * o.threads))
    throw std::runtime_error("too few V1 vertices for the plan");

  std::vector<double> vertex, thread;
  const std::size_t stride = v1.size() / static_cast<std::size_t>(std::max(1, o.single));
  for (int i = 0; i < o.single; ++i) {
    vertex.push_back(static_cast<double>(v1[static_cast<std::size_t>(i) * stride]));
    thread.push_back(-1);
  }
  const auto& p = pial->vertices();
  auto at = [&p](std::size_t v) {
    return std::array<double, 3>{p[3 * v], p[3 * v + 1], p[3 * v + 2]};
  };
  for (int t = 0; t < o.threads; ++t) {
    const std::size_t seed = v1[(2 * static_cast<std::size_t>(t) + 1) * v1.size() /
                                (2 * static_cast<std::size_t>(o.threads))];
    const auto s = at(seed);
    std::vector<std::size_t> near = v1;
    auto distance2 = [&](std::size_t v) {
      const auto q = at(v);
      return std::pow(q[0] - s[0], 2) + std::pow(q[1] - s[1], 2) + std::pow(q[2] - s[2], 2);
    };
    std::partial_sort(near.begin(), near.begin() + 32, near.end(),
                      [&](std::size_t a, std::size_t b) { return distance2(a) < distance2(b); });
    near.resize(32);
    // Along the patch's longest axis (the largest spread of x, y or z).
    int axis = 0;
    double spread = -1;
    for (int k = 0; k < 3; ++k) {
      double lo = 1e30, hi = -1e30;
      for (auto v : near) lo = std::min(lo, at(v)[k]), hi = std::max(hi, at(v)[k]);
      if (hi - lo > spread) spread = hi - lo, axis = k;
    }
    std::sort(near.begin(), near.end(),
              [&](std::size_t a, std::size_t b) { return at(a)[axis] < at(b)[axis]; });
    for (auto v : near) {
      vertex.push_back(static_cast<double>(v));
      thread.push_back(t);
    }
  }
  nl::io::Provenance provenance;
  provenance.pluginId = "prosthesis.plan";
  provenance.outputName = "electrodes";
  provenance.parametersJson =
      R"({"vessel_mode":"hard","margin_um":500,"vessel_threshold":0.5,"vessel_space":"mni152"})";
  return session.add(std::make_shared<nl::io::TableDataset>(
      nl::io::DatasetKind::Table, "electrodes",
      std::vector<nl::io::Column>{{"vertex", vertex}, {"thread", thread}}, provenance));
}

void sendMouse(QWidget& widget, QEvent::Type type, QPointF position) {
  const Qt::MouseButtons buttons =
      type == QEvent::MouseButtonRelease ? Qt::NoButton : Qt::MouseButtons(Qt::LeftButton);
  QMouseEvent event(type, position, widget.mapToGlobal(position), Qt::LeftButton, buttons,
                    Qt::NoModifier);
  QApplication::sendEvent(&widget, &event);
}

struct Measure {
  int frames = 0, moves = 0, updates = 0;
  double elapsedMs = 0, stillMs = 0, meanUpdateMs = 0, maxUpdateMs = 0;
  double fps() const { return frames * 1000.0 / elapsedMs; }
  double msPerFrame() const { return elapsedMs / std::max(1, frames); }
};

// A left-button drag through the view, each move drawn before the next;
// `step` gives the move's position. Then the still frame after the release.
template <typename Step>
Measure drag(wp::PlannerPage& page, QPointF from, int frames, Step step,
             const std::function<void()>& midway = {}) {
  auto& view = *page.view();
  Measure m;
  sendMouse(view, QEvent::MouseButtonPress, from);
  QApplication::processEvents();
  const int before = view.framesRendered();
  double sum = 0;
  auto sites = page.sites();
  QElapsedTimer timer;
  timer.start();
  for (int i = 1; i <= frames; ++i) {
    sendMouse(view, QEvent::MouseMove, step(i));
    if (!(page.sites() == sites)) {
      ++m.updates;
      sum += page.lastUpdateMs();
      m.maxUpdateMs = std::max(m.maxUpdateMs, page.lastUpdateMs());
      sites = page.sites();
    }
    // As the event loop draws it: the view and the widgets the move changed
    // (the visual field, the status) in one update, then the next move.
    const int drawn = view.framesRendered();
    view.update();
    QElapsedTimer wait;
    wait.start();
    while (view.framesRendered() == drawn && wait.elapsed() < 2000)
      QApplication::processEvents(QEventLoop::AllEvents);
    ++m.moves;
    if (midway && i == frames / 2) midway();
  }
  m.elapsedMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
  m.frames = view.framesRendered() - before;
  m.meanUpdateMs = m.updates ? sum / m.updates : 0;
  sendMouse(view, QEvent::MouseButtonRelease, step(frames));
  timer.start();
  view.repaint();
  QApplication::processEvents();
  m.stillMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
  return m;
}

int option(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::stoi(argv[i + 1]);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  QSurfaceFormat::setDefaultFormat(nl::widgets::VtkView::defaultFormat());
  QApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
  QApplication app(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  Options o;
  o.levels = option(argc, argv, "--levels", o.levels);
  o.frames = option(argc, argv, "--frames", o.frames);
  o.single = option(argc, argv, "--single", o.single);
  o.threads = option(argc, argv, "--threads", o.threads);
  const int repeat = option(argc, argv, "--repeat", 1);
  bool breakdown = false;
  const int budget = option(argc, argv, "--budget", 0);  // the surface's level of detail
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-vessels") == 0) o.vessels = false;
    if (std::strcmp(argv[i], "--breakdown") == 0) breakdown = true;
    if (std::strcmp(argv[i], "--snapshot") == 0 && i + 1 < argc) o.snapshots = argv[i + 1];
    if (std::strcmp(argv[i], "--sizes") == 0 && i + 1 < argc) {
      o.sizes.clear();
      for (const auto& item : QString(argv[i + 1]).split(',')) {
        const auto wh = item.split('x');
        if (wh.size() == 2) o.sizes.emplace_back(wh[0].toInt(), wh[1].toInt());
      }
    }
  }
  const std::filesystem::path fixtures = NEUROLOUPE_FIXTURES_DIR;
  if (!std::filesystem::exists(fixtures / "surface/fsaverage5/pial_left.gii.gz")) {
    std::printf("no fixtures at %s: nothing to measure\n", fixtures.c_str());
    return 0;
  }
  try {
    QElapsedTimer timer;
    timer.start();
    nl::io::Session session;
    const auto plan = buildSession(session, fixtures, o);
    std::printf(
        "session: levels %d, %d single electrodes + %d threads of 32, vessels %s (%lld ms)\n",
        o.levels, o.single, o.threads, o.vessels ? "on" : "off",
        static_cast<long long>(timer.elapsed()));
    std::vector<std::pair<int, int>> runs;
    for (int r = 0; r < repeat; ++r) runs.insert(runs.end(), o.sizes.begin(), o.sizes.end());
    for (const auto& [width, height] : runs) {
      timer.start();
      std::unique_ptr<wp::PlannerPage> page(wp::makePlannerPage(session, plan));
      page->resize(width, height);
      page->show();
      while (!(page->windowHandle() && page->windowHandle()->isExposed()) &&
             timer.elapsed() < 10000)
        QApplication::processEvents(QEventLoop::AllEvents, 20);
      for (int i = 0; i < 3; ++i) page->view()->repaint(), QApplication::processEvents();
      const long long openMs = timer.elapsed();
      // The surface's coarse copy (decimated on the thread pool).
      nl::widgets::SurfaceLayer* surface = nullptr;
      for (auto* layer : page->scene()->layers())
        if (auto* s = dynamic_cast<nl::widgets::SurfaceLayer*>(layer)) surface = s;
      timer.start();
      if (surface && budget > 0) surface->setDetailBudget(static_cast<std::size_t>(budget));
      const bool detailed = o.levels > 0;  // fsaverage5 (20,480 triangles) has no coarse copy
      while (detailed && surface && !surface->hasCoarseMesh() && timer.elapsed() < 180000)
        QApplication::processEvents(QEventLoop::AllEvents, 20);
      const long long coarseMs = timer.elapsed();
      auto& view = *page->view();
      page->view()->repaint();
      QApplication::processEvents();
      std::size_t vesselGlyphs = page->vesselLayer() ? page->vesselLayer()->positions().size() : 0;
      int active = 0;
      for (const auto& f : page->fields()) active += f.active;
      std::printf(
          "\npage %dx%d (3D view %dx%d): %zu electrodes, %d in the field, %s surface %zu "
          "triangles, %zu vessel glyphs; opened in %lld ms, coarse copy after %lld ms more\n",
          width, height, view.width(), view.height(), page->sites().size(), active,
          page->shownSurface().c_str(), surface ? surface->drawnTriangles() : 0, vesselGlyphs,
          openMs, coarseMs);
      if (!o.snapshots.empty())
        page->exportScreenshot(QString::fromStdString(o.snapshots) +
                               QString("/planner_%1x%2.png").arg(width).arg(height));

      // Rotating: a drag that starts away from every glyph (else it drags an electrode).
      QPointF start(view.width() * 0.12, view.height() * 0.5);
      for (int tries = 0; tries < 20; ++tries) {
        bool clear = true;
        for (std::size_t i = 0; i < page->sites().size() && clear; ++i)
          if (const auto s = view.worldToWidget(page->glyphPosition(i)))
            clear = std::hypot(s->x() - start.x(), s->y() - start.y()) > 30;
        if (clear) break;
        start += QPointF(0, view.height() * 0.03);
      }
      // Right and back: the camera ends where it started.
      auto there = [&](int i) {
        const double k = i <= o.frames / 2 ? i : o.frames - i;
        return start + QPointF(6.0 * k, 1.5 * k);
      };
      const auto rotate = drag(*page, start, o.frames, there);
      std::printf(
          "  rotate            %5.1f frames/s (%6.1f ms/frame, %d frames, %d moves); still "
          "frame %.1f ms\n",
          rotate.fps(), rotate.msPerFrame(), rotate.frames, rotate.moves, rotate.stillMs);
      if (breakdown) {
        // What each part costs: the same drag with layers hidden.
        auto& layers = page->scene()->layers();
        auto named = [&](const char* name) {
          std::vector<nl::widgets::SceneLayer*> out;
          for (auto* layer : layers)
            if (layer->name() == name || std::string(name) == "*") out.push_back(layer);
          return out;
        };
        for (const char* hidden : {"vessels", "electrodes", "threads", "*"}) {
          std::vector<nl::widgets::SceneLayer*> off;
          for (auto* layer : std::string(hidden) == "electrodes"
                                 ? [&] {
                                     auto v = named("electrodes");
                                     for (auto* t : named("threads")) v.push_back(t);
                                     for (auto* t : named("vessels")) v.push_back(t);
                                     return v;
                                   }()
                                 : named(hidden))
            if (layer->isVisible()) layer->setVisible(false), off.push_back(layer);
          const auto m = drag(*page, start, o.frames, there);
          std::printf("    without %-28s %5.1f frames/s (%6.1f ms/frame)\n",
                      std::string(hidden) == "*"            ? "any layer (the page's floor)"
                      : std::string(hidden) == "electrodes" ? "electrodes, threads, vessels"
                                                            : hidden,
                      m.fps(), m.msPerFrame());
          for (auto* layer : off) layer->setVisible(true);
        }
      }
      // Dragging an electrode: a single one near the middle of the view, in
      // a circle of 25 px around where it is.
      std::size_t best = page->sites().size();
      double bestDistance = 1e30;
      const QPointF centre(view.width() / 2.0, view.height() / 2.0);
      for (std::size_t i = 0; i < page->sites().size(); ++i) {
        if (page->sites()[i].thread >= 0 || !page->fields()[i].active) continue;
        const auto s = view.worldToWidget(page->glyphPosition(i));
        if (!s) continue;
        const double d = std::hypot(s->x() - centre.x(), s->y() - centre.y());
        if (d < bestDistance) bestDistance = d, best = i;
      }
      if (best == page->sites().size()) {
        std::printf("  no electrode on screen to drag\n");
        continue;
      }
      const QPointF at = *view.worldToWidget(page->glyphPosition(best));
      const auto moved = drag(
          *page, at, o.frames,
          [&](int i) {
            const double angle = 2.0 * M_PI * i / o.frames;
            return at + QPointF(25.0 * std::sin(angle), 25.0 * (1.0 - std::cos(angle)));
          },
          [&] {
            // What the user sees mid-drag: the coarse cortex and glyphs.
            if (!o.snapshots.empty())
              page->exportScreenshot(QString::fromStdString(o.snapshots) +
                                     QString("/planner_%1x%2_dragging.png").arg(width).arg(height));
          });
      std::printf(
          "  drag electrode %3zu %5.1f frames/s (%6.1f ms/frame, %d frames, %d moves); percept "
          "update mean %.2f ms, max %.2f ms over %d moves on the cortex; still frame %.1f ms\n",
          best, moved.fps(), moved.msPerFrame(), moved.frames, moved.moves, moved.meanUpdateMs,
          moved.maxUpdateMs, moved.updates, moved.stillMs);
      page->undoStack()->undo();
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "planner bench: %s\n", error.what());
    return 1;
  }
  return 0;
}
