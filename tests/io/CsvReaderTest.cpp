// The CSV/TSV reader: delimiters, headers, quoting, missing values, column
// types, arrays vs tables, broken files, and the biclustering fixture.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>

#include "io/ReaderRegistry.h"
#include "tests/support/TestSupport.h"

using namespace nl::io;
using namespace nl::test;

namespace {

FileContents read(const TempDir& dir, const std::string& name, const std::string& text) {
  writeBytes(dir / name, text);
  return ReaderRegistry::builtin().open(dir / name);
}

std::shared_ptr<const TableDataset> table(const FileContents& contents) {
  EXPECT_EQ(contents.datasets.size(), 1u);
  auto t = std::dynamic_pointer_cast<const TableDataset>(contents.datasets.at(0));
  EXPECT_TRUE(t) << "expected a table";
  return t;
}

std::shared_ptr<const ArrayDataset> array(const FileContents& contents) {
  EXPECT_EQ(contents.datasets.size(), 1u);
  auto a = std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets.at(0));
  EXPECT_TRUE(a) << "expected an array";
  return a;
}

}  // namespace

TEST(CsvStructure, DelimitersAreDetectedFromTheFirstLine) {
  TempDir dir;
  const auto semicolon = read(dir, "eu.csv", "area;rate\nVISp;1.5\nCA1;2\n");
  EXPECT_EQ(semicolon.metadata["delimiter"], ";");
  EXPECT_EQ(*table(semicolon)->numericColumn("rate"), (std::vector<double>{1.5, 2}));
  const auto tabs = read(dir, "t.txt", "a\tb,c\td\n1\t2\t3\n");  // more tabs than commas
  EXPECT_EQ(tabs.metadata["delimiter"], "\t");
  EXPECT_EQ(table(tabs)->columns()[1].name, "b,c");
  const auto tie = read(dir, "tie.csv", "a\tb,c\n1\t2,3\n");  // a tie goes to the comma
  EXPECT_EQ(tie.metadata["delimiter"], ",");
  // A .tsv is tab-separated even when its header has commas and no tabs.
  const auto tsv = read(dir, "one.tsv", "x,y\n1,2\n");
  EXPECT_EQ(tsv.metadata["delimiter"], "\t");
  EXPECT_EQ(table(tsv)->columns().size(), 1u);
  EXPECT_EQ(table(tsv)->column("x,y")->strings()[0], "1,2");
}

TEST(CsvStructure, DatFilesAndSpacedTextSplitOnRunsOfBlanks) {
  TempDir dir;
  // LFR's network.dat: tab-separated; other generators pad with spaces, and
  // lines may start or end with blanks.
  const auto network = read(dir, "network.dat", "1\t2\t0.5\n  2   3\t 1.25 \n3 1 2e-1\n\n \t\n");
  EXPECT_EQ(network.metadata["delimiter"], " ");
  const auto edges = array(network);
  EXPECT_EQ(edges->shape(), (std::vector<std::size_t>{3, 3}));
  EXPECT_EQ(edges->values(), (std::vector<double>{1, 2, 0.5, 2, 3, 1.25, 3, 1, 0.2}));
  // A header makes it a table, as for any delimiter.
  const auto named = read(dir, "named.dat", "# written by hand\nsource target weight\n4 5 1\n");
  EXPECT_EQ(*table(named)->numericColumn("weight"), (std::vector<double>{1}));
  // A .txt without commas, tabs or semicolons but words apart is split too;
  // a single word per line stays one column.
  const auto spaced = read(dir, "pairs.txt", "1 2\n3 4\n");
  EXPECT_EQ(array(spaced)->shape(), (std::vector<std::size_t>{2, 2}));
  const auto single = read(dir, "names.txt", "AVAL\nAVAR\n");
  EXPECT_EQ(table(single)->columns().size(), 1u);
  // Rows of different widths are an error naming the row.
  try {
    read(dir, "ragged.dat", "1 2 3\n4 5\n");
    FAIL() << "a ragged .dat was accepted";
  } catch (const FileError& error) {
    EXPECT_NE(std::string(error.what()).find("row 2"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("ragged.dat"), std::string::npos) << error.what();
  }
}

TEST(CsvStructure, HeaderDetectionDecidesBetweenTableAndArray) {
  TempDir dir;
  const auto counts = read(dir, "counts.csv", "0,1,2\n3,4,5\r\n6,7,8\n");
  EXPECT_EQ(counts.metadata["header"], false);
  const auto a = array(counts);
  EXPECT_EQ(a->shape(), (std::vector<std::size_t>{3, 3}));
  EXPECT_EQ(a->values()[5], 5.0);
  EXPECT_EQ(a->provenance().readerName, "CSV/TSV");
  // A header of names over numbers is a table, even when all data are numeric.
  const auto named = read(dir, "named.csv", "x,y\n1,2\n3,4\n");
  EXPECT_EQ(named.metadata["header"], true);
  const auto t = table(named);
  EXPECT_EQ(t->rowCount(), 2u);
  EXPECT_EQ(*t->numericColumn("y"), (std::vector<double>{2, 4}));
  // The rule: a first row with any cell that is not a number is the header.
  const auto textFirst = table(read(dir, "text_first.csv", "1,VISp\n2,CA1\n"));
  EXPECT_EQ(textFirst->rowCount(), 1u);
  EXPECT_EQ(textFirst->columns()[1].name, "VISp");
  // A numeric first row with text further down: no header, generated column names.
  const auto mixed = table(read(dir, "mixed.csv", "1,2\nVISp,3\n"));
  EXPECT_EQ(mixed->rowCount(), 2u);
  EXPECT_EQ(mixed->columns()[0].name, "column_1");
  EXPECT_EQ(mixed->column("column_1")->strings(), (std::vector<std::string>{"1", "VISp"}));
  EXPECT_EQ(*mixed->numericColumn("column_2"), (std::vector<double>{2, 3}));
  // A header only: a table with no rows.
  const auto headerOnly = table(read(dir, "h.csv", "a,b\n"));
  EXPECT_EQ(headerOnly->rowCount(), 0u);
  EXPECT_EQ(headerOnly->columns().size(), 2u);
}

TEST(CsvFields, QuotingMissingValuesAndNumberSpellings) {
  TempDir dir;
  const auto t = table(read(dir, "q.csv",
                            "name,\"a, b\",value,flag\r\n"
                            "\"Smith, J.\",\"He said \"\"hi\"\"\",+1.5e3,NA\r\n"
                            "plain,\"\",  -2 ,NaN\r\n"
                            "\"\"\"quoted\"\"\",x,inf,\r\n"
                            "last,y,-Inf,N/A\r\n"));
  ASSERT_EQ(t->rowCount(), 4u);
  EXPECT_EQ(t->columns()[1].name, "a, b");
  EXPECT_EQ(t->column("name")->strings(),
            (std::vector<std::string>{"Smith, J.", "plain", "\"quoted\"", "last"}));
  EXPECT_EQ(t->column("a, b")->strings()[0], "He said \"hi\"");
  EXPECT_EQ(t->column("a, b")->strings()[1], "")
      << "an empty quoted field is an empty string, not a missing number";
  const auto* value = t->numericColumn("value");
  ASSERT_NE(value, nullptr) << "spaces, a plus sign, exponents and inf are numbers";
  EXPECT_EQ((*value)[0], 1500.0);
  EXPECT_EQ((*value)[1], -2.0);
  EXPECT_EQ((*value)[2], std::numeric_limits<double>::infinity());
  EXPECT_EQ((*value)[3], -std::numeric_limits<double>::infinity());
  const auto* flag = t->numericColumn("flag");
  ASSERT_NE(flag, nullptr) << "a column of only missing values is numeric (all NaN)";
  for (double f : *flag) EXPECT_TRUE(std::isnan(f));
  for (const auto& column : t->columns()) EXPECT_EQ(column.name.find('\r'), std::string::npos);
}

TEST(CsvFields, OneTextCellMakesTheWholeColumnText) {
  TempDir dir;
  const auto t = table(read(dir, "units.csv", "id,quality\n1,0.9\n2,good\n3,NA\n"));
  EXPECT_EQ(t->numericColumn("quality"), nullptr);
  EXPECT_EQ(t->column("quality")->strings(), (std::vector<std::string>{"0.9", "good", "NA"}))
      << "text columns keep what was written, NA included";
  EXPECT_NE(t->numericColumn("id"), nullptr);
}

TEST(CsvStructure, CommentsBlankLinesBomAndDuplicateOrEmptyHeaders) {
  TempDir dir;
  const auto t = table(read(dir, "c.csv",
                            "\xEF\xBB\xBF# exported by a lab script\n"
                            "\n"
                            "rate,rate,,label\n"
                            "# a comment between rows\n"
                            "1,2,3,a\n"
                            "\r\n"
                            "4,5,6,b\n"));
  ASSERT_EQ(t->rowCount(), 2u);
  std::vector<std::string> names;
  for (const auto& c : t->columns()) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"rate", "rate_", "column_3", "label"}));
  EXPECT_EQ(*t->numericColumn("rate_"), (std::vector<double>{2, 5}));
  EXPECT_EQ(*t->numericColumn("column_3"), (std::vector<double>{3, 6}));
}

TEST(CsvBroken, RaggedRowsBinaryAndEmptyFiles) {
  TempDir dir;
  writeBytes(dir / "ragged.csv", "a,b,c\n1,2,3\n4,5,6\n7,8\n");
  auto error = fileErrorOf([&] { ReaderRegistry::builtin().open(dir / "ragged.csv"); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path(), dir / "ragged.csv");
  EXPECT_NE(error->reason().find("row 4"), std::string::npos) << error->reason();
  EXPECT_NE(error->reason().find("2 fields"), std::string::npos) << error->reason();
  writeBytes(dir / "long.csv", "1,2\n3,4,5\n");
  error = fileErrorOf([&] { ReaderRegistry::builtin().open(dir / "long.csv"); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("row 2"), std::string::npos) << error->reason();
  // Text first, binary later (beyond the 512 bytes the registry sniffs).
  writeBytes(dir / "late_binary.csv",
             "a,b\n" + std::string(600, '1') + ",2\n" + std::string("\x00\x01,\x02\n", 5));
  error = fileErrorOf([&] { ReaderRegistry::builtin().open(dir / "late_binary.csv"); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("binary"), std::string::npos) << error->reason();
  writeBytes(dir / "comments_only.csv", "# nothing here\n\n# at all\n");
  error = fileErrorOf([&] { ReaderRegistry::builtin().open(dir / "comments_only.csv"); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("no rows"), std::string::npos);
  // Binary from the first byte is not offered to the CSV reader at all.
  writeBytes(dir / "image.csv", std::string("\x89PNG\r\n\x1a\n\x00\x00", 10));
  error = fileErrorOf([&] { ReaderRegistry::builtin().open(dir / "image.csv"); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("unrecognised"), std::string::npos) << error->reason();
}

TEST(CsvFixtures, BiclusteringSpikeCountsAndLabels) {
  NL_REQUIRE_FIXTURE("biclustering/Y.csv");
  const auto y = array(ReaderRegistry::builtin().open(fixtures() / "biclustering/Y.csv"));
  ASSERT_EQ(y->shape(), (std::vector<std::size_t>{63, 720}));
  const auto& v = y->values();
  for (double c : v) ASSERT_TRUE(c >= 0 && c == std::floor(c)) << c;
  // Sums checked independently with numpy.loadtxt.
  EXPECT_EQ(std::accumulate(v.begin(), v.end(), 0.0), 181112.0);
  EXPECT_EQ(*std::max_element(v.begin(), v.end()), 65.0);
  EXPECT_EQ(std::accumulate(v.begin(), v.begin() + 720, 0.0), 695.0) << "neuron 0";
  EXPECT_EQ(std::accumulate(v.begin() + 720, v.begin() + 1440, 0.0), 2867.0) << "neuron 1";
  EXPECT_EQ((std::vector<double>(v.begin(), v.begin() + 5)), (std::vector<double>{1, 0, 3, 5, 1}));

  NL_REQUIRE_FIXTURE("biclustering/Lab_neuron.csv");
  const auto regions =
      array(ReaderRegistry::builtin().open(fixtures() / "biclustering/Lab_neuron.csv"));
  ASSERT_EQ(regions->shape(), (std::vector<std::size_t>{63, 1}))
      << "one region code per neuron of Y";
  std::map<double, int> perRegion;
  for (double r : regions->values()) ++perRegion[r];
  EXPECT_EQ(perRegion.size(), 3u) << "CA1, LP and VISp";
}

TEST(CsvFixtures, ZebrafishTectumActivityAndCoordinatesDescribeTheSameNeurons) {
  NL_REQUIRE_FIXTURE("calcium/zebrafish_tectum_triplett2018/zf_20170215-f3_activity_matrix.csv");
  const auto dir = fixtures() / "calcium/zebrafish_tectum_triplett2018";
  const auto activity =
      array(ReaderRegistry::builtin().open(dir / "zf_20170215-f3_activity_matrix.csv"));
  ASSERT_EQ(activity->shape(), (std::vector<std::size_t>{75, 5660})) << "75 neurons x 5,660 frames";
  EXPECT_EQ(activity->values().front(), 0.40005);
  EXPECT_EQ(activity->values().back(), 0.12298);
  const auto coordinates =
      array(ReaderRegistry::builtin().open(dir / "zf_20170215-f3_cell_coordinates.csv"));
  ASSERT_EQ(coordinates->shape(), (std::vector<std::size_t>{75, 2}));
  EXPECT_EQ(std::accumulate(coordinates->values().begin(), coordinates->values().end(), 0.0),
            34286.5);
  // The assembly list has rows of different lengths: not a table, and said so.
  const auto error = fileErrorOf(
      [&] { ReaderRegistry::builtin().open(dir / "zf_20170215-f3_assembly_assignments.csv"); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("row 2"), std::string::npos) << error->reason();
}

TEST(CsvFixtures, HaxbyEventsTsvIsATableOfOnsetsAndCategories) {
  NL_REQUIRE_FIXTURE("nifti/haxby2001/BOLD_task001_run001_bold_events.tsv");
  const auto events = table(ReaderRegistry::builtin().open(
      fixtures() / "nifti/haxby2001/BOLD_task001_run001_bold_events.tsv"));
  ASSERT_EQ(events->rowCount(), 8u);
  ASSERT_NE(events->numericColumn("onset"), nullptr);
  EXPECT_EQ((*events->numericColumn("onset"))[0], 15.0);
  EXPECT_EQ((*events->numericColumn("duration"))[1], 22.5);
  const auto& types = events->column("trial_type")->strings();
  EXPECT_EQ(std::set<std::string>(types.begin(), types.end()),
            (std::set<std::string>{"bottle", "cat", "chair", "face", "house", "scissors",
                                   "scrambledpix", "shoe"}));
}

// RFC 4180 quoting across lines. Every expected cell below is what Python's
// csv module (default dialect, file opened with newline='' and encoding
// utf-8-sig) returns for the same bytes.
TEST(CsvQuoting, MultiLineQuotedFieldsReadAsPythonCsvReadsThem) {
  TempDir dir;
  const auto stimuli =
      table(read(dir, "stimuli.csv",
                 "onset,duration,trial_type,note\n"
                 "1.5,0.5,face,\"first line\nsecond line\"\n"
                 "3.0,0.5,house,\"plain\"\n"
                 "4.5,0.5,\"cat, tabby\",\"three\nlines, with comma\nand \"\"quotes\"\"\"\n"
                 "6,0.25,chair,\n"));
  ASSERT_EQ(stimuli->rowCount(), 4u);
  EXPECT_EQ(*stimuli->numericColumn("onset"), (std::vector<double>{1.5, 3.0, 4.5, 6}));
  EXPECT_EQ(*stimuli->numericColumn("duration"), (std::vector<double>{0.5, 0.5, 0.5, 0.25}));
  EXPECT_EQ(stimuli->column("trial_type")->strings(),
            (std::vector<std::string>{"face", "house", "cat, tabby", "chair"}));
  EXPECT_EQ(stimuli->column("note")->strings(),
            (std::vector<std::string>{"first line\nsecond line", "plain",
                                      "three\nlines, with comma\nand \"quotes\"", ""}));
  // A continuation line starting with '#' is inside a field, not a comment.
  const auto hash = table(read(dir, "hash.csv", "id,note\n1,\"first\n# not a comment\"\n2,x\n"));
  EXPECT_EQ(hash->column("note")->strings(),
            (std::vector<std::string>{"first\n# not a comment", "x"}));
  // A header name may span lines too.
  const auto header = table(read(dir, "multiline_header.csv", "\"onset\ntime\",dur\n1,2\n"));
  EXPECT_EQ(header->columns()[0].name, "onset\ntime");
  EXPECT_EQ(*header->numericColumn("onset\ntime"), (std::vector<double>{1}));
}

TEST(CsvQuoting, CrlfAndLoneCrInsideAndOutsideQuotes) {
  TempDir dir;
  // Line breaks inside quotes are kept as written (Python: 'a\r\nb').
  const auto crlf =
      table(read(dir, "crlf.csv", "id,text\r\n1,\"a\r\nb\"\r\n2,\"c\"\"d\"\r\n3,e\r\n"));
  ASSERT_EQ(crlf->rowCount(), 3u);
  EXPECT_EQ(*crlf->numericColumn("id"), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(crlf->column("text")->strings(), (std::vector<std::string>{"a\r\nb", "c\"d", "e"}));
  // Classic Mac line ends: a lone CR ends a record.
  const auto cr = table(read(dir, "cr.csv", "a,b\r1,\"x\ry\"\r2,z\r"));
  ASSERT_EQ(cr->rowCount(), 2u);
  EXPECT_EQ(*cr->numericColumn("a"), (std::vector<double>{1, 2}));
  EXPECT_EQ(cr->column("b")->strings(), (std::vector<std::string>{"x\ry", "z"}));
  // Mixed line ends in one headerless numeric file.
  const auto mixed = array(read(dir, "mixed_ends.csv", "1,2\r\n3,4\r5,6\n7,8"));
  EXPECT_EQ(mixed->shape(), (std::vector<std::size_t>{4, 2}));
  EXPECT_EQ(mixed->values(), (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(CsvQuoting, TsvWithQuotedTabsDoubledQuotesAndLineBreaks) {
  TempDir dir;
  const auto contents = read(dir, "events.tsv",
                             "onset\ttrial_type\tnote\n"
                             "0.5\t\"go\tleft\"\t\"said \"\"stop\"\"\nthen left\"\n"
                             "1\tnogo\t\n");
  EXPECT_EQ(contents.metadata["delimiter"], "\t");
  const auto events = table(contents);
  ASSERT_EQ(events->rowCount(), 2u);
  EXPECT_EQ(*events->numericColumn("onset"), (std::vector<double>{0.5, 1}));
  EXPECT_EQ(events->column("trial_type")->strings(),
            (std::vector<std::string>{"go\tleft", "nogo"}));
  EXPECT_EQ(events->column("note")->strings(),
            (std::vector<std::string>{"said \"stop\"\nthen left", ""}));
}

TEST(CsvQuoting, BomBeforeAQuotedHeaderAndNoFinalLineBreak) {
  TempDir dir;
  const auto t = table(read(dir, "bom.csv", "\xEF\xBB\xBF\"id\",\"label\"\r\n1,\"x, y\"\r\n2,z"));
  ASSERT_EQ(t->rowCount(), 2u);
  EXPECT_EQ(t->columns()[0].name, "id") << "the BOM is not part of the first name";
  EXPECT_EQ(*t->numericColumn("id"), (std::vector<double>{1, 2}));
  EXPECT_EQ(t->column("label")->strings(), (std::vector<std::string>{"x, y", "z"}));
  // Trailing empty lines (LF or CRLF) add no rows.
  const auto trailing = table(read(dir, "trailing.csv", "a,b\n1,\"q\"\n\r\n\n"));
  EXPECT_EQ(trailing->rowCount(), 1u);
  EXPECT_EQ(trailing->column("b")->strings(), (std::vector<std::string>{"q"}));
}

TEST(CsvQuoting, QuoteInsideAnUnquotedFieldIsACharacterAsInPython) {
  TempDir dir;
  const auto t = table(read(dir, "stray.csv", "size,label\n12\" screen,a\n5'2\",b\n"));
  EXPECT_EQ(t->column("size")->strings(), (std::vector<std::string>{"12\" screen", "5'2\""}));
  // Delimiters inside quotes do not count when the delimiter is guessed.
  const auto quotedSemicolons = read(dir, "semicolons_in_quotes.csv", "\"x;y;z\",b\n1,2\n");
  EXPECT_EQ(quotedSemicolons.metadata["delimiter"], ",");
  EXPECT_EQ(table(quotedSemicolons)->columns()[0].name, "x;y;z");
}

TEST(CsvQuoting, QuotedNumbersStayNumericAndAFinalDelimiterEndsWithAnEmptyField) {
  TempDir dir;
  // Python: [['a', 'b'], ['1.5', ''], ['2', '']] (no line break after the last row).
  const auto t = table(read(dir, "q.csv", "a,b\n\"1.5\",\n2,"));
  ASSERT_EQ(t->rowCount(), 2u);
  ASSERT_NE(t->numericColumn("a"), nullptr) << "quotes do not make a number text";
  EXPECT_EQ(*t->numericColumn("a"), (std::vector<double>{1.5, 2}));
  const auto* b = t->numericColumn("b");
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(std::isnan((*b)[0]) && std::isnan((*b)[1]));
}

TEST(CsvBroken, UnterminatedQuoteNamesTheLineWhereItOpened) {
  TempDir dir;
  // Python's strict mode: "unexpected end of data"; its default mode takes the
  // rest of the file ('never\nclosed\n4,5\n') as the field. Refused here.
  writeBytes(dir / "unterminated.csv", "a,b\n1,2\n3,\"never\nclosed\n4,5\n");
  auto error = fileErrorOf([&] { ReaderRegistry::builtin().open(dir / "unterminated.csv"); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path(), dir / "unterminated.csv");
  EXPECT_NE(error->reason().find("opened on line 3"), std::string::npos) << error->reason();
  EXPECT_NE(error->reason().find("unterminated quote"), std::string::npos) << error->reason();
  // After a BOM, CRLF line ends and an earlier multi-line field, still the right line.
  writeBytes(dir / "late.csv", "\xEF\xBB\xBFid,note\r\n1,\"a\r\nb\"\r\n2,\"open\r\n");
  error = fileErrorOf([&] { ReaderRegistry::builtin().open(dir / "late.csv"); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("opened on line 4"), std::string::npos) << error->reason();
}

TEST(CsvBroken, RaggedRowNamesItsPhysicalLine) {
  TempDir dir;
  // Python: the 2-field row is read with line_num 5 (one field spans lines 2-3).
  writeBytes(dir / "ragged.csv", "a,b,c\n1,\"x\ny\",3\n\n4,5\n");
  auto error = fileErrorOf([&] { ReaderRegistry::builtin().open(dir / "ragged.csv"); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path(), dir / "ragged.csv");
  EXPECT_NE(error->reason().find("row 3 (starting on line 5) has 2 fields"), std::string::npos)
      << error->reason();
  EXPECT_NE(error->reason().find("has 3"), std::string::npos) << error->reason();
  // A short row that itself spans lines 3-4 is named by the line it starts on.
  writeBytes(dir / "ragged_multi.csv", "a,b,c\n1,2,3\n4,\"multi\nline\"\n");
  error = fileErrorOf([&] { ReaderRegistry::builtin().open(dir / "ragged_multi.csv"); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("starting on line 3"), std::string::npos) << error->reason();
}

TEST(CsvBroken, TextAfterAClosingQuoteIsRefused) {
  TempDir dir;
  // An undoubled quote inside a quoted field. Python's default mode silently
  // reads 'He said hi" there"'; its strict mode refuses (',' expected after
  // '"'), and so does this reader, naming the line.
  writeBytes(dir / "after_quote.csv", "a,b\n\"He said \"hi\" there\",1\n");
  const auto error = fileErrorOf([&] { ReaderRegistry::builtin().open(dir / "after_quote.csv"); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("line 2"), std::string::npos) << error->reason();
  EXPECT_NE(error->reason().find("closing quote"), std::string::npos) << error->reason();
}
