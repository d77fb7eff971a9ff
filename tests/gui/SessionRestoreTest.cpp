// Restoring sessions that are broken or out of date (issue #18): a view
// layout of an unexpected shape, a dataset that did not come back, a page
// state too deep to parse. The window opens what it can, never aborts, and
// never shows a tab's page with another dataset.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <QTemporaryDir>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/gui/MainWindow.h"
#include "io/Dataset.h"
#include "io/ReaderRegistry.h"
#include "io/Session.h"
#include "io/SessionFile.h"
#include "widgets/pages/Page.h"

namespace {

namespace fs = std::filesystem;

void writeText(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Sets the string attribute `name` of `object` in `file`, as an editor would.
void setTextAttribute(const fs::path& file, const std::string& object, const std::string& name,
                      const std::string& value) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hid_t o = H5Oopen(f, object.c_str(), H5P_DEFAULT);
  ASSERT_GE(o, 0);
  if (H5Aexists(o, name.c_str()) > 0) H5Adelete(o, name.c_str());
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attribute = H5Acreate2(o, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
  const char* data = value.c_str();
  EXPECT_GE(H5Awrite(attribute, type, &data), 0);
  H5Aclose(attribute);
  H5Sclose(space);
  H5Tclose(type);
  H5Oclose(o);
  H5Fclose(f);
}

// A session of the tables a.csv, b.csv, c.csv (saved positions 0, 1, 2)
// with the view layout `layout`.
fs::path sessionOfThreeTables(const fs::path& dir, const std::string& layout) {
  nl::io::Session session;
  for (const char* name : {"a", "b", "c"}) {
    const auto file = dir / (std::string(name) + ".csv");
    writeText(file, std::string("id,") + name + "\n0,1\n1,2\n");
    session.add(nl::io::ReaderRegistry::builtin().open(file).datasets.at(0));
  }
  session.setViewLayoutJson("{}");
  const auto path = dir / "s.nlsession";
  nl::io::saveSession(session, path, {"0.1.0", {}});
  setTextAttribute(path, "/view", "layout", layout);
  return path;
}

std::unique_ptr<nl::app::MainWindow> window() {
  auto w = std::make_unique<nl::app::MainWindow>();
  w->setInteractive(false);
  w->show();
  return w;
}

TEST(SessionRestore, LayoutsOfAnUnexpectedShapeAreSkippedNotFatal) {
  QTemporaryDir temp;
  const fs::path dir = temp.path().toStdString();
  const std::string deep = std::string(80'000, '[') + std::string(80'000, ']');
  for (const std::string& layout : std::vector<std::string>{
           R"({"tabs":[1,2]})",
           R"({"tabs":{"a":1}})",
           R"([1,2])",
           R"("tabs")",
           R"({"tabs":[{"view":5,"datasets":"x","state":7}],"current":"x"})",
           R"({"tabs":[{"view":"table","datasets":[0],"state":{"a":1}}],"current":1e300})",
           R"({"tabs":[{"view":"table","datasets":[0.5,-1,99,null]}],"current":-7})",
           R"({"tabs":[{"type":["recording"],"datasets":[0]}]})",
           R"({"tabs":[{"view":"ephys.recording","datasets":[1]}]})",
           std::string(R"({"tabs":[{"view":"table","datasets":[2],"state":")") + deep + R"("}]})",
           R"({"tabs":)" + deep + "}",
       }) {
    SCOPED_TRACE(layout.substr(0, 80));
    const auto path = sessionOfThreeTables(dir, layout);
    auto w = window();
    ASSERT_TRUE(w->loadSession(QString::fromStdString(path.string())));
    EXPECT_EQ(w->session().size(), 3u);
    EXPECT_LE(w->viewTabs()->count(), 1);
  }
}

// Tabs name datasets by saved position. When one did not come back, the
// others must not move up into its place: a table tab opens its own table.
TEST(SessionRestore, ADatasetThatDidNotComeBackDoesNotShiftTheOtherTabs) {
  QTemporaryDir temp;
  const fs::path dir = temp.path().toStdString();
  const auto path = sessionOfThreeTables(
      dir, R"({"tabs":[{"view":"table","datasets":[0]},{"view":"table","datasets":[2]}]})");
  fs::remove(dir / "a.csv");
  auto w = window();
  ASSERT_TRUE(w->loadSession(QString::fromStdString(path.string())));
  ASSERT_EQ(w->session().size(), 2u);
  ASSERT_EQ(w->viewTabs()->count(), 1) << "only the tab of c.csv comes back";
  const auto* page = qobject_cast<nl::widgets::Page*>(w->viewTabs()->widget(0));
  ASSERT_NE(page, nullptr);
  ASSERT_FALSE(page->shownDatasets().empty());
  const auto shown = w->session().find(page->shownDatasets().front());
  ASSERT_TRUE(shown);
  EXPECT_EQ(shown->name(), "c");
}

}  // namespace
