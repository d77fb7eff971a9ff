#pragma once
// What the user arranged in a 3D view, as plain data: each layer's display
// state and the camera. Widgets capture and apply it (Scene::captureState /
// applyState); pages keep it inside the session's view-layout JSON, so a
// reopened session shows the same picture. No Qt, no VTK.
#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nl::io {

// A layer's value → colour mapping.
struct ScalarRange {
  double min = 0, max = 1;
  // The layer's own default (its data range when it was shown): on restore
  // the layer keeps the default of the data it has now.
  bool automatic = true;
  bool operator==(const ScalarRange&) const = default;
};

// One channel of a multichannel image (napari/ImageJ looks).
struct ChannelState {
  std::array<int, 3> rgb{255, 255, 255};  // 0–255
  double low = 0, high = 1;
  double gamma = 1;
  bool visible = true;
  bool operator==(const ChannelState&) const = default;
};

struct LayerState {
  std::string name;
  // "surface", "points", "lines", "volume", "slices", "labels" (a layer is
  // only restored from a state of its own kind).
  std::string kind;
  bool visible = true;
  double opacity = 1;
  // Only layers with scalars have these.
  std::optional<std::string> colormap;
  std::optional<ScalarRange> range;
  std::optional<double> threshold;
  // Per item (label instances): entries only where the item differs from the
  // default (visible, opacity 1), so an item not listed is shown, opaque.
  std::map<std::int64_t, bool> itemVisible;
  std::map<std::int64_t, double> itemOpacity;
  std::vector<ChannelState> channels;
  // Layer-specific options as text ("mode" = "mip", "preset", "crosshair"…).
  std::map<std::string, std::string> extras;
  bool operator==(const LayerState&) const = default;
};

struct CameraState {
  std::array<double, 3> position{0, 0, 1}, focalPoint{0, 0, 0}, viewUp{0, 1, 0};
  double viewAngle = 30;  // degrees, perspective projection
  bool parallelProjection = false;
  double parallelScale = 1;
  bool operator==(const CameraState&) const = default;
};

struct SceneState {
  std::optional<CameraState> camera;  // none: the view keeps its own framing
  std::vector<LayerState> layers;     // in drawing order (first drawn first)
  // The layer whose colour map the scalar bar shows (index into layers), or -1.
  int scalarBarLayer = -1;
  bool operator==(const SceneState&) const = default;
};

// Camera equality within a relative tolerance (a camera read back from VTK
// is recomputed from its matrices, so the last bits may differ).
bool nearlyEqual(const CameraState& a, const CameraState& b, double tolerance = 1e-9);

// JSON (an object: {"camera": {...}, "layers": [...], "scalar_bar_layer": i}).
nlohmann::json toJson(const SceneState& state);
// Reading is forgiving: a field of the wrong type or value is skipped (and
// said in `notices`, when given) and the rest is read; only a value that is
// not an object at all throws std::invalid_argument saying so.
SceneState sceneStateFromJsonValue(const nlohmann::json& json,
                                   std::vector<std::string>* notices = nullptr);

// Several scenes of one page (an array; an element that is not an object is
// read as an empty state, with a notice, so the others keep their places).
nlohmann::json toJson(const std::vector<SceneState>& states);
std::vector<SceneState> sceneStatesFromJsonValue(const nlohmann::json& json,
                                                 std::vector<std::string>* notices = nullptr);

std::string sceneStateToJson(const SceneState& state);
// Throws std::invalid_argument ("scene state: not JSON: …") for text that does
// not parse or is not an object.
SceneState sceneStateFromJson(const std::string& text, std::vector<std::string>* notices = nullptr);

}  // namespace nl::io
