#include "io/Provenance.h"

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

namespace nl::io {

std::string Provenance::describe() const {
  if (isDerived()) {
    std::string text = pluginId + " " + pluginVersion;
    if (!parametersJson.empty()) text += " " + parametersJson;
    return text;
  }
  if (sourcePath.empty()) return "in memory";
  return internalPath.empty() ? sourcePath : sourcePath + "::" + internalPath;
}

Provenance Provenance::fromFile(std::string path, std::string internal, std::string reader) {
  Provenance p;
  p.sourcePath = std::move(path);
  p.internalPath = std::move(internal);
  p.readerName = std::move(reader);
  return p;
}

nlohmann::json toJson(const Provenance& p) {
  return nlohmann::json{{"source_path", p.sourcePath},
                        {"internal_path", p.internalPath},
                        {"reader", p.readerName},
                        {"plugin_id", p.pluginId},
                        {"plugin_version", p.pluginVersion},
                        {"parameters", p.parametersJson},
                        {"inputs", p.inputs},
                        {"app_version", p.appVersion},
                        {"created_utc", p.createdUtc}};
}

Provenance provenanceFromJson(const nlohmann::json& json) {
  Provenance p;
  auto get = [&json](const char* key) {
    return json.contains(key) && json[key].is_string() ? json[key].get<std::string>()
                                                       : std::string();
  };
  p.sourcePath = get("source_path");
  p.internalPath = get("internal_path");
  p.readerName = get("reader");
  p.pluginId = get("plugin_id");
  p.pluginVersion = get("plugin_version");
  p.parametersJson = get("parameters");
  p.appVersion = get("app_version");
  p.createdUtc = get("created_utc");
  if (json.contains("inputs") && json["inputs"].is_array())
    for (const auto& item : json["inputs"])
      if (item.is_string()) p.inputs.push_back(item.get<std::string>());
  return p;
}

std::string utcNowIso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  gmtime_r(&now, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

}  // namespace nl::io
