// Every shared conformance program and benchmark through the `brisk run`
// driver, compared with the reference interpreter's recorded behaviour:
// exit status, first error line, stdout byte for byte, and total_dyn_inst.
// One test per program; skipped when the shared data is absent.
#include "InterpTestSupport.h"

#include <array>
#include <sys/wait.h>

namespace brisk::test {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string name;     // "conformance/interp/core/br", "bench/core/fact"
  fs::path program;     // the .json
  std::string args;
  int exitCode = 0;
  std::string dynInst;  // empty when the reference fails
  std::string error;    // the reference's first error line
  std::optional<fs::path> expectedOut;
};

// Test names and failure messages show the program, not the object's bytes.
void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

std::vector<std::string> splitTabs(const std::string &line) {
  std::vector<std::string> cols;
  size_t start = 0;
  for (;;) {
    size_t tab = line.find('\t', start);
    cols.push_back(line.substr(start, tab - start));
    if (tab == std::string::npos)
      return cols;
    start = tab + 1;
  }
}

std::vector<Case> loadCases() {
  std::vector<Case> cases;
  std::optional<fs::path> shared = sharedDir();
  if (!shared)
    return cases;
  std::ifstream conf(*shared / "conformance" / "manifest.tsv");
  std::string line;
  std::getline(conf, line);
  while (std::getline(conf, line)) {
    auto c = splitTabs(line);
    if (c.size() < 5)
      continue;
    Case k{"conformance/" + c[0], *shared / "conformance" / (c[0] + ".json"), c[1],
           std::stoi(c[2]), c[3], c[4], *shared / "conformance" / (c[0] + ".expected_stdout")};
    // The reference lacks the bitcast extension; brisk runs those programs.
    if (c[0].find("bitcast/") != std::string::npos) {
      k.exitCode = 0;
      k.error.clear();
      k.expectedOut.reset();
    }
    // This expected file was captured with \r turned into \n; the upstream
    // .out keeps the \r that brili prints.
    fs::path out = *shared / "conformance" / (c[0] + ".out");
    if (c[0].find("control_char") != std::string::npos && fs::exists(out))
      k.expectedOut = out;
    cases.push_back(std::move(k));
  }
  std::ifstream bench(*shared / "bench" / "manifest.tsv");
  std::getline(bench, line);
  while (std::getline(bench, line)) {
    auto c = splitTabs(line);
    if (c.size() < 4)
      continue;
    fs::path base = *shared / "bench" / c[0] / c[1];
    Case k{"bench/" + c[0] + "/" + c[1], fs::path(base).replace_extension(".json"), c[2], 0, c[3],
           "", std::nullopt};
    if (fs::exists(fs::path(base).replace_extension(".out")))
      k.expectedOut = fs::path(base).replace_extension(".out");
    cases.push_back(std::move(k));
  }
  return cases;
}

std::string shellQuote(const std::string &s) {
  std::string q = "'";
  for (char c : s)
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

class SharedProgram : public testing::TestWithParam<Case> {};

TEST_P(SharedProgram, MatchesTheReference) {
  const Case &c = GetParam();
  if (!fs::exists(c.program))
    GTEST_SKIP() << c.program << " is not available";
  const char *brisk = std::getenv("BRISK_BINARY");
  if (!brisk)
    brisk = BRISK_CONFIGURED_BINARY;
  fs::path tmp = fs::temp_directory_path() /
                 ("brisk-interp-" + std::to_string(::getpid()) + "-" +
                  std::to_string(std::hash<std::string>()(c.name)));
  std::string cmd = shellQuote(brisk) + " run -p " + c.args + " < " +
                    shellQuote(c.program.string()) + " > " + shellQuote(tmp.string() + ".out") +
                    " 2> " + shellQuote(tmp.string() + ".err");
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << c.name << ": brisk crashed";
  std::string out = readFile(tmp.string() + ".out");
  std::string err = readFile(tmp.string() + ".err");
  fs::remove(tmp.string() + ".out");
  fs::remove(tmp.string() + ".err");

  EXPECT_EQ(WEXITSTATUS(status), c.exitCode) << c.name << "\nstderr: " << err;
  std::string firstError, dyn;
  std::istringstream lines(err);
  for (std::string l; std::getline(lines, l);) {
    if (firstError.empty() && l.rfind("error:", 0) == 0)
      firstError = l;
    if (l.rfind("total_dyn_inst: ", 0) == 0)
      dyn = l.substr(16);
  }
  EXPECT_EQ(firstError, c.error) << c.name;
  if (!c.dynInst.empty() || c.exitCode != 0) {
    EXPECT_EQ(dyn, c.dynInst) << c.name;
  }
  if (c.expectedOut) {
    EXPECT_EQ(out, readFile(*c.expectedOut)) << c.name;
  }
}

// Lowered without the TypeFacts analyses (every operand, argument, store
// and return checked at run time, as the optimizer's training runs of a
// large program are: Lower.h), every program behaves as with them: the same
// output, count, error and profile. Run in process, so only the programs
// that load and whose arguments need no shell quoting.
TEST_P(SharedProgram, RunsTheSameWithoutTypeFacts) {
  const Case &c = GetParam();
  if (!fs::exists(c.program))
    GTEST_SKIP() << c.program << " is not available";
  if (c.args.find_first_of("'\"\\") != std::string::npos)
    GTEST_SKIP() << "quoted arguments";
  Diagnostics diags(c.program.string());
  std::optional<Program> program = loadProgram(readFile(c.program), diags);
  if (!program || diags.hasErrors())
    GTEST_SKIP() << "does not load";
  std::vector<std::string> args;
  std::istringstream words(c.args);
  for (std::string w; words >> w;)
    args.push_back(w);
  auto go = [&](bool typeFacts) {
    std::FILE *f = std::tmpfile();
    interp::RunOptions options;
    options.args = args;
    options.profile = true;
    options.typeFacts = typeFacts;
    options.maxDynamicInstructions = 100'000'000;
    options.out = f;
    Outcome o{interp::runProgram(*program, options), {}};
    std::rewind(f);
    o.out = readFile("/dev/fd/" + std::to_string(fileno(f)));
    std::fclose(f);
    return o;
  };
  Outcome with = go(true), without = go(false);
  EXPECT_EQ(without.result.ok, with.result.ok) << c.name;
  EXPECT_EQ(without.result.error, with.result.error) << c.name;
  EXPECT_EQ(without.result.dynamicInstructions, with.result.dynamicInstructions) << c.name;
  EXPECT_EQ(without.out, with.out) << c.name;
  ASSERT_TRUE(with.result.profile && without.result.profile);
  EXPECT_EQ(without.result.profile->toJson(), with.result.profile->toJson()) << c.name;
}

std::string caseName(const testing::TestParamInfo<Case> &info) {
  std::string n;
  for (char ch : info.param.name)
    n += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Shared, SharedProgram, testing::ValuesIn(loadCases()), caseName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SharedProgram);

TEST(SharedPrograms, DataPresentOrSkipped) {
  if (!sharedDir())
    GTEST_SKIP() << "BRISK_SHARED_DIR not available";
  EXPECT_GT(loadCases().size(), 150u);
}

} // namespace
} // namespace brisk::test
