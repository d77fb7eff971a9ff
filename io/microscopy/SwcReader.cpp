#include "io/microscopy/SwcReader.h"

#include <charconv>
#include <cmath>
#include <map>
#include <unordered_map>

#include "io/UntrustedInput.h"

namespace nl::io::microscopy {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == ',')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != ',') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::shared_ptr<TableDataset> parseSwc(std::string_view text, const std::filesystem::path& path) {
  std::vector<double> ids, types, xs, ys, zs, radii, parents;
  std::vector<std::size_t> lineOf;
  std::string header;
  std::size_t lineNumber = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++lineNumber;
    if (line.empty()) {
      if (end == text.size()) break;
      continue;
    }
    if (line.front() == '#') {
      header += (header.empty() ? "" : "\n") + std::string(trim(line.substr(1)));
      continue;
    }
    const auto where = [&] { return "line " + std::to_string(lineNumber) + ": "; };
    const auto parts = fields(line);
    if (parts.size() != 7)
      throw FileError(path, where() + "has " + std::to_string(parts.size()) +
                                " fields; an SWC node has 7 (id type x y z radius parent)");
    double values[7];
    for (std::size_t i = 0; i < 7; ++i) {
      const auto [ptr, ec] =
          std::from_chars(parts[i].data(), parts[i].data() + parts[i].size(), values[i]);
      if (ec != std::errc() || ptr != parts[i].data() + parts[i].size() ||
          !std::isfinite(values[i]))
        throw FileError(path, where() + "field " + std::to_string(i + 1) + " '" +
                                  std::string(parts[i]) + "' is not a finite number");
    }
    for (std::size_t i : {0, 1, 6})
      if (values[i] != std::floor(values[i]) || std::fabs(values[i]) > 9.007e15)
        throw FileError(path, where() +
                                  (i == 0   ? "id"
                                   : i == 1 ? "type"
                                            : "parent") +
                                  " '" + std::string(parts[i]) + "' is not an integer");
    if (values[0] < 1)
      throw FileError(path, where() + "id " + std::string(parts[0]) + " must be positive");
    if (values[6] < 0 && values[6] != -1)
      throw FileError(
          path, where() + "parent " + std::string(parts[6]) + " must be -1 (root) or a node id");
    ids.push_back(values[0]);
    types.push_back(values[1]);
    xs.push_back(values[2]);
    ys.push_back(values[3]);
    zs.push_back(values[4]);
    radii.push_back(values[5]);
    parents.push_back(values[6]);
    lineOf.push_back(lineNumber);
  }
  if (ids.empty()) throw FileError(path, "holds no SWC nodes");

  std::unordered_map<long long, std::size_t> rowOf;
  rowOf.reserve(ids.size());
  for (std::size_t r = 0; r < ids.size(); ++r) {
    const auto [it, fresh] = rowOf.emplace(static_cast<long long>(ids[r]), r);
    if (!fresh)
      throw FileError(path, "line " + std::to_string(lineOf[r]) + ": node id " +
                                std::to_string(static_cast<long long>(ids[r])) + " repeats line " +
                                std::to_string(lineOf[it->second]));
  }
  std::vector<std::size_t> parentRow(ids.size(), SIZE_MAX);
  std::size_t roots = 0;
  for (std::size_t r = 0; r < ids.size(); ++r) {
    if (parents[r] == -1) {
      ++roots;
      continue;
    }
    const auto it = rowOf.find(static_cast<long long>(parents[r]));
    if (it == rowOf.end())
      throw FileError(path, "line " + std::to_string(lineOf[r]) + ": node " +
                                std::to_string(static_cast<long long>(ids[r])) + " names parent " +
                                std::to_string(static_cast<long long>(parents[r])) +
                                ", which does not exist");
    parentRow[r] = it->second;
  }
  // Cycles: follow parent links; 0 unvisited, 1 on the current walk, 2 reaches a root.
  std::vector<unsigned char> state(ids.size(), 0);
  std::vector<std::size_t> walk;
  for (std::size_t start = 0; start < ids.size(); ++start) {
    walk.clear();
    std::size_t r = start;
    while (r != SIZE_MAX && state[r] == 0) {
      state[r] = 1;
      walk.push_back(r);
      r = parentRow[r];
    }
    if (r != SIZE_MAX && state[r] == 1)
      throw FileError(path, "line " + std::to_string(lineOf[r]) + ": node " +
                                std::to_string(static_cast<long long>(ids[r])) +
                                " is its own ancestor (the parent links form a cycle)");
    for (auto w : walk) state[w] = 2;
  }

  std::map<long long, std::size_t> typeCounts;
  for (double t : types) ++typeCounts[static_cast<long long>(t)];
  std::string typeText;
  for (const auto& [type, count] : typeCounts)
    typeText += (typeText.empty() ? "" : ",") + std::to_string(type) + ":" + std::to_string(count);

  Attributes attributes{{"header", header},
                        {"format", "swc"},
                        {"roots", std::to_string(roots)},
                        {"node_types", typeText}};
  std::vector<Column> columns;
  columns.push_back({"id", std::move(ids)});
  columns.push_back({"type", std::move(types)});
  columns.push_back({"x", std::move(xs)});
  columns.push_back({"y", std::move(ys)});
  columns.push_back({"z", std::move(zs)});
  columns.push_back({"radius", std::move(radii)});
  columns.push_back({"parent", std::move(parents)});
  return std::make_shared<TableDataset>(
      DatasetKind::Table, path.filename().string(), std::move(columns),
      Provenance::fromFile(path.string(), "", "SWC"), std::move(attributes));
}

std::shared_ptr<TableDataset> openSwc(const std::filesystem::path& path) {
  return parseSwc(readWholeFile(path, kMaxSwcBytes, "an SWC file"), path);
}

int SwcReader::confidence(const std::filesystem::path& path, std::span<const unsigned char>) const {
  return hasExtension(path, extensions()) ? 50 : 0;
}

FileContents SwcReader::open(const std::filesystem::path& path,
                             const std::string& internalPath) const {
  if (!internalPath.empty())
    throw FileError(path, "an SWC file has no internal paths ('" + internalPath + "' was given)");
  FileContents contents;
  contents.datasets.push_back(openSwc(path));
  return contents;
}

}  // namespace nl::io::microscopy
