#include "io/SessionFile.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "io/AtomicWrite.h"
#include "io/DatasetHdf5.h"
#include "io/NeuroLoupeFormat.h"
#include "io/UntrustedInput.h"

namespace nl::io {

namespace {
std::string entryName(std::size_t position) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%06zu", position);
  return buffer;
}
}  // namespace

void saveSession(const Session& session, const std::filesystem::path& path,
                 const SessionSaveOptions& options) {
  writeHdf5Atomically(
      path,
      [&](const h5::Group& root) {
        root.setAttribute(format::kFormatAttribute, std::string(format::kSessionFormat));
        root.setAttribute(format::kVersionAttribute, std::int64_t{format::kSchemaVersion});
        root.setAttribute("app_version", options.appVersion);
        root.setAttribute("created_utc", utcNowIso8601());

        const auto datasets = root.createGroup("datasets");
        std::int64_t selectedPosition = -1;
        for (std::size_t i = 0; i < session.entries().size(); ++i) {
          const auto& entry = session.entries()[i];
          if (entry.id == session.selection().dataset())
            selectedPosition = static_cast<std::int64_t>(i);
          const auto group = datasets.createGroup(entryName(i));
          const Provenance& provenance = entry.dataset->provenance();
          if (provenance.isFromFile()) {
            // Source data stay where they are; the session points at them.
            group.setAttribute("storage", std::string("reference"));
            group.setAttribute("kind", std::string(kindName(entry.dataset->kind())));
            group.setAttribute("name", entry.dataset->name());
            group.setAttribute("source_path", absoluteNormalPath(provenance.sourcePath));
            group.setAttribute("internal_path", provenance.internalPath);
            group.setAttribute("provenance", dumpJson(toJson(provenance)));
          } else {
            group.setAttribute("storage", std::string("inline"));
            writeDataset(group, *entry.dataset);
          }
        }

        // Recorded run inputs the user located elsewhere (Session::relocate).
        root.setAttribute("relocations", dumpJson(nlohmann::json(session.relocations())));

        const auto view = root.createGroup("view");
        view.setAttribute("layout", session.viewLayoutJson());
        const auto& selection = session.selection();
        view.setAttribute("selected_dataset_position", selectedPosition);
        std::vector<double> indices(selection.indices().begin(), selection.indices().end());
        view.writeDoubles("selected_indices", indices, {indices.size()});
        view.setAttribute("time_cursor", selection.timeCursor());
      },
      options.beforeRename);
}

SessionLoadReport loadSession(Session& session, const std::filesystem::path& path,
                              const ReaderRegistry& registry) {
  auto file = h5::File::openReadOnly(path);
  const auto root = file.root();
  const auto format = root.stringAttribute(format::kFormatAttribute);
  if (!format || *format != format::kSessionFormat)
    throw FileError(path, "not a NeuroLoupe session file");
  const auto version =
      static_cast<int>(root.numberAttribute(format::kVersionAttribute).value_or(0));
  if (version < 1 || version > format::kSchemaVersion)
    throw FileError(path, "session schema version " + std::to_string(version) +
                              " is not supported (this build reads 1 to " +
                              std::to_string(format::kSchemaVersion) + ")");

  // Read everything first so a broken session leaves the current one untouched.
  SessionLoadReport report;
  std::vector<std::pair<std::size_t, DatasetPtr>> loaded;  // (saved position, dataset)
  const auto datasets = root.openGroup("datasets");
  const auto names = datasets.children();
  for (std::size_t position = 0; position < names.size(); ++position) {
    const auto group = datasets.openGroup(names[position]);
    if (group.stringAttribute("storage").value_or("inline") != "reference") {
      try {
        loaded.emplace_back(position, readDataset(group));
      } catch (const FileError& error) {
        report.notices.push_back("a stored result could not be read and was skipped: " +
                                 error.reason());
      }
      continue;
    }
    const std::string source = group.stringAttribute("source_path").value_or("");
    const std::string internal = group.stringAttribute("internal_path").value_or("");
    const std::string name = group.stringAttribute("name").value_or("");
    std::error_code ec;
    if (!std::filesystem::exists(source, ec)) {
      report.notices.push_back("'" + name + "' was not opened: its file " + source + " is missing");
      continue;
    }
    try {
      auto contents = registry.open(source, internal);
      DatasetPtr match;
      for (const auto& dataset : contents.datasets)
        if (dataset->name() == name) match = dataset;
      if (!match && contents.datasets.size() == 1) match = contents.datasets.front();
      if (!match) {
        report.notices.push_back("'" + name + "' is no longer in " + source);
        continue;
      }
      loaded.emplace_back(position, match);
    } catch (const FileError& error) {
      report.notices.push_back("'" + name + "' was not opened: " + error.what());
    }
  }

  std::map<std::string, std::string> relocations;
  if (const auto text = root.stringAttribute("relocations")) {
    const auto json = parseUntrustedJsonOrDiscarded(*text);
    if (json.is_object())
      for (const auto& [from, to] : json.items())
        if (to.is_string()) relocations[from] = to.get<std::string>();
  }

  std::string layout;
  std::int64_t selectedPosition = -1;
  std::vector<double> indices;
  double timeCursor = std::nan("");
  if (root.isGroup("view")) {
    const auto view = root.openGroup("view");
    layout = view.stringAttribute("layout").value_or("");
    selectedPosition =
        static_cast<std::int64_t>(view.numberAttribute("selected_dataset_position").value_or(-1));
    if (view.isDataset("selected_indices")) indices = view.readDoubles("selected_indices");
    timeCursor = view.numberAttribute("time_cursor").value_or(std::nan(""));
  }

  session.clear();
  DatasetId selectedId = kNoDataset;
  DatasetPtr selected;
  report.idsBySavedPosition.assign(names.size(), kNoDataset);
  for (const auto& [position, dataset] : loaded) {
    const DatasetId id = session.add(dataset);
    report.idsBySavedPosition[position] = id;
    if (static_cast<std::int64_t>(position) == selectedPosition)
      selectedId = id, selected = dataset;
  }
  // Selected units or rows the dataset no longer has (a file changed since,
  // or an edited session) are dropped, never handed to the views.
  if (selected && (selected->kind() == DatasetKind::SpikeRecording ||
                   dynamic_cast<const TableDataset*>(selected.get()) != nullptr)) {
    const auto count = static_cast<double>(selected->shape().at(0));
    const auto before = indices.size();
    std::erase_if(indices, [count](double i) { return !(i >= 0 && i < count); });
    if (indices.size() != before)
      report.notices.push_back("the saved selection named " +
                               std::to_string(before - indices.size()) + " item(s) '" +
                               selected->name() + "' does not have (it has " +
                               std::to_string(selected->shape().at(0)) + "); they were dropped");
  }
  session.setViewLayoutJson(layout);
  for (const auto& [from, to] : relocations) session.relocate(from, to);
  if (selectedId != kNoDataset)
    session.selection().select(
        selectedId, std::vector<std::int64_t>(indices.begin(), indices.end()), "session");
  session.selection().setTimeCursor(timeCursor, "session");
  return report;
}

}  // namespace nl::io
