#include "io/ViewState.h"
#include "io/UntrustedInput.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace nl::io {

namespace {

using nlohmann::json;

constexpr int kVersion = 1;

// Collects what was skipped; every reader below says where (a JSON path).
class Reader {
 public:
  explicit Reader(std::vector<std::string>* notices) : notices_(notices) {}

  void skip(const std::string& where, const std::string& why) {
    if (notices_) notices_->push_back("scene state: " + where + ": " + why + " (ignored)");
  }

  // Each returns nullopt (after a notice) when the field is present but wrong;
  // absent fields are silent.
  std::optional<double> number(const json& object, const char* key, const std::string& where,
                               double lowest = -HUGE_VAL, double highest = HUGE_VAL) {
    const auto it = object.find(key);
    if (it == object.end()) return std::nullopt;
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < lowest ||
        it->get<double>() > highest) {
      skip(where + "." + key, range(lowest, highest));
      return std::nullopt;
    }
    return it->get<double>();
  }
  std::optional<bool> boolean(const json& object, const char* key, const std::string& where) {
    const auto it = object.find(key);
    if (it == object.end()) return std::nullopt;
    if (!it->is_boolean()) {
      skip(where + "." + key, "expected true or false");
      return std::nullopt;
    }
    return it->get<bool>();
  }
  std::optional<std::string> text(const json& object, const char* key, const std::string& where) {
    const auto it = object.find(key);
    if (it == object.end()) return std::nullopt;
    if (!it->is_string()) {
      skip(where + "." + key, "expected a string");
      return std::nullopt;
    }
    return it->get<std::string>();
  }
  std::optional<std::array<double, 3>> triple(const json& object, const char* key,
                                              const std::string& where) {
    const auto it = object.find(key);
    if (it == object.end()) return std::nullopt;
    std::array<double, 3> out{};
    bool ok = it->is_array() && it->size() == 3;
    for (std::size_t i = 0; ok && i < 3; ++i) {
      ok = (*it)[i].is_number() && std::isfinite((*it)[i].get<double>());
      if (ok) out[i] = (*it)[i].get<double>();
    }
    if (!ok) {
      skip(where + "." + key, "expected three finite numbers");
      return std::nullopt;
    }
    return out;
  }

 private:
  static std::string range(double lowest, double highest) {
    if (std::isinf(lowest) && std::isinf(highest)) return "expected a finite number";
    return "expected a number in [" + shortNumber(lowest) + ", " + shortNumber(highest) + "]";
  }
  static std::string shortNumber(double x) {
    if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
    json j = x;
    return dumpJson(j);
  }
  std::vector<std::string>* notices_;
};

json toJson(const CameraState& c) {
  return {{"position", c.position},
          {"focal_point", c.focalPoint},
          {"view_up", c.viewUp},
          {"view_angle", c.viewAngle},
          {"parallel_projection", c.parallelProjection},
          {"parallel_scale", c.parallelScale}};
}

json toJson(const LayerState& layer) {
  json out{{"name", layer.name},
           {"kind", layer.kind},
           {"visible", layer.visible},
           {"opacity", layer.opacity}};
  if (layer.colormap) out["colormap"] = *layer.colormap;
  if (layer.range)
    out["range"] = {{"min", layer.range->min},
                    {"max", layer.range->max},
                    {"automatic", layer.range->automatic}};
  if (layer.threshold) out["threshold"] = *layer.threshold;
  if (!layer.itemVisible.empty()) {
    json items = json::object();
    for (const auto& [item, visible] : layer.itemVisible) items[std::to_string(item)] = visible;
    out["item_visible"] = std::move(items);
  }
  if (!layer.itemOpacity.empty()) {
    json items = json::object();
    for (const auto& [item, opacity] : layer.itemOpacity) items[std::to_string(item)] = opacity;
    out["item_opacity"] = std::move(items);
  }
  if (!layer.channels.empty()) {
    json channels = json::array();
    for (const auto& c : layer.channels)
      channels.push_back({{"rgb", c.rgb},
                          {"low", c.low},
                          {"high", c.high},
                          {"gamma", c.gamma},
                          {"visible", c.visible}});
    out["channels"] = std::move(channels);
  }
  if (!layer.extras.empty()) out["extras"] = layer.extras;
  return out;
}

std::optional<CameraState> cameraFrom(const json& j, Reader& r) {
  const std::string where = "camera";
  if (!j.is_object()) {
    r.skip(where, "expected an object");
    return std::nullopt;
  }
  // A camera comes back whole or not at all: half of one is a wrong picture.
  CameraState c;
  const auto position = r.triple(j, "position", where);
  const auto focal = r.triple(j, "focal_point", where);
  const auto up = r.triple(j, "view_up", where);
  if (!position || !focal || !up) {
    r.skip(where, "needs position, focal_point and view_up");
    return std::nullopt;
  }
  c.position = *position, c.focalPoint = *focal, c.viewUp = *up;
  double distance = 0, upLength = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    distance += (c.position[i] - c.focalPoint[i]) * (c.position[i] - c.focalPoint[i]);
    upLength += c.viewUp[i] * c.viewUp[i];
  }
  if (!(distance > 0) || !(upLength > 0)) {
    r.skip(where, "position equals the focal point, or view_up is zero");
    return std::nullopt;
  }
  if (const auto angle = r.number(j, "view_angle", where, 1e-3, 179)) c.viewAngle = *angle;
  if (const auto parallel = r.boolean(j, "parallel_projection", where))
    c.parallelProjection = *parallel;
  if (const auto scale = r.number(j, "parallel_scale", where, 1e-300, HUGE_VAL))
    c.parallelScale = *scale;
  return c;
}

std::optional<std::int64_t> itemKey(const std::string& key) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), value);
  if (error != std::errc() || end != key.data() + key.size()) return std::nullopt;
  return value;
}

// An object of item → value (JSON keys are strings: "12": false).
template <typename Value, typename Valid>
void readItems(const json& layer, const char* key, const std::string& where, Reader& r,
               std::map<std::int64_t, Value>& out, const char* expected, Valid valid) {
  const auto it = layer.find(key);
  if (it == layer.end()) return;
  const std::string at = where + "." + key;
  if (!it->is_object()) {
    r.skip(at, std::string("expected an object of item → ") + expected);
    return;
  }
  for (const auto& [item, value] : it->items()) {
    const auto number = itemKey(item);
    if (number && valid(value))
      out[*number] = value.template get<Value>();
    else
      r.skip(at + "." + item, std::string("expected an integer item with ") + expected);
  }
}

std::optional<std::vector<ChannelState>> channelsFrom(const json& j, const std::string& where,
                                                      Reader& r) {
  if (!j.is_array()) {
    r.skip(where, "expected an array");
    return std::nullopt;
  }
  // Looks come back whole or not at all: a dropped channel would shift the others.
  std::vector<ChannelState> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    const json& c = j[i];
    if (!c.is_object()) {
      r.skip(where, at + " is not an object");
      return std::nullopt;
    }
    ChannelState channel;
    const auto rgb = c.find("rgb");
    bool ok = rgb != c.end() && rgb->is_array() && rgb->size() == 3;
    for (std::size_t k = 0; ok && k < 3; ++k) {
      ok = (*rgb)[k].is_number_integer() && (*rgb)[k].get<std::int64_t>() >= 0 &&
           (*rgb)[k].get<std::int64_t>() <= 255;
      if (ok) channel.rgb[k] = static_cast<int>((*rgb)[k].get<std::int64_t>());
    }
    const auto low = r.number(c, "low", at), high = r.number(c, "high", at);
    const auto gamma = r.number(c, "gamma", at, 1e-6, 1e6);
    const auto visible = r.boolean(c, "visible", at);
    if (!ok || !low || !high || !gamma || !visible || !(*high > *low)) {
      r.skip(where, at + " needs rgb (three integers 0–255), low < high, gamma > 0 and visible");
      return std::nullopt;
    }
    channel.low = *low, channel.high = *high, channel.gamma = *gamma, channel.visible = *visible;
    out.push_back(channel);
  }
  return out;
}

std::optional<LayerState> layerFrom(const json& j, const std::string& where, Reader& r) {
  if (!j.is_object()) {
    r.skip(where, "expected an object");
    return std::nullopt;
  }
  LayerState layer;
  const auto name = r.text(j, "name", where);
  const auto kind = r.text(j, "kind", where);
  if (!name || !kind) {
    r.skip(where, "a layer needs a name and a kind");
    return std::nullopt;
  }
  layer.name = *name, layer.kind = *kind;
  if (const auto visible = r.boolean(j, "visible", where)) layer.visible = *visible;
  if (const auto opacity = r.number(j, "opacity", where, 0, 1)) layer.opacity = *opacity;
  layer.colormap = r.text(j, "colormap", where);
  if (const auto it = j.find("range"); it != j.end()) {
    const std::string at = where + ".range";
    if (!it->is_object()) {
      r.skip(at, "expected an object");
    } else {
      const auto low = r.number(*it, "min", at), high = r.number(*it, "max", at);
      const auto automatic = r.boolean(*it, "automatic", at);
      if (low && high && *high > *low)
        layer.range = ScalarRange{*low, *high, automatic.value_or(false)};
      else
        r.skip(at, "needs finite min < max");
    }
  }
  layer.threshold = r.number(j, "threshold", where, 0, HUGE_VAL);
  readItems(j, "item_visible", where, r, layer.itemVisible, "true or false",
            [](const json& v) { return v.is_boolean(); });
  readItems(
      j, "item_opacity", where, r, layer.itemOpacity, "an opacity in [0, 1]",
      [](const json& v) { return v.is_number() && v.get<double>() >= 0 && v.get<double>() <= 1; });
  if (const auto it = j.find("channels"); it != j.end())
    if (auto channels = channelsFrom(*it, where + ".channels", r))
      layer.channels = std::move(*channels);
  if (const auto it = j.find("extras"); it != j.end()) {
    const std::string at = where + ".extras";
    if (!it->is_object()) r.skip(at, "expected an object of strings");
    if (it->is_object())
      for (const auto& [key, value] : it->items()) {
        if (value.is_string())
          layer.extras[key] = value.get<std::string>();
        else
          r.skip(at + "." + key, "expected a string");
      }
  }
  return layer;
}

}  // namespace

bool nearlyEqual(const CameraState& a, const CameraState& b, double tolerance) {
  double scale = 1;
  for (std::size_t i = 0; i < 3; ++i)
    scale = std::max({scale, std::abs(a.position[i]), std::abs(a.focalPoint[i])});
  auto close = [&](double x, double y, double s) { return std::abs(x - y) <= tolerance * s; };
  for (std::size_t i = 0; i < 3; ++i)
    if (!close(a.position[i], b.position[i], scale) ||
        !close(a.focalPoint[i], b.focalPoint[i], scale) || !close(a.viewUp[i], b.viewUp[i], 1))
      return false;
  return close(a.viewAngle, b.viewAngle, 180) && a.parallelProjection == b.parallelProjection &&
         close(a.parallelScale, b.parallelScale, std::max(1.0, std::abs(a.parallelScale)));
}

json toJson(const SceneState& state) {
  json layers = json::array();
  for (const auto& layer : state.layers) layers.push_back(toJson(layer));
  json out{{"version", kVersion}, {"layers", std::move(layers)}};
  if (state.camera) out["camera"] = toJson(*state.camera);
  if (state.scalarBarLayer >= 0) out["scalar_bar_layer"] = state.scalarBarLayer;
  return out;
}

SceneState sceneStateFromJsonValue(const json& j, std::vector<std::string>* notices) {
  if (!j.is_object())
    throw std::invalid_argument(std::string("scene state: expected a JSON object, not ") +
                                j.type_name());
  Reader r(notices);
  SceneState state;
  if (const auto version = j.find("version");
      version != j.end() &&
      (!version->is_number_integer() || version->get<std::int64_t>() > kVersion))
    r.skip("version", "written by a newer NeuroLoupe (this one reads version " +
                          std::to_string(kVersion) + "); reading what it can");
  if (const auto camera = j.find("camera"); camera != j.end())
    state.camera = cameraFrom(*camera, r);
  std::vector<int> kept;  // written index → index read (-1: skipped)
  if (const auto layers = j.find("layers"); layers != j.end()) {
    if (!layers->is_array()) {
      r.skip("layers", "expected an array");
    } else {
      for (std::size_t i = 0; i < layers->size(); ++i) {
        auto layer = layerFrom((*layers)[i], "layers[" + std::to_string(i) + "]", r);
        kept.push_back(layer ? static_cast<int>(state.layers.size()) : -1);
        if (layer) state.layers.push_back(std::move(*layer));
      }
    }
  }
  if (const auto bar = j.find("scalar_bar_layer"); bar != j.end()) {
    const bool valid = bar->is_number_integer() && bar->get<std::int64_t>() >= 0 &&
                       bar->get<std::int64_t>() < static_cast<std::int64_t>(kept.size()) &&
                       kept[static_cast<std::size_t>(bar->get<std::int64_t>())] >= 0;
    if (valid)
      state.scalarBarLayer = kept[static_cast<std::size_t>(bar->get<std::int64_t>())];
    else
      r.skip("scalar_bar_layer", "expected the index of one of the layers read");
  }
  return state;
}

json toJson(const std::vector<SceneState>& states) {
  json out = json::array();
  for (const auto& state : states) out.push_back(toJson(state));
  return out;
}

std::vector<SceneState> sceneStatesFromJsonValue(const json& j, std::vector<std::string>* notices) {
  if (!j.is_array())
    throw std::invalid_argument(std::string("scene states: expected a JSON array, not ") +
                                j.type_name());
  std::vector<SceneState> states;
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (j[i].is_object()) {
      states.push_back(sceneStateFromJsonValue(j[i], notices));
      continue;
    }
    Reader(notices).skip("scenes[" + std::to_string(i) + "]", "expected an object");
    states.emplace_back();
  }
  return states;
}

std::string sceneStateToJson(const SceneState& state) {
  return dumpJson(toJson(state));
}

SceneState sceneStateFromJson(const std::string& text, std::vector<std::string>* notices) {
  if (text.size() > kMaxJsonBytes || jsonNestingDepth(text) > kMaxJsonDepth)
    throw std::invalid_argument("scene state: larger than " + byteSizeText(kMaxJsonBytes) +
                                " or nested deeper than " + std::to_string(kMaxJsonDepth) +
                                " levels");
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& error) {
    throw std::invalid_argument(std::string("scene state: not JSON: ") + error.what());
  }
  return sceneStateFromJsonValue(j, notices);
}

}  // namespace nl::io
