// Session and Selection (io/Session.h, io/Selection.h, io/Signal.h): the
// observable model the views link through. Every notification is recorded as
// an event string so order and absence can be asserted.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "io/Session.h"

using namespace nl::io;

namespace {

DatasetPtr array(const std::string& name) {
  return std::make_shared<ArrayDataset>(DatasetKind::Array, name, std::vector<std::size_t>{1},
                                        std::vector<double>{1});
}

// Records every signal of a session as "added 1", "removed 2", "selection <origin>", "cursor <t>
// <origin>".
struct Recorder {
  std::vector<std::string> events;
  explicit Recorder(Session& session) {
    session.datasetAdded.connect(
        [this](DatasetId id) { events.push_back("added " + std::to_string(id)); });
    session.datasetRemoved.connect(
        [this](DatasetId id) { events.push_back("removed " + std::to_string(id)); });
    session.selection().changed.connect(
        [this](const std::string& origin) { events.push_back("selection " + origin); });
    session.selection().timeCursorMoved.connect([this](double t, const std::string& origin) {
      events.push_back("cursor " +
                       (std::isnan(t) ? std::string("nan") : std::to_string(static_cast<int>(t))) +
                       " " + origin);
    });
  }
  std::vector<std::string> take() { return std::exchange(events, {}); }
};

}  // namespace

TEST(SessionModel, IdsAreUniqueAndNeverReusedAndFindWorksByIdAndPointer) {
  Session session;
  const auto a = session.add(array("a"));
  const auto b = session.add(array("b"));
  ASSERT_NE(a, kNoDataset);
  ASSERT_NE(b, kNoDataset);
  EXPECT_TRUE(session.remove(b));
  const auto c = session.add(array("c"));
  EXPECT_NE(c, b) << "ids of removed datasets are not handed out again";
  EXPECT_NE(c, a);
  EXPECT_EQ(session.size(), 2u);
  EXPECT_EQ(session.find(a)->name(), "a");
  EXPECT_EQ(session.find(c)->name(), "c");
  EXPECT_EQ(session.find(b), nullptr);
  EXPECT_EQ(session.find(kNoDataset), nullptr);
  EXPECT_EQ(session.idOf(session.find(c).get()), c);
  const auto stranger = array("x");
  EXPECT_EQ(session.idOf(stranger.get()), kNoDataset);
  // The same dataset object may be added twice (e.g. opened twice): two entries.
  const auto shared = array("shared");
  const auto s1 = session.add(shared), s2 = session.add(shared);
  EXPECT_NE(s1, s2);
  EXPECT_EQ(session.entries()[2].id, s1);
  EXPECT_EQ(session.entries()[3].id, s2);
  EXPECT_FALSE(session.remove(b)) << "removing twice is a no-op";
  EXPECT_THROW(session.add(nullptr), std::invalid_argument);
}

TEST(SessionModel, RemovingTheSelectedDatasetClearsTheSelectionBeforeAnnouncingTheRemoval) {
  Session session;
  const auto a = session.add(array("a"));
  const auto b = session.add(array("b"));
  session.selection().select(b, {4, 2}, "raster");
  session.selection().setTimeCursor(3.0, "raster");
  Recorder recorder(session);

  EXPECT_TRUE(session.remove(a));
  EXPECT_EQ(recorder.take(), std::vector<std::string>{"removed 1"})
      << "removing another dataset keeps the selection";
  EXPECT_EQ(session.selection().dataset(), b);

  EXPECT_TRUE(session.remove(b));
  // Views hear that the selection is gone before they hear the dataset is gone,
  // so none of them looks the removed dataset up while handling the selection.
  EXPECT_EQ(recorder.take(), (std::vector<std::string>{"selection session", "removed 2"}));
  EXPECT_EQ(session.selection().dataset(), kNoDataset);
  EXPECT_TRUE(session.selection().indices().empty());
  EXPECT_DOUBLE_EQ(session.selection().timeCursor(), 3.0)
      << "the time cursor is not tied to a dataset";
  EXPECT_FALSE(session.remove(b));
  EXPECT_TRUE(recorder.take().empty()) << "removing an unknown id announces nothing";
}

TEST(SessionModel, ClearRemovesEverythingNewestFirstAndForgetsTheLayout) {
  Session session;
  session.add(array("a"));
  session.add(array("b"));
  const auto c = session.add(array("c"));
  session.selection().select(c, {0});
  session.setViewLayoutJson(R"({"docks":[]})");
  session.clear();
  EXPECT_EQ(session.size(), 0u);
  EXPECT_TRUE(session.viewLayoutJson().empty());
  EXPECT_EQ(session.selection().dataset(), kNoDataset);
}

TEST(SessionModel, ClearAnnouncesRemovalsInOrder) {
  Session session;
  session.add(array("a"));
  session.add(array("b"));
  const auto c = session.add(array("c"));
  session.selection().select(c, {0}, "table");
  Recorder recorder(session);
  session.clear();
  EXPECT_EQ(recorder.take(),
            (std::vector<std::string>{"selection session", "removed 3", "removed 2", "removed 1"}));
}

TEST(SelectionModel, IndicesAreSortedUniqueAndChangesAreAnnouncedOnlyWhenReal) {
  Session session;
  Recorder recorder(session);
  auto& selection = session.selection();
  EXPECT_EQ(selection.dataset(), kNoDataset);
  EXPECT_FALSE(selection.hasTimeCursor());

  selection.clear("x");
  EXPECT_TRUE(recorder.take().empty()) << "clearing an empty selection is no change";
  selection.select(7, {9, -3, 9, 0, -3}, "probe3d");
  EXPECT_EQ(selection.indices(), (std::vector<std::int64_t>{-3, 0, 9}));
  EXPECT_TRUE(selection.contains(7, -3));
  EXPECT_TRUE(selection.contains(7, 9));
  EXPECT_FALSE(selection.contains(7, 1));
  EXPECT_FALSE(selection.contains(8, 9)) << "same index, other dataset";
  selection.select(7, {0, 9, -3}, "raster");
  selection.select(7, {9, 9, 0, -3}, "raster");
  selection.select(8, {-3, 0, 9}, "table");  // same indices, other dataset: a change
  selection.select(8, {}, "table");          // fewer indices: a change
  selection.select(8, {}, "table");
  selection.clear("menu");
  EXPECT_EQ(recorder.take(), (std::vector<std::string>{"selection probe3d", "selection table",
                                                       "selection table", "selection menu"}));
  EXPECT_EQ(selection.dataset(), kNoDataset);
}

TEST(SelectionModel, TimeCursorAnnouncesMovesIncludingBackToNone) {
  Session session;
  Recorder recorder(session);
  auto& selection = session.selection();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  selection.setTimeCursor(nan, "a");  // none → none
  selection.setTimeCursor(12.0, "psth");
  selection.setTimeCursor(12.0, "raster");  // same time from another view: nothing new
  EXPECT_TRUE(selection.hasTimeCursor());
  selection.setTimeCursor(-1.0, "raster");
  selection.setTimeCursor(nan, "menu");  // hiding the cursor is a move too
  selection.setTimeCursor(nan, "menu");
  EXPECT_FALSE(selection.hasTimeCursor());
  EXPECT_EQ(recorder.take(),
            (std::vector<std::string>{"cursor 12 psth", "cursor -1 raster", "cursor nan menu"}));
  selection.select(1, {1});
  EXPECT_EQ(recorder.take(), std::vector<std::string>{"selection "})
      << "moving the selection does not move the cursor";
}

TEST(SignalModel, SlotsRunInConnectionOrderAndDisconnectedSlotsStayQuiet) {
  Signal<int, const std::string&> signal;
  std::vector<std::string> calls;
  const auto first = signal.connect(
      [&](int v, const std::string& s) { calls.push_back("1:" + std::to_string(v) + s); });
  signal.connect(
      [&](int v, const std::string& s) { calls.push_back("2:" + std::to_string(v) + s); });
  signal.notify(5, "x");
  signal.disconnect(first);
  signal.disconnect(9999);  // unknown id: harmless
  signal.notify(6, "y");
  EXPECT_EQ(calls, (std::vector<std::string>{"1:5x", "2:5x", "2:6y"}));
  EXPECT_EQ(signal.size(), 1u);
  // A slot connecting another slot while notified does not see it run this time.
  Signal<> grow;
  int late = 0;
  grow.connect([&] { grow.connect([&] { ++late; }); });
  grow.notify();
  EXPECT_EQ(late, 0);
  grow.notify();
  EXPECT_EQ(late, 1);
}

TEST(SignalModel, ASlotMayDisconnectItselfWhileNotified) {
  Signal<int> signal;
  int calls = 0;
  Signal<int>::ConnectionId self = 0;
  self = signal.connect([&](int) {
    ++calls;
    signal.disconnect(self);
  });
  signal.notify(1);
  signal.notify(2);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(signal.size(), 0u);
}
