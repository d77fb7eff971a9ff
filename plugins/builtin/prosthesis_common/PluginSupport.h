#pragma once
// Glue shared by prosthesis.percept and prosthesis.plan: parameters → model
// objects, overlays → retinotopy, tables in and out.
#include <optional>
#include <string>
#include <vector>

#include "analysis/prosthesis/Objective.h"
#include "analysis/prosthesis/SurfaceRetinotopy.h"
#include "plugins/api/AnalysisPlugin.h"

namespace nl::plugins::prosthesis {

namespace pr = nl::analysis::prosthesis;

pr::MapParameters mapParameters(const ParameterSet& parameters);
pr::PhospheneModel phospheneModel(const ParameterSet& parameters);
pr::VisualFieldGrid fieldGrid(const ParameterSet& parameters);

// An optional input of a kind.
template <typename T>
std::shared_ptr<const T> optionalInput(const Inputs& inputs, const std::string& port) {
  const auto found = inputs.find(port);
  if (found == inputs.end() || !found->second) return nullptr;
  auto typed = std::dynamic_pointer_cast<const T>(found->second);
  if (!typed) throw std::invalid_argument("input '" + port + "' has the wrong kind");
  return typed;
}

// The hemisphere: the parameter unless "auto", else the dataset's attribute, else left.
pr::Hemisphere resolveHemisphere(const std::string& parameter, const io::Dataset* dataset);

// Retinotopy from angle / eccentricity / area overlays on a mesh of
// `vertexCount` vertices (larger fsaverage overlays are truncated).
pr::VertexRetinotopy overlayRetinotopy(const io::ArrayDataset& angle,
                                       const io::ArrayDataset& eccentricity,
                                       const io::ArrayDataset* area, std::size_t vertexCount,
                                       pr::Hemisphere hemisphere, double maxEccentricity);

// A 2-D array dataset as an image on the grid.
pr::Image imageOnGrid(const io::ArrayDataset& image, const pr::VisualFieldGrid& grid);

// The grid's attributes for a percept array.
io::Attributes gridAttributes(const pr::VisualFieldGrid& grid);

io::Column numberColumn(std::string name, std::vector<double> values);

}  // namespace nl::plugins::prosthesis
