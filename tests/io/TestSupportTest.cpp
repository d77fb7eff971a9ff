// The shared test helpers themselves (tests/support/TestSupport.h): a missing
// fixture skips on a user's machine and fails with CI=true; a built-in plugin
// that is not there or did not load is a failure naming it and the reason.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "tests/support/TestSupport.h"

using namespace nl::test;

namespace {

// Runs `action` with its test results captured instead of reported, so that
// a skip or a failure it records does not skip or fail this test.
std::vector<::testing::TestPartResult> capture(const std::function<void()>& action) {
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    action();
  }
  std::vector<::testing::TestPartResult> out;
  for (int i = 0; i < results.size(); ++i) out.push_back(results.GetTestPartResult(i));
  return out;
}

const std::filesystem::path kAbsent = "/no/such/folder/nl-fixture-that-is-absent.nwb";

}  // namespace

TEST(TestSupport, CiRunFollowsTheCiVariable) {
  for (const char* yes : {"true", "TRUE", "True", "1", "yes"}) {
    ScopedEnv ci("CI", std::string(yes));
    EXPECT_TRUE(ciRun()) << "CI=" << yes;
  }
  for (const char* no : {"false", "0", "", "no"}) {
    ScopedEnv ci("CI", std::string(no));
    EXPECT_FALSE(ciRun()) << "CI=" << no;
  }
  ScopedEnv unset("CI", std::nullopt);
  EXPECT_FALSE(ciRun());
}

TEST(TestSupport, PresentFixturesRecordNothing) {
  TempDir dir;
  writeBytes(dir / "here.csv", "a\n1\n");
  for (const auto& ciValue : {std::optional<std::string>("true"), std::optional<std::string>()}) {
    ScopedEnv ci("CI", ciValue);
    bool present = false;
    const auto results = capture([&] { present = requireFixtures(dir / "here.csv"); });
    EXPECT_TRUE(present);
    EXPECT_EQ(results.size(), 0u);
  }
}

TEST(TestSupport, AMissingFixtureSkipsOnAUsersMachine) {
  ScopedEnv ci("CI", std::nullopt);
  bool present = true;
  const auto results = capture([&] { present = requireFixtures(kAbsent); });
  EXPECT_FALSE(present);
  ASSERT_EQ(results.size(), 1u);
  const auto& result = results[0];
  EXPECT_TRUE(result.skipped());
  EXPECT_NE(std::string(result.message()).find(kAbsent.string()), std::string::npos)
      << result.message();
  EXPECT_NE(std::string(result.message()).find("../shared/fixtures"), std::string::npos);
}

TEST(TestSupport, AMissingFixtureFailsWithCiTrue) {
  ScopedEnv ci("CI", std::string("true"));
  bool present = true;
  const auto results = capture([&] { present = requireFixtures(kAbsent); });
  EXPECT_FALSE(present);
  ASSERT_EQ(results.size(), 1u);
  const auto& result = results[0];
  EXPECT_TRUE(result.nonfatally_failed());
  EXPECT_NE(std::string(result.message()).find(kAbsent.string()), std::string::npos)
      << result.message();
  EXPECT_NE(std::string(result.message()).find("CI=true"), std::string::npos) << result.message();
}

TEST(TestSupport, TheMacroReturnsFromTheTestAfterRecording) {
  // NL_REQUIRE_FIXTURE_PATH inside a function stands for the test body.
  bool reachedTheEnd = false;
  auto body = [&] {
    NL_REQUIRE_FIXTURE_PATH(kAbsent);
    reachedTheEnd = true;
  };
  {
    ScopedEnv ci("CI", std::string("true"));
    EXPECT_NONFATAL_FAILURE(body(), "is absent");
  }
  EXPECT_FALSE(reachedTheEnd);
  ScopedEnv ci("CI", std::nullopt);
  const auto results = capture(body);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].skipped());
  EXPECT_FALSE(reachedTheEnd);
}

TEST(TestSupport, ABuiltinPluginThatIsMissingOrBrokenIsAFailureWithTheReason) {
  const auto& manager = sharedPlugins();
  const nl::plugins::PluginDescriptor* found = nullptr;
  auto results = capture([&] { found = requirePlugin(manager, "stats.descriptive"); });
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->id, "stats.descriptive");
  EXPECT_EQ(results.size(), 0u);

  results = capture([&] { found = requirePlugin(manager, "no.such.plugin"); });
  EXPECT_EQ(found, nullptr);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].nonfatally_failed());
  std::string message = results[0].message();
  EXPECT_NE(message.find("'no.such.plugin' was not found"), std::string::npos) << message;
  EXPECT_NE(message.find("stats.descriptive"), std::string::npos)
      << "the message lists what was discovered: " << message;

  // test.api_mismatch is refused by the loader (API version 999).
  results = capture([&] { found = requirePlugin(manager, "test.api_mismatch"); });
  EXPECT_EQ(found, nullptr);
  ASSERT_EQ(results.size(), 1u);
  message = results[0].message();
  EXPECT_NE(message.find("'test.api_mismatch' did not load"), std::string::npos) << message;
  EXPECT_NE(message.find(manager.find("test.api_mismatch")->failure), std::string::npos)
      << "the loader's reason is in the message: " << message;
}
