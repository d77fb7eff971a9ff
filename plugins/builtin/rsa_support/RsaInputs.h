#pragma once
// How the rsa.* plugins read their inputs: any stimuli × units dataset
// (ResponseMatrix, FeatureMatrix, Array) as a response matrix, ready-made
// RDMs (attribute rdm=1, square or condensed), stimulus labels and the names
// shown for populations and layers. And how they write RDMs back.
#include <string>
#include <vector>

#include "analysis/Progress.h"
#include "analysis/rsa/Compare.h"
#include "analysis/rsa/Rdm.h"
#include "io/Dataset.h"
#include "plugins/api/AnalysisPlugin.h"
#include "plugins/api/ParameterSchema.h"

namespace nl::plugins::rsainputs {

using analysis::rsa::Matrix;
using analysis::rsa::RowMatrix;

// Attribute names the rsa.* plugins read and write.
inline constexpr const char* kRdmAttribute = "rdm";                 // "1" on an RDM / RSM
inline constexpr const char* kMethodAttribute = "method";           // rdmMethodName
inline constexpr const char* kLabelsAttribute = "stimulus_labels";  // JSON array of strings

// True when the dataset carries rdm=1 (what MatReader, rsa.rdm and the npy
// RDM files marked by the user produce).
bool isRdm(const io::Dataset& dataset);

// The stimuli × units matrix of a dataset: ResponseMatrix/FeatureMatrix/Array
// of 2 dimensions as they are; more dimensions (e.g. DNN activations
// stimuli × channels × height × width) are flattened to stimuli × (product of
// the rest), C order. 1-D data, empty data and 3-D ResponseMatrix trial
// tensors (axes "trial, stimulus, unit") are std::invalid_argument naming the
// dataset.
RowMatrix responsesOf(const io::Dataset& dataset);
// The same without a copy: a view of the dataset's values (which must outlive it).
Eigen::Map<const RowMatrix> responsesView(const io::Dataset& dataset);

// How an input is taken: "auto" — an RDM when it carries rdm=1, is a 1-D
// vector (condensed RDM), or is square and symmetric with every diagonal
// entry its row's minimum (an RDM) or every one its row's maximum (an RSM) —
// a ready-made RDM file such as a .npy; otherwise responses.
// "responses" and "rdm" force one reading.
enum class InputReading { Auto, Responses, Rdm };
InputReading parseInputReading(const std::string& text);
bool readsAsRdm(const io::Dataset& dataset, InputReading reading);

// The RDM of a dataset: an RDM as stored — square n × n, or a condensed
// vector of n(n−1)/2 entries (SciPy order; the diagonal is 0, or 1 when its
// method attribute names a similarity) — or computed from its responses.
// Errors are std::invalid_argument naming the dataset.
Matrix rdmOf(const io::Dataset& dataset, InputReading reading,
             const analysis::rsa::RdmOptions& options, analysis::Progress& progress);

// A ResponseMatrix trials × stimuli × units (the "trials" output of
// ephys.response_matrix).
bool isTrialTensor(const io::Dataset& dataset);

// The stimulus labels the dataset carries (attribute stimulus_labels: a
// JSON array, or for text attributes a comma list); empty when none.
std::vector<std::string> stimulusLabelsOf(const io::Dataset& dataset);
// Labels from a Table (column `column`, or the first column when empty),
// converted to text.
std::vector<std::string> labelsFromTable(const io::Dataset& table, const std::string& column);
std::string labelsJson(const std::vector<std::string>& labels);

// The name shown for a population or layer: attribute "name", else the unit
// filter of the ephys.response_matrix run that made it, else the dataset name
// without a leading '/' or a .npy extension.
std::string displayNameOf(const io::Dataset& dataset);

// A comma-separated override list ("VISp, VISl"); empty text → empty list.
// A non-empty list whose length differs from `expected` is std::invalid_argument.
std::vector<std::string> nameList(const std::string& text, std::size_t expected,
                                  const std::string& parameter);

// An RDM as an output dataset: Array {n, n}, attributes rdm=1, method,
// stimulus_labels (when known) and name.
io::DatasetPtr rdmDataset(const Matrix& rdm, const std::string& name, const std::string& method,
                          const std::vector<std::string>& labels, const io::Provenance& provenance);

// Options from the shared parameter names: rdm_method; compare, entries.
analysis::rsa::RdmOptions rdmOptionsFrom(const ParameterSet& parameters);
analysis::rsa::CompareOptions compareOptionsFrom(const ParameterSet& parameters);

// The stimulus labels of a run: the optional "labels" input (column
// label_column), else the first of `datasets` that carries stimulus_labels;
// empty when none. Labels whose count is not `stimuli` are
// std::invalid_argument.
std::vector<std::string> runLabels(const Inputs& inputs, const ParameterSet& parameters,
                                   const std::vector<io::DatasetPtr>& datasets,
                                   std::size_t stimuli);

// Progress of one step of a longer run, mapped onto [begin, end] of the
// whole; cancellation passes through.
class StepProgress final : public analysis::Progress {
 public:
  StepProgress(analysis::Progress& whole, double begin, double end)
      : whole_(whole), begin_(begin), end_(end) {}
  void update(double fraction, const std::string& message) override {
    whole_.update(begin_ + (end_ - begin_) * fraction, message);
  }
  bool cancelRequested() const override { return whole_.cancelRequested(); }

 private:
  analysis::Progress& whole_;
  double begin_, end_;
};

// Row-major copy of an Eigen matrix.
std::vector<double> rowMajorValues(const Matrix& matrix);

}  // namespace nl::plugins::rsainputs
