#include "io/readers/CsvReader.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>

#include "io/UntrustedInput.h"

namespace nl::io::readers {

namespace {

constexpr std::size_t kMaxFieldBytes = 64 * 1024 * 1024;

std::string lineText(std::size_t line) {
  return "line " + std::to_string(line);
}

// Physical line of byte `offset`: LF, CRLF and a lone CR each end one line.
std::size_t lineOfOffset(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n')))
      ++line;
  return line;
}

// The candidate with most occurrences on the first line, counting only
// outside quoted fields (a quote opens a field only at its start, as in RFC 4180).
// ' ' stands for "runs of spaces and tabs" (kWhitespace): always for .dat
// (LFR's network.dat and community.dat, many simulators' outputs), and for a
// .txt whose first line has none of the candidates but words apart.
constexpr char kWhitespace = ' ';
char detectDelimiter(const std::filesystem::path& path, std::string_view firstLine) {
  const std::string name = lowerCaseFileName(path);
  if (name.ends_with(".tsv")) return '\t';
  if (name.ends_with(".dat")) return kWhitespace;
  constexpr std::array<char, 3> candidates{',', '\t', ';'};
  std::array<std::size_t, 3> counts{};
  bool quoted = false;
  for (std::size_t i = 0; i < firstLine.size(); ++i) {
    const char c = firstLine[i];
    if (quoted) {
      if (c == '"' && i + 1 < firstLine.size() && firstLine[i + 1] == '"')
        ++i;
      else if (c == '"')
        quoted = false;
      continue;
    }
    const bool fieldStart = i == 0 || std::find(candidates.begin(), candidates.end(),
                                                firstLine[i - 1]) != candidates.end();
    if (c == '"' && fieldStart) quoted = true;
    for (std::size_t k = 0; k < candidates.size(); ++k)
      if (c == candidates[k]) ++counts[k];
  }
  std::size_t best = 0;
  char delimiter = ',';  // also wins ties
  for (std::size_t k = 0; k < candidates.size(); ++k)
    if (counts[k] > best) {
      best = counts[k];
      delimiter = candidates[k];
    }
  if (best == 0 && name.ends_with(".txt")) {
    const auto first = firstLine.find_first_not_of(' ');
    const auto last = firstLine.find_last_not_of(' ');
    if (first != std::string_view::npos && firstLine.substr(first, last - first + 1).find(' ') !=
                                               std::string_view::npos)
      return kWhitespace;
  }
  return delimiter;
}

// All records of the file as views into its (unescaped in place) bytes,
// row-major, every row `width` cells wide.
struct ParsedRecords {
  char delimiter = ',';
  std::size_t width = 0;
  std::vector<std::string_view> cells;
  std::size_t rowCount() const { return width == 0 ? 0 : cells.size() / width; }
  std::string_view cell(std::size_t row, std::size_t column) const {
    return cells[row * width + column];
  }
};

// RFC 4180 records: a field in double quotes may hold delimiters, doubled
// quotes ("" for ") and line breaks (kept as written, CRLF included). Outside
// quotes LF, CRLF and a lone CR end a record. Beyond RFC 4180, as before: a
// UTF-8 BOM is dropped, blank lines and lines starting with '#' (at the start
// of a record) are skipped. Choices where files go wrong, compared with
// Python's csv module (default dialect):
//  - a quote inside an unquoted field (12" screen) is an ordinary character,
//    exactly as Python's csv reads it;
//  - text after a closing quote ("ab"cd) is refused: Python's default mode
//    would silently glue it on ("abcd"), which is what an undoubled quote
//    inside a quoted field produces; Python's strict mode refuses it too;
//  - a quote never closed is refused, naming the line where it opened
//    (Python's default mode silently takes the rest of the file as the field).
// The text is unescaped in place (an unescaped field is never longer than
// its raw bytes), so each cell is a view and unquoted fields are not copied.
ParsedRecords parseRecords(const std::filesystem::path& path, std::string& text) {
  ParsedRecords parsed;
  std::size_t pos = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // UTF-8 BOM
  if (const auto nul = text.find('\0', pos); nul != std::string::npos)
    throw FileError(path,
                    lineText(lineOfOffset(text, nul)) + " holds binary data; not a text table");

  char* const data = text.data();
  const std::size_t size = text.size();
  std::size_t line = 1;
  std::size_t firstRowLine = 0;
  std::size_t rows = 0;
  std::array<bool, 256> endsUnquoted{};
  endsUnquoted[static_cast<unsigned char>('\n')] = true;
  endsUnquoted[static_cast<unsigned char>('\r')] = true;

  const auto fieldTooLong = [&](std::size_t fieldLine) {
    return FileError(path, "the field starting on " + lineText(fieldLine) +
                               " is implausibly long (over 64 MiB)");
  };

  while (pos < size) {
    const char first = data[pos];
    if (first == '\n' || first == '\r') {  // the end of the last record, or a blank line
      pos += first == '\r' && pos + 1 < size && data[pos + 1] == '\n' ? 2 : 1;
      ++line;
      continue;
    }
    if (first == '#') {  // a comment line
      while (pos < size && data[pos] != '\n' && data[pos] != '\r') ++pos;
      continue;
    }
    if (rows == 0) {  // the first record decides the delimiter
      std::size_t lineEnd = pos;
      while (lineEnd < size && data[lineEnd] != '\n' && data[lineEnd] != '\r') ++lineEnd;
      parsed.delimiter = detectDelimiter(path, std::string_view(data + pos, lineEnd - pos));
      endsUnquoted[static_cast<unsigned char>(parsed.delimiter)] = true;
    }
    const char delimiter = parsed.delimiter;
    const bool whitespace = delimiter == kWhitespace;
    const auto isBlank = [&](std::size_t at) {
      return at < size && (data[at] == ' ' || data[at] == '\t');
    };
    if (whitespace) {
      if (rows == 0) endsUnquoted[static_cast<unsigned char>('\t')] = true;
      while (isBlank(pos)) ++pos;  // leading blanks; a blank line is skipped above
      if (pos >= size || data[pos] == '\n' || data[pos] == '\r') continue;
    }
    const std::size_t recordLine = line;
    const std::size_t recordStart = pos;
    std::size_t fields = 0;
    for (;;) {
      std::string_view field;
      if (pos < size && data[pos] == '"') {
        const std::size_t quoteLine = line;
        const std::size_t start = ++pos;
        std::size_t out = start;
        for (;;) {
          if (pos >= size)
            throw FileError(path, "the quoted field opened on " + lineText(quoteLine) +
                                      " is never closed (unterminated quote)");
          const char c = data[pos];
          if (c == '"') {
            if (pos + 1 < size && data[pos + 1] == '"') {
              data[out++] = '"';
              pos += 2;
              continue;
            }
            ++pos;
            break;
          }
          if (c == '\n' || (c == '\r' && (pos + 1 >= size || data[pos + 1] != '\n'))) ++line;
          data[out++] = c;
          ++pos;
        }
        if (pos < size && data[pos] != delimiter && data[pos] != '\n' && data[pos] != '\r' &&
            !(whitespace && data[pos] == '\t'))
          throw FileError(path, lineText(line) + ": text after the closing quote of a field (a " +
                                    "quote inside a quoted field must be doubled: \"\")");
        field = std::string_view(data + start, out - start);
        if (field.size() > kMaxFieldBytes) throw fieldTooLong(quoteLine);
      } else {
        const std::size_t start = pos;
        while (pos < size && !endsUnquoted[static_cast<unsigned char>(data[pos])]) ++pos;
        field = std::string_view(data + start, pos - start);
        if (field.size() > kMaxFieldBytes) throw fieldTooLong(line);
      }
      parsed.cells.push_back(field);
      ++fields;
      if (whitespace) {
        const std::size_t blanks = pos;
        while (isBlank(pos)) ++pos;
        if (pos > blanks && pos < size && data[pos] != '\n' && data[pos] != '\r') continue;
        break;  // trailing blanks end the record as a line break does
      }
      if (pos < size && data[pos] == delimiter) {
        ++pos;
        continue;
      }
      break;  // at a line break or the end of the file: the line break is left for the loop above
    }
    ++rows;
    if (rows == 2) {  // reserve for rows like the first data row, with some slack
      const std::size_t rowBytes = std::max<std::size_t>(pos - recordStart, 1);
      const std::size_t expectedRows = 2 + (size - pos) / rowBytes + (size - pos) / rowBytes / 8;
      parsed.cells.reserve(std::min(expectedRows, size / 2 + 2) * parsed.width);
    }
    if (rows == 1) {
      parsed.width = fields;
      firstRowLine = recordLine;
    } else if (fields != parsed.width) {
      throw FileError(path, "row " + std::to_string(rows) + " (starting on " +
                                lineText(recordLine) + ") has " + std::to_string(fields) +
                                " fields, the first row (" + lineText(firstRowLine) + ") has " +
                                std::to_string(parsed.width));
    }
  }
  return parsed;
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
  std::string text = readWholeFile(path, kMaxCsvBytes, "a CSV table");
  const ParsedRecords records = parseRecords(path, text);
  if (records.rowCount() == 0) throw FileError(path, "no rows");
  const std::size_t width = records.width;
  const std::size_t rowCount = records.rowCount();
  const char delimiter = records.delimiter;

  double scratch = 0;
  bool hasHeader = false;
  for (std::size_t c = 0; c < width && !hasHeader; ++c) {
    const auto field = records.cell(0, c);
    hasHeader = !isMissing(field) && !parseNumber(field, scratch);
  }

  FileContents contents;
  contents.metadata = {{"delimiter", std::string(1, delimiter)}, {"header", hasHeader}};
  const auto provenance = Provenance::fromFile(path.string(), "", name());
  const std::size_t firstData = hasHeader ? 1 : 0;
  const std::size_t dataRows = rowCount - firstData;

  // Type inference and conversion in one pass: a column stays numeric (its
  // values kept) until a cell is not a number.
  std::vector<bool> numeric(width, true);
  std::vector<std::vector<double>> numbers(width);
  for (auto& column : numbers) column.reserve(dataRows);
  for (std::size_t r = firstData; r < rowCount; ++r)
    for (std::size_t c = 0; c < width; ++c) {
      if (!numeric[c]) continue;
      if (parseNumber(records.cell(r, c), scratch)) {
        numbers[c].push_back(scratch);
      } else {
        numeric[c] = false;
        std::vector<double>().swap(numbers[c]);
      }
    }

  const bool allNumeric = std::all_of(numeric.begin(), numeric.end(), [](bool b) { return b; });
  if (!hasHeader && allNumeric) {
    std::vector<double> values(dataRows * width);
    for (std::size_t c = 0; c < width; ++c)
      for (std::size_t r = 0; r < dataRows; ++r) values[r * width + c] = numbers[c][r];
    contents.datasets.push_back(std::make_shared<ArrayDataset>(
        DatasetKind::Array, path.stem().string(), std::vector<std::size_t>{dataRows, width},
        std::move(values), provenance, Attributes{}, "float64"));
    return contents;
  }

  std::vector<Column> columns;
  for (std::size_t c = 0; c < width; ++c) {
    std::string columnName =
        hasHeader ? std::string(records.cell(0, c)) : "column_" + std::to_string(c + 1);
    if (columnName.empty()) columnName = "column_" + std::to_string(c + 1);
    while (std::any_of(columns.begin(), columns.end(),
                       [&](const Column& k) { return k.name == columnName; }))
      columnName += "_";
    if (numeric[c]) {
      columns.push_back({columnName, std::move(numbers[c])});
    } else {
      std::vector<std::string> values;
      values.reserve(dataRows);
      for (std::size_t r = firstData; r < rowCount; ++r) values.emplace_back(records.cell(r, c));
      columns.push_back({columnName, std::move(values)});
    }
  }
  contents.datasets.push_back(std::make_shared<TableDataset>(
      DatasetKind::Table, path.stem().string(), std::move(columns), provenance));
  return contents;
}

}  // namespace nl::io::readers
