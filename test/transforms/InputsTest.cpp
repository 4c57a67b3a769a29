// bench/inputs.tsv: the held-out inputs issues 5 and 6 evaluate on. Every
// row names a shared benchmark; a benchmark takes arguments exactly when its
// row has two inputs; both inputs differ from the shipped one and from each
// other, and run to completion under the interpreter without error, within
// a bounded dynamic instruction count. Every benchmark of the manifest has a
// row. Skips when the shared data is absent.
#include "frontend/Loader.h"
#include "interp/Interpreter.h"
#include "test/SharedData.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <sstream>

namespace brisk {
namespace {

struct Row {
  std::string category, name, args1, args2, note;
  size_t fields = 0;
};

std::vector<std::string> fieldsOf(const std::string &line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == '\t') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::vector<std::string> words(const std::string &s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  std::string w;
  while (in >> w)
    out.push_back(w);
  return out;
}

// The bound on a held-out run, in dynamic instructions: ten times the
// shipped run, but never so tight that a tiny benchmark cannot vary.
constexpr uint64_t kMinBound = 200000;

TEST(InputsTest, EveryBenchmarkHasAValidRowAndBothInputsRun) {
  std::filesystem::path shared = test::sharedDir();
  if (shared.empty())
    GTEST_SKIP() << "shared benchmarks not available";

  std::map<std::string, std::string> shipped; // category/name -> args
  {
    std::istringstream in(test::readFile(shared / "bench" / "manifest.tsv"));
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::vector<std::string> f = fieldsOf(line);
      if (f.size() >= 3 && !f[1].empty())
        shipped[f[0] + "/" + f[1]] = f[2];
    }
  }
  ASSERT_FALSE(shipped.empty());

  std::string text = test::readFile(test::sourceDir() / "bench" / "inputs.tsv");
  ASSERT_FALSE(text.empty()) << "bench/inputs.tsv missing";
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "category\tname\targs1\targs2\tnote");
  std::set<std::string> seen;
  unsigned runs = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> f = fieldsOf(line);
    ASSERT_EQ(f.size(), 5u) << line;
    std::string id = f[0] + "/" + f[1];
    SCOPED_TRACE(id);
    EXPECT_TRUE(seen.insert(id).second) << "duplicate row";
    ASSERT_TRUE(shipped.count(id)) << "not in the manifest";
    EXPECT_FALSE(f[4].empty()) << "every row explains its choice";
    const std::string &orig = shipped[id];
    if (orig.empty()) {
      EXPECT_TRUE(f[2].empty() && f[3].empty()) << "takes no arguments";
      continue;
    }
    ASSERT_FALSE(f[2].empty() || f[3].empty()) << "needs two inputs";
    EXPECT_NE(words(f[2]), words(orig));
    EXPECT_NE(words(f[3]), words(orig));
    EXPECT_NE(words(f[2]), words(f[3]));
    EXPECT_EQ(words(f[2]).size(), words(orig).size()) << "same arity as the shipped input";
    EXPECT_EQ(words(f[3]).size(), words(orig).size()) << "same arity as the shipped input";

    Diagnostics diags(id);
    std::optional<Program> p = loadProgram(
        test::readFile(shared / "bench" / f[0] / (f[1] + ".json")), diags);
    ASSERT_TRUE(p.has_value());
    auto dynOf = [&](const std::string &args, std::string &error) -> uint64_t {
      std::FILE *sink = std::tmpfile();
      interp::RunOptions o;
      o.args = words(args);
      o.out = sink;
      interp::RunResult r = interp::runProgram(*p, o);
      std::fclose(sink);
      error = r.ok ? "" : r.error;
      return r.ok ? r.dynamicInstructions : 0;
    };
    std::string error;
    uint64_t base = dynOf(orig, error);
    ASSERT_EQ(error, "");
    uint64_t bound = std::max<uint64_t>(10 * base, kMinBound);
    for (const std::string &args : {f[2], f[3]}) {
      uint64_t dyn = dynOf(args, error);
      EXPECT_EQ(error, "") << "input: " << args;
      EXPECT_GT(dyn, 0u) << "input: " << args;
      EXPECT_LE(dyn, bound) << "input: " << args;
      std::printf("%-34s %-30s %12llu (shipped %llu)\n", id.c_str(), args.c_str(),
                  (unsigned long long)dyn, (unsigned long long)base);
      ++runs;
    }
  }
  for (const auto &[id, args] : shipped)
    EXPECT_TRUE(seen.count(id)) << id << " has no row in bench/inputs.tsv";
  std::printf("%u held-out runs\n", runs);
}

} // namespace
} // namespace brisk
