// The anatomical connectome JSON reader: both C. elegans fixtures (White
// 1986, Witvliet 2020 dataset 8) read into a (pre, post, type, synapses)
// table with the edge counts and known edges Python's json module gives; other
// JSON is not claimed; malformed files give an error naming the problem.
#include <gtest/gtest.h>

#include <numeric>
#include <set>

#include "io/ReaderRegistry.h"
#include "tests/support/TestSupport.h"

using namespace nl::io;
using namespace nl::test;

namespace {

std::shared_ptr<const TableDataset> readTable(const std::filesystem::path& path) {
  const auto contents = ReaderRegistry::builtin().open(path);
  EXPECT_EQ(contents.readerName, "Connectome JSON");
  EXPECT_EQ(contents.datasets.size(), 1u);
  return std::dynamic_pointer_cast<const TableDataset>(contents.datasets.at(0));
}

// Synapses of pre → post of one type (summed over repeated rows).
double synapses(const TableDataset& table, const std::string& pre, const std::string& post,
                const std::string& type) {
  const auto& p = table.column("pre")->strings();
  const auto& q = table.column("post")->strings();
  const auto& t = table.column("type")->strings();
  const auto& s = *table.numericColumn("synapses");
  double total = 0;
  for (std::size_t i = 0; i < table.rowCount(); ++i)
    if (p[i] == pre && q[i] == post && t[i] == type) total += s[i];
  return total;
}

std::string errorOf(const std::filesystem::path& path) {
  try {
    ReaderRegistry::builtin().open(path);
  } catch (const FileError& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace

TEST(ConnectomeJson, White1986) {
  const auto path = fixtures() / "calcium/celegans_flavell/white_1986_whole.json";
  NL_REQUIRE_FIXTURE_PATH(path);
  const auto table = readTable(path);
  ASSERT_TRUE(table);
  EXPECT_EQ(table->rowCount(), 3549u);
  ASSERT_TRUE(table->column("pre") && table->column("post") && table->column("type"));
  ASSERT_NE(table->numericColumn("synapses"), nullptr);
  const auto& s = *table->numericColumn("synapses");
  EXPECT_EQ(std::accumulate(s.begin(), s.end(), 0.0), 10117.0);
  const auto& types = table->column("type")->strings();
  EXPECT_EQ(std::count(types.begin(), types.end(), "chemical"), 2405);
  EXPECT_EQ(std::count(types.begin(), types.end(), "electrical"), 1144);
  EXPECT_EQ(synapses(*table, "AVAL", "AVAR", "chemical"), 2.0);
  EXPECT_EQ(synapses(*table, "AVAL", "AVAR", "electrical"), 5.0);
  EXPECT_EQ(synapses(*table, "VB4", "DD3", "chemical"), 16.0);
  std::set<std::string> neurons(table->column("pre")->strings().begin(),
                                table->column("pre")->strings().end());
  neurons.insert(table->column("post")->strings().begin(), table->column("post")->strings().end());
  EXPECT_EQ(neurons.size(), 319u);
}

TEST(ConnectomeJson, Witvliet2020) {
  const auto path = fixtures() / "calcium/celegans_flavell/witvliet_2020_8.json";
  NL_REQUIRE_FIXTURE_PATH(path);
  const auto table = readTable(path);
  ASSERT_TRUE(table);
  EXPECT_EQ(table->rowCount(), 2802u);
  const auto& s = *table->numericColumn("synapses");
  EXPECT_EQ(std::accumulate(s.begin(), s.end(), 0.0), 8825.0);
  EXPECT_EQ(synapses(*table, "ADAL", "AVAL", "chemical"), 2.0);
  EXPECT_EQ(synapses(*table, "AVAL", "AVAR", "electrical"), 1.0);
  EXPECT_EQ(synapses(*table, "AVAL", "AVAR", "chemical"), 0.0);
  EXPECT_EQ(table->provenance().readerName, "Connectome JSON");
}

TEST(ConnectomeJson, OtherJsonIsNotClaimed) {
  TempDir dir;
  writeBytes(dir / "config.json", R"({"pre": "a", "post": "b"})");
  EXPECT_NE(errorOf(dir / "config.json").find("unrecognised file format"), std::string::npos);
  writeBytes(dir / "list.json", R"([1, 2, 3])");
  EXPECT_NE(errorOf(dir / "list.json").find("unrecognised file format"), std::string::npos);
  // A connectome-looking list in a file that is not .json is not taken either.
  writeBytes(dir / "edges.dat", R"([{"pre": "A", "post": "B", "typ": 0, "syn": [1]}])");
  EXPECT_EQ(errorOf(dir / "edges.dat").find("Connectome"), std::string::npos);
}

TEST(ConnectomeJson, SmallFileAndPlainCounts) {
  TempDir dir;
  writeBytes(dir / "tiny.json",
             R"([{"pre": "A", "post": "B", "typ": 0, "syn": [1, 1, 1]},
                 {"pre": "B", "post": "A", "typ": 2, "syn": 4},
                 {"pre": "A", "post": "C", "typ": 1, "syn": []}])");
  const auto table = readTable(dir / "tiny.json");
  ASSERT_TRUE(table);
  EXPECT_EQ(table->rowCount(), 3u);
  EXPECT_EQ(synapses(*table, "A", "B", "chemical"), 3.0);
  EXPECT_EQ(synapses(*table, "B", "A", "electrical"), 4.0);
  EXPECT_EQ(table->column("type")->strings()[2], "1");
}

TEST(ConnectomeJson, MalformedFilesSayWhatIsWrong) {
  TempDir dir;
  const std::pair<const char*, const char*> cases[] = {
      {R"([{"pre": "A", "post": "B", "typ": 0, "syn": [1, 1])", "not valid JSON"},
      {R"([{"pre": "A", "post": "B", "typ": 0, "syn": [1]}, {"pre": "A", "typ": 0, "syn": [1]}])",
       "edge 1 has no neuron name 'post'"},
      {R"([{"pre": "A", "post": "B", "syn": [1]}])", "no integer synapse type"},
      {R"([{"pre": "A", "post": "B", "typ": 0}])", "no synapse list"},
      {R"([{"pre": "A", "post": "B", "typ": 0, "syn": ["x"]}])", "non-number"},
      {R"([{"pre": "A", "post": "B", "typ": 0, "syn": -3}])", "neither a list"},
      {R"([{"pre": "A", "post": "B", "typ": 0, "syn": [1]}, 7])", "edge 1 is not an object"},
  };
  int n = 0;
  for (const auto& [text, expected] : cases) {
    const auto path = dir / ("bad" + std::to_string(n++) + ".json");
    writeBytes(path, text);
    const std::string error = errorOf(path);
    EXPECT_NE(error.find(expected), std::string::npos) << text << " → " << error;
    EXPECT_NE(error.find(path.filename().string()), std::string::npos) << error;
  }
}
