#include "io/Provenance.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

namespace nl::io {

namespace {

std::string uuidText(std::uint64_t high, std::uint64_t low) {
  std::array<unsigned char, 16> bytes{};
  for (int i = 0; i < 8; ++i) {
    bytes[static_cast<std::size_t>(i)] = static_cast<unsigned char>(high >> (56 - 8 * i));
    bytes[static_cast<std::size_t>(8 + i)] = static_cast<unsigned char>(low >> (56 - 8 * i));
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += kHex[bytes[i] >> 4];
    text += kHex[bytes[i] & 0xF];
  }
  return text;
}

// RFC 9562: version in the high nibble of byte 6, variant 10xx in byte 8.
std::string uuidWithVersion(std::uint64_t high, std::uint64_t low, std::uint64_t version) {
  high = (high & ~std::uint64_t{0xF000}) | (version << 12);
  low = (low & ~(std::uint64_t{0xC} << 60)) | (std::uint64_t{0x8} << 60);
  return uuidText(high, low);
}

std::uint64_t fnv1a64(const std::string& text, std::uint64_t hash) {
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string stringField(const nlohmann::json& json, const char* key) {
  return json.contains(key) && json[key].is_string() ? json[key].get<std::string>() : std::string();
}

// An input recorded as text by schema 1: "port=<description> [name]", where
// the description of a file is "<path>[::<internal>]". Absolute paths are
// recovered so the input can be reopened; anything else stays a description.
ProvenanceInput legacyInput(const std::string& text) {
  ProvenanceInput input;
  const auto eq = text.find('=');
  input.port = eq == std::string::npos ? text : text.substr(0, eq);
  input.legacyDescription = eq == std::string::npos ? std::string() : text.substr(eq + 1);
  std::string description = input.legacyDescription;
  if (const auto open = description.rfind(" [");
      open != std::string::npos && !description.empty() && description.back() == ']') {
    input.name = description.substr(open + 2, description.size() - open - 3);
    description.resize(open);
  }
  if (description.starts_with('/')) {
    const auto separator = description.find("::");
    input.sourcePath = description.substr(0, separator);
    if (separator != std::string::npos) input.internalPath = description.substr(separator + 2);
    input.datasetId = fileDatasetId(input.sourcePath, input.internalPath);
  }
  return input;
}

ProvenanceInput inputFromJson(const nlohmann::json& json) {
  ProvenanceInput input;
  input.port = stringField(json, "port");
  input.datasetId = stringField(json, "dataset_id");
  input.name = stringField(json, "name");
  input.sourcePath = stringField(json, "source_path");
  input.internalPath = stringField(json, "internal_path");
  input.runId = stringField(json, "run_id");
  input.outputName = stringField(json, "output_name");
  input.legacyDescription = stringField(json, "legacy_description");
  return input;
}

}  // namespace

std::string ProvenanceInput::describe() const {
  std::string what;
  if (!sourcePath.empty())
    what = internalPath.empty() ? sourcePath : sourcePath + "::" + internalPath;
  else if (isDerived())
    what = "run " + runId + "/" + outputName;
  else if (!legacyDescription.empty())
    return port + "=" + legacyDescription;
  else
    what = "in memory";
  return port + "=" + what + (name.empty() ? "" : " [" + name + "]");
}

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

nlohmann::json toJson(const ProvenanceInput& input) {
  nlohmann::json json{{"port", input.port},
                      {"dataset_id", input.datasetId},
                      {"name", input.name},
                      {"source_path", input.sourcePath},
                      {"internal_path", input.internalPath},
                      {"run_id", input.runId},
                      {"output_name", input.outputName}};
  if (!input.legacyDescription.empty()) json["legacy_description"] = input.legacyDescription;
  return json;
}

nlohmann::json toJson(const Provenance& p) {
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& input : p.inputs) inputs.push_back(toJson(input));
  return nlohmann::json{{"source_path", p.sourcePath},
                        {"internal_path", p.internalPath},
                        {"reader", p.readerName},
                        {"run_id", p.runId},
                        {"output_name", p.outputName},
                        {"plugin_id", p.pluginId},
                        {"plugin_version", p.pluginVersion},
                        {"parameters", p.parametersJson},
                        {"inputs", std::move(inputs)},
                        {"app_version", p.appVersion},
                        {"created_utc", p.createdUtc}};
}

Provenance provenanceFromJson(const nlohmann::json& json) {
  Provenance p;
  if (!json.is_object()) return p;
  p.sourcePath = stringField(json, "source_path");
  p.internalPath = stringField(json, "internal_path");
  p.readerName = stringField(json, "reader");
  p.runId = stringField(json, "run_id");
  p.outputName = stringField(json, "output_name");
  p.pluginId = stringField(json, "plugin_id");
  p.pluginVersion = stringField(json, "plugin_version");
  p.parametersJson = stringField(json, "parameters");
  p.appVersion = stringField(json, "app_version");
  p.createdUtc = stringField(json, "created_utc");
  if (json.contains("inputs") && json["inputs"].is_array())
    for (const auto& item : json["inputs"]) {
      if (item.is_string())
        p.inputs.push_back(legacyInput(item.get<std::string>()));
      else if (item.is_object())
        p.inputs.push_back(inputFromJson(item));
    }
  if (p.runId.empty() && p.isDerived())
    p.runId = legacyRunId(p.pluginId, p.createdUtc, p.parametersJson);
  return p;
}

std::string fileDatasetId(const std::string& path, const std::string& internalPath) {
  return "file:" + absoluteNormalPath(path) + "::" + internalPath;
}

std::string absoluteNormalPath(const std::string& path) {
  if (path.empty()) return {};
  std::error_code ec;
  auto absolute = std::filesystem::absolute(path, ec);
  if (ec) absolute = path;
  return absolute.lexically_normal().string();
}

std::string runDatasetId(const std::string& runId, const std::string& outputName) {
  return "run:" + runId + "/" + outputName;
}

std::string newUuid() {
  thread_local std::mt19937_64 generator{[] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(),
                       device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }()};
  const std::uint64_t high = generator();
  const std::uint64_t low = generator();
  return uuidWithVersion(high, low, 4);
}

std::string legacyRunId(const std::string& pluginId, const std::string& createdUtc,
                        const std::string& parametersJson) {
  const std::string key = pluginId + '\n' + createdUtc + '\n' + parametersJson;
  return uuidWithVersion(fnv1a64(key, 0xcbf29ce484222325ULL), fnv1a64(key, 0x84222325cbf29ce4ULL),
                         8);
}

namespace {
std::string utcNow(bool milliseconds) {
  const auto now = std::chrono::system_clock::now();
  const auto whole = std::chrono::floor<std::chrono::seconds>(now);
  const std::time_t seconds = std::chrono::system_clock::to_time_t(whole);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &parts);
  std::string text = buffer;
  if (milliseconds) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - whole).count();
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%03d", static_cast<int>(ms));
    text += fraction;
  }
  return text + "Z";
}
}  // namespace

std::string utcNowIso8601() {
  return utcNow(false);
}

std::string utcNowIso8601Milliseconds() {
  return utcNow(true);
}

}  // namespace nl::io
