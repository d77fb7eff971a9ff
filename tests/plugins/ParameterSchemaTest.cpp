// plugins/api/ParameterSchema.h: the one declaration behind the GUI form and
// the CLI flags — parsing user text, validating, and refusing bad schemas.
#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "plugins/PluginManager.h"
#include "plugins/api/ParameterSchema.h"

using namespace nl::plugins;
using nlohmann::json;

namespace {

ParameterSchema schema() {
  return ParameterSchema::fromJson(json::parse(R"([
    {"name": "bins", "type": "integer", "default": 10, "min": 1, "max": 1000, "label": "Bins", "help": "How many"},
    {"name": "offset", "type": "int", "default": -5},
    {"name": "window_s", "type": "real", "default": 0.5, "min": 0.001, "unit": "s"},
    {"name": "alpha", "type": "float", "default": 0.05, "min": 0, "max": 1},
    {"name": "smooth", "type": "boolean", "default": true},
    {"name": "method", "type": "enum", "choices": ["ward", "average", "complete"], "default": "average"},
    {"name": "label_2", "type": "text", "default": ""}])"));
}

// The ParameterError message of parsing name=value, or "" when accepted.
std::string rejection(const ParameterSchema& s, const std::string& name, const std::string& value) {
  try {
    s.parse({{name, value}});
  } catch (const ParameterError& error) {
    return error.what();
  }
  return {};
}

}  // namespace

TEST(ParameterParsing, TypedValuesFromUserText) {
  const auto s = schema();
  const auto set = s.parse({{"bins", " 1000 "},
                            {"offset", "-0"},
                            {"window_s", "1e-3"},
                            {"alpha", "1"},
                            {"smooth", "No"},
                            {"method", "ward"},
                            {"label_2", "  VISp – µm  "}});
  EXPECT_EQ(set.integer("bins"), 1000) << "surrounding spaces are ignored";
  EXPECT_EQ(set.integer("offset"), 0);
  EXPECT_DOUBLE_EQ(set.real("window_s"), 0.001);
  EXPECT_DOUBLE_EQ(set.real("alpha"), 1.0) << "an inclusive maximum";
  EXPECT_FALSE(set.boolean("smooth"));
  EXPECT_EQ(set.text("method"), "ward");
  EXPECT_EQ(set.text("label_2"), "VISp – µm") << "text is trimmed too";
  EXPECT_DOUBLE_EQ(set.real("bins"), 1000.0) << "real() accepts integers";
  // Untouched parameters keep their defaults.
  const auto defaults = s.parse({});
  EXPECT_EQ(defaults.integer("bins"), 10);
  EXPECT_EQ(defaults.integer("offset"), -5);
  EXPECT_TRUE(defaults.boolean("smooth"));
  EXPECT_EQ(defaults.text("method"), "average");
  EXPECT_EQ(defaults.values().size(), 7u);
}

TEST(ParameterParsing, BooleansInEveryAcceptedSpelling) {
  const auto s = schema();
  for (const char* yes : {"true", "TRUE", "True", "1", "yes", "YES", "on", " On "})
    EXPECT_TRUE(s.parse({{"smooth", yes}}).boolean("smooth")) << yes;
  for (const char* no : {"false", "False", "0", "no", "NO", "off"})
    EXPECT_FALSE(s.parse({{"smooth", no}}).boolean("smooth")) << no;
  for (const char* bad : {"", "2", "y", "n", "yes please", "-1", "t"})
    EXPECT_NE(rejection(s, "smooth", bad), "") << "'" << bad << "' accepted as a boolean";
}

TEST(ParameterParsing, BadValuesAreRejectedWithTheParameterNameAndConstraint) {
  const auto s = schema();
  const std::vector<std::pair<std::string, std::string>> bad{
      {"bins", "abc"},       {"bins", ""},
      {"bins", "0"},         {"bins", "1001"},
      {"bins", "2.0"},       {"bins", "1e2"},
      {"bins", "10abc"},     {"bins", "99999999999999999999"},
      {"offset", "--1"},     {"window_s", "0"},
      {"window_s", "nan"},   {"window_s", "NaN"},
      {"window_s", "inf"},   {"window_s", "-inf"},
      {"window_s", "1e400"}, {"window_s", "0.5s"},
      {"window_s", "0,5"},   {"alpha", "1.0000001"},
      {"method", "Ward"},    {"method", ""},
      {"method", "single"}};
  for (const auto& [name, value] : bad) {
    const std::string message = rejection(s, name, value);
    EXPECT_NE(message, "") << name << "='" << value << "' accepted";
    EXPECT_NE(message.find("'" + name + "'"), std::string::npos) << message;
  }
  EXPECT_NE(rejection(s, "bins", "0").find("integer in [1, 1000]"), std::string::npos)
      << rejection(s, "bins", "0");
  EXPECT_NE(rejection(s, "method", "x").find("one of ward|average|complete"), std::string::npos);
  const std::string unknown = rejection(s, "bin", "3");
  EXPECT_NE(unknown.find("unknown parameter 'bin'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("bins"), std::string::npos)
      << "the message lists the known names: " << unknown;
  EXPECT_TRUE(ParameterSchema().parse({}).values().empty());
  EXPECT_NE(rejection(ParameterSchema(), "x", "1").find("known: none"), std::string::npos);
}

TEST(ParameterValidation, SetsFromCodeAndFromSavedJson) {
  const auto s = schema();
  auto set = s.defaults();
  EXPECT_NO_THROW(s.validate(set));
  set.set("bins", 2.5);  // a double where an integer belongs
  EXPECT_THROW(s.validate(set), ParameterError);
  set = s.defaults();
  set.set("alpha", std::int64_t{1});  // an integer for a real is fine
  EXPECT_NO_THROW(s.validate(set));
  set.set("alpha", std::numeric_limits<double>::quiet_NaN());
  EXPECT_THROW(s.validate(set), ParameterError);
  set = s.defaults();
  set.set("smooth", std::string("true"));
  EXPECT_THROW(s.validate(set), ParameterError) << "text is not a boolean";
  set = s.defaults();
  set.set("extra", true);
  EXPECT_THROW(s.validate(set), ParameterError) << "unknown names are refused";
  ParameterSet missing;
  EXPECT_THROW(s.validate(missing), ParameterError);
  EXPECT_THROW(missing.integer("bins"), ParameterError);
  EXPECT_THROW(s.defaults().integer("window_s"), ParameterError);
  EXPECT_THROW(s.defaults().boolean("bins"), ParameterError);
  EXPECT_THROW(s.defaults().text("bins"), ParameterError);

  const auto fromJson =
      s.fromJsonValues(json::parse(R"({"bins": 7, "smooth": false, "method": "complete",
                                                        "window_s": 2, "label_2": "x"})"));
  EXPECT_EQ(fromJson.integer("bins"), 7);
  EXPECT_FALSE(fromJson.boolean("smooth"));
  EXPECT_DOUBLE_EQ(fromJson.real("window_s"), 2.0);
  for (const char* bad :
       {R"({"bins": 7.5})", R"({"bins": "7x"})", R"({"bins": null})", R"({"smooth": 3})",
        R"({"method": 1})", R"({"nothing": 1})", R"([1, 2])", R"("bins=3")"})
    EXPECT_THROW(s.fromJsonValues(json::parse(bad)), ParameterError) << bad;
  // A set survives toJson → fromJsonValues unchanged.
  const auto again = s.fromJsonValues(fromJson.toJson());
  EXPECT_EQ(again.values(), fromJson.values());
}

TEST(ParameterSchemaJson, ToJsonAndBackDescribesTheSameSchema) {
  const auto s = schema();
  const auto round = ParameterSchema::fromJson(s.toJson());
  ASSERT_EQ(round.specs().size(), s.specs().size());
  for (std::size_t i = 0; i < s.specs().size(); ++i) {
    const auto& a = s.specs()[i];
    const auto& b = round.specs()[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.defaultValue, b.defaultValue) << a.name;
    EXPECT_EQ(a.minimum, b.minimum) << a.name;
    EXPECT_EQ(a.maximum, b.maximum) << a.name;
    EXPECT_EQ(a.choices, b.choices);
    EXPECT_EQ(a.unit, b.unit);
    EXPECT_EQ(a.label, b.label);
    EXPECT_EQ(a.help, b.help);
  }
  EXPECT_EQ(s.find("offset")->label, "offset") << "the label defaults to the name";
  EXPECT_EQ(s.find("window_s")->describeConstraint(), "real in [0.001, inf]");
  EXPECT_EQ(s.find("offset")->describeConstraint(), "integer");
  EXPECT_EQ(s.find("smooth")->describeConstraint(), "boolean");
  EXPECT_EQ(s.find("nope"), nullptr);
  EXPECT_EQ(formatValue(ParamValue{0.25}), "0.25");
  EXPECT_EQ(formatValue(ParamValue{true}), "true");
  EXPECT_EQ(formatValue(ParamValue{std::int64_t{-3}}), "-3");
  EXPECT_EQ(ParameterSchema::fromJson(json()).specs().size(), 0u)
      << "no 'parameters' key: no parameters";
}

TEST(ParameterParsing, AliasesNameTheSameParameter) {
  const auto s = ParameterSchema::fromJson(json::parse(R"([
    {"name": "partly_labelled", "aliases": ["partly"], "type": "bool", "default": false},
    {"name": "bins", "type": "int", "default": 3}])"));
  EXPECT_EQ(s.find("partly"), s.find("partly_labelled"));
  const auto set = s.parse({{"partly", "true"}});
  EXPECT_TRUE(set.boolean("partly_labelled"));
  EXPECT_FALSE(set.has("partly")) << "values are stored under the parameter's own name";
  EXPECT_TRUE(s.fromJsonValues(json{{"partly", true}}).boolean("partly_labelled"));
  try {
    s.parse({{"partly", "true"}, {"partly_labelled", "false"}});
    ADD_FAILURE() << "a parameter given under two names must be refused";
  } catch (const ParameterError& error) {
    EXPECT_NE(std::string(error.what()).find("given twice"), std::string::npos) << error.what();
  }
  EXPECT_NE(ParameterSchema::fromJson(s.toJson()).find("partly"), nullptr) << "aliases round-trip";
  EXPECT_THROW(ParameterSchema::fromJson(json::parse(R"([
    {"name": "a", "type": "int", "default": 1},
    {"name": "b", "aliases": ["a"], "type": "int", "default": 1}])")),
               std::invalid_argument);
}

TEST(ParameterSchemaJson, MalformedSchemasAreThePluginAuthorsBugAndSaySo) {
  const std::vector<std::pair<std::string, std::string>> bad{
      {R"([{"name": "Bins", "type": "int", "default": 1}])", "snake_case"},
      {R"([{"name": "bin-count", "type": "int", "default": 1}])", "snake_case"},
      {R"([{"name": "", "type": "int", "default": 1}])", "snake_case"},
      {R"([{"name": "a b", "type": "int", "default": 1}])", "snake_case"},
      {R"([{"name": "x", "type": "int", "default": 1}, {"name": "x", "type": "real", "default": 1}])",
       "twice"},
      {R"([{"name": "m", "type": "choice", "default": "a"}])", "no choices"},
      {R"([{"name": "m", "type": "choice", "choices": [], "default": "a"}])", "no choices"},
      {R"([{"name": "m", "type": "choice", "choices": ["a", "b"], "default": "c"}])", "default"},
      {R"([{"name": "n", "type": "int", "default": 0, "min": 1}])", "default"},
      {R"([{"name": "n", "type": "real", "default": 2.5, "max": 2}])", "default"},
      {R"([{"name": "n", "type": "int", "default": 1.5}])", "integer"},
      {R"([{"name": "n", "type": "int", "default": true}])", "integer"},
      {R"([{"name": "r", "type": "real", "default": false}])", "number"},
      {R"([{"name": "n", "type": "int", "default": "1"}])", "n"},
      {R"([{"name": "b", "type": "bool", "default": "yes"}])", "b"},
      {R"([{"name": "n", "type": "int"}])", "n"},
      {R"([{"name": "n", "default": 1}])", "n"},
      {R"([{"name": "n", "type": "complex", "default": 1}])", "unknown parameter type"},
      {R"([{"type": "int", "default": 1}])", "name"},
      {R"({"name": "n"})", "array"},
      {R"([{"name": "n", "type": "int", "default": 1, "min": "low"}])", "n"},
  };
  for (const auto& [text, word] : bad) {
    try {
      ParameterSchema::fromJson(json::parse(text));
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find(word), std::string::npos)
          << text << " → " << error.what();
    }
  }
}

TEST(PluginManifest, DescriptorsFromManifestsAndTheirErrors) {
  const auto d = PluginDescriptor::fromManifest(json::parse(R"({
      "id": "x.y", "version": "1.2.3", "api_version": 1,
      "inputs": [{"name": "spikes", "kinds": "SpikeRecording"},
                 {"name": "mask", "kinds": ["Volume", "LabelVolume"], "optional": true, "help": "where"}],
      "outputs": [{"name": "rates", "kind": "ResponseMatrix"}]})"));
  EXPECT_EQ(d.name, "x.y") << "the name defaults to the id";
  EXPECT_EQ(d.category, "Analysis");
  ASSERT_EQ(d.inputs.size(), 2u);
  EXPECT_TRUE(d.inputs[0].accepts(nl::io::DatasetKind::SpikeRecording));
  EXPECT_FALSE(d.inputs[0].accepts(nl::io::DatasetKind::Table));
  EXPECT_TRUE(d.inputs[1].optional);
  EXPECT_TRUE(d.inputs[1].accepts(nl::io::DatasetKind::LabelVolume));
  EXPECT_EQ(d.outputs.at(0).kinds,
            std::vector<nl::io::DatasetKind>{nl::io::DatasetKind::ResponseMatrix});
  EXPECT_TRUE(d.parameters.specs().empty());
  const auto j = d.toJson();
  EXPECT_EQ(j["inputs"][1]["kinds"], json::parse(R"(["Volume", "LabelVolume"])"));
  EXPECT_EQ(j["loaded"], false);

  const auto aliased = PluginDescriptor::fromManifest(json::parse(R"({
      "id": "x.y", "version": "1", "api_version": 1,
      "inputs": [{"name": "ground_truth", "aliases": ["gt"], "kinds": "LabelVolume"},
                 {"name": "prediction", "aliases": ["pred"], "kinds": "LabelVolume"}]})"));
  EXPECT_TRUE(aliased.inputs[0].isCalled("gt"));
  EXPECT_TRUE(aliased.inputs[0].isCalled("ground_truth"));
  EXPECT_FALSE(aliased.inputs[0].isCalled("pred"));
  EXPECT_EQ(aliased.toJson()["inputs"][1]["aliases"], json::parse(R"(["pred"])"));
  const auto events = PluginDescriptor::fromManifest(json::parse(R"({
      "id": "x.y", "version": "1", "api_version": 1,
      "inputs": [{"name": "events", "kinds": "Table", "columns": ["onset", "duration"]}]})"));
  using nl::io::Column;
  const nl::io::TableDataset bids(
      nl::io::DatasetKind::Table, "events.tsv",
      std::vector<Column>{{"onset", std::vector<double>{0}}, {"duration", std::vector<double>{1}}});
  const nl::io::TableDataset other(nl::io::DatasetKind::Table, "metrics",
                                   std::vector<Column>{{"onset", std::vector<double>{0}}});
  EXPECT_TRUE(events.inputs[0].fits(bids));
  EXPECT_FALSE(events.inputs[0].fits(other));
  EXPECT_EQ(events.inputs[0].mismatch(other), "'metrics' has no column 'duration'");
  EXPECT_EQ(events.toJson()["inputs"][0]["columns"], json::parse(R"(["onset", "duration"])"));
  EXPECT_THROW(PluginDescriptor::fromManifest(json::parse(R"({
      "id": "x.y", "version": "1", "api_version": 1,
      "inputs": [{"name": "a", "kinds": "Table"},
                 {"name": "b", "aliases": ["a"], "kinds": "Table"}]})")),
               std::invalid_argument);

  for (
      const char* bad :
      {R"([])", R"({"version": "1", "api_version": 1})", R"({"id": "a", "api_version": 1})",
       R"({"id": "a", "version": "1"})", R"({"id": "a", "version": "1", "api_version": "one"})",
       R"({"id": "a", "version": "1", "api_version": 1, "inputs": [{"name": "x", "kinds": "Spikes"}]})",
       R"({"id": "a", "version": "1", "api_version": 1, "inputs": [{"name": "x"}]})",
       R"({"id": "a", "version": "1", "api_version": 1, "outputs": [{"name": "y", "kinds": "Table"}]})",
       R"({"id": "a", "version": "1", "api_version": 1, "parameters": [{"name": "X"}]})"})
    EXPECT_ANY_THROW(PluginDescriptor::fromManifest(json::parse(bad))) << bad;
}
