#include "io/readers/CsvReader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>

namespace nl::io::readers {

namespace {

constexpr std::size_t kMaxLineBytes = 64 * 1024 * 1024;

char detectDelimiter(const std::filesystem::path& path, const std::string& firstLine) {
  if (lowerCaseFileName(path).ends_with(".tsv")) return '\t';
  std::size_t best = 0;
  char delimiter = ',';
  for (char candidate : {',', '\t', ';'}) {
    const auto n =
        static_cast<std::size_t>(std::count(firstLine.begin(), firstLine.end(), candidate));
    if (n > best) {
      best = n;
      delimiter = candidate;
    }
  }
  return delimiter;
}

// RFC 4180 fields: quotes around fields, doubled quotes inside them.
std::vector<std::string> splitFields(const std::string& line, char delimiter) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == delimiter) {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  fields.push_back(std::move(field));
  return fields;
}

bool isMissing(std::string_view text) {
  return text.empty() || text == "NA" || text == "NaN" || text == "nan" || text == "N/A";
}

bool parseNumber(std::string_view text, double& value) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (isMissing(text)) {
    value = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec == std::errc() && result.ptr == text.data() + text.size()) return true;
  if (text == "inf" || text == "Inf")
    value = std::numeric_limits<double>::infinity();
  else if (text == "-inf" || text == "-Inf")
    value = -std::numeric_limits<double>::infinity();
  else
    return false;
  return true;
}

}  // namespace

int CsvReader::confidence(const std::filesystem::path& path,
                          std::span<const unsigned char> head) const {
  if (!hasExtension(path, extensions())) return 0;
  // Binary content is not text, whatever the extension says.
  const bool binary = std::any_of(head.begin(), head.end(), [](unsigned char c) { return c == 0; });
  return binary ? 0 : 10;
}

FileContents CsvReader::open(const std::filesystem::path& path, const std::string&) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot be read");
  std::vector<std::vector<std::string>> rows;
  std::string line;
  char delimiter = 0;
  std::size_t lineNumber = 0;
  while (std::getline(in, line)) {
    ++lineNumber;
    if (line.size() > kMaxLineBytes)
      throw FileError(path, "line " + std::to_string(lineNumber) + " is implausibly long");
    if (line.find('\0') != std::string::npos)
      throw FileError(
          path, "line " + std::to_string(lineNumber) + " holds binary data; not a text table");
    if (lineNumber == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // UTF-8 BOM
    if (line.empty() || line == "\r" || line.starts_with('#')) continue;
    if (delimiter == 0) delimiter = detectDelimiter(path, line);
    rows.push_back(splitFields(line, delimiter));
  }
  if (rows.empty()) throw FileError(path, "no rows");

  const std::size_t width = rows.front().size();
  for (std::size_t r = 1; r < rows.size(); ++r)
    if (rows[r].size() != width)
      throw FileError(path, "row " + std::to_string(r + 1) + " has " +
                                std::to_string(rows[r].size()) + " fields, the first row has " +
                                std::to_string(width));

  double scratch = 0;
  const bool hasHeader =
      std::any_of(rows.front().begin(), rows.front().end(),
                  [&](const std::string& f) { return !isMissing(f) && !parseNumber(f, scratch); });

  FileContents contents;
  contents.metadata = {{"delimiter", std::string(1, delimiter)}, {"header", hasHeader}};
  const auto provenance = Provenance::fromFile(path.string(), "", name());
  const std::size_t firstData = hasHeader ? 1 : 0;
  const std::size_t dataRows = rows.size() - firstData;

  std::vector<bool> numeric(width, true);
  for (std::size_t r = firstData; r < rows.size(); ++r)
    for (std::size_t c = 0; c < width; ++c)
      if (numeric[c] && !parseNumber(rows[r][c], scratch)) numeric[c] = false;

  const bool allNumeric = std::all_of(numeric.begin(), numeric.end(), [](bool b) { return b; });
  if (!hasHeader && allNumeric) {
    std::vector<double> values;
    values.reserve(dataRows * width);
    for (const auto& row : rows)
      for (const auto& field : row) {
        parseNumber(field, scratch);
        values.push_back(scratch);
      }
    contents.datasets.push_back(std::make_shared<ArrayDataset>(
        DatasetKind::Array, path.stem().string(), std::vector<std::size_t>{dataRows, width},
        std::move(values), provenance, Attributes{}, "float64"));
    return contents;
  }

  std::vector<Column> columns;
  for (std::size_t c = 0; c < width; ++c) {
    std::string columnName = hasHeader ? rows.front()[c] : "column_" + std::to_string(c + 1);
    if (columnName.empty()) columnName = "column_" + std::to_string(c + 1);
    while (std::any_of(columns.begin(), columns.end(),
                       [&](const Column& k) { return k.name == columnName; }))
      columnName += "_";
    if (numeric[c]) {
      std::vector<double> values;
      values.reserve(dataRows);
      for (std::size_t r = firstData; r < rows.size(); ++r) {
        parseNumber(rows[r][c], scratch);
        values.push_back(scratch);
      }
      columns.push_back({columnName, std::move(values)});
    } else {
      std::vector<std::string> values;
      values.reserve(dataRows);
      for (std::size_t r = firstData; r < rows.size(); ++r) values.push_back(rows[r][c]);
      columns.push_back({columnName, std::move(values)});
    }
  }
  contents.datasets.push_back(std::make_shared<TableDataset>(
      DatasetKind::Table, path.stem().string(), std::move(columns), provenance));
  return contents;
}

}  // namespace nl::io::readers
