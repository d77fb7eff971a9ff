#pragma once
// The JSON Schema every plugin manifest must satisfy
// (plugins/api/manifest.schema.json, compiled into the library and installed
// beside the plugin headers), and the check the loader runs at discovery.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace nl::plugins {

// The schema's text (draft-07).
const std::string& manifestSchemaText();

// Every problem of `manifest` against the schema, most specific first, each
// as "/inputs/0/kinds/0 (\"Spikes\"): Failed to match against any enum
// values."; empty when it is valid.
std::vector<std::string> manifestProblems(const nlohmann::json& manifest);

}  // namespace nl::plugins
