#include "plugins/PluginManager.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLibrary>
#include <QPluginLoader>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "io/UntrustedInput.h"
#include "plugins/ManifestSchema.h"

namespace nl::plugins {

namespace {

std::vector<io::DatasetKind> parseKinds(const nlohmann::json& item, const char* key) {
  std::vector<io::DatasetKind> kinds;
  if (!item.contains(key)) return kinds;
  const auto& value = item[key];
  auto addKind = [&kinds](const std::string& name) {
    const auto kind = io::kindFromName(name);
    if (!kind) throw std::invalid_argument("unknown dataset kind '" + name + "'");
    kinds.push_back(*kind);
  };
  if (value.is_string())
    addKind(value.get<std::string>());
  else
    for (const auto& k : value) addKind(k.get<std::string>());
  return kinds;
}

std::vector<PortSpec> parsePorts(const nlohmann::json& manifest, const char* key,
                                 const char* kindKey) {
  std::vector<PortSpec> ports;
  if (!manifest.contains(key)) return ports;
  for (const auto& item : manifest.at(key)) {
    PortSpec port;
    port.name = item.at("name").get<std::string>();
    port.kinds = parseKinds(item, kindKey);
    if (port.kinds.empty())
      throw std::invalid_argument("port '" + port.name + "' declares no kind");
    port.help = item.value("help", "");
    port.optional = item.value("optional", false);
    port.multiple = item.value("multiple", false);
    port.aliases = item.value("aliases", std::vector<std::string>{});
    port.columns = item.value("columns", std::vector<std::string>{});
    port.view = item.value("view", "");
    for (const auto& entry : item.value("attributes", nlohmann::json::array())) {
      AttributeSpec attribute;
      attribute.name = entry.at("name").get<std::string>();
      attribute.help = entry.value("help", "");
      attribute.optional = entry.value("optional", false);
      if (entry.contains("names_axis"))
        attribute.namesAxis = entry["names_axis"].get<std::size_t>();
      if (port.attribute(attribute.name) != nullptr)
        throw std::invalid_argument("port '" + port.name + "' declares attribute '" +
                                    attribute.name + "' twice");
      port.attributes.push_back(std::move(attribute));
    }
    for (const auto& alias : port.aliases)
      if (alias.empty() || std::any_of(ports.begin(), ports.end(), [&](const PortSpec& other) {
            return other.isCalled(alias) || other.isCalled(port.name);
          }))
        throw std::invalid_argument("port '" + port.name + "': alias '" + alias +
                                    "' is empty or names another port");
    ports.push_back(std::move(port));
  }
  return ports;
}

nlohmann::json portsToJson(const std::vector<PortSpec>& ports) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& p : ports) {
    nlohmann::json kinds = nlohmann::json::array();
    for (auto k : p.kinds) kinds.push_back(std::string(io::kindName(k)));
    nlohmann::json attributes = nlohmann::json::array();
    for (const auto& a : p.attributes) {
      nlohmann::json attribute{{"name", a.name}, {"help", a.help}, {"optional", a.optional}};
      if (a.namesAxis) attribute["names_axis"] = *a.namesAxis;
      attributes.push_back(std::move(attribute));
    }
    array.push_back({{"name", p.name},
                     {"kinds", kinds},
                     {"help", p.help},
                     {"optional", p.optional},
                     {"multiple", p.multiple},
                     {"aliases", p.aliases},
                     {"columns", p.columns},
                     {"view", p.view},
                     {"attributes", std::move(attributes)}});
  }
  return array;
}

bool looksLikeSharedLibrary(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  return name.ends_with(".so") || name.find(".so.") != std::string::npos ||
         name.ends_with(".dylib") || name.ends_with(".dll");
}

// Whether a library Qt found no usable metadata in still carries Qt plugin
// metadata naming a NeuroLoupe interface (Qt refused to parse it: too deep,
// malformed): then it is meant as one of ours and is listed as failed.
bool carriesOurMetadata(const std::filesystem::path& library) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(library, ec);
  if (ec || size > (std::uintmax_t{256} << 20)) return false;
  std::ifstream in(library, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Qt 6 on ELF keeps it in a note section; elsewhere after a magic string.
  const bool metadata = bytes.find(".note.qt.metadata") != std::string::npos ||
                        bytes.find("QTMETADATA !") != std::string::npos;
  return metadata && bytes.find("org.neuroloupe.") != std::string::npos;
}

}  // namespace

const AttributeSpec* PortSpec::attribute(const std::string& attributeName) const {
  for (const auto& a : attributes)
    if (a.name == attributeName) return &a;
  return nullptr;
}

bool PortSpec::isCalled(const std::string& nameOrAlias) const {
  return name == nameOrAlias ||
         std::find(aliases.begin(), aliases.end(), nameOrAlias) != aliases.end();
}

std::string PortSpec::mismatch(const io::Dataset& dataset) const {
  if (!accepts(dataset.kind())) {
    std::string kindsText;
    for (auto k : kinds)
      kindsText += (kindsText.empty() ? "" : " or ") + std::string(io::kindName(k));
    return "must be " + kindsText + ", got " + std::string(io::kindName(dataset.kind())) + " '" +
           dataset.name() + "'";
  }
  if (columns.empty()) return {};
  const auto* table = dynamic_cast<const io::TableDataset*>(&dataset);
  std::string missing;
  for (const auto& column : columns)
    if (table == nullptr || table->column(column) == nullptr)
      missing += (missing.empty() ? "'" : ", '") + column + "'";
  return missing.empty() ? std::string() : "'" + dataset.name() + "' has no column " + missing;
}

bool PortSpec::accepts(io::DatasetKind kind) const {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

PluginDescriptor PluginDescriptor::fromManifest(const nlohmann::json& manifest) {
  if (!manifest.is_object()) throw std::invalid_argument("manifest is not a JSON object");
  if (const auto problems = manifestProblems(manifest); !problems.empty()) {
    // The most specific problem; the rest usually restate it one level up.
    std::string text = problems.front();
    if (problems.size() > 1)
      text += " (and " + std::to_string(problems.size() - 1) + " more from the validator)";
    throw std::invalid_argument("does not match the manifest schema: " + text);
  }
  PluginDescriptor d;
  try {
    d.id = manifest.at("id").get<std::string>();
    d.name = manifest.value("name", d.id);
    d.version = manifest.at("version").get<std::string>();
    d.apiVersion = manifest.at("api_version").get<int>();
    d.summary = manifest.value("summary", "");
    d.category = manifest.value("category", "Analysis");
    d.longRunning = manifest.value("long_running", false);
  } catch (const nlohmann::json::exception& error) {
    throw std::invalid_argument(std::string("manifest: ") + error.what());
  }
  d.inputs = parsePorts(manifest, "inputs", "kinds");
  d.outputs = parsePorts(manifest, "outputs", "kind");
  d.parameters = ParameterSchema::fromJson(manifest.contains("parameters") ? manifest["parameters"]
                                                                           : nlohmann::json());
  return d;
}

const PortSpec* PluginDescriptor::output(const std::string& outputName) const {
  for (const auto& port : outputs)
    if (port.name == outputName) return &port;
  return nullptr;
}

nlohmann::json PluginDescriptor::toJson() const {
  return {{"id", id},
          {"name", name},
          {"version", version},
          {"api_version", apiVersion},
          {"summary", summary},
          {"category", category},
          {"long_running", longRunning},
          {"library", library.string()},
          {"bundled", bundled},
          {"loaded", loaded},
          {"failure", failure},
          {"inputs", portsToJson(inputs)},
          {"outputs", portsToJson(outputs)},
          {"parameters", parameters.toJson()}};
}

PluginManager::PluginManager() = default;
PluginManager::~PluginManager() =
    default;  // loaders stay loaded until exit: objects may outlive us

std::vector<std::filesystem::path> PluginManager::installFolders() {
  std::vector<std::filesystem::path> paths;
  if (QCoreApplication::instance() != nullptr) {
    const std::filesystem::path appDir = QCoreApplication::applicationDirPath().toStdString();
    paths.push_back((appDir / ".." / "lib" / "neuroloupe" / "plugins").lexically_normal());
    paths.push_back(
        (appDir / ".." / "lib" / "x86_64-linux-gnu" / "neuroloupe" / "plugins").lexically_normal());
  }
  return paths;
}

std::vector<std::filesystem::path> PluginManager::defaultSearchPaths() {
  std::vector<std::filesystem::path> paths;
  if (const char* env = std::getenv("NEUROLOUPE_PLUGIN_PATH")) {
    std::string list = env;
    std::size_t start = 0;
    while (start <= list.size()) {
      const auto colon = list.find(':', start);
      const std::string part =
          list.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      if (!part.empty()) paths.emplace_back(part);
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  }
  for (auto& folder : installFolders()) paths.push_back(std::move(folder));
  return paths;
}

void PluginManager::discover(const std::vector<std::filesystem::path>& folders) {
  for (const auto& folder : folders) {
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec)) continue;
    std::vector<std::filesystem::path> libraries;
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec))
      if (entry.is_regular_file(ec) && looksLikeSharedLibrary(entry.path()))
        libraries.push_back(entry.path());
    std::sort(libraries.begin(), libraries.end());
    for (const auto& library : libraries) readOne(library);
  }
  std::lock_guard lock(mutex_);
  states_.resize(plugins_.size());
}

void PluginManager::readOne(const std::filesystem::path& library) {
  const auto canonical = std::filesystem::weakly_canonical(library);
  for (const auto& existing : plugins_)
    if (existing.library == canonical) return;  // the same folder listed twice

  auto loader = std::make_unique<QPluginLoader>(QString::fromStdString(canonical.string()));
  // When it is loaded (first use), resolve every symbol at once so a missing
  // one fails there, with a message, not mid-run.
  loader->setLoadHints(QLibrary::ResolveAllSymbolsHint);
  PluginDescriptor descriptor;
  descriptor.library = canonical;

  // The manifest, read from the file without loading the library.
  const QJsonObject meta = loader->metaData();
  if (meta.isEmpty() || meta.value("IID").toString() != NEUROLOUPE_PLUGIN_IID) {
    // Not ours (another Qt plugin, or any .so): a NeuroLoupe plugin of another
    // interface generation still shows up, as failed, so its author learns why.
    const QString iid = meta.value("IID").toString();
    if (meta.isEmpty() && carriesOurMetadata(canonical)) {
      descriptor.id = canonical.stem().string();
      descriptor.failure = "invalid manifest: " + canonical.string() +
                           ": Qt cannot read its plugin metadata (" +
                           loader->errorString().toStdString() + ")";
      plugins_.push_back(std::move(descriptor));
      loaders_.push_back(std::move(loader));
      return;
    }
    if (!iid.startsWith("org.neuroloupe.")) return;
    descriptor.id = canonical.stem().string();
    descriptor.failure = "built for plugin interface " + iid.toStdString() +
                         ", this app provides " + NEUROLOUPE_PLUGIN_IID;
    plugins_.push_back(std::move(descriptor));
    loaders_.push_back(std::move(loader));
    return;
  }
  const QByteArray manifestText =
      QJsonDocument(meta.value("MetaData").toObject()).toJson(QJsonDocument::Compact);
  try {
    const auto manifest = io::parseUntrustedJson(
        std::string_view(manifestText.constData(), static_cast<std::size_t>(manifestText.size())),
        canonical);
    auto parsed = PluginDescriptor::fromManifest(manifest);
    parsed.library = canonical;
    std::error_code ec;
    for (const auto& folder : installFolders())
      if (std::filesystem::equivalent(folder, canonical.parent_path(), ec)) parsed.bundled = true;
    descriptor = std::move(parsed);
  } catch (const std::exception& error) {
    // Listed under the id it claims, if it says one, else its file name.
    const auto claimed = meta.value("MetaData").toObject().value("id");
    descriptor.id =
        claimed.isString() ? claimed.toString().toStdString() : canonical.stem().string();
    descriptor.failure = std::string("invalid manifest: ") + error.what();
  }
  if (descriptor.failure.empty() && descriptor.apiVersion != kPluginApiVersion)
    descriptor.failure = "plugin API version " + std::to_string(descriptor.apiVersion) +
                         " does not match this app's version " + std::to_string(kPluginApiVersion);
  if (descriptor.failure.empty() && find(descriptor.id) != nullptr)
    descriptor.failure = "another plugin with id '" + descriptor.id + "' was listed first";
  descriptor.loaded = descriptor.failure.empty();
  plugins_.push_back(std::move(descriptor));
  loaders_.push_back(std::move(loader));
}

const PluginDescriptor* PluginManager::find(const std::string& id) const {
  const auto index = indexOf(id);
  return index ? &plugins_[*index] : nullptr;
}

std::optional<std::size_t> PluginManager::indexOf(const std::string& id) const {
  for (std::size_t i = 0; i < plugins_.size(); ++i)
    if (plugins_[i].id == id && plugins_[i].loaded) return i;
  for (std::size_t i = 0; i < plugins_.size(); ++i)
    if (plugins_[i].id == id) return i;
  return std::nullopt;
}

std::string PluginManager::loadLocked(std::size_t index,
                                      std::unique_ptr<AnalysisPlugin>* firstInstance) const {
  const auto& descriptor = plugins_[index];
  auto& loader = *loaders_[index];
  try {
    if (!loader.load()) return "cannot load library: " + loader.errorString().toStdString();
    auto* factory = qobject_cast<PluginFactory*>(loader.instance());
    if (factory == nullptr) return "library does not implement the NeuroLoupe plugin interface";
    if (factory->apiVersion() != kPluginApiVersion)
      return "library was compiled against plugin API " + std::to_string(factory->apiVersion()) +
             ", this app provides " + std::to_string(kPluginApiVersion);
    auto probe = factory->create();
    if (!probe) return "plugin factory returned nothing";
    if (probe->id() != descriptor.id)
      return "library says its id is '" + probe->id() + "' but its manifest says '" +
             descriptor.id + "'";
    if (firstInstance != nullptr) *firstInstance = std::move(probe);
    return {};
  } catch (const std::exception& error) {
    return std::string("plugin threw while starting: ") + error.what();
  } catch (...) {
    return "plugin threw a non-standard exception while starting";
  }
}

std::string PluginManager::load(const std::string& id) const {
  const auto index = indexOf(id);
  if (!index) return "no plugin '" + id + "'";
  if (!plugins_[*index].loaded) return plugins_[*index].failure;
  std::lock_guard lock(mutex_);
  auto& state = states_[*index];
  if (!state.attempted) {
    state.attempted = true;
    state.failure = loadLocked(*index, nullptr);
  }
  return state.failure;
}

bool PluginManager::usable(const std::string& id) const {
  return failure(id).empty();
}

std::string PluginManager::failure(const std::string& id) const {
  const auto index = indexOf(id);
  if (!index) return "no plugin '" + id + "'";
  if (!plugins_[*index].loaded) return plugins_[*index].failure;
  std::lock_guard lock(mutex_);
  return states_[*index].failure;
}

bool PluginManager::isLibraryLoaded(const std::string& id) const {
  const auto index = indexOf(id);
  if (!index) return false;
  std::lock_guard lock(mutex_);
  return loaders_[*index]->isLoaded();
}

std::unique_ptr<AnalysisPlugin> PluginManager::create(const std::string& id) const {
  const auto index = indexOf(id);
  if (!index) throw PluginError("no plugin '" + id + "'");
  if (!plugins_[*index].loaded)
    throw PluginError("plugin '" + id + "' is not usable: " + plugins_[*index].failure);
  std::unique_ptr<AnalysisPlugin> first;
  {
    std::lock_guard lock(mutex_);
    auto& state = states_[*index];
    if (!state.attempted) {
      state.attempted = true;
      state.failure = loadLocked(*index, &first);
    }
    if (!state.failure.empty())
      throw PluginError("plugin '" + id + "' is not usable: " + state.failure);
  }
  if (first) return first;
  auto* factory = qobject_cast<PluginFactory*>(loaders_[*index]->instance());
  if (factory == nullptr) throw PluginError("plugin '" + id + "' is no longer available");
  try {
    auto plugin = factory->create();
    if (!plugin) throw PluginError("plugin '" + id + "' factory returned nothing");
    return plugin;
  } catch (const PluginError&) {
    throw;
  } catch (const std::exception& error) {
    throw PluginError("plugin '" + id + "' failed to start: " + error.what());
  }
}

}  // namespace nl::plugins
