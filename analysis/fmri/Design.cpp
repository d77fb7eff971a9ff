#include "analysis/fmri/Design.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>
#include <sstream>
#include <stdexcept>

namespace nl::analysis::fmri {

namespace {

std::string formatNumber(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

const std::vector<double>& numericColumnOrThrow(const io::TableDataset& table,
                                                const std::string& name) {
  const auto* column = table.column(name);
  if (column == nullptr) {
    std::string known;
    for (const auto& c : table.columns()) known += (known.empty() ? "" : ", ") + c.name;
    throw std::invalid_argument("events table '" + table.name() + "' has no '" + name +
                                "' column (columns: " + known + ")");
  }
  if (!column->isNumeric()) {
    const auto& cells = column->strings();
    for (std::size_t row = 0; row < cells.size(); ++row) {
      char* end = nullptr;
      const std::string& cell = cells[row];
      std::strtod(cell.c_str(), &end);
      if (cell.empty() || end == cell.c_str() || *end != '\0')
        throw std::invalid_argument("events table '" + table.name() + "': '" + name + "' in row " +
                                    std::to_string(row + 1) + " is '" + cell + "', not a number");
    }
    throw std::invalid_argument("events table '" + table.name() + "': column '" + name +
                                "' is not numeric");
  }
  return column->numbers();
}

// numpy.linspace(first, last, count).
std::vector<double> linspace(double first, double last, std::size_t count) {
  std::vector<double> out(count);
  if (count == 1) {
    out[0] = first;
    return out;
  }
  const double step = (last - first) / static_cast<double>(count - 1);
  for (std::size_t i = 0; i < count; ++i) out[i] = first + static_cast<double>(i) * step;
  out.back() = last;
  return out;
}

}  // namespace

std::vector<Event> eventsFromTable(const io::TableDataset& table) {
  const auto& onsets = numericColumnOrThrow(table, "onset");
  const auto& durations = numericColumnOrThrow(table, "duration");
  const std::vector<double>* modulation =
      table.column("modulation") ? &numericColumnOrThrow(table, "modulation") : nullptr;
  const auto* types = table.column("trial_type");
  std::vector<Event> events(table.rowCount());
  for (std::size_t row = 0; row < events.size(); ++row) {
    auto where = [&] {
      return "events table '" + table.name() + "', row " + std::to_string(row + 1) + ": ";
    };
    Event& e = events[row];
    e.onset = onsets[row];
    e.duration = durations[row];
    if (!std::isfinite(e.onset)) throw std::invalid_argument(where() + "onset is not a number");
    if (!std::isfinite(e.duration) || e.duration < 0)
      throw std::invalid_argument(where() + "duration must be a number >= 0");
    // nilearn's rule: no trial_type column means every event is one condition.
    e.trialType = types ? types->cellText(row) : std::string("dummy");
    if (e.trialType.empty() || e.trialType == "n/a")
      throw std::invalid_argument(where() + "trial_type is empty");
    if (modulation) {
      e.modulation = (*modulation)[row];
      if (!std::isfinite(e.modulation))
        throw std::invalid_argument(where() + "modulation is not a number");
    }
  }
  return events;
}

DriftModel parseDriftModel(const std::string& name) {
  if (name == "none") return DriftModel::None;
  if (name == "cosine") return DriftModel::Cosine;
  if (name == "polynomial") return DriftModel::Polynomial;
  throw std::invalid_argument("unknown drift model '" + name +
                              "' (expected none, cosine or polynomial)");
}

std::vector<double> conditionRegressor(const std::vector<Event>& events,
                                       const std::vector<double>& frameTimes,
                                       const DesignOptions& options) {
  const std::size_t n = frameTimes.size();
  const double first = frameTimes.front(), last = frameTimes.back();
  // nilearn's _sample_condition: a grid from first + min_onset to one scan
  // past the last, `oversampling` points per scan.
  const double nd = static_cast<double>(n);
  const double highResCount =
      (nd - 1.0) / (last - first) *
          (last * (1.0 + 1.0 / (nd - 1.0)) - first - options.minOnsetSeconds) *
          options.oversampling +
      1.0;
  const auto grid = linspace(first + options.minOnsetSeconds, last * (1.0 + 1.0 / (nd - 1.0)),
                             static_cast<std::size_t>(std::nearbyint(highResCount)));
  const std::size_t count = grid.size();
  std::vector<double> boxcar(count, 0.0);
  auto indexOf = [&](double time) {
    const auto index =
        static_cast<std::size_t>(std::lower_bound(grid.begin(), grid.end(), time) - grid.begin());
    return std::min(index, count - 1);
  };
  for (const auto& e : events) {
    const std::size_t on = indexOf(e.onset);
    std::size_t off = indexOf(e.onset + e.duration);
    if (off < count - 1 && off == on) ++off;  // an impulse lasts one grid step
    boxcar[on] += e.modulation;
    boxcar[off] -= e.modulation;
  }
  for (std::size_t i = 1; i < count; ++i) boxcar[i] += boxcar[i - 1];

  // The HRF sampled at nilearn's TR estimate (last frame time / (n − 1)).
  const auto kernel = hrfKernel(last / (nd - 1.0), options.oversampling, options.hrf);
  std::vector<double> convolved(count, 0.0);
  for (std::size_t i = 0; i < count; ++i) {
    if (boxcar[i] == 0) continue;
    const double value = boxcar[i];
    const std::size_t stop = std::min(count, i + kernel.size());
    for (std::size_t j = i; j < stop; ++j) convolved[j] += value * kernel[j - i];
  }
  // Linear interpolation at the scan times (scipy interp1d).
  std::vector<double> out(n);
  for (std::size_t k = 0; k < n; ++k) {
    const double t = frameTimes[k];
    auto upper =
        static_cast<std::size_t>(std::lower_bound(grid.begin(), grid.end(), t) - grid.begin());
    if (upper >= count) upper = count - 1;
    if (upper == 0) {
      out[k] = convolved[0];
      continue;
    }
    const std::size_t lower = upper - 1;
    const double w = (t - grid[lower]) / (grid[upper] - grid[lower]);
    out[k] = convolved[lower] + w * (convolved[upper] - convolved[lower]);
  }
  return out;
}

Eigen::MatrixXd cosineDrift(const std::vector<double>& frameTimes, double highPassSeconds) {
  const auto n = static_cast<long>(frameTimes.size());
  const double dt = (frameTimes.back() - frameTimes.front()) / static_cast<double>(n - 1);
  const double highPassHz = 1.0 / highPassSeconds;
  const long order = std::min(
      n - 1, static_cast<long>(std::floor(2.0 * static_cast<double>(n) * highPassHz * dt)));
  Eigen::MatrixXd drift(n, std::max(order, 0L));
  const double normaliser = std::sqrt(2.0 / static_cast<double>(n));
  for (long k = 1; k <= order; ++k)
    for (long t = 0; t < n; ++t)
      drift(t, k - 1) =
          normaliser * std::cos(std::numbers::pi / static_cast<double>(n) *
                                (static_cast<double>(t) + 0.5) * static_cast<double>(k));
  return drift;
}

Eigen::MatrixXd polynomialDrift(const std::vector<double>& frameTimes, int order) {
  const auto n = static_cast<long>(frameTimes.size());
  const double tmax = *std::max_element(frameTimes.begin(), frameTimes.end());
  Eigen::MatrixXd basis(n, order + 1);
  for (long t = 0; t < n; ++t)
    for (int k = 0; k <= order; ++k)
      basis(t, k) = std::pow(frameTimes[static_cast<std::size_t>(t)] / tmax, k);
  // Gram-Schmidt in column order, without normalisation (nilearn's _orthogonalize).
  for (int k = 1; k <= order; ++k)
    for (int j = 0; j < k; ++j) {
      const double norm2 = basis.col(j).squaredNorm();
      if (norm2 > 0) basis.col(k) -= basis.col(j) * (basis.col(j).dot(basis.col(k)) / norm2);
    }
  return basis.rightCols(order);
}

Design buildDesign(const std::vector<Event>& events, std::size_t scans,
                   const DesignOptions& options) {
  if (scans < 2)
    throw std::invalid_argument("a GLM needs at least 2 scans; the run has " +
                                std::to_string(scans));
  if (!(options.repetitionTime > 0) || !std::isfinite(options.repetitionTime))
    throw std::invalid_argument(
        "the repetition time (TR) is missing or not positive; the run's header must give it");
  if (!(options.sliceTimeReference >= 0 && options.sliceTimeReference <= 1))
    throw std::invalid_argument("the slice time reference must lie in [0, 1]");
  if (options.oversampling < 1 || options.oversampling > 1000)
    throw std::invalid_argument("HRF oversampling must be in [1, 1000]");
  if (options.drift == DriftModel::Cosine && !(options.highPassSeconds > 0))
    throw std::invalid_argument("the high-pass cutoff must be a positive number of seconds");
  if (options.drift == DriftModel::Polynomial &&
      (options.polynomialOrder < 1 || static_cast<std::size_t>(options.polynomialOrder) >= scans))
    throw std::invalid_argument("the polynomial drift order must be in [1, scans − 1]");

  Design design;
  const double tr = options.repetitionTime;
  for (std::size_t k = 0; k < scans; ++k)
    design.frameTimes.push_back((static_cast<double>(k) + options.sliceTimeReference) * tr);
  const double runEnd = static_cast<double>(scans) * tr;
  for (const auto& e : events) {
    if (e.onset >= runEnd)
      throw std::invalid_argument("event '" + e.trialType + "' at " + formatNumber(e.onset) +
                                  " s starts after the run ends (" + std::to_string(scans) +
                                  " scans × TR " + formatNumber(tr) +
                                  " s = " + formatNumber(runEnd) + " s)");
    if (e.onset < options.minOnsetSeconds)
      throw std::invalid_argument("event '" + e.trialType + "' at " + formatNumber(e.onset) +
                                  " s starts more than " + formatNumber(-options.minOnsetSeconds) +
                                  " s before the first scan");
  }
  std::set<std::string> types;
  for (const auto& e : events) types.insert(e.trialType);
  design.conditions.assign(types.begin(), types.end());

  std::vector<Eigen::VectorXd> columns;
  for (const auto& condition : design.conditions) {
    std::vector<Event> selected;
    for (const auto& e : events)
      if (e.trialType == condition) selected.push_back(e);
    const auto regressor = conditionRegressor(selected, design.frameTimes, options);
    columns.push_back(
        Eigen::Map<const Eigen::VectorXd>(regressor.data(), static_cast<long>(regressor.size())));
    design.columns.push_back(condition);
  }
  Eigen::MatrixXd drift;
  if (options.drift == DriftModel::Cosine) {
    drift = cosineDrift(design.frameTimes, options.highPassSeconds);
    for (long k = 0; k < drift.cols(); ++k) {
      char name[32];
      std::snprintf(name, sizeof name, "cosine%02ld", k);
      design.columns.emplace_back(name);
    }
  } else if (options.drift == DriftModel::Polynomial) {
    drift = polynomialDrift(design.frameTimes, options.polynomialOrder);
    for (long k = 0; k < drift.cols(); ++k)
      design.columns.push_back("drift_" + std::to_string(k + 1));
  }
  for (long k = 0; k < drift.cols(); ++k) columns.push_back(drift.col(k));
  columns.push_back(Eigen::VectorXd::Ones(static_cast<long>(scans)));
  design.columns.emplace_back("constant");

  const std::set<std::string> unique(design.columns.begin(), design.columns.end());
  if (unique.size() != design.columns.size() || unique.contains("frame_time"))
    throw std::invalid_argument(
        "a trial type is named like a drift column (constant, cosineNN, drift_N) or "
        "frame_time; rename it in the events table");
  design.matrix.resize(static_cast<long>(scans), static_cast<long>(columns.size()));
  for (std::size_t c = 0; c < columns.size(); ++c)
    design.matrix.col(static_cast<long>(c)) = columns[c];
  return design;
}

std::shared_ptr<io::TableDataset> designTable(const Design& design, std::string name,
                                              io::Provenance provenance) {
  std::vector<io::Column> columns;
  columns.push_back({"frame_time", design.frameTimes});
  for (std::size_t c = 0; c < design.columns.size(); ++c) {
    const auto col = design.matrix.col(static_cast<long>(c));
    columns.push_back(
        {design.columns[c], std::vector<double>(col.data(), col.data() + col.size())});
  }
  io::Attributes attributes{{"conditions", std::to_string(design.conditions.size())}};
  return std::make_shared<io::TableDataset>(io::DatasetKind::Table, std::move(name),
                                            std::move(columns), std::move(provenance),
                                            std::move(attributes));
}

}  // namespace nl::analysis::fmri
