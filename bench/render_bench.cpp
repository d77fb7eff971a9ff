// Frames per second on this machine's OpenGL (Mesa llvmpipe under Xvfb):
// a 327,680-triangle sphere (fsaverage's size) and a 256³ volume, drawn
// through NeuroLoupe's Qt 6 bridge and by a plain VTK render window, side by
// side. Run under xvfb-run: bench/render_bench.sh.
#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkColorTransferFunction.h>
#include <vtkFixedPointVolumeRayCastMapper.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPiecewiseFunction.h>
#include <vtkPolyDataMapper.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkSphereSource.h>
#include <vtkVolume.h>
#include <vtkVolumeProperty.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QSurfaceFormat>
#include <cmath>
#include <cstdio>
#include <map>

#include "io/Session.h"
#include "widgets/VtkView.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/SurfaceLayer.h"
#include "widgets/scene/VolumeLayers.h"

namespace {

constexpr int kWidth = 1000, kHeight = 800, kFrames = 40;

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

double qtFps(const std::function<void(nl::widgets::Scene&, nl::io::Session&)>& populate) {
  nl::io::Session session;
  nl::widgets::VtkView view;
  view.resize(kWidth, kHeight);
  nl::widgets::Scene scene(&view, session);
  populate(scene, session);
  view.show();
  for (int i = 0; i < 3; ++i) view.repaint(), QApplication::processEvents();
  QElapsedTimer timer;
  timer.start();
  for (int i = 0; i < kFrames; ++i) {
    view.renderer()->GetActiveCamera()->Azimuth(2.0);
    view.repaint();  // synchronous paintGL
    QApplication::processEvents();
  }
  return kFrames * 1000.0 / static_cast<double>(timer.elapsed());
}

double plainFps(vtkProp* prop) {
  vtkNew<vtkRenderer> renderer;
  vtkNew<vtkRenderWindow> window;
  window->SetSize(kWidth, kHeight);
  window->AddRenderer(renderer);
  renderer->AddViewProp(prop);
  renderer->ResetCamera();
  for (int i = 0; i < 3; ++i) window->Render();
  QElapsedTimer timer;
  timer.start();
  for (int i = 0; i < kFrames; ++i) {
    renderer->GetActiveCamera()->Azimuth(2.0);
    window->Render();
  }
  return kFrames * 1000.0 / static_cast<double>(timer.elapsed());
}

}  // namespace

int main(int argc, char** argv) {
  QSurfaceFormat::setDefaultFormat(nl::widgets::VtkView::defaultFormat());
  QApplication app(argc, argv);
  const auto mesh = icosphere(7);
  std::printf("mesh: %zu vertices, %zu triangles; volume 256^3; %d frames at %dx%d\n",
              mesh->vertexCount(), mesh->triangleCount(), kFrames, kWidth, kHeight);

  const double qtMesh = qtFps([&](nl::widgets::Scene& scene, nl::io::Session& session) {
    auto* layer = new nl::widgets::SurfaceLayer("mesh", session.add(mesh), mesh);
    std::vector<double> overlay;
    for (std::size_t v = 0; v < mesh->vertexCount(); ++v)
      overlay.push_back(mesh->vertices()[3 * v + 2]);
    layer->setOverlay(overlay);
    scene.addLayer(layer);
  });
  vtkNew<vtkSphereSource> unused;  // keep the comparison honest: same mesh, plain mapper
  vtkNew<vtkPolyData> poly;
  {
    vtkNew<vtkPoints> points;
    for (std::size_t v = 0; v < mesh->vertexCount(); ++v)
      points->InsertNextPoint(mesh->vertices()[3 * v], mesh->vertices()[3 * v + 1],
                              mesh->vertices()[3 * v + 2]);
    vtkNew<vtkCellArray> cells;
    for (std::size_t t = 0; t < mesh->triangleCount(); ++t) {
      const vtkIdType ids[3] = {mesh->triangles()[3 * t], mesh->triangles()[3 * t + 1],
                                mesh->triangles()[3 * t + 2]};
      cells->InsertNextCell(3, ids);
    }
    poly->SetPoints(points);
    poly->SetPolys(cells);
  }
  vtkNew<vtkPolyDataMapper> meshMapper;
  meshMapper->SetInputData(poly);
  vtkNew<vtkActor> meshActor;
  meshActor->SetMapper(meshMapper);
  const double plainMesh = plainFps(meshActor);

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
  return 0;
}
