#include "widgets/scene/SurfaceDetail.h"

#include <vtkCellArray.h>
#include <vtkNew.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkQuadricDecimation.h>
#include <vtkStaticPointLocator.h>

#include <QMutex>
#include <QPromise>
#include <QThreadPool>
#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>

#include "io/ResourceLimits.h"

namespace nl::widgets {

CoarseMesh decimateSurface(const io::SurfaceMeshDataset& mesh, std::size_t targetTriangles) {
  vtkNew<vtkPoints> points;
  points->SetDataTypeToFloat();
  points->SetNumberOfPoints(static_cast<vtkIdType>(mesh.vertexCount()));
  const auto& v = mesh.vertices();
  for (std::size_t i = 0; i < mesh.vertexCount(); ++i)
    points->SetPoint(static_cast<vtkIdType>(i), v[3 * i], v[3 * i + 1], v[3 * i + 2]);
  vtkNew<vtkCellArray> cells;
  const auto& t = mesh.triangles();
  cells->AllocateExact(static_cast<vtkIdType>(mesh.triangleCount()),
                       static_cast<vtkIdType>(t.size()));
  for (std::size_t i = 0; i < mesh.triangleCount(); ++i) {
    const vtkIdType ids[3] = {t[3 * i], t[3 * i + 1], t[3 * i + 2]};
    cells->InsertNextCell(3, ids);
  }
  vtkNew<vtkPolyData> full;
  full->SetPoints(points);
  full->SetPolys(cells);

  CoarseMesh coarse;
  const std::size_t triangles = mesh.triangleCount();
  if (triangles == 0 || targetTriangles >= triangles) return coarse;
  vtkNew<vtkQuadricDecimation> decimation;
  decimation->SetInputData(full);
  decimation->SetTargetReduction(1.0 - static_cast<double>(targetTriangles) /
                                           static_cast<double>(triangles));
  // Keeps thin gyri from shrinking while they are simplified.
  decimation->VolumePreservationOn();
  decimation->Update();
  vtkPolyData* out = decimation->GetOutput();

  // vtkQuadricDecimation moves the surviving points and drops point data:
  // find each one's nearest full-mesh vertex for its colour (within the
  // collapse error, a fraction of a millimetre on a cortex).
  vtkNew<vtkStaticPointLocator> locator;
  locator->SetDataSet(full);
  locator->BuildLocator();
  const vtkIdType n = out->GetNumberOfPoints();
  coarse.vertices.resize(3 * static_cast<std::size_t>(n));
  coarse.sourceVertex.resize(static_cast<std::size_t>(n));
  for (vtkIdType i = 0; i < n; ++i) {
    double p[3];
    out->GetPoint(i, p);
    for (int k = 0; k < 3; ++k)
      coarse.vertices[3 * static_cast<std::size_t>(i) + k] = static_cast<float>(p[k]);
    coarse.sourceVertex[static_cast<std::size_t>(i)] =
        static_cast<std::int32_t>(locator->FindClosestPoint(p));
  }
  vtkCellArray* polys = out->GetPolys();
  coarse.triangles.reserve(3 * static_cast<std::size_t>(polys->GetNumberOfCells()));
  vtkIdType count = 0;
  const vtkIdType* ids = nullptr;
  for (polys->InitTraversal(); polys->GetNextCell(count, ids);)
    if (count == 3)
      for (int k = 0; k < 3; ++k) coarse.triangles.push_back(static_cast<std::int32_t>(ids[k]));
  return coarse;
}

namespace {

struct CacheEntry {
  std::weak_ptr<const io::SurfaceMeshDataset> mesh;
  QFuture<std::shared_ptr<const CoarseMesh>> future;
  std::uint64_t lastUsed = 0;
};

std::size_t coarseBytes(const CoarseMesh& coarse) {
  return coarse.vertices.size() * sizeof(float) +
         (coarse.triangles.size() + coarse.sourceVertex.size()) * sizeof(std::int32_t) +
         sizeof(CoarseMesh);
}

QMutex cacheMutex;
std::map<std::pair<const io::SurfaceMeshDataset*, std::size_t>, CacheEntry>& cache() {
  static std::map<std::pair<const io::SurfaceMeshDataset*, std::size_t>, CacheEntry> entries;
  return entries;
}

}  // namespace

QFuture<std::shared_ptr<const CoarseMesh>> coarseSurface(
    std::shared_ptr<const io::SurfaceMeshDataset> mesh, std::size_t targetTriangles) {
  QMutexLocker lock(&cacheMutex);
  auto& entries = cache();
  static std::uint64_t clock = 0;
  std::erase_if(entries, [](const auto& entry) { return entry.second.mesh.expired(); });
  const auto key = std::make_pair(mesh.get(), targetTriangles);
  if (const auto it = entries.find(key); it != entries.end()) {
    it->second.lastUsed = ++clock;
    return it->second.future;
  }
  // Finished coarse copies are bounded in bytes (io::ResourceLimits::viewCacheBytes):
  // the least recently asked for go first (a layer holding one keeps it).
  const std::size_t limit = io::resourceLimits().viewCacheBytes;
  while (true) {
    std::size_t bytes = 0;
    auto oldest = entries.end();
    for (auto it = entries.begin(); it != entries.end(); ++it) {
      if (!it->second.future.isFinished()) continue;
      bytes += coarseBytes(*it->second.future.result());
      if (oldest == entries.end() || it->second.lastUsed < oldest->second.lastUsed) oldest = it;
    }
    if (bytes <= limit || oldest == entries.end()) break;
    entries.erase(oldest);
  }
  auto promise = std::make_shared<QPromise<std::shared_ptr<const CoarseMesh>>>();
  QFuture<std::shared_ptr<const CoarseMesh>> future = promise->future();
  promise->start();
  entries[key] = {mesh, future, ++clock};
  QThreadPool::globalInstance()->start([promise, mesh, targetTriangles] {
    std::shared_ptr<const CoarseMesh> result;
    try {
      result = std::make_shared<const CoarseMesh>(decimateSurface(*mesh, targetTriangles));
    } catch (...) {
      // Out of memory or a degenerate mesh: no coarse copy, the full one is drawn.
      result = std::make_shared<const CoarseMesh>();
    }
    promise->addResult(result);
    promise->finish();
  });
  return future;
}

}  // namespace nl::widgets
