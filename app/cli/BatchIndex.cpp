#include "app/cli/BatchIndex.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "io/AtomicWrite.h"
#include "io/DatasetHdf5.h"
#include "io/NeuroLoupeFormat.h"
#include "io/Provenance.h"
#include "io/ReaderRegistry.h"
#include "plugins/PluginManager.h"

namespace nl::cli {

namespace {

const std::vector<std::string> kColumns{"run_id", "plugin",      "inputs",         "parameters",
                                        "status", "wall_time_s", "peak_memory_mb", "error",
                                        "result", "log",         "worker"};

std::string csvCell(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string number(double value, const char* format) {
  if (!std::isfinite(value)) return {};
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

bool fileExists(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

}  // namespace

std::string resultProblem(const std::filesystem::path& outDir, const PlannedRun& run,
                          const plugins::PluginManager& manager) {
  const auto path = resultPath(outDir, run.id);
  if (!fileExists(path)) return "no result file";
  try {
    const auto file = io::h5::File::openReadOnly(path);
    const auto root = file.root();
    if (root.stringAttribute(io::format::kFormatAttribute) != io::format::kResultFormat)
      return "not a NeuroLoupe result file";
    if (root.stringAttribute("plugin_id") != run.pluginId)
      return "made by another plugin (" + root.stringAttribute("plugin_id").value_or("none") + ")";
    if (root.stringAttribute("parameters") != run.parametersJson)
      return "made with other parameters";
    const auto provenance = io::readRunProvenance(root);
    for (const auto& [port, specText] : run.inputs) {
      const auto spec = io::parsePathSpec(specText);
      const std::string source = spec.path.string();
      const bool recorded = std::any_of(
          provenance.inputs.begin(), provenance.inputs.end(), [&](const io::ProvenanceInput& in) {
            return in.sourcePath == source || in.sourcePath.starts_with(source + "/");
          });
      if (!recorded) return "made from other inputs (" + source + " is not among them)";
    }
    if (!root.isGroup("outputs")) return "has no outputs";
    const auto outputs = root.openGroup("outputs");
    const auto* descriptor = manager.find(run.pluginId);
    if (descriptor != nullptr)
      for (const auto& port : descriptor->outputs) {
        if (port.optional) continue;
        if (!outputs.isGroup(port.name) || !outputs.openGroup(port.name).hasAttribute("kind"))
          return "output '" + port.name + "' is missing";
      }
  } catch (const io::FileError& error) {
    return std::string("unreadable: ") + error.what();
  }
  return {};
}

std::vector<std::pair<std::string, RunRecord>> previousRecords(
    const std::filesystem::path& outDir) {
  std::vector<std::pair<std::string, RunRecord>> out;
  const auto path = outDir / kIndexH5;
  if (!fileExists(path)) return out;
  try {
    const auto contents = io::ReaderRegistry::builtin().open({path, "/datasets/index"});
    if (contents.datasets.size() != 1) return out;
    const auto* table = dynamic_cast<const io::TableDataset*>(contents.datasets.front().get());
    if (table == nullptr) return out;
    const auto* ids = table->column("run_id");
    const auto* statuses = table->column("status");
    const auto* wall = table->numericColumn("wall_time_s");
    const auto* peak = table->numericColumn("peak_memory_mb");
    const auto* errors = table->column("error");
    if (ids == nullptr || statuses == nullptr || ids->isNumeric() || statuses->isNumeric())
      return out;
    for (std::size_t row = 0; row < table->rowCount(); ++row) {
      RunRecord record;
      record.status = statusFromName(statuses->strings()[row]).value_or(RunStatus::Pending);
      if (wall != nullptr) record.wallSeconds = (*wall)[row];
      if (peak != nullptr) record.peakMemoryMb = (*peak)[row];
      if (errors != nullptr) record.error = errors->cellText(row);
      if (const auto* worker = table->column("worker")) record.worker = worker->cellText(row);
      out.emplace_back(ids->strings()[row], record);
    }
  } catch (const std::exception&) {
    return {};  // an unreadable old index only loses the old timings
  }
  return out;
}

void writeIndex(const std::filesystem::path& outDir, const BatchPlan& plan,
                const std::vector<RunRecord>& records, const BatchCounts& counts) {
  std::vector<std::string> ids, plugins, inputs, parameters, statuses, errors, results, logs,
      workers;
  std::vector<double> wall, peak;
  for (std::size_t i = 0; i < plan.runs.size(); ++i) {
    const auto& run = plan.runs[i];
    const auto& record = records[i];
    ids.push_back(run.id);
    plugins.push_back(run.pluginId);
    inputs.push_back(inputsText(run));
    parameters.push_back(run.parametersJson);
    statuses.push_back(statusName(record.status));
    errors.push_back(record.error);
    const bool hasResult =
        record.status == RunStatus::Done && fileExists(resultPath(outDir, run.id));
    results.push_back(hasResult ? resultPath(outDir, run.id).filename().string() : "");
    const auto log = logPath(outDir, run.id);
    logs.push_back(fileExists(log) ? (log.parent_path().filename() / log.filename()).string() : "");
    workers.push_back(record.worker);
    wall.push_back(record.wallSeconds);
    peak.push_back(record.peakMemoryMb);
  }

  std::vector<io::Column> columns{{"run_id", ids},          {"plugin", plugins},
                                  {"inputs", inputs},       {"parameters", parameters},
                                  {"status", statuses},     {"wall_time_s", wall},
                                  {"peak_memory_mb", peak}, {"error", errors},
                                  {"result", results},      {"log", logs},
                                  {"worker", workers}};
  // "table_role" lets the app tell a batch index from other tables (its rows open results).
  const io::TableDataset table(io::DatasetKind::Table, "batch index", std::move(columns), {},
                               {{"table_role", "batch_index"}});
  io::writeHdf5Atomically(outDir / kIndexH5, [&](const io::h5::Group& root) {
    root.setAttribute(io::format::kFormatAttribute, std::string(io::format::kBatchIndexFormat));
    root.setAttribute(io::format::kVersionAttribute, std::int64_t{io::format::kSchemaVersion});
    root.setAttribute("plan", io::absoluteNormalPath(plan.file.string()));
    root.setAttribute("updated_utc", io::utcNowIso8601());
    root.setAttribute("runs", static_cast<std::int64_t>(plan.runs.size()));
    root.setAttribute("done", static_cast<std::int64_t>(counts.done));
    root.setAttribute("failed", static_cast<std::int64_t>(counts.failed));
    root.setAttribute("remaining", static_cast<std::int64_t>(counts.remaining));
    root.setAttribute("eta_s", counts.etaSeconds);
    io::writeDataset(root.createGroup("datasets").createGroup("index"), table);
  });
  // The CSV second: whoever sees a run in it finds it in index.h5 too.
  std::string csv;
  for (std::size_t c = 0; c < kColumns.size(); ++c) csv += (c ? "," : "") + kColumns[c];
  csv += "\n";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::vector<std::string> cells{ids[i],
                                         plugins[i],
                                         inputs[i],
                                         parameters[i],
                                         statuses[i],
                                         number(wall[i], "%.3f"),
                                         number(peak[i], "%.1f"),
                                         errors[i],
                                         results[i],
                                         logs[i],
                                         workers[i]};
    for (std::size_t c = 0; c < cells.size(); ++c) csv += (c ? "," : "") + csvCell(cells[c]);
    csv += "\n";
  }
  io::writeFileAtomically(outDir / kIndexCsv, csv);
}

}  // namespace nl::cli
