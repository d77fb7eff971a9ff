#include "io/DatasetHdf5.h"

#include <nlohmann/json.hpp>

namespace nl::io {

namespace {

void writeProvenance(const h5::Group& group, const Provenance& p) {
  group.setAttribute("provenance", toJson(p).dump());
  if (p.isDerived()) {
    group.setAttribute("run_id", p.runId);
    if (!p.outputName.empty()) group.setAttribute("output_name", p.outputName);
    group.setAttribute("plugin_id", p.pluginId);
    group.setAttribute("plugin_version", p.pluginVersion);
    group.setAttribute("parameters", p.parametersJson);
    group.setAttribute("inputs", toJson(p)["inputs"].dump());
  }
  if (!p.sourcePath.empty()) group.setAttribute("source_path", p.sourcePath);
  if (!p.internalPath.empty()) group.setAttribute("internal_path", p.internalPath);
  if (!p.appVersion.empty()) group.setAttribute("app_version", p.appVersion);
  if (!p.createdUtc.empty()) group.setAttribute("created_utc", p.createdUtc);
}

Provenance readProvenance(const h5::Group& group, const StoredOutput& stored) {
  const auto text = group.stringAttribute("provenance");
  if (!text) return {};
  const auto json = nlohmann::json::parse(*text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) group.fail("provenance attribute is not JSON");
  Provenance provenance = provenanceFromJson(json);
  if (provenance.isDerived() && !stored.file.empty()) {
    provenance.sourcePath = stored.file;
    provenance.internalPath = group.objectPath();
    if (provenance.outputName.empty()) provenance.outputName = stored.outputName;
  }
  return provenance;
}

// HDF5 link names cannot hold '/' (a path separator) nor be "."; column
// names may ("spikes/s", "ΔF/F"). Links take an escaped name ('%' → %25,
// '/' → %2F, a leading '.' → %2E); column_order keeps the real names.
std::string linkNameOf(const std::string& column) {
  std::string out;
  for (std::size_t i = 0; i < column.size(); ++i) {
    const char c = column[i];
    if (c == '%')
      out += "%25";
    else if (c == '/')
      out += "%2F";
    else if (c == '.' && i == 0)
      out += "%2E";
    else
      out += c;
  }
  return out;
}

std::string columnNameOf(const std::string& link) {
  std::string out;
  for (std::size_t i = 0; i < link.size(); ++i) {
    if (link[i] == '%' && i + 2 < link.size()) {
      const std::string code = link.substr(i + 1, 2);
      if (code == "25" || code == "2F" || code == "2E") {
        out += code == "25" ? '%' : code == "2F" ? '/' : '.';
        i += 2;
        continue;
      }
    }
    out += link[i];
  }
  return out;
}

void writeTable(const h5::Group& group, const TableDataset& table) {
  const auto columns = group.createGroup("columns");
  nlohmann::json order = nlohmann::json::array();
  for (const auto& column : table.columns()) {
    order.push_back(column.name);
    const std::string link = linkNameOf(column.name);
    if (column.isNumeric())
      columns.writeDoubles(link, column.numbers(), {column.size()});
    else
      columns.writeStrings(link, column.strings());
  }
  group.setAttribute("column_order", order.dump());
}

std::vector<Column> readColumns(const h5::Group& group) {
  const auto columns = group.openGroup("columns");
  std::vector<std::string> names;
  if (auto order = group.stringAttribute("column_order")) {
    const auto json = nlohmann::json::parse(*order, nullptr, false);
    if (!json.is_array()) group.fail("column_order is not a JSON array");
    for (const auto& n : json) names.push_back(n.get<std::string>());
  } else {
    for (const auto& link : columns.children()) names.push_back(columnNameOf(link));
  }
  std::vector<Column> result;
  for (const auto& name : names) {
    // Files written before escaping stored names with '%' as they were.
    std::string link = linkNameOf(name);
    if (!columns.isDataset(link) && columns.isDataset(name)) link = name;
    if (columns.datasetTypeName(link) == "string")
      result.push_back({name, columns.readStrings(link)});
    else
      result.push_back({name, columns.readDoubles(link)});
  }
  return result;
}

Attributes readAttributes(const h5::Group& group) {
  Attributes attributes;
  if (auto text = group.stringAttribute("attributes")) {
    const auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_object())
      for (const auto& [key, value] : json.items())
        if (value.is_string()) attributes[key] = value.get<std::string>();
  }
  return attributes;
}

}  // namespace

Provenance readRunProvenance(const h5::Group& root) {
  nlohmann::json json = nlohmann::json::object();
  if (const auto text = root.stringAttribute("provenance")) {
    json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) root.fail("provenance attribute is not JSON");
    return provenanceFromJson(json);
  }
  for (const char* key :
       {"plugin_id", "plugin_version", "parameters", "app_version", "created_utc", "run_id"})
    if (const auto value = root.stringAttribute(key)) json[key] = *value;
  if (const auto inputs = root.stringAttribute("inputs"))
    json["inputs"] = nlohmann::json::parse(*inputs, nullptr, false);
  return provenanceFromJson(json);
}

void writeDataset(const h5::Group& group, const Dataset& dataset) {
  group.setAttribute("kind", std::string(kindName(dataset.kind())));
  group.setAttribute("name", dataset.name());
  group.setAttribute("attributes", nlohmann::json(dataset.attributes()).dump());
  writeProvenance(group, dataset.provenance());

  if (const auto* array = dynamic_cast<const ArrayDataset*>(&dataset)) {
    group.writeDoubles("values", array->values(), array->shape());
    group.setAttribute("source_dtype", array->sourceType());
  } else if (const auto* table = dynamic_cast<const TableDataset*>(&dataset)) {
    writeTable(group, *table);
  } else if (const auto* spikes = dynamic_cast<const SpikeRecording*>(&dataset)) {
    group.writeDoubles("spike_times", spikes->allSpikeTimes(), {spikes->spikeCount()});
    group.writeUInt64("unit_offsets", spikes->unitOffsets());
    if (spikes->units()) writeDataset(group.createGroup("units"), *spikes->units());
    if (spikes->electrodes()) writeDataset(group.createGroup("electrodes"), *spikes->electrodes());
  } else if (const auto* mesh = dynamic_cast<const SurfaceMeshDataset*>(&dataset)) {
    group.writeFloats("vertices", mesh->vertices(), {mesh->vertexCount(), 3});
    group.writeInt32("triangles", mesh->triangles(), {mesh->triangleCount(), 3});
  } else {
    group.fail("internal: no HDF5 layout for dataset kind " +
               std::string(kindName(dataset.kind())));
  }
}

DatasetPtr readDataset(const h5::Group& group, const StoredOutput& stored) {
  const auto kindText = group.stringAttribute("kind");
  if (!kindText) group.fail("not a NeuroLoupe dataset group (no 'kind' attribute)");
  const auto kind = kindFromName(*kindText);
  if (!kind) group.fail("unknown dataset kind '" + *kindText + "'");
  const std::string name = group.stringAttribute("name").value_or(group.objectPath());
  Provenance provenance = readProvenance(group, stored);
  Attributes attributes = readAttributes(group);

  try {
    if (isArrayKind(*kind)) {
      auto shape = group.datasetShape("values");
      auto values = group.readDoubles("values");
      return std::make_shared<ArrayDataset>(
          *kind, name, std::move(shape), std::move(values), std::move(provenance),
          std::move(attributes), group.stringAttribute("source_dtype").value_or("float64"));
    }
    if (isTableKind(*kind))
      return std::make_shared<TableDataset>(*kind, name, readColumns(group), std::move(provenance),
                                            std::move(attributes));
    if (*kind == DatasetKind::SpikeRecording) {
      std::shared_ptr<const TableDataset> units, electrodes;
      if (group.isGroup("units"))
        units =
            std::dynamic_pointer_cast<const TableDataset>(readDataset(group.openGroup("units")));
      if (group.isGroup("electrodes"))
        electrodes = std::dynamic_pointer_cast<const TableDataset>(
            readDataset(group.openGroup("electrodes")));
      return std::make_shared<SpikeRecording>(name, units, group.readDoubles("spike_times"),
                                              group.readUInt64("unit_offsets"), electrodes,
                                              std::move(provenance), std::move(attributes));
    }
    if (*kind == DatasetKind::SurfaceMesh)
      return std::make_shared<SurfaceMeshDataset>(name, group.readFloats("vertices"),
                                                  group.readInt32("triangles"),
                                                  std::move(provenance), std::move(attributes));
  } catch (const std::invalid_argument& inconsistent) {
    group.fail(std::string("inconsistent dataset: ") + inconsistent.what());
  }
  group.fail("no reader for dataset kind " + *kindText);
}

}  // namespace nl::io
