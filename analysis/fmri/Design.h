#pragma once
// First-level design matrices as nilearn builds them (make_first_level_design_matrix):
// one column per trial type (the event boxcar on a grid oversampled `oversampling`
// times per scan, convolved with the canonical HRF, linearly interpolated at the
// scan times), then drift regressors (a DCT basis up to the high-pass cutoff, or
// orthogonalised polynomials), then the constant.
#include <Eigen/Core>
#include <string>
#include <vector>

#include "analysis/fmri/Hrf.h"
#include "io/Dataset.h"

namespace nl::analysis::fmri {

struct Event {
  double onset = 0;     // s from the first scan
  double duration = 0;  // s; 0 is an impulse
  std::string trialType;
  double modulation = 1;  // the BIDS "modulation" column when present
};

// Reads onset, duration, trial_type (and modulation when present) from an
// events table (BIDS events.tsv). Throws std::invalid_argument naming the
// table, column and row for missing columns, non-numbers, NaN or negative durations.
std::vector<Event> eventsFromTable(const io::TableDataset& table);

enum class DriftModel { None, Cosine, Polynomial };
DriftModel parseDriftModel(const std::string& name);  // "none", "cosine", "polynomial"

struct DesignOptions {
  double repetitionTime = 0;      // s; required
  double sliceTimeReference = 0;  // 0..1 of a TR: scan k is acquired at (k + ref)·TR
  int oversampling = 50;
  HrfParameters hrf;
  DriftModel drift = DriftModel::Cosine;
  double highPassSeconds = 128;  // cosine: period of the slowest kept frequency
  int polynomialOrder = 1;       // polynomial drift: columns of order 1..N
  // Earliest onset allowed (nilearn's min_onset): the oversampled grid starts here.
  double minOnsetSeconds = -24;
};

struct Design {
  Eigen::MatrixXd matrix;               // scans × columns
  std::vector<std::string> columns;     // names: conditions, drift_*/cosine*, constant
  std::vector<std::string> conditions;  // trial types, sorted (the first columns)
  std::vector<double> frameTimes;
};

// Throws std::invalid_argument for fewer than 2 scans, a missing or
// non-positive TR, events starting after the run ends or before minOnset, and
// bad option values.
Design buildDesign(const std::vector<Event>& events, std::size_t scans,
                   const DesignOptions& options);

// The regressor of one condition (onsets, durations, amplitudes) at `frameTimes`.
std::vector<double> conditionRegressor(const std::vector<Event>& events,
                                       const std::vector<double>& frameTimes,
                                       const DesignOptions& options);
// nilearn's DCT drift basis (cosine00…, without the constant).
Eigen::MatrixXd cosineDrift(const std::vector<double>& frameTimes, double highPassSeconds);
// Polynomials (t / t_max)^k, k = 0..order, Gram-Schmidt orthogonalised in
// order; returned without the constant (columns of order 1..order).
Eigen::MatrixXd polynomialDrift(const std::vector<double>& frameTimes, int order);

// The design as a Table (one column per regressor plus frame_time) for display.
std::shared_ptr<io::TableDataset> designTable(const Design& design, std::string name,
                                              io::Provenance provenance);

}  // namespace nl::analysis::fmri
