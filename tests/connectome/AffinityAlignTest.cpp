// Several recordings on one time base: neurons matched by name with absent
// ones NaN (not zeros), resampling to a common rate, alignment on a stimulus
// onset, the time span, duplicates, and bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/connectome/Traces.h"

namespace cn = nl::analysis::connectome;

namespace {

// Column n of frame f: a ramp in the recording's own clock, value = (n + 1)·t.
cn::Recording ramp(const std::string& name, std::vector<std::string> names, double rate, int frames,
                   double start = 0.0) {
  cn::Recording r;
  r.name = name;
  r.names = std::move(names);
  r.frameRate = rate;
  r.startTime = start;
  r.values.resize(frames, static_cast<Eigen::Index>(r.names.size()));
  for (int f = 0; f < frames; ++f)
    for (Eigen::Index n = 0; n < r.values.cols(); ++n)
      r.values(f, n) = static_cast<double>(n + 1) * (start + f / rate);
  return r;
}

std::size_t column(const cn::Aligned& a, const std::string& name) {
  return static_cast<std::size_t>(std::find(a.names.begin(), a.names.end(), name) -
                                  a.names.begin());
}

}  // namespace

TEST(AffinityAlign, MatchesNeuronsByNameWithMissingAsNaN) {
  const auto a = ramp("worm1", {"AVAL", "AVAR", "RIML"}, 2.0, 21);
  const auto b = ramp("worm2", {"RIML", "SMDVL", "AVAL"}, 2.0, 21);
  const auto aligned = cn::alignRecordings({a, b}, {});
  EXPECT_EQ(aligned.names, (std::vector<std::string>{"AVAL", "AVAR", "RIML", "SMDVL"}));
  ASSERT_EQ(aligned.traces.size(), 2u);
  EXPECT_EQ(aligned.frames(), 21u);
  const auto& t1 = aligned.traces[0];
  const auto& t2 = aligned.traces[1];
  const auto k = static_cast<Eigen::Index>(10);  // t = 5 s
  EXPECT_DOUBLE_EQ(t1(k, column(aligned, "AVAL")), 1 * 5.0);
  EXPECT_DOUBLE_EQ(t1(k, column(aligned, "RIML")), 3 * 5.0);
  EXPECT_TRUE(t1.col(column(aligned, "SMDVL")).array().isNaN().all());  // absent: NaN, not 0
  EXPECT_DOUBLE_EQ(t2(k, column(aligned, "RIML")), 1 * 5.0);            // worm2's column 0
  EXPECT_DOUBLE_EQ(t2(k, column(aligned, "AVAL")), 3 * 5.0);            // worm2's column 2
  EXPECT_TRUE(t2.col(column(aligned, "AVAR")).array().isNaN().all());
  // Only neurons present in both.
  cn::AlignOptions both;
  both.minAnimals = 2;
  EXPECT_EQ(cn::alignRecordings({a, b}, both).names, (std::vector<std::string>{"AVAL", "RIML"}));
}

TEST(AffinityAlign, ResamplesToTheSlowestRateOnTheCommonSpan) {
  const auto slow = ramp("slow", {"x"}, 2.0, 41);  // 0 … 20 s
  const auto fast = ramp("fast", {"x"}, 5.0, 76);  // 0 … 15 s
  const auto aligned = cn::alignRecordings({slow, fast}, {});
  EXPECT_DOUBLE_EQ(aligned.frameRate, 2.0);
  EXPECT_EQ(aligned.frames(), 31u);  // the 15 s both cover
  for (Eigen::Index k = 0; k < 31; ++k) {
    EXPECT_NEAR(aligned.traces[0](k, 0), k / 2.0, 1e-12);
    EXPECT_NEAR(aligned.traces[1](k, 0), k / 2.0, 1e-12);  // interpolated exactly on a ramp
  }
  cn::AlignOptions union_;
  union_.span = cn::Span::Union;
  union_.frameRate = 4.0;
  const auto wide = cn::alignRecordings({slow, fast}, union_);
  EXPECT_EQ(wide.frames(), 81u);
  EXPECT_NEAR(wide.traces[0](3, 0), 0.75, 1e-12);  // between two slow frames
  EXPECT_TRUE(std::isnan(wide.traces[1](70, 0)));  // 17.5 s: after the fast recording
}

TEST(AffinityAlign, AlignsOnTheStimulusOnset) {
  auto a = ramp("a", {"x"}, 1.0, 60, 100.0);  // clock 100 … 159 s, stimulus at 110 s
  a.epochs = {{110.0, 120.0, "odor"}, {130.0, 135.0, "light"}};
  auto b = ramp("b", {"x"}, 1.0, 60, 0.0);  // clock 0 … 59 s, stimulus at 20 s
  b.epochs = {{5.0, 6.0, "light"}, {20.0, 30.0, "odor"}};
  cn::AlignOptions options;
  options.event = cn::AlignEvent::Stimulus;
  options.stimulusLabel = "odor";
  const auto aligned = cn::alignRecordings({a, b}, options);
  EXPECT_DOUBLE_EQ(aligned.offsets[0], 110.0);
  EXPECT_DOUBLE_EQ(aligned.offsets[1], 20.0);
  EXPECT_DOUBLE_EQ(aligned.startTime, -10.0);  // a starts 10 s before its onset
  EXPECT_EQ(aligned.frames(), 50u);            // −10 … 39 s
  const Eigen::Index onset = 10;               // aligned t = 0
  EXPECT_DOUBLE_EQ(aligned.traces[0](onset, 0), 110.0);
  EXPECT_DOUBLE_EQ(aligned.traces[1](onset, 0), 20.0);
  ASSERT_EQ(aligned.epochs.size(), 4u);
  EXPECT_DOUBLE_EQ(aligned.epochs[0].start, 0.0);
  EXPECT_EQ(aligned.epochs[3].label, "odor");
  EXPECT_DOUBLE_EQ(aligned.epochs[3].start, 0.0);
  EXPECT_EQ(aligned.epochs[3].animal, 1);
}

TEST(AffinityAlign, RenamesDuplicatesAndRefusesBadInput) {
  auto d = ramp("d", {"AVA", "AVA"}, 1.0, 10);
  const auto aligned = cn::alignRecordings({d}, {});
  EXPECT_EQ(aligned.names, (std::vector<std::string>{"AVA", "AVA #2"}));
  EXPECT_EQ(aligned.notes.size(), 1u);

  auto expectError = [](const std::vector<cn::Recording>& r, const cn::AlignOptions& o,
                        const std::string& part) {
    try {
      cn::alignRecordings(r, o);
      ADD_FAILURE() << "no error; expected one mentioning " << part;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  auto noRate = ramp("norate", {"x"}, 1.0, 10);
  noRate.frameRate = 0;
  expectError({noRate}, {}, "'norate' has frame rate 0");
  auto names = ramp("few", {"x", "y"}, 1.0, 10);
  names.names.pop_back();
  expectError({names}, {}, "'few' has 1 neuron names for 2 neurons");
  cn::AlignOptions stimulus;
  stimulus.event = cn::AlignEvent::Stimulus;
  expectError({ramp("nostim", {"x"}, 1.0, 10)}, stimulus, "'nostim' has no stimulus epochs");
  auto early = ramp("early", {"x"}, 1.0, 10);
  early.epochs = {{0.0, 1.0, "s"}};
  auto late = ramp("late", {"x"}, 1.0, 10);
  late.epochs = {{100.0, 101.0, "s"}};  // onset long after its recording
  expectError({early, late}, stimulus, "overlap");
  cn::AlignOptions many;
  many.minAnimals = 3;
  expectError({ramp("one", {"x"}, 1.0, 10)}, many, "at least 3 recordings");
  expectError({}, {}, "no recordings");
}
