// Helpers shared by the transform tests: run a program in process under the
// interpreter and capture what it prints, its error, its dynamic instruction
// count and (optionally) its profile; a profiled run with the weights passes
// take; a pass run between two runs of a program; a pass run in SSA form;
// split an argument string; the verifier's messages for a program; count
// instructions of one opcode; a function as text; the shared benchmarks with
// their held-out inputs, and loading one. Each helper states what it checks
// (its EXPECTs) and what the caller must still assert.
#pragma once

#include "analysis/Verifier.h"
#include "backend/TextPrinter.h"
#include "frontend/Loader.h"
#include "interp/Interpreter.h"
#include "interp/Profile.h"
#include "test/SharedData.h"
#include "test/analysis/ParseHelper.h"
#include "transforms/ssa/ToSSA.h"
#include "transforms/superblocks/ProfileWeights.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace brisk::test {

struct Outcome {
  bool ok = false;
  std::string out, error;
  uint64_t dyn = 0;
  std::optional<Profile> profile;
};

inline Outcome run(const Program &p, const std::vector<std::string> &args, bool profile = false) {
  Outcome o;
  std::FILE *tmp = std::tmpfile();
  interp::RunOptions options;
  options.args = args;
  options.profile = profile;
  options.out = tmp;
  interp::RunResult r = interp::runProgram(p, options);
  std::fflush(tmp);
  std::rewind(tmp);
  char buf[4096];
  size_t k;
  while ((k = std::fread(buf, 1, sizeof buf, tmp)) > 0)
    o.out.append(buf, k);
  std::fclose(tmp);
  o.ok = r.ok;
  o.error = r.error;
  o.dyn = r.dynamicInstructions;
  o.profile = std::move(r.profile);
  return o;
}

// A profiled run of a program and the weights passes read from it.
struct ProfiledRun {
  Outcome outcome;        // the run; outcome.profile is set
  ProgramWeights weights; // ProgramWeights::fromProfile of that profile

  const Profile &profile() const { return *outcome.profile; }
};

// Runs `p` on `args` with profiling and turns the profile into weights: the
// set-up of every profile-guided test. The run must succeed: when it fails
// (or gives no profile) that is reported here, with the run's error, and the
// result is empty, so the caller writes `ASSERT_TRUE(r)` (or returns).
inline std::optional<ProfiledRun> profiledRun(const Program &p,
                                              const std::vector<std::string> &args) {
  Outcome o = run(p, args, /*profile=*/true);
  EXPECT_TRUE(o.ok) << "profiled run failed: " << o.error;
  EXPECT_TRUE(o.profile.has_value());
  if (!o.ok || !o.profile)
    return std::nullopt;
  ProgramWeights w = ProgramWeights::fromProfile(p, *o.profile);
  return ProfiledRun{std::move(o), std::move(w)};
}

// Runs the program of `text` on `args`, applies `pass` to it and runs it
// again: both runs succeed, print the same, and the second executes no more
// instructions than the first (the program is printed with any failure).
// Returns the dynamic counts, before and after.
inline std::pair<uint64_t, uint64_t>
expectSameAndNoSlower(const std::string &text, const std::vector<std::string> &args,
                      const std::function<void(Program &)> &pass) {
  Program p = parseOrDie(text);
  Outcome before = run(p, args);
  EXPECT_TRUE(before.ok) << before.error;
  pass(p);
  Outcome after = run(p, args);
  EXPECT_TRUE(after.ok) << after.error << "\n" << toText(p);
  EXPECT_EQ(after.out, before.out) << toText(p);
  EXPECT_LE(after.dyn, before.dyn) << toText(p);
  return {before.dyn, after.dyn};
}

// "1 2 3" -> {"1", "2", "3"}.
inline std::vector<std::string> splitArgs(const std::string &s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

// The verifier's messages for `p` (empty when it is well formed); with
// `effects`, also the speculation-effects check (E1).
inline std::string verifyMessages(const Program &p, const VerifyOptions &options) {
  Diagnostics diags("t");
  verifyProgram(p, diags, options);
  std::ostringstream os;
  diags.print(os);
  return os.str();
}
inline std::string verifyMessages(const Program &p, bool effects = false) {
  VerifyOptions vo;
  vo.speculationEffects = effects;
  return verifyMessages(p, vo);
}
// With `ssa`: the SSA invariants too.
inline std::string verifySSAMessages(const Program &p, bool ssa) {
  VerifyOptions vo;
  vo.ssa = ssa;
  return verifyMessages(p, vo);
}

// A program after a pass and whether the pass changed it.
struct PassResult {
  Program program;
  bool changed = false;
};

// The program of `text` with each function put into SSA form and `pass` run
// on it right after (it returns whether it changed the function), then the
// SSA verifier on the whole program: the set-up of the tests of passes that
// run in SSA form. The program is left in SSA form.
inline PassResult inSSAWith(const std::string &text,
                            const std::function<bool(Function &)> &pass) {
  PassResult r{parseOrDie(text), false};
  for (Function &f : r.program.functions) {
    toSSA(f);
    r.changed |= pass(f);
  }
  EXPECT_EQ(verifySSAMessages(r.program, true), "");
  return r;
}

inline unsigned countOp(const Function &f, Opcode op) {
  unsigned n = 0;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      n += in.op == op;
  return n;
}
inline unsigned countOp(const Program &p, Opcode op) {
  unsigned n = 0;
  for (const Function &f : p.functions)
    n += countOp(f, op);
  return n;
}

// One function as Bril text.
// The growth policy's limit of one function of size `size` (instructions):
// 2.0x, or its size + 64 when hot (transforms/Pipeline.cpp).
inline double growthLimitOf(size_t size) {
  return std::max(2.0 * double(std::max<size_t>(size, 1)), double(size + 64));
}

// What the original functions that `optimized` lacks add to a budget: a
// callee inlined at its sole call site hands its caller its limit (and its
// speculative allowance, `allowance` here) before it goes.
inline double budgetOfRemovedFunctions(const Program &original, const Program &optimized,
                                       double allowance) {
  double extra = 0;
  for (const Function &g : original.functions)
    if (!optimized.findFunction(g.name))
      extra += growthLimitOf(g.instrCount()) + allowance;
  return extra;
}

inline std::string textOf(const Function &f) {
  std::ostringstream os;
  printFunction(f, os);
  return os.str();
}

// "category/name" -> the held-out argument strings of bench/inputs.tsv (only
// benchmarks that take arguments).
inline std::map<std::string, std::vector<std::string>> heldOutInputs() {
  std::map<std::string, std::vector<std::string>> out;
  std::istringstream in(readFile(sourceDir() / "bench" / "inputs.tsv"));
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string cat, name, a1, a2;
    std::getline(row, cat, '\t');
    std::getline(row, name, '\t');
    std::getline(row, a1, '\t');
    std::getline(row, a2, '\t');
    if (!a1.empty() || !a2.empty())
      out[cat + "/" + name] = {a1, a2};
  }
  return out;
}

struct Bench {
  std::string category, name, args;   // args: the shipped arguments
  std::vector<std::string> extra;     // held-out argument strings (none without arguments)

  // "category/name", the benchmark's name in manifest.tsv and inputs.tsv.
  std::string id() const { return category + "/" + name; }
  // Its program in the shared data, as JSON.
  std::filesystem::path file() const {
    return sharedDir() / "bench" / category / (name + ".json");
  }
  // Every argument string: the shipped one first, then the held-out ones.
  std::vector<std::string> inputs() const {
    std::vector<std::string> all = {args};
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
  }
};

// The shared benchmarks of manifest.tsv, in its order; empty when the shared
// data is absent (the caller skips).
inline std::vector<Bench> manifest() {
  std::vector<Bench> out;
  std::filesystem::path dir = sharedDir();
  if (dir.empty())
    return out;
  std::map<std::string, std::vector<std::string>> extra = heldOutInputs();
  std::istringstream in(readFile(dir / "bench" / "manifest.tsv"));
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream row(line);
    Bench b;
    std::getline(row, b.category, '\t');
    std::getline(row, b.name, '\t');
    std::getline(row, b.args, '\t');
    if (auto it = extra.find(b.category + "/" + b.name); it != extra.end())
      b.extra = it->second;
    if (!b.name.empty())
      out.push_back(b);
  }
  return out;
}

// The benchmark's program read from its JSON file; empty, with the loader's
// diagnostics reported as a failure, when it does not load (the caller
// writes `ASSERT_TRUE(p)`).
inline std::optional<Program> loadBenchmark(const Bench &b) {
  Diagnostics diags(b.id());
  std::optional<Program> p = loadProgram(readFile(b.file()), diags);
  if (!p) {
    std::ostringstream errors;
    diags.print(errors);
    ADD_FAILURE() << b.file().string() << " does not load:\n" << errors.str();
  }
  return p;
}

} // namespace brisk::test
