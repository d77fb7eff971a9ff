#pragma once
// Calcium traces of several recordings (animals) on one time base: aligned by
// an event (the first frame or a stimulus onset), resampled to one frame
// rate, neurons matched by name with absent neurons as NaN (never zeros).
// No file formats here: the plugin turns datasets into Recordings.
#include <Eigen/Dense>
#include <array>
#include <optional>
#include <string>
#include <vector>

namespace nl::analysis::connectome {

struct Epoch {
  double start = 0.0, stop = 0.0;  // s, in the recording's own clock
  std::string label;
};

// One recording as read: frames × neurons (NaN = missing sample).
struct Recording {
  std::string name;                              // the animal's name
  Eigen::MatrixXd values;                        // frames × neurons
  std::vector<std::string> names;                // one per neuron (column)
  double frameRate = 0.0;                        // Hz, > 0
  double startTime = 0.0;                        // s, time of frame 0 in the recording's clock
  std::vector<std::array<double, 3>> positions;  // empty, or one per neuron
  std::vector<Epoch> epochs;                     // stimulus epochs, recording clock
};

enum class AlignEvent { Start, Stimulus };
enum class Span { Intersection, Union };

struct AlignOptions {
  AlignEvent event = AlignEvent::Start;
  std::string stimulusLabel;  // Stimulus: the first epoch with this label (empty: the first epoch)
  double frameRate = 0.0;     // common rate, Hz; 0: the slowest recording's
  Span span = Span::Intersection;
  int minAnimals = 1;  // keep neurons named in at least this many recordings
};

struct AlignedEpoch {
  double start = 0.0, stop = 0.0;  // s, common time base
  std::string label;
  int animal = 0;
};

struct Aligned {
  std::vector<std::string> animals;
  std::vector<std::string> names;                // N neurons, in order of first appearance
  std::vector<std::array<double, 3>> positions;  // N (first recording that has them), or empty
  std::vector<Eigen::MatrixXd> traces;           // per animal: frames × N, NaN = missing
  double frameRate = 0.0;
  double startTime = 0.0;  // s of frame 0 on the common time base (0 = the alignment event)
  std::vector<AlignedEpoch> epochs;
  std::vector<double> offsets;     // per animal: its clock time of the alignment event
  std::vector<std::string> notes;  // duplicate names renamed, and the like

  std::size_t frames() const {
    return traces.empty() ? 0 : static_cast<std::size_t>(traces[0].rows());
  }
};

// Throws std::invalid_argument naming the recording and the problem (no
// frames, no rate, names and columns differ, no stimulus epoch to align on,
// spans that do not overlap, …).
Aligned alignRecordings(const std::vector<Recording>& recordings, const AlignOptions& options);

// Value of `trace` (uniformly sampled at `rate` from `start`) at time t by
// linear interpolation; NaN outside the samples or next to a NaN.
double interpolate(const double* trace, std::size_t length, std::ptrdiff_t stride, double rate,
                   double start, double t);

}  // namespace nl::analysis::connectome
