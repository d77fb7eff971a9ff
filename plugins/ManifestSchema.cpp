#include "plugins/ManifestSchema.h"

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

#define VALIJSON_USE_EXCEPTIONS 1
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

namespace nl::plugins {

namespace {

const valijson::Schema& compiledSchema() {
  static const std::unique_ptr<valijson::Schema> schema = [] {
    auto parsed = std::make_unique<valijson::Schema>();
    const auto document = nlohmann::json::parse(manifestSchemaText());
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    parser.populateSchema(valijson::adapters::NlohmannJsonAdapter(document), *parsed);
    return parsed;
  }();
  return *schema;
}

// valijson's context ["<root>", "[inputs]", "[0]", "[kinds]"] → "/inputs/0/kinds"
// (a JSON Pointer) and the value found there, if any.
std::pair<std::string, const nlohmann::json*> locate(const std::vector<std::string>& context,
                                                     const nlohmann::json& document) {
  std::string pointer;
  const nlohmann::json* value = &document;
  for (const auto& step : context) {
    if (step.size() < 2 || step.front() != '[' || step.back() != ']') continue;  // "<root>"
    std::string key = step.substr(1, step.size() - 2);
    if (key.size() >= 2 && key.front() == '"' && key.back() == '"')
      key = key.substr(1, key.size() - 2);
    pointer += "/" + key;
    if (value == nullptr) continue;
    if (value->is_object() && value->contains(key)) {
      value = &(*value)[key];
    } else if (value->is_array() && !key.empty() &&
               std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
               std::stoul(key) < value->size()) {
      value = &(*value)[std::stoul(key)];
    } else {
      value = nullptr;
    }
  }
  return {pointer.empty() ? "/" : pointer, value};
}

}  // namespace

std::vector<std::string> manifestProblems(const nlohmann::json& manifest) {
  valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::ValidationResults results;
  if (validator.validate(compiledSchema(), valijson::adapters::NlohmannJsonAdapter(manifest),
                         &results))
    return {};
  std::vector<valijson::ValidationResults::Error> errors;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) errors.push_back(error);
  // The deepest first: "/inputs/0/kinds/0: not one of the kinds" says more than
  // "/inputs: item #0 failed".
  std::stable_sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) {
    return a.context.size() > b.context.size();
  });
  std::vector<std::string> problems;
  for (const auto& e : errors) {
    const auto [pointer, value] = locate(e.context, manifest);
    std::string text = pointer;
    // The offending value when it is short: a scalar, or a small list of kinds.
    if (value != nullptr && !value->is_object()) {
      const std::string shown = value->dump();
      if (!value->is_array() || shown.size() <= 80)
        text += " (" + (shown.size() > 80 ? shown.substr(0, 77) + "..." : shown) + ")";
    }
    text += ": " + e.description;
    if (std::find(problems.begin(), problems.end(), text) == problems.end())
      problems.push_back(std::move(text));
  }
  return problems;
}

}  // namespace nl::plugins
