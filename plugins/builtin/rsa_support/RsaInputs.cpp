#include "plugins/builtin/rsa_support/RsaInputs.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace nl::plugins::rsainputs {

namespace {

const io::ArrayDataset& arrayOf(const io::Dataset& dataset) {
  const auto* array = dynamic_cast<const io::ArrayDataset*>(&dataset);
  if (array == nullptr)
    throw std::invalid_argument("'" + dataset.name() + "' is a " +
                                std::string(io::kindName(dataset.kind())) +
                                ", not a numeric matrix");
  return *array;
}

std::string attribute(const io::Dataset& dataset, const std::string& key) {
  const auto it = dataset.attributes().find(key);
  return it == dataset.attributes().end() ? std::string() : it->second;
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

bool looksLikeRdm(const io::ArrayDataset& array) {
  const auto shape = array.shape();
  if (shape.size() != 2 || shape[0] != shape[1] || shape[0] < 2) return false;
  const std::size_t n = shape[0];
  const auto& v = array.values();
  // Every stimulus is most similar to itself: each diagonal entry is the
  // minimum of its row (an RDM) — or, for all rows, the maximum (an RSM).
  bool rowMinimum = true, rowMaximum = true;
  for (std::size_t i = 0; i < n; ++i) {
    const double self = v[i * n + i];
    if (std::isnan(self)) return false;
    for (std::size_t j = 0; j < n; ++j) {
      const double other = v[i * n + j];
      if (std::isnan(other)) continue;
      rowMinimum = rowMinimum && self <= other;
      rowMaximum = rowMaximum && self >= other;
    }
    for (std::size_t j = i + 1; j < n; ++j) {
      const double a = v[i * n + j], b = v[j * n + i];
      if (std::isnan(a) != std::isnan(b)) return false;
      if (!std::isnan(a) && std::abs(a - b) > 1e-9 * std::max(1.0, std::abs(a))) return false;
    }
  }
  return rowMinimum || rowMaximum;
}

}  // namespace

bool isRdm(const io::Dataset& dataset) {
  return attribute(dataset, kRdmAttribute) == "1";
}

bool isTrialTensor(const io::Dataset& dataset) {
  return dataset.kind() == io::DatasetKind::ResponseMatrix && dataset.shape().size() == 3;
}

InputReading parseInputReading(const std::string& text) {
  if (text == "auto") return InputReading::Auto;
  if (text == "responses") return InputReading::Responses;
  if (text == "rdm") return InputReading::Rdm;
  throw std::invalid_argument("input reading must be auto, responses or rdm, not '" + text + "'");
}

bool readsAsRdm(const io::Dataset& dataset, InputReading reading) {
  if (reading != InputReading::Auto) return reading == InputReading::Rdm;
  if (isRdm(dataset)) return true;
  if (dataset.kind() == io::DatasetKind::ResponseMatrix) return false;
  const auto* array = dynamic_cast<const io::ArrayDataset*>(&dataset);
  if (array == nullptr) return false;
  if (array->shape().size() == 1) return true;
  return looksLikeRdm(*array);
}

Eigen::Map<const RowMatrix> responsesView(const io::Dataset& dataset) {
  const auto& array = arrayOf(dataset);
  const auto shape = array.shape();
  if (isTrialTensor(dataset))
    throw std::invalid_argument("'" + dataset.name() +
                                "' holds trials × stimuli × units; give the stimuli × units "
                                "mean responses here (trial tensors go to the 'trials' input)");
  if (shape.size() < 2)
    throw std::invalid_argument("'" + dataset.name() + "' has " + std::to_string(shape.size()) +
                                " dimension(s); a response matrix needs stimuli × units");
  const std::size_t stimuli = shape[0];
  const std::size_t units = array.columnsPerRow();
  if (stimuli == 0 || units == 0) throw std::invalid_argument("'" + dataset.name() + "' is empty");
  return {array.values().data(), static_cast<Eigen::Index>(stimuli),
          static_cast<Eigen::Index>(units)};
}

RowMatrix responsesOf(const io::Dataset& dataset) {
  return responsesView(dataset);
}

Matrix rdmOf(const io::Dataset& dataset, InputReading reading,
             const analysis::rsa::RdmOptions& options, analysis::Progress& progress) {
  if (!readsAsRdm(dataset, reading)) {
    const auto responses = responsesView(dataset);  // no copy: layers can be 10⁵ features wide
    try {
      return analysis::rsa::computeRdm(responses, options, progress);
    } catch (const std::invalid_argument& error) {
      throw std::invalid_argument("'" + dataset.name() + "': " + error.what());
    }
  }
  const auto& array = arrayOf(dataset);
  const auto shape = array.shape();
  const auto& values = array.values();
  Matrix rdm;
  if (shape.size() == 1) {
    bool similarity = false;
    if (const auto method = attribute(dataset, kMethodAttribute); !method.empty()) try {
        similarity = analysis::rsa::isSimilarity(analysis::rsa::parseRdmMethod(method));
      } catch (const std::invalid_argument&) {
      }
    try {
      rdm = analysis::rsa::squareFromCondensed(values, similarity ? 1.0 : 0.0);
    } catch (const std::invalid_argument&) {
      throw std::invalid_argument("'" + dataset.name() + "' has " + std::to_string(values.size()) +
                                  " entries, which is not n(n−1)/2 for any n: not a condensed RDM");
    }
  } else if (shape.size() == 2) {
    rdm.resize(static_cast<Eigen::Index>(shape[0]), static_cast<Eigen::Index>(shape[1]));
    for (std::size_t i = 0; i < shape[0]; ++i)
      for (std::size_t j = 0; j < shape[1]; ++j)
        rdm(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = values[i * shape[1] + j];
  } else {
    throw std::invalid_argument("'" + dataset.name() +
                                "' is read as an RDM but has more than 2 dimensions");
  }
  for (Eigen::Index i = 0; i < rdm.size(); ++i)
    if (std::isinf(rdm.data()[i]))
      throw std::invalid_argument("'" + dataset.name() + "' has an infinite RDM entry");
  analysis::rsa::validateRdm(rdm, "'" + dataset.name() + "'");
  if (rdm.array().isNaN().all())
    throw std::invalid_argument("'" + dataset.name() + "' is an RDM of NaN only");
  return rdm;
}

std::vector<std::string> stimulusLabelsOf(const io::Dataset& dataset) {
  const std::string text = attribute(dataset, kLabelsAttribute);
  if (text.empty()) return {};
  std::vector<std::string> labels;
  try {
    const auto json = nlohmann::json::parse(text);
    if (json.is_array()) {
      for (const auto& item : json)
        labels.push_back(item.is_string() ? item.get<std::string>() : item.dump());
      return labels;
    }
  } catch (const nlohmann::json::exception&) {
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    labels.push_back(
        trimmed(text.substr(start, comma == std::string::npos ? comma : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return labels;
}

std::vector<std::string> labelsFromTable(const io::Dataset& dataset, const std::string& column) {
  if (const auto* table = dynamic_cast<const io::TableDataset*>(&dataset)) {
    if (table->columns().empty())
      throw std::invalid_argument("the labels table '" + dataset.name() + "' has no column");
    const io::Column* chosen = column.empty() ? &table->columns().front() : table->column(column);
    if (chosen == nullptr)
      throw std::invalid_argument("the labels table '" + dataset.name() + "' has no column '" +
                                  column + "'");
    std::vector<std::string> labels;
    for (std::size_t row = 0; row < chosen->size(); ++row) labels.push_back(chosen->cellText(row));
    return labels;
  }
  if (const auto* array = dynamic_cast<const io::ArrayDataset*>(&dataset)) {
    // Numeric codes (e.g. category numbers) as text.
    std::vector<std::string> labels;
    for (double v : array->values()) {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.10g", v);
      labels.emplace_back(buffer);
    }
    return labels;
  }
  throw std::invalid_argument("'" + dataset.name() + "' cannot give stimulus labels");
}

std::string labelsJson(const std::vector<std::string>& labels) {
  return nlohmann::json(labels).dump();
}

std::string displayNameOf(const io::Dataset& dataset) {
  if (auto name = attribute(dataset, "name"); !name.empty()) return name;
  const auto& provenance = dataset.provenance();
  if (provenance.pluginId == "ephys.response_matrix" && !provenance.parametersJson.empty()) {
    try {
      const auto parameters = nlohmann::json::parse(provenance.parametersJson);
      if (parameters.contains("unit_filter") && parameters["unit_filter"].is_string() &&
          !parameters["unit_filter"].get<std::string>().empty())
        return parameters["unit_filter"].get<std::string>();
    } catch (const nlohmann::json::exception&) {
    }
  }
  std::string name = dataset.name();
  if (name.starts_with('/')) name.erase(0, 1);
  if (name.ends_with(".npy")) name.erase(name.size() - 4);
  return name;
}

std::vector<std::string> nameList(const std::string& text, std::size_t expected,
                                  const std::string& parameter) {
  std::vector<std::string> names;
  if (trimmed(text).empty()) return names;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    names.push_back(
        trimmed(text.substr(start, comma == std::string::npos ? comma : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (names.size() != expected)
    throw std::invalid_argument(parameter + " lists " + std::to_string(names.size()) +
                                " name(s) for " + std::to_string(expected) + " input(s)");
  return names;
}

analysis::rsa::RdmOptions rdmOptionsFrom(const ParameterSet& parameters) {
  analysis::rsa::RdmOptions options;
  options.method = analysis::rsa::parseRdmMethod(parameters.text("rdm_method"));
  return options;
}

analysis::rsa::CompareOptions compareOptionsFrom(const ParameterSet& parameters) {
  return {analysis::rsa::parseCompareMethod(parameters.text("compare")),
          analysis::rsa::parseEntrySelection(parameters.text("entries"))};
}

std::vector<std::string> runLabels(const Inputs& inputs, const ParameterSet& parameters,
                                   const std::vector<io::DatasetPtr>& datasets,
                                   std::size_t stimuli) {
  std::vector<std::string> labels;
  std::string source;
  if (const auto given = inputsOf(inputs, "labels"); !given.empty()) {
    labels = labelsFromTable(*given.front(),
                             parameters.has("label_column") ? parameters.text("label_column") : "");
    source = "the labels input '" + given.front()->name() + "'";
  } else {
    for (const auto& dataset : datasets) {
      labels = stimulusLabelsOf(*dataset);
      if (!labels.empty()) {
        source = "the stimulus_labels of '" + dataset->name() + "'";
        break;
      }
    }
  }
  if (!labels.empty() && labels.size() != stimuli)
    throw std::invalid_argument(source + " has " + std::to_string(labels.size()) + " labels for " +
                                std::to_string(stimuli) + " stimuli");
  return labels;
}

std::vector<double> rowMajorValues(const Matrix& matrix) {
  std::vector<double> values(static_cast<std::size_t>(matrix.size()));
  Eigen::Map<RowMatrix>(values.data(), matrix.rows(), matrix.cols()) = matrix;
  return values;
}

io::DatasetPtr rdmDataset(const Matrix& rdm, const std::string& name, const std::string& method,
                          const std::vector<std::string>& labels,
                          const io::Provenance& provenance) {
  io::Attributes attributes{{kRdmAttribute, "1"}, {kMethodAttribute, method}, {"name", name}};
  if (!labels.empty()) attributes[kLabelsAttribute] = labelsJson(labels);
  const auto n = static_cast<std::size_t>(rdm.rows());
  return std::make_shared<io::ArrayDataset>(io::DatasetKind::Array, name,
                                            std::vector<std::size_t>{n, n}, rowMajorValues(rdm),
                                            provenance, attributes);
}

}  // namespace nl::plugins::rsainputs
