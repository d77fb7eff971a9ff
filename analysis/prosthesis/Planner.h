#pragma once
// Percept-aware placement (after Pogoncheff, Wang, Granley & Beyeler 2026,
// formulation ours): electrode positions on the cortex are the parameters of
// the forward model (SurfaceChart → PerceptObjective); the loss is the task
// objective plus the vascular and spacing penalties; electrodes stay in the
// retinotopic region (and, in hard mode, clear of vessels by the margin) by
// projection after every step. Adam or projected L-BFGS, multi-start,
// deterministic for a seed. Baselines (coverage in the visual field, uniform
// on V1, random) are scored with the same metrics.
#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "analysis/Progress.h"
#include "analysis/prosthesis/Constraints.h"
#include "analysis/prosthesis/Objective.h"
#include "analysis/prosthesis/SurfaceRetinotopy.h"

namespace nl::analysis::prosthesis {

enum class OptimizerMethod { Adam, Lbfgs };
OptimizerMethod parseOptimizerMethod(const std::string& name);  // "adam", "lbfgs"

struct OptimizerOptions {
  OptimizerMethod method = OptimizerMethod::Adam;
  int iterations = 200;
  double learningRate = 0.6;  // Adam: mm of cortex per step at the start
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  int lbfgsHistory = 8;
  int starts = 1;           // multi-start: the best final loss wins
  std::uint64_t seed = 1;   // initial placements of every start
  double tolerance = 1e-7;  // relative loss change that ends a start early
  int threads = 0;          // objective threads (0: hardware concurrency)
};

// One row of the convergence chart.
struct IterationRecord {
  int start = 0;
  int iteration = 0;
  double loss = 0;       // total (objective + penalties)
  double objective = 0;  // task loss only
  double penalty = 0;
  int violations = 0;  // electrodes closer than the margin to a vessel
  double minVesselDistanceMm = 0;
};

// Called after every iteration (from the optimizing thread); return false to
// cancel (as does Progress::cancelRequested). The plan so far is returned.
using IterationCallback = std::function<bool(const IterationRecord&)>;

// What the plan is made of: electrodes on the chart (and optionally threads).
struct PlanProblem {
  std::shared_ptr<const SurfaceChart> chart;
  std::shared_ptr<const PerceptObjective> objective;
  std::vector<TaskImage> training;
  std::vector<TaskImage> heldOut;
  int electrodes = 100;                          // single electrodes (0 with threads only)
  int threads = 0;                               // thread budget
  ThreadSpec thread;                             // geometry of every thread
  std::vector<int> areas{1};                     // visual areas electrodes may use (1 = V1)
  const VesselDistanceField* vessels = nullptr;  // optional
  VesselConstraint vessel;
  double minSpacingMm = 0.0;  // 0: off; else hinge penalty on closer pairs
  double spacingWeight = 10.0;
  std::shared_ptr<const GrayMatterRibbon> ribbon;  // optional, for threads + metrics
  // Hinge λ·Σ max(0, outside)² on thread electrodes that leave the ribbon (per mm²).
  double grayMatterWeight = 10.0;
};

// A placement: single electrodes as sphere directions, threads as poses.
struct Placement {
  std::vector<Eigen::Vector3d> directions;
  std::vector<ThreadPose> threads;
};

// One electrode of a plan as reported (the page's and the plugin's table row).
struct PlannedElectrode {
  int index = 0;
  int thread = -1;  // −1: a single electrode
  int vertex = -1;  // nearest vertex of the located triangle, numbered in its hemisphere
  Hemisphere hemisphere = Hemisphere::Left;  // of that vertex (both hemispheres: either)
  SurfacePoint point;
  Eigen::Vector3d surfaceRas = Eigen::Vector3d::Zero();  // mm (fsaverage: MNI305)
  Eigen::Vector3d mni152 = Eigen::Vector3d::Zero();
  VisualFieldPoint field;
  int area = 0;
  bool retinotopic = false;
  double amplitude = 0;  // A, for the first held-out image (or training image)
  double vesselDistanceMm = std::numeric_limits<double>::quiet_NaN();
  bool insideGrayMatter = true;
};

struct PlanMetrics {
  std::string name;  // "percept-aware", "coverage (visual field)", …
  double heldOutMse = 0;
  double heldOutSsim = 0;
  double heldOutLoss = 0;
  double trainingLoss = 0;
  double coverage = 0;
  int violations = 0;
  double minVesselDistanceMm = std::numeric_limits<double>::quiet_NaN();
  int outsideGrayMatter = 0;
  int electrodes = 0;
  std::vector<Violation> violationList;
};

struct PlanResult {
  Placement placement;
  std::vector<PlannedElectrode> electrodes;
  std::vector<IterationRecord> history;  // every start, in order
  int bestStart = 0;
  bool cancelled = false;
  PlanMetrics metrics;
  std::vector<PlanMetrics> baselines;
};

// The evaluated plan: electrodes with their chart samples (for the page:
// call after every drag; costs one chart sample per electrode).
std::vector<PlannedElectrode> describePlacement(const PlanProblem& problem,
                                                const Placement& placement,
                                                const Image* amplitudeImage = nullptr);
// Phosphene centres (2 × n) and active flags of a placement.
Eigen::Matrix2Xd placementCenters(const PlanProblem& problem, const Placement& placement,
                                  std::vector<std::uint8_t>* active = nullptr);
PlanMetrics evaluatePlacement(const PlanProblem& problem, const Placement& placement,
                              const std::string& name);

// Total loss and its gradient with respect to the free parameters (3 per
// direction, then 5 per thread: insertion 3, tilt 2), as the optimizer sees
// it; exposed for tests (finite differences) and benchmarks.
struct PlanLoss {
  double loss = 0;
  double objective = 0;
  double penalty = 0;
  Eigen::VectorXd gradient;
};
PlanLoss planLoss(const PlanProblem& problem, const Placement& placement, bool withGradient);
Eigen::VectorXd packPlacement(const Placement& placement);
Placement unpackPlacement(const Eigen::VectorXd& parameters, const Placement& shape);
// The projection applied after every step (unit sphere, retinotopic region,
// hard vessel margin, thread cone).
Placement projectPlacement(const PlanProblem& problem, const Placement& placement);

// Baselines and starts.
Placement randomPlacement(const PlanProblem& problem, std::uint64_t seed);
Placement uniformSurfacePlacement(const PlanProblem& problem, std::uint64_t seed);
Placement uniformFieldPlacement(const PlanProblem& problem);

PlanResult optimizePlacement(const PlanProblem& problem, const OptimizerOptions& options,
                             Progress& progress, const IterationCallback& onIteration = {},
                             bool withBaselines = true);

}  // namespace nl::analysis::prosthesis
