#pragma once
// A batch plan (neuroloupe-cli batch PLAN; docs/BATCH.md): the runs to make,
// each one plugin with its inputs and parameters, checked in full before
// anything runs. Three spellings:
//   JSON list      {"runs": [{"id"?, "plugin", "inputs": {PORT: PATH | [PATH…]},
//                             "parameters"?: {NAME: VALUE}}, …]}  (or the bare list)
//   JSON template  {"plugin", "inputs": {PORT: GLOB | PATH}, "parameters"?: {…} |
//                   "parameter_sets"?: {SET: {…}, …}, "id"?: "PATTERN"}:
//                  one run per file matched × parameter set; ports with a glob are
//                  paired in sorted order, "{stem}" in a path or the id stands
//                  for the file name (without extension) of the first glob's match
//   CSV            header id?, plugin, input:PORT…, param:NAME…; one row per run
//                  (several paths for one port separated by ';'; empty = default)
// Relative paths are relative to the plan's folder.
#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace nl::plugins {
class PluginManager;
}

namespace nl::cli {

// A plan that cannot run; what() names the plan file and the problem.
class PlanError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PlannedRun {
  std::string id;  // unique in the plan; the result is <out>/<id>.h5
  std::string pluginId;
  // (port, path spec FILE[::INTERNAL]) in the order given; absolute paths.
  std::vector<std::pair<std::string, std::string>> inputs;
  std::map<std::string, std::string> parameters;  // as text, given ones only
  std::string parametersJson;                     // every parameter, as runPlugin stamps it
  std::uint64_t inputBytes = 0;                   // sum of the input files' sizes
};

struct BatchPlan {
  std::filesystem::path file;
  std::vector<PlannedRun> runs;
};

// Reads and checks a plan: syntax and types, plugins (known, usable), ports
// (known, required ones given, single ports given once), input files (exist;
// globs match), parameters (the plugin's schema), run ids (valid file names,
// unique). Throws PlanError.
BatchPlan loadPlan(const std::filesystem::path& file, const plugins::PluginManager& manager);

// "port=path; port=path" for the index.
std::string inputsText(const PlannedRun& run);

}  // namespace nl::cli
