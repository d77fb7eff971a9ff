#pragma once
// Level of detail for big surfaces: a decimated copy of a mesh that a
// SurfaceLayer draws while the camera moves (software OpenGL draws a
// 327k-triangle cortex at a few frames per second), and the full mesh when
// still. Each coarse vertex takes its colour from one full-mesh vertex, so
// overlays, labels and shading follow without being recomputed.
#include <QFuture>
#include <cstdint>
#include <memory>
#include <vector>

#include "io/Dataset.h"

namespace nl::widgets {

struct CoarseMesh {
  std::vector<float> vertices;             // x, y, z per vertex
  std::vector<std::int32_t> triangles;     // three vertex indices per triangle
  std::vector<std::int32_t> sourceVertex;  // per coarse vertex: the full-mesh vertex it shows
  std::size_t triangleCount() const { return triangles.size() / 3; }
};

// Garland & Heckbert's quadric edge collapse (VTK's vtkQuadricDecimation)
// down to about `targetTriangles`; each coarse vertex shows the nearest
// full-mesh vertex. Seconds for fsaverage (327,680 triangles): call it off
// the GUI thread.
CoarseMesh decimateSurface(const io::SurfaceMeshDataset& mesh, std::size_t targetTriangles);

// The coarse copy of `mesh`, computed once per mesh and budget in a
// background thread and shared by every layer that draws that mesh (pages
// switching meshes make new layers of the same dataset).
QFuture<std::shared_ptr<const CoarseMesh>> coarseSurface(
    std::shared_ptr<const io::SurfaceMeshDataset> mesh, std::size_t targetTriangles);

}  // namespace nl::widgets
