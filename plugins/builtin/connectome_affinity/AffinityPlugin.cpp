// connectome.affinity: calcium-trace datasets → analysis::connectome
// Recordings (the thin adapter: layout, names, rates, positions, stimuli,
// renaming), aligned, and the window × animal × pair affinity tensor back
// as datasets (docs/CONNECTOME.md, the contract of #17).
#include <QObject>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "analysis/connectome/Affinity.h"
#include "analysis/connectome/Traces.h"
#include "plugins/api/AnalysisPlugin.h"

namespace cn = nl::analysis::connectome;
using nl::io::ArrayDataset;
using nl::io::Column;
using nl::io::DatasetKind;
using nl::io::TableDataset;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string describe(const nl::io::Dataset& d) {
  const auto& p = d.provenance();
  std::string text = "'" + d.name() + "'";
  if (!p.sourcePath.empty())
    text += " (" + p.sourcePath + (p.internalPath.empty() ? "" : "::" + p.internalPath) + ")";
  return text;
}

std::optional<double> numberAttribute(const nl::io::Dataset& d, const std::string& key) {
  const auto& a = d.attributes();
  const auto it = a.find(key);
  if (it == a.end() || it->second.empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    const double v = std::stod(it->second, &used);
    return v;
  } catch (const std::exception&) {
    throw std::invalid_argument(describe(d) + ": attribute " + key + " = '" + it->second +
                                "' is not a number");
  }
}

std::vector<std::array<double, 3>> parsePositions(const nlohmann::json& j, std::size_t expected,
                                                  const std::string& where) {
  if (!j.is_array() || j.size() != expected)
    throw std::invalid_argument(where + ": neuron_positions must be a JSON array of " +
                                std::to_string(expected) + " [x, y, z] entries");
  std::vector<std::array<double, 3>> out;
  for (const auto& p : j) {
    std::array<double, 3> xyz{kNaN, kNaN, 0.0};
    if (!p.is_array() || p.size() < 2 || p.size() > 3)
      throw std::invalid_argument(where + ": a neuron position is not [x, y] or [x, y, z]");
    for (std::size_t k = 0; k < p.size(); ++k)
      xyz[k] = p[k].is_number() ? p[k].get<double>() : kNaN;
    out.push_back(xyz);
  }
  return out;
}

std::vector<std::array<double, 3>> positionsFrom(const nl::io::Dataset& d, std::size_t expected) {
  std::vector<std::array<double, 3>> out;
  if (const auto* array = dynamic_cast<const ArrayDataset*>(&d)) {
    const auto shape = array->shape();
    if (shape.size() != 2 || shape[0] != expected || shape[1] < 2 || shape[1] > 3)
      throw std::invalid_argument(
          "positions " + describe(d) + " must be " + std::to_string(expected) +
          " × 2 or 3 (one row per neuron), it is " + nlohmann::json(shape).dump());
    const auto& v = array->values();
    for (std::size_t n = 0; n < expected; ++n)
      out.push_back(
          {v[n * shape[1]], v[n * shape[1] + 1], shape[1] == 3 ? v[n * shape[1] + 2] : 0.0});
    return out;
  }
  const auto& table = dynamic_cast<const TableDataset&>(d);
  const auto* x = table.numericColumn("x");
  const auto* y = table.numericColumn("y");
  const auto* z = table.numericColumn("z");
  if (!x || !y)
    throw std::invalid_argument("positions " + describe(d) + " has no numeric columns x and y");
  if (table.rowCount() != expected)
    throw std::invalid_argument("positions " + describe(d) + " has " +
                                std::to_string(table.rowCount()) + " rows for " +
                                std::to_string(expected) + " neurons");
  for (std::size_t n = 0; n < expected; ++n) out.push_back({(*x)[n], (*y)[n], z ? (*z)[n] : 0.0});
  return out;
}

std::vector<cn::Epoch> epochsFrom(const TableDataset& table) {
  auto numeric = [&](std::initializer_list<const char*> names) -> const std::vector<double>* {
    for (const char* name : names)
      if (const auto* c = table.numericColumn(name)) return c;
    return nullptr;
  };
  const auto* start = numeric({"start", "start_time", "onset", "begin"});
  const auto* stop = numeric({"stop", "stop_time", "end", "offset"});
  const auto* duration = numeric({"duration"});
  if (!start)
    throw std::invalid_argument("stimuli " + describe(table) +
                                " has no numeric start column (start, start_time or onset)");
  const Column* label = nullptr;
  for (const char* name : {"label", "stimulus_name", "stimulus", "name", "condition", "tags"})
    if (const auto* c = table.column(name)) {
      label = c;
      break;
    }
  if (!label)
    for (const auto& c : table.columns())
      if (!c.isNumeric()) {
        label = &c;
        break;
      }
  std::vector<cn::Epoch> epochs;
  for (std::size_t r = 0; r < table.rowCount(); ++r) {
    const double s = (*start)[r];
    const double e = stop ? (*stop)[r] : duration ? s + (*duration)[r] : s;
    if (!std::isfinite(s)) continue;
    epochs.push_back({s, e, label ? label->cellText(r) : std::string()});
  }
  std::stable_sort(epochs.begin(), epochs.end(),
                   [](const cn::Epoch& a, const cn::Epoch& b) { return a.start < b.start; });
  return epochs;
}

// current name → new name ("" drops the neuron).
std::map<std::string, std::string> labelsFrom(const TableDataset& table) {
  if (table.columns().size() < 2)
    throw std::invalid_argument("neuron_labels " + describe(table) +
                                " needs two columns (current name, label)");
  const Column& from = table.columns().front();
  const Column* to = table.column("label");
  if (!to || to == &from) to = &table.columns()[1];
  std::map<std::string, std::string> map;
  for (std::size_t r = 0; r < table.rowCount(); ++r) map[from.cellText(r)] = to->cellText(r);
  return map;
}

// The thin adapter: one traces dataset → a Recording.
cn::Recording recordingFrom(const nl::io::Dataset& dataset,
                            const nl::plugins::ParameterSet& parameters,
                            std::vector<std::string>& notes) {
  const auto* array = dynamic_cast<const ArrayDataset*>(&dataset);
  if (!array) throw std::invalid_argument("traces " + describe(dataset) + " is not an array");
  const auto shape = array->shape();
  if (shape.size() != 2 || shape[0] == 0 || shape[1] == 0)
    throw std::invalid_argument("traces " + describe(dataset) +
                                " must be 2-D (frames × neurons), its shape is " +
                                nlohmann::json(shape).dump());
  bool transposed = false;
  const auto& attributes = array->attributes();
  const auto axes = attributes.find("axes");
  const std::string layout = parameters.text("layout");
  if (axes != attributes.end() && axes->second == "frame, neuron")
    transposed = false;
  else if (axes != attributes.end() && axes->second == "neuron, frame")
    transposed = true;
  else if (layout == "frames_by_neurons")
    transposed = false;
  else if (layout == "neurons_by_frames")
    transposed = true;
  else
    transposed = shape[1] > shape[0];  // auto: the longer axis is time
  const std::size_t frames = transposed ? shape[1] : shape[0];
  const std::size_t neurons = transposed ? shape[0] : shape[1];
  const auto& values = array->values();
  cn::Recording r;
  r.values.resize(static_cast<Eigen::Index>(frames), static_cast<Eigen::Index>(neurons));
  for (std::size_t t = 0; t < frames; ++t)
    for (std::size_t n = 0; n < neurons; ++n) {
      const double v = transposed ? values[n * frames + t] : values[t * neurons + n];
      r.values(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(n)) =
          std::isfinite(v) ? v : kNaN;  // ±inf is no measurement either
    }
  if (const auto it = attributes.find("neuron_names"); it != attributes.end()) {
    const auto names = nlohmann::json::parse(it->second, nullptr, false);
    if (!names.is_array() || names.size() != neurons)
      throw std::invalid_argument("traces " + describe(dataset) +
                                  ": neuron_names is not a JSON array of " +
                                  std::to_string(neurons) + " names (one per neuron)");
    for (const auto& n : names) r.names.push_back(n.is_string() ? n.get<std::string>() : n.dump());
  } else {
    for (std::size_t n = 0; n < neurons; ++n) r.names.push_back(std::to_string(n));
  }
  if (const auto rate = numberAttribute(dataset, "frame_rate")) {
    r.frameRate = *rate;
  } else {
    r.frameRate = parameters.real("input_frame_rate");
    notes.push_back("traces " + describe(dataset) + " carry no frame_rate; assumed " +
                    nlohmann::json(r.frameRate).dump() + " Hz (input_frame_rate)");
  }
  if (!(r.frameRate > 0))
    throw std::invalid_argument("traces " + describe(dataset) + ": frame_rate " +
                                std::to_string(r.frameRate) + " is not > 0");
  r.startTime = numberAttribute(dataset, "start_time").value_or(0.0);
  if (const auto it = attributes.find("neuron_positions"); it != attributes.end())
    r.positions = parsePositions(nlohmann::json::parse(it->second, nullptr, false), neurons,
                                 "traces " + describe(dataset));
  const auto& p = dataset.provenance();
  r.name =
      !p.sourcePath.empty() ? std::filesystem::path(p.sourcePath).stem().string() : dataset.name();
  if (r.name.empty()) r.name = dataset.name();
  return r;
}

// Applies a renaming; neurons renamed to "" are dropped.
void rename(cn::Recording& r, const std::map<std::string, std::string>& labels) {
  std::vector<Eigen::Index> keep;
  std::vector<std::string> names;
  std::vector<std::array<double, 3>> positions;
  for (std::size_t n = 0; n < r.names.size(); ++n) {
    const auto it = labels.find(r.names[n]);
    const std::string name = it == labels.end() ? r.names[n] : it->second;
    if (name.empty()) continue;
    keep.push_back(static_cast<Eigen::Index>(n));
    names.push_back(name);
    if (!r.positions.empty()) positions.push_back(r.positions[n]);
  }
  if (keep.empty())
    throw std::invalid_argument("neuron_labels drop every neuron of '" + r.name + "'");
  Eigen::MatrixXd values(r.values.rows(), static_cast<Eigen::Index>(keep.size()));
  for (std::size_t k = 0; k < keep.size(); ++k)
    values.col(static_cast<Eigen::Index>(k)) = r.values.col(keep[k]);
  r.values = std::move(values);
  r.names = std::move(names);
  r.positions = std::move(positions);
}

nlohmann::json positionsJson(const std::vector<std::array<double, 3>>& positions) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& xyz : positions) {
    nlohmann::json p = nlohmann::json::array();
    for (double v : xyz) p.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json());
    out.push_back(std::move(p));
  }
  return out;
}

class AffinityPlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "connectome.affinity"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto traces = nl::plugins::inputsOf(inputs, "traces");
    if (traces.empty()) throw std::invalid_argument("no traces given");
    std::vector<std::string> notes;
    std::vector<cn::Recording> recordings;
    for (const auto& t : traces) recordings.push_back(recordingFrom(*t, parameters, notes));
    // One per animal, or one for all.
    auto perAnimal = [&](const char* port) {
      auto given = nl::plugins::inputsOf(inputs, port);
      if (given.size() == 1 && recordings.size() > 1)
        given.assign(recordings.size(), given.front());
      if (!given.empty() && given.size() != recordings.size())
        throw std::invalid_argument(std::to_string(given.size()) + " " + port + " datasets for " +
                                    std::to_string(recordings.size()) +
                                    " traces: give one for all or one per traces input");
      return given;
    };
    const auto labels = perAnimal("neuron_labels");
    const auto positions = perAnimal("positions");
    const auto stimuli = perAnimal("stimuli");
    std::map<std::string, int> animalNames;
    for (std::size_t a = 0; a < recordings.size(); ++a) {
      auto& r = recordings[a];
      if (!positions.empty())
        r.positions = positionsFrom(*positions[a], static_cast<std::size_t>(r.values.cols()));
      if (!stimuli.empty()) r.epochs = epochsFrom(dynamic_cast<const TableDataset&>(*stimuli[a]));
      if (!labels.empty()) rename(r, labelsFrom(dynamic_cast<const TableDataset&>(*labels[a])));
      if (const int seen = animalNames[r.name]++; seen > 0)
        r.name += " (" + std::to_string(seen + 1) + ")";
    }

    cn::AlignOptions align;
    align.event =
        parameters.text("align") == "stimulus" ? cn::AlignEvent::Stimulus : cn::AlignEvent::Start;
    align.stimulusLabel = parameters.text("align_label");
    align.frameRate = parameters.real("frame_rate");
    align.span = parameters.text("span") == "union" ? cn::Span::Union : cn::Span::Intersection;
    align.minAnimals = static_cast<int>(parameters.integer("min_animals"));
    context.update(0.0, "aligning " + std::to_string(recordings.size()) + " recordings");
    const auto aligned = cn::alignRecordings(recordings, align);
    notes.insert(notes.end(), aligned.notes.begin(), aligned.notes.end());

    cn::AffinityOptions options;
    options.method = cn::methodFromName(parameters.text("method"));
    options.smoothing = parameters.real("smoothing");
    options.derivative = parameters.text("derivative") == "forward" ? cn::Derivative::Forward
                                                                    : cn::Derivative::Central;
    const auto& scale = parameters.text("normalisation");
    options.normalisation = scale == "neuron" ? cn::Normalisation::Neuron
                            : scale == "none" ? cn::Normalisation::None
                                              : cn::Normalisation::Animal;
    options.floor = parameters.real("floor");
    options.flatThreshold = parameters.real("flat_threshold");
    options.sigma = parameters.real("sigma");
    options.windowLength = parameters.real("window_length");
    options.windowStep = parameters.real("window_step");
    options.minValid = parameters.real("min_valid");
    options.threads = static_cast<int>(parameters.integer("threads"));
    const double totalSeconds = static_cast<double>(aligned.frames() - 1) / aligned.frameRate;
    if (options.windowLength > totalSeconds + 1.0 / aligned.frameRate)
      notes.push_back("window_length " + nlohmann::json(options.windowLength).dump() +
                      " s is longer than the aligned recording (" +
                      nlohmann::json(totalSeconds).dump() + " s): one window over all frames");
    const auto tensor = cn::affinityTensor(aligned, options, context);
    return outputs(aligned, tensor, options, notes, context.provenance());
  }

 private:
  static nl::plugins::Outputs outputs(const cn::Aligned& aligned, const cn::AffinityTensor& tensor,
                                      const cn::AffinityOptions& options,
                                      const std::vector<std::string>& notes,
                                      const nl::io::Provenance& provenance) {
    const std::string names = nlohmann::json(aligned.names).dump();
    const std::string animals = nlohmann::json(aligned.animals).dump();
    const std::string rate = nlohmann::json(aligned.frameRate).dump();
    nl::io::Attributes tensorAttributes{
        {"axes", "window, animal, pair"},
        {"neuron_names", names},
        {"animal_names", animals},
        {"window_centres", nlohmann::json(tensor.centres).dump()},
        {"window_length", nlohmann::json(tensor.windowSeconds).dump()},
        {"window_step",
         nlohmann::json(static_cast<double>(tensor.stepFrames) / aligned.frameRate).dump()},
        {"method", cn::methodName(options.method)},
        {"frame_rate", rate}};
    nl::io::Attributes traceAttributes{{"axes", "animal, frame, neuron"},
                                       {"frame_rate", rate},
                                       {"start_time", nlohmann::json(aligned.startTime).dump()},
                                       {"neuron_names", names},
                                       {"animal_names", animals}};
    if (!aligned.positions.empty()) {
      const auto p = positionsJson(aligned.positions).dump();
      tensorAttributes["neuron_positions"] = p;
      traceAttributes["neuron_positions"] = p;
    }
    nl::plugins::Outputs out;
    out.push_back(
        {"tensor", std::make_shared<ArrayDataset>(
                       DatasetKind::Array, "affinity tensor",
                       std::vector<std::size_t>{tensor.windows, tensor.animals, tensor.pairs},
                       tensor.values, provenance, std::move(tensorAttributes))});
    const std::size_t A = aligned.traces.size(), F = aligned.frames(), N = aligned.names.size();
    std::vector<double> values(A * F * N);
    for (std::size_t a = 0; a < A; ++a)
      for (std::size_t f = 0; f < F; ++f)
        for (std::size_t n = 0; n < N; ++n)
          values[(a * F + f) * N + n] =
              aligned.traces[a](static_cast<Eigen::Index>(f), static_cast<Eigen::Index>(n));
    out.push_back({"aligned_traces",
                   std::make_shared<ArrayDataset>(
                       DatasetKind::Array, "aligned traces", std::vector<std::size_t>{A, F, N},
                       std::move(values), provenance, std::move(traceAttributes))});
    if (!aligned.epochs.empty()) {
      std::vector<double> start, stop, animal;
      std::vector<std::string> label, animalName;
      for (const auto& e : aligned.epochs) {
        start.push_back(e.start);
        stop.push_back(e.stop);
        label.push_back(e.label);
        animal.push_back(e.animal);
        animalName.push_back(aligned.animals[static_cast<std::size_t>(e.animal)]);
      }
      out.push_back({"stimulus_epochs", std::make_shared<TableDataset>(
                                            DatasetKind::Table, "stimulus epochs",
                                            std::vector<Column>{{"start", start},
                                                                {"stop", stop},
                                                                {"label", label},
                                                                {"animal", animal},
                                                                {"animal_name", animalName}},
                                            provenance)});
    }
    std::size_t missing = 0;
    double sum = 0;
    for (const double v : tensor.values)
      if (std::isnan(v))
        ++missing;
      else
        sum += v;
    const double present = static_cast<double>(tensor.values.size() - missing);
    const std::vector<std::string> summaryNames{
        "animals",       "neurons",     "frames", "frame_rate",       "windows",
        "window_frames", "step_frames", "pairs",  "missing_fraction", "mean_affinity"};
    const std::vector<double> summaryValues{
        static_cast<double>(A),
        static_cast<double>(N),
        static_cast<double>(F),
        aligned.frameRate,
        static_cast<double>(tensor.windows),
        static_cast<double>(tensor.windowFrames),
        static_cast<double>(tensor.stepFrames),
        static_cast<double>(tensor.pairs),
        tensor.values.empty()
            ? 0.0
            : static_cast<double>(missing) / static_cast<double>(tensor.values.size()),
        present > 0 ? sum / present : kNaN};
    out.push_back(
        {"summary", std::make_shared<ArrayDataset>(
                        DatasetKind::Scalars, "affinity summary",
                        std::vector<std::size_t>{summaryValues.size()}, summaryValues, provenance,
                        nl::io::Attributes{{"names", nlohmann::json(summaryNames).dump()},
                                           {"notes", nlohmann::json(notes).dump()}})});
    return out;
  }
};

class AffinityFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<AffinityPlugin>();
  }
};

}  // namespace

#include "AffinityPlugin.moc"
