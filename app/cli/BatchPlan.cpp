#include "app/cli/BatchPlan.h"

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "io/Provenance.h"
#include "io/ReaderRegistry.h"
#include "plugins/PluginManager.h"

namespace nl::cli {

namespace {

using nlohmann::json;

// One run as the plan spells it, before it is checked.
struct RawRun {
  std::string where;  // "run 3", "row 4", "file vol_07.h5": for messages
  std::string id;     // empty: made up later
  std::string pluginId;
  std::vector<std::pair<std::string, std::vector<std::string>>> inputs;  // port → path specs
  std::map<std::string, std::string> parameters;
};

class Context {
 public:
  explicit Context(std::filesystem::path file) : file_(std::move(file)) {
    folder_ = file_.has_parent_path() ? file_.parent_path() : std::filesystem::path(".");
  }
  [[noreturn]] void fail(const std::string& problem) const {
    throw PlanError(file_.string() + ": " + problem);
  }
  [[noreturn]] void fail(const std::string& where, const std::string& problem) const {
    fail(where + ": " + problem);
  }
  const std::filesystem::path& file() const { return file_; }
  // An absolute, normalised path for `text` (relative to the plan's folder).
  std::string resolve(const std::string& text) const {
    std::filesystem::path path(text);
    if (path.is_relative()) path = folder_ / path;
    return io::absoluteNormalPath(path.string());
  }

 private:
  std::filesystem::path file_, folder_;
};

bool hasGlob(const std::string& text) {
  return text.find_first_of("*?[") != std::string::npos;
}

// The files a path spec's file part matches (sorted, as glob(3) does); the
// internal path is kept on each. Empty when nothing matches.
std::vector<std::string> expandGlob(const Context& context, const std::string& specText) {
  const auto spec = io::parsePathSpec(specText);
  const std::string pattern = context.resolve(spec.path.string());
  glob_t matches{};
  std::vector<std::string> out;
  if (::glob(pattern.c_str(), 0, nullptr, &matches) == 0)
    for (std::size_t i = 0; i < matches.gl_pathc; ++i)
      out.push_back(std::string(matches.gl_pathv[i]) +
                    (spec.internalPath.empty() ? "" : "::" + spec.internalPath));
  ::globfree(&matches);
  return out;
}

// A file's name without its extension ("vol_07.nii.gz" → "vol_07").
std::string stemOf(const std::string& specText) {
  std::filesystem::path name = io::parsePathSpec(specText).path.filename();
  for (const char* compressed : {".gz", ".bz2", ".xz", ".zst"})
    if (name.extension() == compressed) name = name.stem();
  return name.stem().string();
}

std::string replaceAll(std::string text, const std::string& what, const std::string& with) {
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
  return text;
}

std::string typeName(const json& value) {
  return value.is_array() ? "a list" : value.is_object() ? "an object" : value.type_name();
}

// A JSON parameter value as the text the CLI's `run` takes.
std::string parameterText(const Context& context, const std::string& where, const std::string& name,
                          const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return value.dump();
  context.fail(where, "parameter '" + name + "' must be a number, a string or true/false, not " +
                          typeName(value));
}

std::map<std::string, std::string> parametersOf(const Context& context, const std::string& where,
                                                const json& object) {
  if (!object.is_object())
    context.fail(where, "\"parameters\" must be an object {NAME: VALUE}, not " + typeName(object));
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : object.items())
    out[name] = parameterText(context, where, name, value);
  return out;
}

std::vector<std::string> pathsOf(const Context& context, const std::string& where,
                                 const std::string& port, const json& value) {
  std::vector<std::string> out;
  if (value.is_string()) {
    out.push_back(value.get<std::string>());
  } else if (value.is_array()) {
    for (const auto& item : value) {
      if (!item.is_string())
        context.fail(where,
                     "input '" + port + "' must list paths (strings), found " + typeName(item));
      out.push_back(item.get<std::string>());
    }
  } else {
    context.fail(where,
                 "input '" + port + "' must be a path or a list of paths, not " + typeName(value));
  }
  return out;
}

void checkKeys(const Context& context, const std::string& where, const json& object,
               const std::set<std::string>& allowed) {
  for (const auto& [key, value] : object.items())
    if (!allowed.contains(key)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      context.fail(where, "unknown key '" + key + "' (expected " + list + ")");
    }
}

std::string stringField(const Context& context, const std::string& where, const json& object,
                        const char* key, bool required) {
  if (!object.contains(key)) {
    if (required) context.fail(where, std::string("\"") + key + "\" is missing");
    return {};
  }
  if (!object[key].is_string())
    context.fail(where,
                 std::string("\"") + key + "\" must be a string, not " + typeName(object[key]));
  return object[key].get<std::string>();
}

std::vector<RawRun> listRuns(const Context& context, const json& runs) {
  std::vector<RawRun> out;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& entry = runs[i];
    RawRun raw;
    raw.where = "run " + std::to_string(i + 1);
    if (!entry.is_object())
      context.fail(raw.where,
                   "a run must be an object {plugin, inputs, parameters}, not " + typeName(entry));
    checkKeys(context, raw.where, entry, {"id", "plugin", "inputs", "parameters"});
    raw.id = stringField(context, raw.where, entry, "id", false);
    if (!raw.id.empty()) raw.where += " ('" + raw.id + "')";
    raw.pluginId = stringField(context, raw.where, entry, "plugin", true);
    if (entry.contains("inputs")) {
      if (!entry["inputs"].is_object())
        context.fail(raw.where,
                     "\"inputs\" must be an object {PORT: PATH}, not " + typeName(entry["inputs"]));
      for (const auto& [port, value] : entry["inputs"].items())
        raw.inputs.emplace_back(port, pathsOf(context, raw.where, port, value));
    }
    if (entry.contains("parameters"))
      raw.parameters = parametersOf(context, raw.where, entry["parameters"]);
    out.push_back(std::move(raw));
  }
  return out;
}

std::vector<RawRun> templateRuns(const Context& context, const json& plan) {
  const std::string where = "template";
  checkKeys(context, where, plan, {"id", "plugin", "inputs", "parameters", "parameter_sets"});
  const std::string pluginId = stringField(context, where, plan, "plugin", true);
  const std::string idPattern = stringField(context, where, plan, "id", false);
  if (!plan.contains("inputs") || !plan["inputs"].is_object())
    context.fail(where, "\"inputs\" must be an object {PORT: GLOB or PATH}");

  // Parameter sets: (name, values); one unnamed set by default.
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> sets;
  if (plan.contains("parameters") && plan.contains("parameter_sets"))
    context.fail(where, "give \"parameters\" (one set) or \"parameter_sets\" (several), not both");
  if (plan.contains("parameter_sets")) {
    const auto& given = plan["parameter_sets"];
    if (given.is_object()) {
      for (const auto& [name, values] : given.items())
        sets.emplace_back(name,
                          parametersOf(context, where + ", parameter set '" + name + "'", values));
    } else if (given.is_array()) {
      for (std::size_t i = 0; i < given.size(); ++i)
        sets.emplace_back(
            "p" + std::to_string(i + 1),
            parametersOf(context, where + ", parameter set " + std::to_string(i + 1), given[i]));
    } else {
      context.fail(where, "\"parameter_sets\" must be an object {NAME: {…}} or a list, not " +
                              typeName(given));
    }
    if (sets.empty()) context.fail(where, "\"parameter_sets\" is empty");
  } else {
    sets.emplace_back("", plan.contains("parameters")
                              ? parametersOf(context, where, plan["parameters"])
                              : std::map<std::string, std::string>{});
  }

  // Ports with a glob vary per run (paired in sorted order); the others are fixed.
  std::vector<std::pair<std::string, std::vector<std::string>>> varying;
  for (const auto& [port, value] : plan["inputs"].items()) {
    if (!value.is_string() || !hasGlob(value.get<std::string>())) continue;
    auto matches = expandGlob(context, value.get<std::string>());
    if (matches.empty())
      context.fail(where,
                   "input '" + port + "': '" + value.get<std::string>() + "' matches no file");
    if (!varying.empty() && matches.size() != varying.front().second.size())
      context.fail(where, "inputs '" + varying.front().first + "' and '" + port + "' match " +
                              std::to_string(varying.front().second.size()) + " and " +
                              std::to_string(matches.size()) +
                              " files; globs are paired in sorted order, so they must match "
                              "as many");
    varying.emplace_back(port, std::move(matches));
  }
  const std::size_t files = varying.empty() ? 1 : varying.front().second.size();
  std::string pattern = idPattern;
  if (pattern.empty())
    pattern = varying.empty() ? (sets.size() > 1 ? "{set}" : "run")
                              : (sets.size() > 1 ? "{stem}.{set}" : "{stem}");

  std::vector<RawRun> out;
  for (std::size_t f = 0; f < files; ++f) {
    const std::string stem = varying.empty() ? "" : stemOf(varying.front().second[f]);
    for (const auto& [setName, values] : sets) {
      RawRun raw;
      raw.pluginId = pluginId;
      raw.parameters = values;
      raw.id = replaceAll(replaceAll(replaceAll(pattern, "{stem}", stem), "{set}", setName),
                          "{index}", std::to_string(out.size() + 1));
      raw.where = "template run '" + raw.id + "'";
      for (const auto& [port, value] : plan["inputs"].items()) {
        const auto match = std::find_if(varying.begin(), varying.end(),
                                        [&, p = port](const auto& v) { return v.first == p; });
        if (match != varying.end()) {
          raw.inputs.push_back({port, {match->second[f]}});
          continue;
        }
        auto paths = pathsOf(context, where, port, value);
        for (auto& path : paths) path = replaceAll(path, "{stem}", stem);
        raw.inputs.emplace_back(port, std::move(paths));
      }
      out.push_back(std::move(raw));
    }
  }
  return out;
}

// RFC 4180 cells: quotes, doubled quotes, separators and newlines inside quotes.
std::vector<std::vector<std::string>> csvRows(const Context& context, const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      row.push_back(std::move(cell));
      cell.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !cell.empty()) {
        row.push_back(std::move(cell));
        rows.push_back(std::move(row));
      }
      row.clear();
      cell.clear();
      any = false;
    } else {
      cell += c;
      any = true;
    }
  }
  if (quoted) context.fail("a quoted cell is not closed");
  if (any || !cell.empty()) {
    row.push_back(std::move(cell));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string trimmed(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

std::vector<RawRun> csvRuns(const Context& context, const std::string& text) {
  auto rows = csvRows(context, text);
  std::erase_if(rows, [](const auto& row) { return !row.empty() && row[0].starts_with('#'); });
  if (rows.empty())
    context.fail("the CSV plan is empty (expected a header: id,plugin,input:PORT,…)");
  const auto& header = rows.front();
  int idColumn = -1, pluginColumn = -1;
  std::set<std::string> seen;
  for (std::size_t c = 0; c < header.size(); ++c) {
    const std::string name = trimmed(header[c]);
    if (!seen.insert(name).second) context.fail("column '" + name + "' appears twice");
    if (name == "id")
      idColumn = static_cast<int>(c);
    else if (name == "plugin")
      pluginColumn = static_cast<int>(c);
    else if (!(name.starts_with("input:") && name.size() > 6) &&
             !(name.starts_with("param:") && name.size() > 6))
      context.fail("unknown column '" + name + "' (expected id, plugin, input:PORT or param:NAME)");
  }
  if (pluginColumn < 0) context.fail("the CSV plan has no 'plugin' column");
  std::vector<RawRun> out;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    RawRun raw;
    raw.where = "row " + std::to_string(r + 1);
    if (row.size() != header.size())
      context.fail(raw.where, "has " + std::to_string(row.size()) + " cells, the header " +
                                  std::to_string(header.size()));
    for (std::size_t c = 0; c < header.size(); ++c) {
      const std::string name = trimmed(header[c]), cell = trimmed(row[c]);
      if (static_cast<int>(c) == idColumn) {
        raw.id = cell;
      } else if (static_cast<int>(c) == pluginColumn) {
        raw.pluginId = cell;
      } else if (!cell.empty() && name.starts_with("input:")) {
        std::vector<std::string> paths;
        std::size_t start = 0;
        for (auto end = cell.find(';');; end = cell.find(';', start)) {
          const auto part = trimmed(cell.substr(start, end - start));
          if (!part.empty()) paths.push_back(part);
          if (end == std::string::npos) break;
          start = end + 1;
        }
        raw.inputs.emplace_back(name.substr(6), std::move(paths));
      } else if (!cell.empty()) {
        raw.parameters[name.substr(6)] = cell;
      }
    }
    if (!raw.id.empty()) raw.where += " ('" + raw.id + "')";
    if (raw.pluginId.empty()) context.fail(raw.where, "the plugin cell is empty");
    out.push_back(std::move(raw));
  }
  return out;
}

bool validId(const std::string& id) {
  if (id.empty() || id.size() > 200 || id.front() == '.' || id.front() == '-') return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

std::uint64_t bytesOf(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return std::filesystem::file_size(path, ec);
  std::uint64_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  return total;
}

PlannedRun checked(const Context& context, const plugins::PluginManager& manager,
                   const RawRun& raw) {
  PlannedRun run;
  run.id = raw.id;
  run.pluginId = raw.pluginId;
  const auto* descriptor = manager.find(raw.pluginId);
  if (descriptor == nullptr)
    context.fail(raw.where, "no plugin '" + raw.pluginId + "' (see neuroloupe-cli plugins)");
  if (!descriptor->loaded)
    context.fail(raw.where, "plugin '" + raw.pluginId + "' is not usable: " + descriptor->failure);

  std::set<std::string> given;
  for (const auto& [portName, paths] : raw.inputs) {
    const auto port =
        std::find_if(descriptor->inputs.begin(), descriptor->inputs.end(),
                     [&, n = portName](const plugins::PortSpec& p) { return p.isCalled(n); });
    if (port == descriptor->inputs.end()) {
      std::string list;
      for (const auto& p : descriptor->inputs) list += (list.empty() ? "" : ", ") + p.name;
      context.fail(raw.where, raw.pluginId + " has no input '" + portName +
                                  "' (its inputs: " + (list.empty() ? "none" : list) + ")");
    }
    if (!given.insert(port->name).second && !port->multiple)
      context.fail(raw.where, "input '" + port->name + "' is given twice");
    if (paths.empty()) context.fail(raw.where, "input '" + port->name + "' has no path");
    std::vector<std::string> files;
    for (const auto& path : paths) {
      if (!hasGlob(io::parsePathSpec(path).path.string())) {
        files.push_back(path);
        continue;
      }
      const auto matches = expandGlob(context, path);
      if (matches.empty())
        context.fail(raw.where, "input '" + port->name + "': '" + path + "' matches no file");
      files.insert(files.end(), matches.begin(), matches.end());
    }
    if (files.size() > 1 && !port->multiple)
      context.fail(raw.where, "input '" + port->name + "' takes one dataset, " +
                                  std::to_string(files.size()) + " paths given");
    for (const auto& file : files) {
      auto spec = io::parsePathSpec(file);
      const std::string absolute = context.resolve(spec.path.string());
      std::error_code ec;
      if (!std::filesystem::exists(absolute, ec))
        context.fail(raw.where, "input '" + port->name + "': " + absolute + " does not exist");
      run.inputBytes += bytesOf(absolute);
      run.inputs.emplace_back(
          port->name, absolute + (spec.internalPath.empty() ? "" : "::" + spec.internalPath));
    }
  }
  for (const auto& port : descriptor->inputs)
    if (!port.optional && !given.contains(port.name))
      context.fail(raw.where, "input '" + port.name + "' of " + raw.pluginId + " is missing");

  try {
    run.parametersJson = descriptor->parameters.parse(raw.parameters).toJson().dump();
  } catch (const plugins::ParameterError& error) {
    context.fail(raw.where, error.what());
  }
  run.parameters = raw.parameters;
  return run;
}

std::string readPlanText(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) throw PlanError(file.string() + ": does not exist");
  if (!std::filesystem::is_regular_file(file, ec))
    throw PlanError(file.string() + ": is not a file");
  std::ifstream in(file, std::ios::binary);
  std::string text{std::istreambuf_iterator<char>(in), {}};
  if (!in.good() && !in.eof()) throw PlanError(file.string() + ": cannot be read");
  return text;
}

}  // namespace

BatchPlan loadPlan(const std::filesystem::path& file, const plugins::PluginManager& manager) {
  const Context context(file);
  const std::string text = readPlanText(file);
  std::string extension = file.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto first = text.find_first_not_of(" \t\r\n");
  const bool looksJson = first != std::string::npos && (text[first] == '{' || text[first] == '[');

  std::vector<RawRun> raws;
  if (extension == ".csv") {
    raws = csvRuns(context, text);
  } else if (extension == ".json" || looksJson) {
    json plan;
    try {
      plan = json::parse(text);
    } catch (const json::parse_error& error) {
      std::string what = error.what();
      if (const auto bracket = what.find("] ");
          what.starts_with("[json") && bracket != std::string::npos)
        what = what.substr(bracket + 2);
      context.fail("not valid JSON: " + what);
    }
    if (plan.is_array()) {
      raws = listRuns(context, plan);
    } else if (plan.is_object() && plan.contains("runs")) {
      checkKeys(context, "plan", plan, {"runs"});
      if (!plan["runs"].is_array())
        context.fail("\"runs\" must be a list, not " + typeName(plan["runs"]));
      raws = listRuns(context, plan["runs"]);
    } else if (plan.is_object() && plan.contains("plugin")) {
      raws = templateRuns(context, plan);
    } else {
      context.fail(
          "expected a list of runs, {\"runs\": […]} or a template {\"plugin\", \"inputs\", …}");
    }
  } else {
    context.fail("unknown plan format '" + extension + "' (expected .json or .csv)");
  }
  if (raws.empty()) context.fail("the plan has no runs");

  const int width = static_cast<int>(std::to_string(raws.size()).size());
  BatchPlan plan{file, {}};
  std::map<std::string, std::string> whereOfId;
  for (std::size_t i = 0; i < raws.size(); ++i) {
    auto& raw = raws[i];
    if (raw.id.empty()) {
      const std::string number = std::to_string(i + 1);
      raw.id = "run" + std::string(static_cast<std::size_t>(width) - number.size(), '0') + number;
    }
    if (!validId(raw.id))
      context.fail(raw.where, "run id '" + raw.id +
                                  "' is not a plain file name (letters, digits, '.', '_', '-')");
    if (raw.id == "index")
      context.fail(raw.where, "run id 'index' is taken (the batch's own index.h5)");
    if (const auto [it, inserted] = whereOfId.emplace(raw.id, raw.where); !inserted)
      context.fail("run id '" + raw.id + "' appears twice (" + it->second + " and " + raw.where +
                   ")");
    plan.runs.push_back(checked(context, manager, raw));
  }
  return plan;
}

std::string inputsText(const PlannedRun& run) {
  std::string text;
  for (const auto& [port, path] : run.inputs)
    text += (text.empty() ? "" : "; ") + port + "=" + path;
  return text;
}

}  // namespace nl::cli
