#include "analysis/ephys/UnitFilter.h"

#include <charconv>
#include <cmath>
#include <regex>
#include <stdexcept>

namespace nl::analysis::ephys {

std::vector<FilterClause> parseUnitFilter(const std::string& text) {
  std::vector<FilterClause> clauses;
  static const std::regex separator(R"(\s*(;|\band\b)\s*)");
  static const std::regex clause(
      R"(^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(==|!=|>=|<=|=|>|<)\s*([^<>=!\s].*?)\s*$)");
  for (std::sregex_token_iterator it(text.begin(), text.end(), separator, -1), end; it != end;
       ++it) {
    const std::string part = *it;
    if (part.find_first_not_of(" \t") == std::string::npos) continue;
    std::smatch match;
    if (!std::regex_match(part, match, clause))
      throw std::invalid_argument("cannot read the unit filter clause '" + part +
                                  "' (expected e.g. snr > 1)");
    std::string value = match[3];
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    clauses.push_back({match[1], match[2] == "=" ? "==" : std::string(match[2]), value});
  }
  return clauses;
}

std::vector<std::size_t> selectRows(const std::vector<FilterClause>& clauses, std::size_t rows,
                                    const ColumnAccess& access) {
  for (const auto& c : clauses) {
    if (!access.hasColumn(c.column))
      throw std::invalid_argument("the unit table has no column '" + c.column + "'");
    if (c.op != "==" && c.op != "!=" && !access.isNumeric(c.column))
      throw std::invalid_argument("'" + c.column + "' is text; only == and != compare it");
  }
  std::vector<std::size_t> selected;
  for (std::size_t row = 0; row < rows; ++row) {
    bool keep = true;
    for (const auto& c : clauses) {
      if (access.isNumeric(c.column)) {
        double threshold = 0;
        const auto r = std::from_chars(c.value.data(), c.value.data() + c.value.size(), threshold);
        if (r.ec != std::errc() || r.ptr != c.value.data() + c.value.size())
          throw std::invalid_argument("'" + c.value + "' is not a number (column '" + c.column +
                                      "')");
        const double v = access.numberAt(c.column, row);
        if (std::isnan(v))
          keep = false;
        else if (c.op == "==")
          keep = v == threshold;
        else if (c.op == "!=")
          keep = v != threshold;
        else if (c.op == ">")
          keep = v > threshold;
        else if (c.op == ">=")
          keep = v >= threshold;
        else if (c.op == "<")
          keep = v < threshold;
        else
          keep = v <= threshold;
      } else {
        const bool equal = access.textAt(c.column, row) == c.value;
        keep = c.op == "==" ? equal : !equal;
      }
      if (!keep) break;
    }
    if (keep) selected.push_back(row);
  }
  return selected;
}

}  // namespace nl::analysis::ephys
