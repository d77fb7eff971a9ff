#pragma once
// fsaverage resolution awareness. FreeSurfer's fsaverageN meshes are
// icosahedron subdivisions (10·4^N + 2 vertices: fsaverage3 642, fsaverage4
// 2,562, fsaverage5 10,242, fsaverage6 40,962, fsaverage 163,842) and each
// lower resolution's vertices are the first vertices of every higher one, so
// per-vertex data of a larger fsaverage can be shown on a smaller one by
// keeping its first rows.
#include <cstddef>
#include <memory>
#include <stdexcept>

#include "io/Dataset.h"

namespace nl::io::surface {

// 10·4^order + 2 for order 3..7, or 0.
std::size_t fsaverageVertexCount(int order);
// The icosahedron order (3..7) of a vertex count, or -1.
int fsaverageOrder(std::size_t vertexCount);

// How many overlay rows to show on a mesh: all when the sizes are equal; the
// mesh's count when both are fsaverage resolutions and the overlay is the
// larger (truncation keeps exactly the mesh's vertices). Anything else throws
// std::invalid_argument saying both sizes and why they do not fit.
std::size_t overlayRowsForMesh(std::size_t overlayRows, std::size_t meshVertices);

// The overlay itself when it fits; its first rows (a new dataset, attribute
// "truncated_from" = the original row count) for a larger fsaverage overlay
// on a smaller fsaverage mesh; std::invalid_argument otherwise.
std::shared_ptr<const ArrayDataset> fitOverlayToMesh(
    const std::shared_ptr<const ArrayDataset>& overlay, std::size_t meshVertices);

}  // namespace nl::io::surface
