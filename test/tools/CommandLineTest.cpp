// The driver's command line (tools/Options.h): options anywhere, `--`,
// negative numbers, checked values, one exit status for bad usage.
#include "test/tools/DriverHarness.h"

namespace brisk::test {
namespace {

using CommandLine = DriverFixture;

TEST_F(CommandLine, OptionsAfterProgramArguments) {
  Outcome o = brisk("pgo 7 --format=text < p.bril");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out.rfind("@main", 0), 0u) << o.out;

  o = brisk("pgo 7 -o out.json < p.bril");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "");
  Outcome run = brisk("run --program=out.json 7");
  EXPECT_EQ(run.out, "8\n");

  o = brisk("run 7 --profile-out=prof.json < p.bril");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "8\n");
  EXPECT_NE(read("prof.json").find("\"functions\""), std::string::npos);

  o = brisk("run 7 -p < p.bril");
  EXPECT_EQ(o.out, "8\n");
  EXPECT_NE(o.err.find("total_dyn_inst: 3"), std::string::npos) << o.err;
}

TEST_F(CommandLine, NegativeNumbersAreArguments) {
  Outcome o = brisk("run -p -3 < p.bril");
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "-2\n");
  o = brisk("pgo -3 --format=text < p.bril");
  EXPECT_EQ(o.status, 0) << o.err;
}

TEST_F(CommandLine, DoubleDashSendsEverythingToMain) {
  // -p after -- is main's argument, which brili refuses as an int.
  Outcome o = brisk("run -- -p < p.bril");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("got -p"), std::string::npos) << o.err;
  EXPECT_EQ(o.err.find("total_dyn_inst"), std::string::npos) << o.err;
  o = brisk("run -p -- 5 < p.bril");
  EXPECT_EQ(o.out, "6\n");
  EXPECT_NE(o.err.find("total_dyn_inst: 3"), std::string::npos) << o.err;
  // --format=text after -- is not an option of pgo but an argument of main.
  o = brisk("pgo -- --format=text < p.bril");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("training run failed"), std::string::npos) << o.err;
}

TEST_F(CommandLine, BadValuesAreUsageErrors) {
  for (const char *cmd :
       {"pgo 7 --dump-after=frob", "pgo 7 --min-edge-prob=7", "pgo 7 --growth=-1",
        "pgo 7 --max-guard-failure=-0.1", "pgo 7 --min-seed-count=-2", "pgo 7 --growth=nan",
        "pgo 7 --unroll=0", "pgo 7 --unroll=2x", "pgo 7 --format=xml", "ssa --dump-after=frob",
        "ssa --format=xml", "ssa --annotate=frob", "ssa --passes=frob", "gen --size=-5",
        "gen --seed=x", "gen --format=xml", "fuzz --count=-1", "run --frob 7",
        "txt a.bril b.bril", "opt", "dot --function=nope", "profile frob", "frob"}) {
    Outcome o = brisk(std::string(cmd) + " < p.bril");
    EXPECT_EQ(o.status, 2) << cmd << ": " << o.err;
    EXPECT_EQ(o.err.rfind("error: ", 0), 0u) << cmd << ": " << o.err;
    EXPECT_EQ(o.out, "") << cmd;
  }
}

TEST_F(CommandLine, GoodValuesAtTheEdgesOfTheirRange) {
  for (const char *cmd : {"pgo 7 --min-edge-prob=0 --max-guard-failure=1 --growth=1",
                          "pgo 7 --min-edge-prob=1 --unroll=1,64 --dump-after=all",
                          "pgo 7 --dump-after=superblocks --dump-after=gvn"}) {
    Outcome o = brisk(std::string(cmd) + " < p.bril");
    EXPECT_EQ(o.status, 0) << cmd << ": " << o.err;
  }
}

TEST_F(CommandLine, TimePassesPrintsATableToStderrOnly) {
  Outcome plain = brisk("pgo 7 --format=text < p.bril");
  Outcome timed = brisk("pgo 7 --format=text --time-passes < p.bril");
  ASSERT_EQ(timed.status, 0) << timed.err;
  EXPECT_EQ(timed.out, plain.out);
  for (const char *row : {"pass timing", "read and check the input", "profile the input",
                          "to-ssa", "superblocks", "write output", "total"})
    EXPECT_NE(timed.err.find(row), std::string::npos) << row << ": " << timed.err;
  EXPECT_EQ(plain.err.find("pass timing"), std::string::npos) << plain.err;

  ASSERT_EQ(brisk("run 7 --profile-out=prof.json < p.bril").status, 0);
  Outcome opt = brisk("opt --profile=prof.json --format=text --time-passes p.bril");
  ASSERT_EQ(opt.status, 0) << opt.err;
  EXPECT_EQ(opt.out, plain.out);
  for (const char *row : {"read and check the input", "read the profile", "write output"})
    EXPECT_NE(opt.err.find(row), std::string::npos) << row << ": " << opt.err;
}

TEST_F(CommandLine, JsonKeepsSourcePositionsWithP) {
  Outcome o = brisk("json -p p.bril");
  ASSERT_EQ(o.status, 0) << o.err;
  // "one: int = const 1;" is on row 2, column 3.
  EXPECT_NE(o.out.find("\"pos\": {\n            \"col\": 3,\n            \"row\": 2"),
            std::string::npos)
      << o.out;
  EXPECT_EQ(brisk("json p.bril").out.find("\"pos\""), std::string::npos);
}

TEST_F(CommandLine, FunctionNamedWithOrWithoutAt) {
  Outcome a = brisk("dot --function=@main p.bril");
  Outcome b = brisk("dot --function=main p.bril");
  EXPECT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out.find("cluster_main"), std::string::npos);
}

TEST_F(CommandLine, EmptyStdinSaysSo) {
  for (const char *cmd : {"run", "pgo", "check", "ssa", "dot"}) {
    Outcome o = brisk(std::string(cmd) + " < /dev/null");
    EXPECT_EQ(o.status, 2) << cmd;
    EXPECT_NE(o.err.find("no program on stdin"), std::string::npos) << cmd << ": " << o.err;
  }
  // bril2json turns empty input into an empty program; so does brisk json.
  EXPECT_EQ(brisk("json < /dev/null").status, 0);
}

TEST_F(CommandLine, HelpExitsZero) {
  for (const char *cmd : {"--help", "run --help", "pgo --help", "profile --help"})
    EXPECT_EQ(brisk(cmd).status, 0) << cmd;
}

} // namespace
} // namespace brisk::test
