#pragma once
// Unit selection by table columns: "location == VISp; snr > 1 and
// isi_violations < 0.5". Clauses joined by ';' or 'and' must all hold.
#include <functional>
#include <string>
#include <vector>

namespace nl::analysis::ephys {

struct FilterClause {
  std::string column, op, value;  // op: == != > >= < <=
};

// Throws std::invalid_argument with the offending clause.
std::vector<FilterClause> parseUnitFilter(const std::string& text);

// `numberAt(column, row)` returns NaN when the column is not numeric;
// `textAt(column, row)` the cell as text; `hasColumn` checks existence.
struct ColumnAccess {
  std::function<bool(const std::string&)> hasColumn;
  std::function<bool(const std::string&)> isNumeric;
  std::function<double(const std::string&, std::size_t)> numberAt;
  std::function<std::string(const std::string&, std::size_t)> textAt;
};

// Rows for which every clause holds; throws std::invalid_argument for an
// unknown column or a number comparison on a text column.
std::vector<std::size_t> selectRows(const std::vector<FilterClause>& clauses, std::size_t rows,
                                    const ColumnAccess& access);

}  // namespace nl::analysis::ephys
