#include "io/DatasetHdf5.h"

#include <hdf5.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "io/UntrustedInput.h"
#include "io/microscopy/Hdf5Volume.h"
#include "io/microscopy/VolumeDataset.h"

namespace nl::io {

namespace {

void writeProvenance(const h5::Group& group, const Provenance& p) {
  group.setAttribute("provenance", dumpJson(toJson(p)));
  if (p.isDerived()) {
    group.setAttribute("run_id", p.runId);
    if (!p.outputName.empty()) group.setAttribute("output_name", p.outputName);
    group.setAttribute("plugin_id", p.pluginId);
    group.setAttribute("plugin_version", p.pluginVersion);
    group.setAttribute("parameters", p.parametersJson);
    group.setAttribute("inputs", dumpJson(toJson(p)["inputs"]));
  }
  if (!p.sourcePath.empty()) group.setAttribute("source_path", p.sourcePath);
  if (!p.internalPath.empty()) group.setAttribute("internal_path", p.internalPath);
  if (!p.appVersion.empty()) group.setAttribute("app_version", p.appVersion);
  if (!p.createdUtc.empty()) group.setAttribute("created_utc", p.createdUtc);
}

Provenance readProvenance(const h5::Group& group, const StoredOutput& stored) {
  const auto text = group.stringAttribute("provenance");
  if (!text) return {};
  const auto json = parseUntrustedJsonOrDiscarded(*text);
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
  group.setAttribute("column_order", dumpJson(order));
}

std::vector<Column> readColumns(const h5::Group& group) {
  const auto columns = group.openGroup("columns");
  std::vector<std::string> names;
  if (auto order = group.stringAttribute("column_order")) {
    const auto json = parseUntrustedJsonOrDiscarded(*order);
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
    const auto json = parseUntrustedJsonOrDiscarded(*text);
    if (json.is_object())
      for (const auto& [key, value] : json.items())
        if (value.is_string()) attributes[key] = value.get<std::string>();
  }
  return attributes;
}

}  // namespace

namespace {

// A chunked microscopy volume (labels from a segmentation, say) as the HDF5
// dataset "values" (c, z, y, x) in its native type, chunked and deflated,
// written slab by slab so it is never widened to doubles nor held twice.
// Read back lazily through microscopy::openHdf5Volume.
void writeVolume(const h5::Group& group, const microscopy::VolumeDataset& volume) {
  const auto shape = volume.volumeShape();
  const hsize_t dims[4] = {shape.channels, shape.z, shape.y, shape.x};
  const hsize_t chunk[4] = {1, std::min<hsize_t>(64, shape.z), std::min<hsize_t>(128, shape.y),
                            std::min<hsize_t>(128, shape.x)};
  hid_t type = -1;
  switch (volume.voxelType()) {
    case microscopy::VoxelType::Bool:
    case microscopy::VoxelType::UInt8:
      type = H5T_NATIVE_UINT8;
      break;
    case microscopy::VoxelType::Int8:
      type = H5T_NATIVE_INT8;
      break;
    case microscopy::VoxelType::UInt16:
      type = H5T_NATIVE_UINT16;
      break;
    case microscopy::VoxelType::Int16:
      type = H5T_NATIVE_INT16;
      break;
    case microscopy::VoxelType::UInt32:
      type = H5T_NATIVE_UINT32;
      break;
    case microscopy::VoxelType::Int32:
      type = H5T_NATIVE_INT32;
      break;
    case microscopy::VoxelType::UInt64:
      type = H5T_NATIVE_UINT64;
      break;
    case microscopy::VoxelType::Int64:
      type = H5T_NATIVE_INT64;
      break;
    case microscopy::VoxelType::Float32:
      type = H5T_NATIVE_FLOAT;
      break;
    case microscopy::VoxelType::Float64:
      type = H5T_NATIVE_DOUBLE;
      break;
  }
  const hid_t space = H5Screate_simple(4, dims, nullptr);
  const hid_t create = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(create, 4, chunk);
  H5Pset_shuffle(create);
  H5Pset_deflate(create, 1);
  const hid_t dataset =
      H5Dcreate2(group.id(), "values", type, space, H5P_DEFAULT, create, H5P_DEFAULT);
  H5Pclose(create);
  if (dataset < 0) {
    H5Sclose(space);
    group.fail("cannot create the volume dataset 'values'");
  }
  const std::size_t bytes = microscopy::voxelTypeSize(volume.voxelType());
  std::vector<unsigned char> slab;
  bool ok = true;
  for (std::size_t z0 = 0; z0 < shape.z && ok; z0 += chunk[1]) {
    const microscopy::Box box{0, shape.channels, z0, std::min<std::size_t>(z0 + chunk[1], shape.z),
                              0, shape.y,        0,  shape.x};
    slab.resize(box.outputShape().voxelCount() * bytes);
    volume.source()->read(box, 1, volume.voxelType(), slab.data());
    const hsize_t start[4] = {0, z0, 0, 0};
    const hsize_t count[4] = {shape.channels, box.z1 - box.z0, shape.y, shape.x};
    H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr);
    const hid_t memory = H5Screate_simple(4, count, nullptr);
    ok = H5Dwrite(dataset, type, memory, space, H5P_DEFAULT, slab.data()) >= 0;
    H5Sclose(memory);
  }
  H5Dclose(dataset);
  H5Sclose(space);
  if (!ok) group.fail("cannot write the volume dataset 'values'");
  group.setAttribute("layout", std::string("chunked_volume"));
  group.setAttribute("label_encoding",
                     std::string(microscopy::labelEncodingName(volume.labelEncoding())));
}

}  // namespace

Provenance readRunProvenance(const h5::Group& root) {
  nlohmann::json json = nlohmann::json::object();
  if (const auto text = root.stringAttribute("provenance")) {
    json = parseUntrustedJsonOrDiscarded(*text);
    if (json.is_discarded() || !json.is_object()) root.fail("provenance attribute is not JSON");
    return provenanceFromJson(json);
  }
  for (const char* key :
       {"plugin_id", "plugin_version", "parameters", "app_version", "created_utc", "run_id"})
    if (const auto value = root.stringAttribute(key)) json[key] = *value;
  if (const auto inputs = root.stringAttribute("inputs"))
    json["inputs"] = parseUntrustedJsonOrDiscarded(*inputs);
  return provenanceFromJson(json);
}

void writeDataset(const h5::Group& group, const Dataset& dataset) {
  group.setAttribute("kind", std::string(kindName(dataset.kind())));
  group.setAttribute("name", dataset.name());
  group.setAttribute("attributes", dumpJson(nlohmann::json(dataset.attributes())));
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
  } else if (const auto* volume = dynamic_cast<const microscopy::VolumeDataset*>(&dataset)) {
    writeVolume(group, *volume);
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
    if (group.stringAttribute("layout").value_or("") == "chunked_volume") {
      const auto encoding = group.stringAttribute("label_encoding").value_or("none");
      microscopy::VolumeOpenOptions options;
      options.labels = encoding == "label_ids" ? microscopy::LabelEncoding::LabelIds
                       : encoding == "instance_channels"
                           ? microscopy::LabelEncoding::InstanceChannels
                           : microscopy::LabelEncoding::None;
      options.channelAxis = microscopy::VolumeOpenOptions::ChannelAxis::First;
      const auto opened =
          microscopy::openHdf5Volume(group.filePath(), group.objectPath() + "/values", options);
      Attributes merged = opened->attributes();
      for (const auto& [key, value] : attributes) merged[key] = value;
      return std::make_shared<microscopy::VolumeDataset>(name, opened->source(),
                                                         opened->voxelSize(), *options.labels,
                                                         std::move(provenance), std::move(merged));
    }
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
