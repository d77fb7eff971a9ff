#include "io/readers/PhyReader.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "io/UntrustedInput.h"
#include "io/readers/CsvReader.h"
#include "io/readers/NpyReader.h"

namespace nl::io::readers {

namespace {

std::vector<double> readNpy(const std::filesystem::path& folder, const std::string& file) {
  const auto path = folder / file;
  if (!std::filesystem::exists(path)) throw FileError(folder, "the phy folder has no " + file);
  return readNpyValues(path, parseNpyHeader(path, readNpyHead(path)));
}

double sampleRate(const std::filesystem::path& folder) {
  const auto file = folder / "params.py";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    throw FileError(folder, "the phy folder has no params.py (needed for the sample rate)");
  std::istringstream in(readWholeFile(file, kMaxPhyParamsBytes, "a phy params.py"));
  static const std::regex pattern(R"(^\s*sample_rate\s*=\s*([0-9.eE+-]+))");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch match;
    if (std::regex_search(line, match, pattern)) {
      const auto rate = parseFiniteNumber(match.str(1));
      if (!rate || !(*rate > 0))
        throw FileError(file, "sample_rate = " + match.str(1) +
                                  " is not a finite positive number of samples per second");
      return *rate;
    }
  }
  throw FileError(folder / "params.py", "no sample_rate = … line");
}

std::shared_ptr<const TableDataset> readTsv(const std::filesystem::path& path) {
  const auto contents = CsvReader().open(path, {});
  return std::dynamic_pointer_cast<const TableDataset>(contents.datasets.front());
}

}  // namespace

int PhyReader::confidence(const std::filesystem::path& path, std::span<const unsigned char>) const {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec) &&
                 std::filesystem::exists(path / "spike_times.npy", ec)
             ? 100
             : 0;
}

FileContents PhyReader::open(const std::filesystem::path& folder, const std::string&) const {
  const double rate = sampleRate(folder);
  const auto samples = readNpy(folder, "spike_times.npy");
  std::vector<double> clusters;
  if (std::filesystem::exists(folder / "spike_clusters.npy"))
    clusters = readNpy(folder, "spike_clusters.npy");
  else if (std::filesystem::exists(folder / "spike_templates.npy"))
    clusters = readNpy(folder, "spike_templates.npy");
  else
    throw FileError(folder,
                    "the phy folder has neither spike_clusters.npy nor spike_templates.npy");
  if (clusters.size() != samples.size())
    throw FileError(folder, "spike_clusters.npy has " + std::to_string(clusters.size()) +
                                " entries for " + std::to_string(samples.size()) + " spike times");

  // Group spikes by cluster id, in id order.
  std::map<long, std::vector<double>> byCluster;
  for (std::size_t i = 0; i < samples.size(); ++i)
    byCluster[std::lround(clusters[i])].push_back(samples[i] / rate);
  std::vector<double> ids, spikeTimes, counts;
  std::vector<std::uint64_t> offsets{0};
  for (auto& [id, times] : byCluster) {
    std::sort(times.begin(), times.end());
    ids.push_back(static_cast<double>(id));
    counts.push_back(static_cast<double>(times.size()));
    spikeTimes.insert(spikeTimes.end(), times.begin(), times.end());
    offsets.push_back(spikeTimes.size());
  }

  // Unit table: cluster_info.tsv (phy 2) or cluster_group.tsv, joined on cluster_id.
  std::vector<Column> columns{{"id", ids}, {"spike_count", counts}};
  for (const char* file : {"cluster_info.tsv", "cluster_group.tsv", "cluster_KSLabel.tsv"}) {
    if (!std::filesystem::exists(folder / file)) continue;
    const auto table = readTsv(folder / file);
    const auto* key = table->numericColumn("cluster_id");
    if (key == nullptr) key = table->numericColumn("id");
    if (key == nullptr) throw FileError(folder / file, "no cluster_id column");
    std::map<long, std::size_t> rowOf;
    for (std::size_t r = 0; r < key->size(); ++r) rowOf[std::lround((*key)[r])] = r;
    for (const auto& column : table->columns()) {
      if (column.name == "cluster_id" || column.name == "id" ||
          std::any_of(columns.begin(), columns.end(),
                      [&](const Column& c) { return c.name == column.name; }))
        continue;
      if (column.isNumeric()) {
        std::vector<double> values;
        for (double id : ids) {
          const auto it = rowOf.find(std::lround(id));
          values.push_back(it == rowOf.end() ? std::nan("") : column.numbers()[it->second]);
        }
        columns.push_back({column.name, values});
      } else {
        std::vector<std::string> values;
        for (double id : ids) {
          const auto it = rowOf.find(std::lround(id));
          values.push_back(it == rowOf.end() ? "" : column.strings()[it->second]);
        }
        columns.push_back({column.name, values});
      }
    }
  }
  // phy's "ch" is the peak channel: name it as the rest of the app does.
  for (auto& c : columns)
    if (c.name == "ch") c.name = "peak_channel_id";

  std::shared_ptr<const TableDataset> electrodes;
  if (std::filesystem::exists(folder / "channel_positions.npy")) {
    const auto positions = readNpy(folder, "channel_positions.npy");
    if (positions.size() % 2 != 0)
      throw FileError(folder / "channel_positions.npy", "expected an n × 2 array");
    std::vector<double> channel, x, y, z;
    for (std::size_t i = 0; i < positions.size() / 2; ++i) {
      channel.push_back(static_cast<double>(i));
      x.push_back(positions[2 * i]);
      y.push_back(0.0);
      z.push_back(positions[2 * i + 1]);  // depth along the shank as the vertical axis
    }
    electrodes = std::make_shared<TableDataset>(
        DatasetKind::Electrodes, "channels",
        std::vector<Column>{
            {"id", channel}, {"x", x}, {"y", y}, {"z", z}, {"probe_vertical_position", z}},
        Provenance::fromFile(folder.string(), "channel_positions.npy", name()));
  }
  const auto provenance = Provenance::fromFile(folder.string(), "", name());
  auto units = std::make_shared<TableDataset>(DatasetKind::Table, "clusters", std::move(columns),
                                              provenance);
  FileContents contents;
  contents.metadata = {
      {"sample_rate_hz", rate}, {"spikes", samples.size()}, {"clusters", ids.size()}};
  contents.datasets.push_back(std::make_shared<SpikeRecording>(
      folder.filename().string(), units, std::move(spikeTimes), std::move(offsets), electrodes,
      provenance, Attributes{{"sampling_rate_hz", std::to_string(rate)}}));
  return contents;
}

}  // namespace nl::io::readers
