// Replays the fuzzer's round-trip oracle (test/fuzz/RoundTripOracle.h) in
// every ordinary build: over the inputs brisk_fuzz_frontend once failed on
// (test/fuzz/regressions), over every golden test program and malformed
// input, and over the shared programs when present. An input that does not
// load passes; one that loads must print back as itself in both formats.
#include "test/SharedData.h"
#include "test/fuzz/RoundTripOracle.h"

#include <gtest/gtest.h>

namespace brisk {
namespace {

void replayAll(const std::vector<std::filesystem::path> &files) {
  for (const auto &path : files) {
    SCOPED_TRACE(path.string());
    EXPECT_EQ(fuzz::checkRoundTrip(test::readFile(path)), "");
  }
}

TEST(FuzzReplay, FuzzerFindings) {
  std::filesystem::path dir = test::sourceDir() / "test" / "fuzz" / "regressions";
  auto files = test::filesBelow(dir, ".json");
  auto text = test::filesBelow(dir, ".bril");
  files.insert(files.end(), text.begin(), text.end());
  ASSERT_FALSE(files.empty()) << "no regression inputs in " << dir;
  replayAll(files);
}

TEST(FuzzReplay, GoldenPrograms) {
  std::filesystem::path golden = test::sourceDir() / "test" / "golden";
  auto files = test::filesBelow(golden, ".bril");
  for (const char *ext : {".json", ".txt"}) {
    auto more = test::filesBelow(golden, ext);
    files.insert(files.end(), more.begin(), more.end());
  }
  ASSERT_GT(files.size(), 40u);
  replayAll(files);
}

TEST(FuzzReplay, SharedPrograms) {
  std::filesystem::path shared = test::sharedDir();
  if (shared.empty())
    GTEST_SKIP() << "shared data not present";
  auto files = test::filesBelow(shared, ".bril");
  auto json = test::filesBelow(shared, ".json");
  files.insert(files.end(), json.begin(), json.end());
  replayAll(files);
}

// The oracle itself must catch what it is for: a program whose printed text
// does not read back. No real program does that (that is the point), so
// check the pieces it relies on instead.
TEST(FuzzReplay, OracleSkipsOnlyWhatTheFormatsCannotSpell) {
  EXPECT_TRUE(fuzz::isTextIdentifier("v.1"));
  EXPECT_TRUE(fuzz::isTextIdentifier("%tmp_2"));
  EXPECT_FALSE(fuzz::isTextIdentifier("1v"));
  EXPECT_FALSE(fuzz::isTextIdentifier("a b"));
  EXPECT_FALSE(fuzz::isTextIdentifier(""));
  Diagnostics diags;
  auto nan = loadProgram("@main { x: float = const nan; print x; }", diags);
  ASSERT_TRUE(nan);
  EXPECT_FALSE(fuzz::jsonCanSpell(*nan));
  auto odd = loadProgram(R"({"functions":[{"name":"a b","instrs":[]}]})", diags);
  ASSERT_TRUE(odd);
  EXPECT_FALSE(fuzz::textCanSpell(*odd));
  // A quote and a backslash char, written raw as bril2json spells them, print
  // and read back.
  EXPECT_EQ(fuzz::checkRoundTrip("@main { q: char = const '''; b: char = const '\\'; print q b; }"),
            "");
}

} // namespace
} // namespace brisk
