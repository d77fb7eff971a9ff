#include "io/readers/ConnectomeJsonReader.h"

#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "io/UntrustedInput.h"

namespace nl::io::readers {

int ConnectomeJsonReader::confidence(const std::filesystem::path& path,
                                     std::span<const unsigned char> head) const {
  if (!hasExtension(path, extensions())) return 0;
  const std::string_view text(reinterpret_cast<const char*>(head.data()), head.size());
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] != '[') return 0;
  const auto object = text.find_first_not_of(" \t\r\n", first + 1);
  if (object == std::string_view::npos || text[object] != '{') return 0;
  // Both keys within the first object (the head is 512 bytes; a White 1986
  // edge with its synapse list fits, and Witvliet's "pre" follows "post").
  if (text.find("\"pre\"") != std::string_view::npos &&
      text.find("\"post\"") != std::string_view::npos)
    return 60;
  return 0;
}

FileContents ConnectomeJsonReader::open(const std::filesystem::path& path,
                                        const std::string& internalPath) const {
  if (!internalPath.empty() && internalPath != "/")
    throw FileError(path,
                    "a connectome JSON file holds one table; it has no '" + internalPath + "'");
  const nlohmann::json json = readUntrustedJsonFile(path);
  if (!json.is_array())
    throw FileError(path,
                    "is not a connectome: expected a JSON list of edges {pre, post, typ, syn}");
  std::vector<std::string> pre, post, type;
  std::vector<double> synapses;
  pre.reserve(json.size());
  for (std::size_t i = 0; i < json.size(); ++i) {
    const auto& edge = json[i];
    const std::string where = "edge " + std::to_string(i);
    if (!edge.is_object()) throw FileError(path, where + " is not an object");
    for (const char* key : {"pre", "post"})
      if (!edge.contains(key) || !edge[key].is_string() || edge[key].get<std::string>().empty())
        throw FileError(path, where + " has no neuron name '" + key + "'");
    const auto typ = edge.find("typ");
    if (typ == edge.end() || !typ->is_number_integer())
      throw FileError(path,
                      where + " has no integer synapse type 'typ' (0 chemical, 2 electrical)");
    const auto syn = edge.find("syn");
    std::size_t count = 0;
    if (syn == edge.end()) throw FileError(path, where + " has no synapse list 'syn'");
    if (syn->is_array()) {
      for (const auto& s : *syn)
        if (!s.is_number()) throw FileError(path, where + ": 'syn' holds a non-number");
      count = syn->size();
    } else if (syn->is_number_integer() && syn->get<long long>() >= 0) {
      count = syn->get<std::size_t>();  // a plain count
    } else {
      throw FileError(path, where + ": 'syn' is neither a list of synapses nor a count");
    }
    const int code = typ->get<int>();
    pre.push_back(edge["pre"].get<std::string>());
    post.push_back(edge["post"].get<std::string>());
    type.push_back(code == 0 ? "chemical" : code == 2 ? "electrical" : std::to_string(code));
    synapses.push_back(static_cast<double>(count));
  }
  if (pre.empty()) throw FileError(path, "is an empty list: a connectome needs at least one edge");
  FileContents contents;
  contents.metadata["format"] = "connectome edge list (pre, post, typ, syn)";
  contents.metadata["edges"] = pre.size();
  Attributes attributes{{"role", "anatomical_connectome"}};
  contents.datasets.push_back(
      std::make_shared<TableDataset>(DatasetKind::Table, path.stem().string(),
                                     std::vector<Column>{{"pre", std::move(pre)},
                                                         {"post", std::move(post)},
                                                         {"type", std::move(type)},
                                                         {"synapses", std::move(synapses)}},
                                     Provenance::fromFile(path.string(), "", name()), attributes));
  return contents;
}

}  // namespace nl::io::readers
