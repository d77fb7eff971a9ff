#include "widgets/pages/prosthesis/PlannerProvider.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "io/ReaderRegistry.h"
#include "io/RunInputs.h"
#include "widgets/pages/ViewRegistry.h"
#include "widgets/pages/prosthesis/PlannerPage.h"

namespace nl::widgets::prosthesis {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// 'l', 'r' or 0 from a file name (lh.pial, pial_left, rh.benson14_angle…).
char sideOf(const std::string& name) {
  const std::string n = lower(name);
  auto has = [&n](const char* token) { return n.find(token) != std::string::npos; };
  if (has("left") || n.starts_with("lh") || has(".lh") || has("_lh") || has("-lh")) return 'l';
  if (has("right") || n.starts_with("rh") || has(".rh") || has("_rh") || has("-rh")) return 'r';
  return 0;
}

// Which surface a mesh's name says it is.
std::string roleOf(const std::string& name) {
  const std::string n = lower(name);
  for (const auto& [token, role] : {std::pair<const char*, const char*>{"infl", "inflated"},
                                    {"flat", "flat"},
                                    {"sphere", "sphere"},
                                    {"white", "white"},
                                    {"pial", "pial"}})
    if (n.find(token) != std::string::npos) return role;
  return {};
}

// "left", "right" or "both" (a plan over both hemispheres).
std::string hemisphereOf(const io::TableDataset& plan) {
  auto named = [](const std::string& name) {
    return name == "both" ? name : pr::hemisphereName(pr::parseHemisphere(name));
  };
  if (const auto it = plan.attributes().find("hemisphere"); it != plan.attributes().end())
    return named(it->second);
  const auto parameters = nlohmann::json::parse(plan.provenance().parametersJson, nullptr, false);
  if (parameters.is_object() && parameters.contains("hemisphere") &&
      parameters["hemisphere"].is_string() && parameters["hemisphere"].get<std::string>() != "auto")
    return named(parameters["hemisphere"].get<std::string>());
  return "left";
}

// Sibling surfaces of a file: nilearn's pial_left.gii.gz → white_left.gii.gz,
// FreeSurfer's lh.pial → lh.white, lh.sphere.reg …
void openSiblings(io::Session& session, const std::filesystem::path& pial, char side) {
  const std::string name = pial.filename().string();
  const std::string hemi = side == 'r' ? "right" : "left", fs = side == 'r' ? "rh" : "lh";
  std::vector<std::string> candidates;
  if (name.find("pial_" + hemi) != std::string::npos) {
    const std::string suffix = name.substr(name.find("pial_" + hemi) + 5 + hemi.size());
    for (const char* role : {"white", "sphere", "infl", "flat"})
      candidates.push_back(std::string(role) + "_" + hemi + suffix);
  } else if (name.starts_with(fs + ".pial")) {
    for (const char* role : {"white", "sphere", "inflated", "flat.patch"})
      candidates.push_back(fs + "." + role);
  }
  for (const auto& candidate : candidates) {
    const auto path = pial.parent_path() / candidate;
    std::error_code error;
    if (!std::filesystem::exists(path, error)) continue;
    bool open = false;
    for (const auto& entry : session.entries())
      open = open || entry.dataset->provenance().sourcePath == path.string();
    if (open) continue;
    try {
      for (const auto& dataset : io::ReaderRegistry::builtin().open(path).datasets)
        session.add(dataset);
    } catch (const std::exception&) {
      // A sibling we cannot read is not one we need; missing roles are reported below.
    }
  }
}

}  // namespace

bool isPlanResult(const io::Dataset& dataset) {
  const auto& plugin = dataset.provenance().pluginId;
  return (dataset.kind() == io::DatasetKind::Table ||
          dataset.kind() == io::DatasetKind::Electrodes) &&
         (plugin == "prosthesis.plan" || plugin == "prosthesis.percept");
}

namespace {

// The plan's vessel volume and constraint: the run's `vessels` input and its
// parameters, else a volume in the session whose name says vessels
// (braincharter's mean_Ved_ToF_Thresh, "vessels", "angio", "tof").
void findVessels(const io::Session& session, const io::TableDataset& plan,
                 const io::ReopenReport& reopened, PlannerCortex& cortex) {
  const auto parameters = nlohmann::json::parse(plan.provenance().parametersJson, nullptr, false);
  if (parameters.is_object()) {
    if (parameters.contains("vessel_threshold") && parameters["vessel_threshold"].is_number())
      cortex.vesselThreshold = parameters["vessel_threshold"].get<double>();
    if (parameters.contains("vessel_space") && parameters["vessel_space"].is_string())
      cortex.vesselsInMni152 = parameters["vessel_space"].get<std::string>() != "same";
    if (parameters.contains("margin_um") && parameters["margin_um"].is_number())
      cortex.vesselConstraint.marginMm = parameters["margin_um"].get<double>() * 1e-3;
    if (parameters.contains("vessel_mode") && parameters["vessel_mode"].is_string()) try {
        cortex.vesselConstraint.mode =
            pr::parseConstraintMode(parameters["vessel_mode"].get<std::string>());
      } catch (const std::invalid_argument&) {
      }
    if (parameters.contains("soft_weight") && parameters["soft_weight"].is_number())
      cortex.vesselConstraint.softWeight = parameters["soft_weight"].get<double>();
  }
  if (const auto* item = reopened.find("vessels"); item && item->id != io::kNoDataset)
    cortex.vessels = std::dynamic_pointer_cast<const io::ArrayDataset>(session.find(item->id));
  if (cortex.vessels) return;
  for (const auto& entry : session.entries()) {
    const auto volume = std::dynamic_pointer_cast<const io::ArrayDataset>(entry.dataset);
    if (!volume || volume->kind() != io::DatasetKind::Volume) continue;
    const std::string name = lower(volume->name());
    for (const char* token : {"vessel", "_ved", "ved_", "angio", "tof", "arter", "vascul"})
      if (name.find(token) != std::string::npos) {
        cortex.vessels = volume;
        return;
      }
  }
}

// One hemisphere's surfaces and retinotopy from the session.
PlannerCortex findSide(io::Session& session, pr::Hemisphere hemisphere) {
  PlannerCortex cortex;
  cortex.hemisphere = hemisphere;
  const char side = cortex.hemisphere == pr::Hemisphere::Left ? 'l' : 'r';
  auto meshes = [&] {
    std::map<std::string, std::shared_ptr<const io::SurfaceMeshDataset>> byRole;
    for (const auto& entry : session.entries())
      if (const auto mesh = std::dynamic_pointer_cast<const io::SurfaceMeshDataset>(entry.dataset);
          mesh && sideOf(mesh->name()) == side) {
        const std::string role = roleOf(mesh->name());
        if (!role.empty() && !byRole.count(role)) byRole[role] = mesh;
      }
    return byRole;
  };
  auto byRole = meshes();
  // Siblings also when only the inflated surface is missing (a plan run
  // reads white, pial and sphere; V1 is best seen inflated).
  if (byRole.count("pial") &&
      (!byRole.count("white") || !byRole.count("sphere") || !byRole.count("inflated")) &&
      !byRole["pial"]->provenance().sourcePath.empty()) {
    openSiblings(session, byRole["pial"]->provenance().sourcePath, side);
    byRole = meshes();
  }
  for (const char* role : {"white", "pial", "sphere"})
    if (!byRole.count(role))
      throw std::invalid_argument(
          std::string("the plan's cortex is not open: no ") + role + " surface of the " +
          pr::hemisphereName(cortex.hemisphere) +
          " hemisphere in the session (open the white, pial and sphere surfaces the plan used)");
  cortex.white = byRole["white"];
  cortex.pial = byRole["pial"];
  cortex.sphere = byRole["sphere"];
  const std::size_t n = cortex.pial->vertexCount();
  // Inflated first: V1 lies in the calcarine sulcus, hidden on the pial surface.
  for (const char* role : {"inflated", "pial", "white", "flat"})
    if (byRole.count(role) && byRole[role]->vertexCount() == n &&
        byRole[role]->triangleCount() == cortex.pial->triangleCount())
      cortex.shown.emplace_back(role, byRole[role]);
  for (const auto& entry : session.entries()) {
    const auto overlay = std::dynamic_pointer_cast<const io::ArrayDataset>(entry.dataset);
    if (!overlay || overlay->kind() != io::DatasetKind::SurfaceOverlay ||
        sideOf(overlay->name()) != side || overlay->rows() < n)
      continue;
    const std::string name = lower(overlay->name());
    if (name.find("angle") != std::string::npos && !cortex.angle) cortex.angle = overlay;
    if (name.find("eccen") != std::string::npos && !cortex.eccentricity)
      cortex.eccentricity = overlay;
    if (name.find("varea") != std::string::npos && !cortex.area) cortex.area = overlay;
  }
  if (!cortex.angle || !cortex.eccentricity || !cortex.area)
    throw std::invalid_argument(
        "the plan's retinotopy is not open: the planner needs polar angle, eccentricity and "
        "visual area maps of the " +
        pr::hemisphereName(cortex.hemisphere) +
        " hemisphere (e.g. the Benson 2014 template: lh.benson14_{angle,eccen,varea})");
  return cortex;
}

}  // namespace

PlannerCortex findCortex(io::Session& session, const io::TableDataset& plan) {
  io::ReopenReport reopened;
  if (!plan.provenance().runId.empty())
    reopened = io::reopenRunInputs(session, plan.provenance().runId);
  const std::string side = hemisphereOf(plan);
  PlannerCortex cortex = side == "both" ? joinCortices(findSide(session, pr::Hemisphere::Left),
                                                       findSide(session, pr::Hemisphere::Right))
                                        : findSide(session, pr::parseHemisphere(side));
  findVessels(session, plan, reopened, cortex);
  return cortex;
}

PlannerPage* makePlannerPage(io::Session& session, io::DatasetId planId) {
  const auto plan = std::dynamic_pointer_cast<const io::TableDataset>(session.find(planId));
  if (!plan) throw std::invalid_argument("the planner opens a plan table");
  PlannerCortex cortex = findCortex(session, *plan);
  auto sites =
      sitesFromTable(*plan, *cortex.pial, cortex.rightVertexStart, cortex.rightTriangleStart);
  return new PlannerPage(session, std::move(cortex), std::move(sites));
}

namespace {

class PlannerProvider final : public ViewProvider {
 public:
  std::string id() const override { return "prosthesis.planner"; }
  ViewMatch match(const io::Session& session,
                  const std::vector<io::DatasetId>& offered) const override {
    for (const auto id : offered)
      if (const auto d = session.find(id); d && isPlanResult(*d)) return {80, {id}};
    return {};
  }
  Page* create(PageHost& host, const std::vector<io::DatasetId>& datasets) const override {
    auto* page = makePlannerPage(host.session(), datasets.at(0));
    page->setHost(&host);
    return page;
  }
};

}  // namespace

NL_REGISTER_VIEW_PROVIDER(PlannerProvider)

}  // namespace nl::widgets::prosthesis
