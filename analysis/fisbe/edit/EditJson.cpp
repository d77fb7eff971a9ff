#include <nlohmann/json.hpp>
#include <stdexcept>

#include "analysis/fisbe/edit/LabelEdit.h"
#include "io/UntrustedInput.h"

namespace nl::analysis::fisbe::edit {

namespace {

const char* kindName(EditOperation::Kind kind) {
  switch (kind) {
    case EditOperation::Kind::Merge:
      return "merge";
    case EditOperation::Kind::Erase:
      return "erase";
    case EditOperation::Kind::Paint:
      return "paint";
    case EditOperation::Kind::SplitByPlane:
      return "split_plane";
    case EditOperation::Kind::SplitBySeeds:
      return "split_seeds";
  }
  return "?";
}

EditOperation::Kind kindFromName(const std::string& name) {
  for (auto kind :
       {EditOperation::Kind::Merge, EditOperation::Kind::Erase, EditOperation::Kind::Paint,
        EditOperation::Kind::SplitByPlane, EditOperation::Kind::SplitBySeeds})
    if (name == kindName(kind)) return kind;
  throw std::invalid_argument("unknown edit kind \"" + name + "\"");
}

}  // namespace

std::string editsToJson(const std::vector<EditOperation>& edits) {
  nlohmann::json out = nlohmann::json::array();
  for (const EditOperation& op : edits) {
    nlohmann::json points = nlohmann::json::array();
    for (const Voxel& v : op.points) points.push_back({v.z, v.y, v.x});
    nlohmann::json entry{{"kind", kindName(op.kind)},
                         {"labels", op.labels},
                         {"points", points},
                         {"new_labels", op.newLabels}};
    if (op.kind == EditOperation::Kind::SplitByPlane) entry["normal"] = op.normal;
    if (op.kind == EditOperation::Kind::Paint) {
      entry["radius"] = op.radius;
      entry["spacing"] = op.spacing;
      entry["background_only"] = op.paintMode == EditOperation::PaintMode::BackgroundOnly;
    }
    out.push_back(std::move(entry));
  }
  return out.dump();
}

std::vector<EditOperation> editsFromJson(const std::string& text) {
  const auto json = io::parseUntrustedJsonOrDiscarded(text);
  if (!json.is_array())
    throw std::invalid_argument("edit log: not a JSON array (or too large or too deeply nested)");
  std::vector<EditOperation> edits;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const auto& entry = json[i];
    const std::string where = "edit log entry " + std::to_string(i + 1);
    try {
      EditOperation op;
      op.kind = kindFromName(entry.at("kind").get<std::string>());
      op.labels = entry.at("labels").get<std::vector<Label>>();
      for (const auto& p : entry.at("points")) {
        const auto v = p.get<std::vector<std::int32_t>>();
        if (v.size() != 3) throw std::invalid_argument("a point needs z, y, x");
        op.points.push_back({v[0], v[1], v[2]});
      }
      op.newLabels = entry.at("new_labels").get<std::vector<Label>>();
      if (entry.contains("normal")) op.normal = entry["normal"].get<std::array<double, 3>>();
      if (entry.contains("radius")) op.radius = entry["radius"].get<double>();
      if (entry.contains("spacing")) op.spacing = entry["spacing"].get<std::array<double, 3>>();
      if (entry.value("background_only", false))
        op.paintMode = EditOperation::PaintMode::BackgroundOnly;
      edits.push_back(std::move(op));
    } catch (const nlohmann::json::exception& error) {
      throw std::invalid_argument(where + ": " + error.what());
    } catch (const std::invalid_argument& error) {
      throw std::invalid_argument(where + ": " + error.what());
    }
  }
  return edits;
}

}  // namespace nl::analysis::fisbe::edit
