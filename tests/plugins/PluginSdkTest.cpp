// The plugin SDK's promises: manifests validated against
// plugins/api/manifest.schema.json at discovery, libraries loaded on first
// use only, and outputs checked against the attributes and columns their
// manifest declares.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "plugins/ManifestSchema.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"

using namespace nl::plugins;

namespace {

nlohmann::json readJson(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// A valid manifest to break one field at a time.
nlohmann::json goodManifest() {
  return nlohmann::json::parse(R"({
    "id": "example.zscore", "name": "Z-score", "version": "1.2.0", "api_version": 1,
    "inputs": [{"name": "data", "kinds": ["Array", "Table"], "aliases": ["d"]}],
    "outputs": [{"name": "scores", "kind": "Scalars", "view": "example.view",
                 "attributes": [{"name": "names", "help": "names of the values", "names_axis": 0},
                                {"name": "note", "help": "a note", "optional": true}]}],
    "parameters": [{"name": "ddof", "type": "int", "default": 1, "min": 0, "max": 1},
                   {"name": "mode", "type": "choice", "choices": ["a", "b"], "default": "a"}]})");
}

// The message fromManifest gives for `manifest`, or "" when it is accepted.
std::string refusal(const nlohmann::json& manifest) {
  try {
    PluginDescriptor::fromManifest(manifest);
    return {};
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
}

std::string mapsOfThisProcess() {
  std::ifstream in("/proc/self/maps");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST(ManifestSchema, EveryBuiltInManifestValidates) {
  const std::filesystem::path builtin =
      std::filesystem::path(NEUROLOUPE_SOURCE_DIR) / "plugins" / "builtin";
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(builtin)) {
    const auto path = entry.path() / "manifest.json";
    if (!std::filesystem::exists(path)) continue;
    ++count;
    const auto manifest = readJson(path);
    const auto problems = manifestProblems(manifest);
    EXPECT_TRUE(problems.empty()) << path << ": " << problems.front();
    EXPECT_EQ(refusal(manifest), "") << path;
  }
  EXPECT_GE(count, 14u);
  EXPECT_TRUE(manifestProblems(goodManifest()).empty());
}

TEST(ManifestSchema, KindsAreTheDataModelsKinds) {
  const auto schema = nlohmann::json::parse(manifestSchemaText());
  std::set<std::string> inSchema, inCode;
  for (const auto& kind : schema["definitions"]["kind"]["enum"]) inSchema.insert(kind);
  for (auto kind : nl::io::allKinds()) inCode.insert(std::string(nl::io::kindName(kind)));
  EXPECT_EQ(inSchema, inCode);
  // The installed copy is the one compiled in.
  EXPECT_EQ(schema, readJson(std::filesystem::path(NEUROLOUPE_SOURCE_DIR) / "plugins" / "api" /
                             "manifest.schema.json"));
}

TEST(ManifestSchema, BrokenManifestsAreRefusedNamingTheField) {
  struct Case {
    const char* what;
    std::function<void(nlohmann::json&)> breakIt;
    std::vector<std::string> expected;  // all must appear in the message
  };
  const std::vector<Case> cases{
      {"missing id", [](nlohmann::json& m) { m.erase("id"); }, {"id"}},
      {"wrong type", [](nlohmann::json& m) { m["version"] = 1; }, {"/version", "1"}},
      {"wrong api type", [](nlohmann::json& m) { m["api_version"] = "one"; }, {"/api_version"}},
      {"unknown kind",
       [](nlohmann::json& m) { m["inputs"][0]["kinds"][1] = "Spikes"; },
       {"/inputs/0/kinds", "Spikes"}},
      {"unknown output kind",
       [](nlohmann::json& m) { m["outputs"][0]["kind"] = "Picture"; },
       {"/outputs/0/kind", "Picture"}},
      {"misspelt field",
       [](nlohmann::json& m) { m["inptus"] = nlohmann::json::array(); },
       {"inptus"}},
      {"integer default not an integer",
       [](nlohmann::json& m) { m["parameters"][0]["default"] = 0.5; },
       {"/parameters/0/default", "0.5"}},
      {"choice without choices",
       [](nlohmann::json& m) { m["parameters"][1].erase("choices"); },
       {"/parameters/1", "choices"}},
      {"attribute without help",
       [](nlohmann::json& m) { m["outputs"][0]["attributes"][0].erase("help"); },
       {"/outputs/0/attributes/0", "help"}},
      {"bad names axis",
       [](nlohmann::json& m) { m["outputs"][0]["attributes"][0]["names_axis"] = -1; },
       {"/outputs/0/attributes/0/names_axis"}},
      {"bad parameter name",
       [](nlohmann::json& m) { m["parameters"][0]["name"] = "Bad Name"; },
       {"/parameters/0/name", "Bad Name"}},
      // Beyond what JSON Schema says: the loader's own checks, naming the parameter.
      {"default outside the range",
       [](nlohmann::json& m) { m["parameters"][0]["default"] = 5; },
       {"ddof", "5", "[0, 1]"}},
      {"choice default not a choice",
       [](nlohmann::json& m) { m["parameters"][1]["default"] = "c"; },
       {"mode", "c"}},
  };
  for (const auto& c : cases) {
    auto manifest = goodManifest();
    c.breakIt(manifest);
    const auto message = refusal(manifest);
    ASSERT_FALSE(message.empty()) << c.what << " accepted";
    for (const auto& part : c.expected)
      EXPECT_NE(message.find(part), std::string::npos) << c.what << ": " << message;
  }
}

TEST(ManifestSchema, ViewsAndAttributesAreReadAndWritten) {
  const auto d = PluginDescriptor::fromManifest(goodManifest());
  ASSERT_EQ(d.outputs.size(), 1u);
  const auto& out = d.outputs[0];
  EXPECT_EQ(out.view, "example.view");
  ASSERT_EQ(out.attributes.size(), 2u);
  EXPECT_EQ(out.attributes[0].name, "names");
  EXPECT_EQ(out.attributes[0].namesAxis, std::optional<std::size_t>(0));
  EXPECT_FALSE(out.attributes[0].optional);
  EXPECT_TRUE(out.attributes[1].optional);
  EXPECT_EQ(out.attribute("note")->help, "a note");
  const auto json = d.toJson();
  EXPECT_EQ(json["outputs"][0]["view"], "example.view");
  EXPECT_EQ(json["outputs"][0]["attributes"][0]["names_axis"], 0);
  EXPECT_EQ(json["outputs"][0]["attributes"][1]["optional"], true);
}

TEST(ManifestSchema, BuiltInOutputsNameTheirViews) {
  PluginManager m;
  m.discover({NEUROLOUPE_PLUGIN_DIR});
  auto output = [&](const std::string& id, const std::string& name) -> const PortSpec* {
    const auto* d = m.find(id);
    if (d == nullptr) return nullptr;
    for (const auto& port : d->outputs)
      if (port.name == name) return &port;
    return nullptr;
  };
  const auto* metrics = output("fisbe.evaluate", "metrics");
  ASSERT_NE(metrics, nullptr);
  EXPECT_EQ(metrics->view, "fisbe.evaluation");
  EXPECT_NE(metrics->attribute("metrics_json"), nullptr);
  const auto* gt = output("fisbe.evaluate", "gt_instances");
  ASSERT_NE(gt, nullptr);
  EXPECT_NE(std::find(gt->columns.begin(), gt->columns.end(), "matched_pred_05"),
            gt->columns.end());
  const auto* profiles = output("rsa.layer_mapping", "profiles");
  ASSERT_NE(profiles, nullptr);
  EXPECT_EQ(profiles->view, "rsa.layer_mapping");
  const auto* mds = output("rsa.mds", "coordinates");
  ASSERT_NE(mds, nullptr);
  EXPECT_EQ(mds->view, "rsa.mds");
  for (const char* name : {"axes", "stimulus_labels", "explained"})
    EXPECT_NE(mds->attribute(name), nullptr) << name;
  // (That listing loads no library is checked in a fresh process below: Qt
  // shares one QLibrary per file, so other tests here may have loaded them.)
}

TEST(PluginDiscovery, ABrokenManifestIsListedWithTheSchemasMessageAndNeverLoaded) {
  PluginManager m;
  m.discover({NEUROLOUPE_TEST_PLUGIN_DIR});
  const auto* d = m.find("test.bad_manifest");  // listed under the id it claims
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->loaded);
  EXPECT_NE(d->failure.find("/outputs/0/kind"), std::string::npos) << d->failure;
  EXPECT_NE(d->failure.find("Spikes"), std::string::npos) << d->failure;
  EXPECT_THROW(m.create(d->id), PluginError);
  EXPECT_FALSE(m.isLibraryLoaded(d->id));
}

// In a child process started afresh (threadsafe death tests re-execute the
// binary), so that no other test has loaded a plugin library before.
TEST(PluginDiscovery, ListingLoadsNoLibraryAndFirstUseLoadsOne) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        PluginManager m;
        m.discover({NEUROLOUPE_TEST_PLUGIN_DIR, NEUROLOUPE_PLUGIN_DIR});
        bool ok = m.plugins().size() > 5;
        for (const auto& p : m.plugins()) ok = ok && !m.isLibraryLoaded(p.id);
        ok = ok && mapsOfThisProcess().find("libnlplugin_") == std::string::npos;
        // First use loads exactly that one.
        ok = ok && m.create("stats.descriptive") != nullptr &&
             m.isLibraryLoaded("stats.descriptive");
        const auto maps = mapsOfThisProcess();
        ok = ok && maps.find("libnlplugin_stats_descriptive") != std::string::npos &&
             maps.find("libnlplugin_test_slow") == std::string::npos;
        std::fprintf(stderr, ok ? "lazy\n" : "eager\n");
        std::exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "lazy");
}

TEST(PluginDiscovery, TheCliListsPluginsWithoutLoadingThem) {
  nl::test::TempDir dir;
  const auto marker = dir / "loaded.txt";
  ASSERT_EQ(setenv("NL_TEST_LOAD_MARKER", marker.c_str(), 1), 0);
  const auto list = nl::test::runBinary(NEUROLOUPE_CLI, "plugins --json",
                                        std::string(NEUROLOUPE_TEST_PLUGIN_DIR));
  ASSERT_EQ(list.exitCode, 0) << list.err;
  EXPECT_NE(list.out.find("test.load_marker"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(marker)) << "`plugins` loaded a plugin library";
  const auto help = nl::test::runBinary(NEUROLOUPE_CLI, "run test.load_marker --help",
                                        std::string(NEUROLOUPE_TEST_PLUGIN_DIR));
  EXPECT_EQ(help.exitCode, 0) << help.err;
  EXPECT_FALSE(std::filesystem::exists(marker)) << "`run --help` loaded a plugin library";
  const auto run = nl::test::runBinary(NEUROLOUPE_CLI, "run test.load_marker --json",
                                       std::string(NEUROLOUPE_TEST_PLUGIN_DIR));
  EXPECT_EQ(run.exitCode, 0) << run.err;
  EXPECT_TRUE(std::filesystem::exists(marker)) << "running it must load it";
  unsetenv("NL_TEST_LOAD_MARKER");
}

TEST(OutputChecks, AnOutputWithoutADeclaredAttributeIsRefusedNamingIt) {
  PluginManager m;
  m.discover({NEUROLOUPE_TEST_PLUGIN_DIR});
  RunRequest request;
  request.pluginId = "test.missing_attribute";
  request.parameters = m.find(request.pluginId)->parameters.defaults();
  ProgressReporter progress;
  try {
    runPlugin(m, request, progress);
    ADD_FAILURE() << "accepted";
  } catch (const RunError& error) {
    const std::string message = error.what();
    for (const char* part : {"test.missing_attribute", "steps_done", "'names'"})
      EXPECT_NE(message.find(part), std::string::npos) << message;
  }
}

TEST(OutputChecks, NamesMustFitTheirAxisAndDeclaredColumnsMustExist) {
  const auto d = PluginDescriptor::fromManifest(goodManifest());
  const auto& port = d.outputs[0];
  auto scalars = [](nl::io::Attributes attributes) {
    return nl::io::ArrayDataset(nl::io::DatasetKind::Scalars, "s", {2}, {1.0, 2.0}, {},
                                std::move(attributes));
  };
  EXPECT_EQ(outputMismatch(port, scalars({{"names", R"(["a","b"])"}})), "");
  EXPECT_NE(outputMismatch(port, scalars({})).find("'names'"), std::string::npos);
  EXPECT_NE(outputMismatch(port, scalars({{"names", R"(["a"])"}})).find("naming 1 entries"),
            std::string::npos);
  EXPECT_NE(outputMismatch(port, scalars({{"names", R"([1, 2])"}})).find("not a JSON array"),
            std::string::npos);
  PortSpec tablePort;
  tablePort.name = "t";
  tablePort.columns = {"id", "score"};
  const nl::io::TableDataset table(nl::io::DatasetKind::Table, "t",
                                   {{"id", std::vector<double>{1}}}, {});
  EXPECT_NE(outputMismatch(tablePort, table).find("'score'"), std::string::npos);
}
