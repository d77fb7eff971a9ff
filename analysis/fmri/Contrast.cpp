#include "analysis/fmri/Contrast.h"

#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace nl::analysis::fmri {

namespace {

bool isNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-' ||
         c == ':' || c == '/';
}

std::string knownList(const std::vector<std::string>& columns) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ", ") + c;
  return out;
}

}  // namespace

Eigen::VectorXd parseContrast(const std::string& spec, const std::vector<std::string>& columns) {
  Eigen::VectorXd weights = Eigen::VectorXd::Zero(static_cast<long>(columns.size()));
  std::vector<bool> used(columns.size(), false);
  std::size_t i = 0;
  const std::size_t n = spec.size();
  auto skipSpace = [&] {
    while (i < n && std::isspace(static_cast<unsigned char>(spec[i])) != 0) ++i;
  };
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("contrast '" + spec + "': " + why);
  };
  skipSpace();
  if (i == n) fail("is empty; write e.g. 'face - house'");
  bool first = true;
  while (true) {
    skipSpace();
    if (i == n) break;
    double sign = 1.0;
    if (spec[i] == '+' || spec[i] == '-') {
      sign = spec[i] == '-' ? -1.0 : 1.0;
      ++i;
      skipSpace();
    } else if (!first) {
      fail("expected '+' or '-' before '" + spec.substr(i) + "'");
    }
    first = false;
    double weight = 1.0;
    const bool startsWithName = [&] {
      for (const auto& c : columns)
        if (!c.empty() && spec.compare(i, c.size(), c) == 0) return true;
      return false;
    }();
    if (i < n && !startsWithName &&
        (std::isdigit(static_cast<unsigned char>(spec[i])) != 0 || spec[i] == '.')) {
      // A number followed by '*' or a space is a weight; otherwise (like
      // "1back") it starts a name.
      char* end = nullptr;
      const double value = std::strtod(spec.c_str() + i, &end);
      std::size_t after = static_cast<std::size_t>(end - spec.c_str());
      std::size_t probe = after;
      while (probe < n && std::isspace(static_cast<unsigned char>(spec[probe])) != 0) ++probe;
      const bool star = probe < n && spec[probe] == '*';
      const bool spaced = probe > after && probe < n && isNameChar(spec[probe]);
      if (end != spec.c_str() + i && (star || spaced)) {
        weight = value;
        i = star ? probe + 1 : probe;
        skipSpace();
      }
    }
    // The longest known name that starts here and ends at a space, a sign or
    // the end, so names with '-' ("face-1") work and "face-house" still splits.
    std::size_t column = columns.size();
    std::size_t length = 0;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const auto& candidate = columns[c];
      if (candidate.empty() || candidate.size() <= length ||
          spec.compare(i, candidate.size(), candidate) != 0)
        continue;
      const std::size_t next = i + candidate.size();
      if (next == n || !isNameChar(spec[next]) || spec[next] == '-') {
        column = c;
        length = candidate.size();
      }
    }
    if (column == columns.size()) {
      std::size_t end = i;
      while (end < n && isNameChar(spec[end]) && spec[end] != '-') ++end;
      if (end == i)
        fail(i == n ? "ends with a sign; a condition name must follow"
                    : "expected a condition name at '" + spec.substr(i) + "'");
      fail("unknown condition '" + spec.substr(i, end - i) + "' (known: " + knownList(columns) +
           ")");
    }
    i += length;
    const std::string& name = columns[column];
    if (used[column]) fail("'" + name + "' appears twice");
    used[column] = true;
    weights[static_cast<long>(column)] = sign * weight;
  }
  if (weights.isZero(0.0)) fail("all weights are zero");
  return weights;
}

Eigen::VectorXd conditionContrast(const std::string& spec, const Design& design) {
  const Eigen::VectorXd weights = parseContrast(spec, design.conditions);
  Eigen::VectorXd padded = Eigen::VectorXd::Zero(design.matrix.cols());
  padded.head(weights.size()) = weights;
  return padded;
}

}  // namespace nl::analysis::fmri
