// The view-state model (io/ViewState.h): every field survives JSON and a
// session file; malformed state is skipped field by field with a notice that
// says where, and text that is not a JSON object is refused with a message.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "io/SessionFile.h"
#include "io/ViewState.h"
#include "tests/support/TestSupport.h"

using namespace nl::io;

namespace {

SceneState everyField() {
  SceneState state;
  CameraState camera;
  camera.position = {-310.25, 12.5, 3.0625};
  camera.focalPoint = {-0.5, -17.75, 14.0};
  camera.viewUp = {0.0, 0.6, 0.8};
  camera.viewAngle = 21.5;
  camera.parallelProjection = true;
  camera.parallelScale = 88.125;
  state.camera = camera;

  LayerState surface;
  surface.name = "pial_left";
  surface.kind = "surface";
  surface.visible = true;
  surface.opacity = 0.65;
  surface.colormap = "magma";
  surface.range = ScalarRange{-2.5, 7.25, false};
  surface.threshold = 1.5;
  surface.extras = {{"labels_visible", "false"}};
  LayerState labels;
  labels.name = "instances";
  labels.kind = "labels";
  labels.visible = false;
  labels.opacity = 1;
  labels.itemVisible = {{3, false}, {900000000000LL, false}};
  labels.itemOpacity = {{1, 0.25}, {7, 0.0}};
  LayerState slices;
  slices.name = "raw";
  slices.kind = "slices";
  slices.channels = {ChannelState{{255, 0, 128}, 10, 900, 0.7, true},
                     ChannelState{{0, 255, 0}, -5, 5, 1.0, false}};
  slices.extras = {{"crosshair", "4,5,6"}, {"overlay_threshold", "2.3"}};
  state.layers = {surface, labels, slices};
  state.scalarBarLayer = 0;
  return state;
}

TEST(ViewState, EveryFieldSurvivesJson) {
  const SceneState state = everyField();
  std::vector<std::string> notices;
  const SceneState back = sceneStateFromJson(sceneStateToJson(state), &notices);
  EXPECT_TRUE(notices.empty()) << notices.front();
  EXPECT_EQ(back, state);
  // And through the JSON value, as pages embed it inside their own layout.
  nlohmann::json page{{"type", "surface"}, {"scene", toJson(state)}};
  EXPECT_EQ(sceneStateFromJsonValue(nlohmann::json::parse(page.dump())["scene"]), state);
}

TEST(ViewState, DefaultsAndAbsentFields) {
  // An empty object is a valid, empty state: no camera, no layers.
  const SceneState empty = sceneStateFromJson("{}");
  EXPECT_FALSE(empty.camera.has_value());
  EXPECT_TRUE(empty.layers.empty());
  EXPECT_EQ(empty.scalarBarLayer, -1);
  // A layer without scalars keeps colormap/range/threshold absent.
  const auto one = sceneStateFromJson(R"({"layers":[{"name":"probe","kind":"lines"}]})");
  ASSERT_EQ(one.layers.size(), 1u);
  EXPECT_FALSE(one.layers[0].colormap || one.layers[0].range || one.layers[0].threshold);
  EXPECT_TRUE(one.layers[0].visible);
  EXPECT_EQ(one.layers[0].opacity, 1.0);
  EXPECT_EQ(sceneStateFromJson(sceneStateToJson(one)), one);
}

TEST(ViewState, SurvivesASessionFile) {
  nl::test::TempDir dir;
  Session session;
  const SceneState state = everyField();
  nlohmann::json layout{{"tabs", {{{"type", "surface"}, {"scene", toJson(state)}}}}};
  session.setViewLayoutJson(layout.dump());
  saveSession(session, dir / "s.nlsession");
  Session loaded;
  loadSession(loaded, dir / "s.nlsession");
  const auto back = nlohmann::json::parse(loaded.viewLayoutJson());
  EXPECT_EQ(sceneStateFromJsonValue(back["tabs"][0]["scene"]), state);
}

TEST(ViewState, TextThatIsNotAnObjectIsRefusedWithAReason) {
  for (const char* text : {"", "{", "not json", "[1,2]", "42", "null", "\"camera\""}) {
    try {
      (void)sceneStateFromJson(std::string(text));
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const std::invalid_argument& error) {
      const std::string message = error.what();
      EXPECT_EQ(message.rfind("scene state: ", 0), 0u) << message;
      EXPECT_TRUE(message.find("not JSON") != std::string::npos ||
                  message.find("expected a JSON object") != std::string::npos)
          << message;
    }
  }
}

TEST(ViewState, WrongFieldsAreSkippedWithANoticeAndTheRestIsRead) {
  const std::string text = R"({
    "version": 1,
    "camera": {"position": [0, 0, 5], "focal_point": [0, 0, 0], "view_up": [0, 1],
               "view_angle": 30},
    "layers": [
      {"name": "a", "kind": "surface", "opacity": 7, "visible": "yes", "colormap": 3,
       "range": {"min": 5, "max": 1}, "threshold": -1,
       "item_visible": {"2": false, "x": false, "3": 1},
       "item_opacity": {"4": 0.5, "5": 2, "6": "half"},
       "channels": [{"rgb": [255, 0, 0], "low": 0, "high": 1, "gamma": 1, "visible": true},
                    {"rgb": [300, 0, 0], "low": 0, "high": 1, "gamma": 1, "visible": true}],
       "extras": {"mode": "mip", "preset": 2}, "unknown": {"future": true}},
      "not a layer",
      {"kind": "points"},
      {"name": "b", "kind": "volume", "opacity": 0.5}
    ],
    "scalar_bar_layer": 3
  })";
  std::vector<std::string> notices;
  const SceneState state = sceneStateFromJson(text, &notices);
  EXPECT_FALSE(state.camera.has_value()) << "a camera with a 2-vector view_up is dropped whole";
  ASSERT_EQ(state.layers.size(), 2u) << "the two malformed layers are skipped";
  const LayerState& a = state.layers[0];
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.opacity, 1.0) << "opacity 7 is out of [0, 1]: default kept";
  EXPECT_TRUE(a.visible);
  EXPECT_FALSE(a.colormap.has_value());
  EXPECT_FALSE(a.range.has_value()) << "min > max";
  EXPECT_FALSE(a.threshold.has_value()) << "a negative threshold";
  EXPECT_EQ(a.itemVisible, (std::map<std::int64_t, bool>{{2, false}}));
  EXPECT_EQ(a.itemOpacity, (std::map<std::int64_t, double>{{4, 0.5}}));
  EXPECT_TRUE(a.channels.empty()) << "one bad channel drops the looks whole";
  EXPECT_EQ(a.extras, (std::map<std::string, std::string>{{"mode", "mip"}}));
  EXPECT_EQ(state.layers[1].name, "b");
  EXPECT_EQ(state.layers[1].opacity, 0.5);
  EXPECT_EQ(state.scalarBarLayer, 1) << "index 3 of the file is the second layer read";

  auto said = [&notices](const std::string& where) {
    for (const auto& n : notices)
      if (n.find(where) != std::string::npos) return true;
    return false;
  };
  for (const char* where :
       {"camera.view_up", "layers[0].opacity", "layers[0].visible", "layers[0].colormap",
        "layers[0].range", "layers[0].threshold", "layers[0].item_visible.x",
        "layers[0].item_visible.3", "layers[0].item_opacity.5", "layers[0].item_opacity.6",
        "layers[0].channels", "layers[0].extras.preset", "layers[1]", "layers[2]"})
    EXPECT_TRUE(said(where)) << "no notice names " << where;
  for (const auto& n : notices) EXPECT_NE(n.find("(ignored)"), std::string::npos) << n;
  EXPECT_FALSE(said("unknown")) << "unknown fields are for later versions: silent";
}

TEST(ViewState, HostileValuesNeverCrash) {
  // Types swapped everywhere, huge and non-finite numbers, deep nesting.
  const std::vector<std::string> texts = {
      R"({"camera": 1, "layers": {}, "scalar_bar_layer": "x"})",
      R"({"camera": {"position": [1e400, 0, 0], "focal_point": [0, 0, 0], "view_up": [0, 0, 1]}})",
      R"({"camera": {"position": [0, 0, 0], "focal_point": [0, 0, 0], "view_up": [0, 0, 1]}})",
      R"({"camera": {"position": [0, 0, 1], "focal_point": [0, 0, 0], "view_up": [0, 0, 0]}})",
      R"({"layers": [{"name": "a", "kind": "k", "range": [1, 2], "channels": {},
           "item_visible": [], "item_opacity": 3, "extras": "x"}]})",
      R"({"layers": [{"name": "a", "kind": "k", "channels": [{"rgb": [18446744073709551615, 0, 0],
           "low": 0, "high": 1, "gamma": 1, "visible": true}]}], "scalar_bar_layer": -5})",
      R"({"layers": [null, [], 1, true], "version": 99, "scalar_bar_layer": 9223372036854775807})",
      std::string(5000, '[') + std::string(5000, ']'),
  };
  for (const auto& text : texts) {
    std::vector<std::string> notices;
    try {
      const SceneState state = sceneStateFromJson(text, &notices);
      EXPECT_FALSE(state.camera.has_value()) << text;
      for (const auto& layer : state.layers) EXPECT_TRUE(layer.channels.empty()) << text;
      EXPECT_FALSE(notices.empty()) << "nothing said about " << text.substr(0, 80);
    } catch (const std::invalid_argument& error) {
      EXPECT_EQ(std::string(error.what()).rfind("scene state: ", 0), 0u);
    }
  }
}

TEST(ViewState, SeveralScenesOfAPageKeepTheirPlaces) {
  const SceneState full = everyField();
  SceneState second;
  second.layers.push_back(full.layers[1]);
  const std::vector<SceneState> states{full, second};
  EXPECT_EQ(sceneStatesFromJsonValue(nlohmann::json::parse(toJson(states).dump())), states);
  std::vector<std::string> notices;
  const auto read = sceneStatesFromJsonValue(
      nlohmann::json::parse(R"([7, {"layers": [{"name": "x", "kind": "labels"}]}])"), &notices);
  ASSERT_EQ(read.size(), 2u) << "the broken first scene keeps its place";
  EXPECT_TRUE(read[0].layers.empty());
  ASSERT_EQ(read[1].layers.size(), 1u);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("scenes[0]"), std::string::npos) << notices[0];
  EXPECT_THROW((void)sceneStatesFromJsonValue(nlohmann::json::object()), std::invalid_argument);
}

TEST(ViewState, CamerasCompareWithinATolerance) {
  CameraState a;
  a.position = {100, 200, 300};
  CameraState b = a;
  b.position[0] += 1e-11;
  EXPECT_TRUE(nearlyEqual(a, b));
  b.position[0] += 1e-3;
  EXPECT_FALSE(nearlyEqual(a, b));
  EXPECT_TRUE(nearlyEqual(a, b, 1e-5));
  b = a;
  b.parallelProjection = true;
  EXPECT_FALSE(nearlyEqual(a, b, 1));
}

}  // namespace
