#include "io/surface/Fsaverage.h"

#include <string>

namespace nl::io::surface {

std::size_t fsaverageVertexCount(int order) {
  if (order < 3 || order > 7) return 0;
  return 10 * (std::size_t{1} << (2 * order)) + 2;
}

int fsaverageOrder(std::size_t vertexCount) {
  for (int order = 3; order <= 7; ++order)
    if (fsaverageVertexCount(order) == vertexCount) return order;
  return -1;
}

namespace {
std::string resolutionName(std::size_t vertexCount) {
  const int order = fsaverageOrder(vertexCount);
  if (order < 0) return "not an fsaverage resolution";
  return order == 7 ? "fsaverage" : "fsaverage" + std::to_string(order);
}
}  // namespace

std::size_t overlayRowsForMesh(std::size_t overlayRows, std::size_t meshVertices) {
  if (overlayRows == meshVertices) return overlayRows;
  const int overlayOrder = fsaverageOrder(overlayRows);
  const int meshOrder = fsaverageOrder(meshVertices);
  if (overlayOrder > 0 && meshOrder > 0 && overlayOrder > meshOrder) return meshVertices;
  std::string why;
  if (overlayOrder > 0 && meshOrder > 0)
    why = "an overlay of a lower fsaverage resolution cannot be shown on a finer mesh";
  else
    why =
        "only overlays of a larger fsaverage resolution can be truncated to a smaller "
        "fsaverage mesh";
  throw std::invalid_argument("overlay has " + std::to_string(overlayRows) + " vertices (" +
                              resolutionName(overlayRows) + ") but the mesh has " +
                              std::to_string(meshVertices) + " (" + resolutionName(meshVertices) +
                              "): " + why);
}

std::shared_ptr<const ArrayDataset> fitOverlayToMesh(
    const std::shared_ptr<const ArrayDataset>& overlay, std::size_t meshVertices) {
  if (!overlay) throw std::invalid_argument("no overlay given");
  const std::size_t rows = overlayRowsForMesh(overlay->rows(), meshVertices);
  if (rows == overlay->rows()) return overlay;
  auto shape = overlay->shape();
  const std::size_t perRow = overlay->columnsPerRow();
  shape.front() = rows;
  Attributes attributes = overlay->attributes();
  attributes["truncated_from"] = std::to_string(overlay->rows());
  std::shared_ptr<const ArrayDataset> source = overlay;
  ArrayDataset::Loader loader = [source, rows, perRow]() {
    const auto& all = source->values();
    return std::vector<double>(all.begin(),
                               all.begin() + static_cast<std::ptrdiff_t>(rows * perRow));
  };
  return std::make_shared<const ArrayDataset>(overlay->kind(), overlay->name(), std::move(shape),
                                              std::move(loader), overlay->provenance(),
                                              std::move(attributes), overlay->sourceType());
}

}  // namespace nl::io::surface
