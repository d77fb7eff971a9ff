// Frames per second on this machine's OpenGL (Mesa llvmpipe under Xvfb):
// a 327,680-triangle sphere (fsaverage's size) and a 256³ volume, drawn
// through NeuroLoupe's Qt 6 bridge and by a plain VTK render window, side by
// side; then a real cortex of fsaverage's size (fsaverage5's pial surface
// subdivided twice by Loop's scheme: 163,842 vertices, 327,680 triangles per
// hemisphere, with the Benson polar angle map), rotated by mouse drags through
// the bridge with the full mesh and with the level of detail.
// Run under xvfb-run: bench/render_bench.sh.
// `--mesh qt|plain [LEVELS] [FRAMES]` draws only the sphere (icosahedron
// subdivided LEVELS times, default 7), by one side, and prints `fps`: each
// side in its own process, so bench/run-all can take each one's peak memory.
#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkColorTransferFunction.h>
#include <vtkDoubleArray.h>
#include <vtkFixedPointVolumeRayCastMapper.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkImageData.h>
#include <vtkLoopSubdivisionFilter.h>
#include <vtkNew.h>
#include <vtkPiecewiseFunction.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkVolume.h>
#include <vtkVolumeProperty.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QMouseEvent>
#include <QSurfaceFormat>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "io/ReaderRegistry.h"
#include "io/Session.h"
#include "io/surface/Fsaverage.h"
#include "widgets/VtkView.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/SurfaceDetail.h"
#include "widgets/scene/SurfaceLayer.h"
#include "widgets/scene/VolumeLayers.h"

namespace {

constexpr int kWidth = 1000, kHeight = 800, kFrames = 40;
constexpr int kFullMeshFrames = 12;  // the full mesh draws a few frames/s

// Icosahedron subdivided 7 times: 163,842 vertices, 327,680 triangles.
std::shared_ptr<const nl::io::SurfaceMeshDataset> icosphere(int levels) {
  const double t = (1.0 + std::sqrt(5.0)) / 2.0;
  std::vector<std::array<double, 3>> v = {{-1, t, 0}, {1, t, 0}, {-1, -t, 0}, {1, -t, 0},
                                          {0, -1, t}, {0, 1, t}, {0, -1, -t}, {0, 1, -t},
                                          {t, 0, -1}, {t, 0, 1}, {-t, 0, -1}, {-t, 0, 1}};
  std::vector<std::array<int, 3>> f = {{0, 11, 5}, {0, 5, 1},  {0, 1, 7},   {0, 7, 10}, {0, 10, 11},
                                       {1, 5, 9},  {5, 11, 4}, {11, 10, 2}, {10, 7, 6}, {7, 1, 8},
                                       {3, 9, 4},  {3, 4, 2},  {3, 2, 6},   {3, 6, 8},  {3, 8, 9},
                                       {4, 9, 5},  {2, 4, 11}, {6, 2, 10},  {8, 6, 7},  {9, 8, 1}};
  for (int level = 0; level < levels; ++level) {
    std::map<std::pair<int, int>, int> midpoints;
    auto midpoint = [&](int a, int b) {
      const auto key = std::minmax(a, b);
      if (auto it = midpoints.find(key); it != midpoints.end()) return it->second;
      v.push_back({(v[a][0] + v[b][0]) / 2, (v[a][1] + v[b][1]) / 2, (v[a][2] + v[b][2]) / 2});
      return midpoints[key] = static_cast<int>(v.size() - 1);
    };
    std::vector<std::array<int, 3>> next;
    for (const auto& tri : f) {
      const int a = midpoint(tri[0], tri[1]), b = midpoint(tri[1], tri[2]),
                c = midpoint(tri[2], tri[0]);
      next.insert(next.end(), {{tri[0], a, c}, {tri[1], b, a}, {tri[2], c, b}, {a, b, c}});
    }
    f = std::move(next);
  }
  std::vector<float> vertices;
  for (auto& p : v) {
    const double n = std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
    for (double c : p) vertices.push_back(static_cast<float>(50.0 * c / n));
  }
  std::vector<std::int32_t> triangles;
  for (auto& tri : f) triangles.insert(triangles.end(), tri.begin(), tri.end());
  return std::make_shared<nl::io::SurfaceMeshDataset>("icosphere", std::move(vertices),
                                                      std::move(triangles));
}

std::shared_ptr<const nl::io::ArrayDataset> blobVolume(std::size_t n) {
  std::vector<double> values(n * n * n);
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t i = 0; i < n; ++i) {
        const double x = (i - n / 2.0) / n, y = (j - n / 2.0) / n, z = (k - n / 2.0) / n;
        values[(k * n + j) * n + i] =
            1000.0 * std::exp(-12.0 * (x * x + y * y + z * z)) * (1.0 + 0.3 * std::sin(40 * x));
      }
  return std::make_shared<nl::io::ArrayDataset>(
      nl::io::DatasetKind::Volume, "blob", std::vector<std::size_t>{n, n, n}, std::move(values));
}

double qtFps(const std::function<void(nl::widgets::Scene&, nl::io::Session&)>& populate,
             int frames = kFrames) {
  nl::io::Session session;
  nl::widgets::VtkView view;
  view.resize(kWidth, kHeight);
  nl::widgets::Scene scene(&view, session);
  populate(scene, session);
  view.show();
  for (int i = 0; i < 3; ++i) view.repaint(), QApplication::processEvents();
  QElapsedTimer timer;
  timer.start();
  for (int i = 0; i < frames; ++i) {
    view.renderer()->GetActiveCamera()->Azimuth(2.0);
    view.repaint();  // synchronous paintGL
    QApplication::processEvents();
  }
  return frames * 1000.0 / static_cast<double>(timer.elapsed());
}

// A fixture surface and its overlay (fitted by fsaverage truncation),
// subdivided `levels` times by Loop's scheme, which interpolates the overlay.
struct Cortex {
  std::shared_ptr<const nl::io::SurfaceMeshDataset> mesh;
  std::vector<double> overlay;
};

Cortex subdividedCortex(const std::filesystem::path& meshFile,
                        const std::filesystem::path& overlayFile, int levels) {
  const auto& readers = nl::io::ReaderRegistry::builtin();
  const auto mesh = std::dynamic_pointer_cast<const nl::io::SurfaceMeshDataset>(
      readers.open(meshFile).datasets.at(0));
  const auto map = std::dynamic_pointer_cast<const nl::io::ArrayDataset>(
      readers.open(overlayFile).datasets.at(0));
  if (!mesh || !map) throw std::runtime_error("not a mesh and an overlay: " + meshFile.string());
  const auto fitted = nl::io::surface::fitOverlayToMesh(map, mesh->vertexCount());
  vtkNew<vtkPolyData> poly;
  vtkNew<vtkPoints> points;
  vtkNew<vtkDoubleArray> values;
  values->SetName("overlay");
  for (std::size_t v = 0; v < mesh->vertexCount(); ++v) {
    points->InsertNextPoint(mesh->vertices()[3 * v], mesh->vertices()[3 * v + 1],
                            mesh->vertices()[3 * v + 2]);
    values->InsertNextValue(fitted->values()[v * fitted->columnsPerRow()]);
  }
  vtkNew<vtkCellArray> cells;
  for (std::size_t t = 0; t < mesh->triangleCount(); ++t) {
    const vtkIdType ids[3] = {mesh->triangles()[3 * t], mesh->triangles()[3 * t + 1],
                              mesh->triangles()[3 * t + 2]};
    cells->InsertNextCell(3, ids);
  }
  poly->SetPoints(points);
  poly->SetPolys(cells);
  poly->GetPointData()->SetScalars(values);
  vtkNew<vtkLoopSubdivisionFilter> loop;
  loop->SetInputData(poly);
  loop->SetNumberOfSubdivisions(levels);
  loop->Update();
  vtkPolyData* fine = loop->GetOutput();
  std::vector<float> vertices;
  std::vector<double> overlay;
  auto* interpolated = fine->GetPointData()->GetScalars();
  for (vtkIdType i = 0; i < fine->GetNumberOfPoints(); ++i) {
    double p[3];
    fine->GetPoint(i, p);
    vertices.insert(vertices.end(),
                    {static_cast<float>(p[0]), static_cast<float>(p[1]), static_cast<float>(p[2])});
    overlay.push_back(interpolated->GetComponent(i, 0));
  }
  std::vector<std::int32_t> triangles;
  vtkIdType count = 0;
  const vtkIdType* ids = nullptr;
  vtkCellArray* polys = fine->GetPolys();
  for (polys->InitTraversal(); polys->GetNextCell(count, ids);)
    for (vtkIdType k = 0; k < count; ++k) triangles.push_back(static_cast<std::int32_t>(ids[k]));
  return {
      std::make_shared<nl::io::SurfaceMeshDataset>(mesh->name() + "_loop" + std::to_string(levels),
                                                   std::move(vertices), std::move(triangles)),
      std::move(overlay)};
}

// Frames the view really drew over the time the whole loop took (events,
// paints, Qt's own repaints): what the user sees.
struct FrameTimes {
  int frames = 0;
  double elapsedMs = 0;
  double fps() const { return frames * 1000.0 / elapsedMs; }
  double msPerFrame() const { return elapsedMs / std::max(1, frames); }
};

void sendMouse(QWidget& widget, QEvent::Type type, QPointF position) {
  const Qt::MouseButtons buttons =
      type == QEvent::MouseButtonRelease ? Qt::NoButton : Qt::MouseButtons(Qt::LeftButton);
  QMouseEvent event(type, position, widget.mapToGlobal(position), Qt::LeftButton, buttons,
                    Qt::NoModifier);
  QApplication::sendEvent(&widget, &event);
}

// The user's way: a left-button drag through the trackball style, each move
// drawn before the next (repaint() paints synchronously). Returns the frame
// times while dragging and of the still frame after the release.
std::pair<FrameTimes, double> dragFrames(nl::widgets::VtkView& view, int frames) {
  const QPointF centre(view.width() / 2.0, view.height() / 2.0);
  sendMouse(view, QEvent::MouseButtonPress, centre);
  QApplication::processEvents();
  FrameTimes moving;
  const int before = view.framesRendered();
  QElapsedTimer timer;
  timer.start();
  for (int i = 1; i <= frames; ++i) {
    sendMouse(view, QEvent::MouseMove, centre + QPointF(4.0 * i, 1.0 * i));
    view.repaint();
    QApplication::processEvents();
  }
  moving.elapsedMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
  moving.frames = view.framesRendered() - before;
  sendMouse(view, QEvent::MouseButtonRelease, centre + QPointF(4.0 * frames, 1.0 * frames));
  timer.start();
  view.repaint();
  QApplication::processEvents();
  const double still = static_cast<double>(timer.nsecsElapsed()) / 1e6;
  return {moving, still};
}

struct CortexResult {
  FrameTimes before, full, coarse;
  double stillMs = 0;
  std::size_t fullTriangles = 0, coarseTriangles = 0;
  int multiSamples = 0;
};

CortexResult rotateCortex(const std::vector<Cortex>& hemispheres, int width, int height) {
  CortexResult result;
  nl::io::Session session;
  nl::widgets::VtkView view;
  view.resize(width, height);
  nl::widgets::Scene scene(&view, session);
  std::vector<nl::widgets::SurfaceLayer*> layers;
  for (const auto& h : hemispheres) {
    auto* layer = new nl::widgets::SurfaceLayer(QString::fromStdString(h.mesh->name()),
                                                session.add(h.mesh), h.mesh);
    layer->setOverlay(h.overlay, "angle");
    scene.addLayer(layer);
    layers.push_back(layer);
    result.fullTriangles += h.mesh->triangleCount();
  }
  view.show();
  for (int i = 0; i < 3; ++i) view.repaint(), QApplication::processEvents();
  result.multiSamples = view.renderWindow()->GetMultiSamples();
  for (auto* layer : layers) layer->setDetailBudget(0);
  // What users had: every moving frame drawn as a still one (full mesh, the
  // window's multisampling), the camera turned as a drag turns it.
  {
    const int before = view.framesRendered();
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < kFullMeshFrames; ++i) {
      view.renderer()->GetActiveCamera()->Azimuth(2.0);
      view.repaint();
      QApplication::processEvents();
    }
    result.before.elapsedMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    result.before.frames = view.framesRendered() - before;
  }
  // A drag with the full mesh (no level of detail; no multisampling while moving).
  result.full = dragFrames(view, kFullMeshFrames).first;
  for (auto* layer : layers)
    layer->setDetailBudget(nl::widgets::SurfaceLayer::kDefaultDetailBudget);
  while (!std::all_of(layers.begin(), layers.end(), [](auto* l) { return l->hasCoarseMesh(); }))
    QApplication::processEvents(QEventLoop::AllEvents, 20);
  view.repaint();
  std::tie(result.coarse, result.stillMs) = dragFrames(view, kFrames);
  for (auto* layer : layers) {
    layer->setInteractive(true);
    result.coarseTriangles += layer->drawnTriangles();
    layer->setInteractive(false);
  }
  return result;
}

double plainFps(vtkProp* prop, int frames = kFrames) {
  vtkNew<vtkRenderer> renderer;
  vtkNew<vtkRenderWindow> window;
  window->SetSize(kWidth, kHeight);
  window->AddRenderer(renderer);
  renderer->AddViewProp(prop);
  renderer->ResetCamera();
  for (int i = 0; i < 3; ++i) window->Render();
  QElapsedTimer timer;
  timer.start();
  for (int i = 0; i < frames; ++i) {
    renderer->GetActiveCamera()->Azimuth(2.0);
    window->Render();
  }
  return frames * 1000.0 / static_cast<double>(timer.elapsed());
}

// The mesh as NeuroLoupe draws it: its z coordinate as the overlay.
double qtMeshFps(const std::shared_ptr<const nl::io::SurfaceMeshDataset>& mesh, int frames) {
  return qtFps(
      [&](nl::widgets::Scene& scene, nl::io::Session& session) {
        auto* layer = new nl::widgets::SurfaceLayer("mesh", session.add(mesh), mesh);
        std::vector<double> overlay;
        for (std::size_t v = 0; v < mesh->vertexCount(); ++v)
          overlay.push_back(mesh->vertices()[3 * v + 2]);
        layer->setOverlay(overlay);
        scene.addLayer(layer);
      },
      frames);
}

// The same mesh and per-vertex scalars through a plain vtkPolyDataMapper.
double plainMeshFps(const nl::io::SurfaceMeshDataset& mesh, int frames) {
  vtkNew<vtkPolyData> poly;
  vtkNew<vtkPoints> points;
  vtkNew<vtkDoubleArray> scalars;
  for (std::size_t v = 0; v < mesh.vertexCount(); ++v) {
    points->InsertNextPoint(mesh.vertices()[3 * v], mesh.vertices()[3 * v + 1],
                            mesh.vertices()[3 * v + 2]);
    scalars->InsertNextValue(mesh.vertices()[3 * v + 2]);
  }
  vtkNew<vtkCellArray> cells;
  for (std::size_t t = 0; t < mesh.triangleCount(); ++t) {
    const vtkIdType ids[3] = {mesh.triangles()[3 * t], mesh.triangles()[3 * t + 1],
                              mesh.triangles()[3 * t + 2]};
    cells->InsertNextCell(3, ids);
  }
  poly->SetPoints(points);
  poly->SetPolys(cells);
  poly->GetPointData()->SetScalars(scalars);
  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetInputData(poly);
  mapper->SetScalarRange(scalars->GetRange());
  vtkNew<vtkActor> actor;
  actor->SetMapper(mapper);
  return plainFps(actor, frames);
}

}  // namespace

int main(int argc, char** argv) {
  QSurfaceFormat::setDefaultFormat(nl::widgets::VtkView::defaultFormat());
  QApplication app(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // lines as they come, even into a file
  if (argc > 1 && std::string(argv[1]) == "--mesh") {
    const std::string side = argc > 2 ? argv[2] : "";
    const int levels = argc > 3 ? std::stoi(argv[3]) : 7;
    const int frames = argc > 4 ? std::stoi(argv[4]) : kFrames;
    if (side != "qt" && side != "plain") {
      std::fprintf(stderr, "usage: %s --mesh qt|plain [LEVELS] [FRAMES]\n", argv[0]);
      return 2;
    }
    const auto mesh = icosphere(levels);
    const double fps = side == "qt" ? qtMeshFps(mesh, frames) : plainMeshFps(*mesh, frames);
    std::printf("side %s\ntriangles %zu\nframes %d\nsize %dx%d\nfps %.4f\n", side.c_str(),
                mesh->triangleCount(), frames, kWidth, kHeight, fps);
    return 0;
  }
  // --cortex: only the level-of-detail comparison (the sphere and the volume
  // take minutes on a loaded machine). A further argument is the fixtures folder.
  const bool cortexOnly = argc > 1 && std::string(argv[1]).starts_with("--cortex");
  // --cortex-one: one hemisphere at 1000x800 only (a quick look).
  const bool oneCase = cortexOnly && std::string(argv[1]) == "--cortex-one";
  if (cortexOnly) --argc, ++argv;
  if (!cortexOnly) {
    const auto mesh = icosphere(7);
    std::printf("mesh: %zu vertices, %zu triangles; volume 256^3; %d frames at %dx%d\n",
                mesh->vertexCount(), mesh->triangleCount(), kFrames, kWidth, kHeight);

    const double qtMesh = qtMeshFps(mesh, kFrames);
    const double plainMesh = plainMeshFps(*mesh, kFrames);

    const auto volume = blobVolume(256);
    const double qtVolume = qtFps([&](nl::widgets::Scene& scene, nl::io::Session& session) {
      scene.addLayer(new nl::widgets::VolumeLayer("blob", session.add(volume), volume));
    });
    vtkNew<vtkImageData> image;
    image->SetDimensions(256, 256, 256);
    image->AllocateScalars(VTK_FLOAT, 1);
    auto* out = static_cast<float*>(image->GetScalarPointer());
    for (std::size_t i = 0; i < volume->values().size(); ++i)
      out[i] = static_cast<float>(volume->values()[i]);
    vtkNew<vtkFixedPointVolumeRayCastMapper> volumeMapper;
    volumeMapper->SetInputData(image);
    vtkNew<vtkColorTransferFunction> colour;
    colour->AddRGBPoint(0, 0, 0, 0);
    colour->AddRGBPoint(1300, 1, 1, 1);
    vtkNew<vtkPiecewiseFunction> alpha;
    alpha->AddPoint(0, 0);
    alpha->AddPoint(1300, 0.6);
    vtkNew<vtkVolumeProperty> property;
    property->SetColor(colour);
    property->SetScalarOpacity(alpha);
    property->SetInterpolationTypeToLinear();
    vtkNew<vtkVolume> vtkVolumeProp;
    vtkVolumeProp->SetMapper(volumeMapper);
    vtkVolumeProp->SetProperty(property);
    const double plainVolume = plainFps(vtkVolumeProp);

    std::printf("%-28s %10s %10s %8s\n", "scene", "Qt bridge", "plain VTK", "ratio");
    std::printf("%-28s %8.2f/s %8.2f/s %7.1f%%\n", "327,680-triangle mesh", qtMesh, plainMesh,
                100.0 * qtMesh / plainMesh);
    std::printf("%-28s %8.2f/s %8.2f/s %7.1f%%\n", "256^3 volume (CPU ray cast)", qtVolume,
                plainVolume, 100.0 * qtVolume / plainVolume);
  }

  const std::filesystem::path fixtures =
      argc > 1 ? std::filesystem::path(argv[1]) : std::filesystem::path(NEUROLOUPE_FIXTURES_DIR);
  const auto surface = fixtures / "surface";
  if (!std::filesystem::exists(surface / "fsaverage5/pial_left.gii.gz")) {
    std::printf("no fixtures at %s: skipping the cortex\n", fixtures.c_str());
    return 0;
  }
  QElapsedTimer loading;
  loading.start();
  const Cortex left =
      subdividedCortex(surface / "fsaverage5/pial_left.gii.gz",
                       surface / "benson14_fsaverage/lh.benson14_angle.v4_0.mgz", 2);
  const Cortex right =
      subdividedCortex(surface / "fsaverage5/pial_right.gii.gz",
                       surface / "benson14_fsaverage/rh.benson14_angle.v4_0.mgz", 2);
  std::printf(
      "\ncortex: fsaverage5 pial, Loop-subdivided twice: %zu vertices, %zu triangles per "
      "hemisphere (%lld ms)\n",
      left.mesh->vertexCount(), left.mesh->triangleCount(),
      static_cast<long long>(loading.elapsed()));
  QElapsedTimer decimating;
  decimating.start();
  const auto coarse =
      nl::widgets::decimateSurface(*left.mesh, nl::widgets::SurfaceLayer::kDefaultDetailBudget);
  std::printf("level of detail: %zu triangles, decimated in %lld ms (off the GUI thread)\n",
              coarse.triangleCount(), static_cast<long long>(decimating.elapsed()));
  std::printf(
      "rotating by mouse drags (%d steps full, %d with the level of detail): frames drawn per "
      "second (ms per frame)\n",
      kFullMeshFrames, kFrames);
  std::printf("%-38s %9s %21s %21s %21s %10s\n", "scene", "size", "before (still frames)",
              "drag, full mesh", "drag, level of detail", "still");
  {
    // The bridge's own cost: a drag over an empty scene (background, axes).
    nl::io::Session session;
    nl::widgets::VtkView view;
    view.resize(1000, 800);
    nl::widgets::Scene scene(&view, session);
    view.show();
    for (int i = 0; i < 3; ++i) view.repaint(), QApplication::processEvents();
    const FrameTimes empty = dragFrames(view, kFrames).first;
    std::printf("%-38s %9s %21s %21s %5.1f/s (%6.1f ms)\n", "empty scene (the bridge itself)",
                "1000x800", "", "", empty.fps(), empty.msPerFrame());
  }
  for (const auto& [width, height] : {std::pair{1000, 800}, std::pair{1600, 1000}})
    for (const auto& [label, set] :
         {std::pair<const char*, std::vector<Cortex>>{"one hemisphere", {left}},
          std::pair<const char*, std::vector<Cortex>>{"both hemispheres", {left, right}}}) {
      if (oneCase && (width != 1000 || set.size() != 1)) continue;
      const CortexResult r = rotateCortex(set, width, height);
      char name[80], size[24];
      std::snprintf(name, sizeof name, "%s (%zu -> %zu tri)", label, r.fullTriangles,
                    r.coarseTriangles);
      std::snprintf(size, sizeof size, "%dx%d", width, height);
      std::printf(
          "%-38s %9s %5.1f/s (%6.1f ms) %5.1f/s (%6.1f ms) %5.1f/s (%6.1f ms) %7.1f ms  MSAA %d\n",
          name, size, r.before.fps(), r.before.msPerFrame(), r.full.fps(), r.full.msPerFrame(),
          r.coarse.fps(), r.coarse.msPerFrame(), r.stillMs, r.multiSamples);
    }
  return 0;
}
