// Test helper for differential semantic tests of the whole optimizer: a
// program is optimized (transforms/Pipeline.h) on a profile of one training
// input (optimizeOn; optimizeWithProfile when the test holds the profile),
// under several flag variants, and the result, after a trip through
// JSON, must show on every test input what the original shows under the
// interpreter: the same stdout, success or failure, and the same kind of
// error (the message may name another variable when a copy was folded).
#pragma once

#include "backend/JsonWriter.h"
#include "backend/TextPrinter.h"
#include "frontend/Loader.h"
#include "test/analysis/ParseHelper.h"
#include "test/transforms/TestSupport.h"
#include "transforms/Pipeline.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace brisk::test {

// The error with the variable it names and the heap base it gives blanked
// out: "Pointer q points to uninitialized data" and "Pointer a ..." are one
// kind, and so are "heap location 1 ..." and "heap location 0 ..." (an
// allocation that became values takes no number).
inline std::string errorKind(const std::string &message) {
  static const std::regex named(R"((Pointer|variable|for|heap location|base:) [^ ,]+)");
  return std::regex_replace(message, named, "$1 _");
}

struct Variant {
  std::string name;
  SuperblockPipelineOptions options;
};

// The usual flag variants: the defaults, --force-speculation (alone, with
// --unroll=1, --growth=4, --no-inline, --no-scalar-opts), --growth=4 alone and
// --no-speculation.
inline std::vector<Variant> pipelineVariants() {
  std::vector<Variant> out;
  out.push_back({"default", {}});
  SuperblockPipelineOptions o;
  o.superblocks.forceSpeculation = true;
  out.push_back({"force-speculation", o});
  SuperblockPipelineOptions u = o;
  u.superblocks.unrollFactors = {1};
  out.push_back({"force-speculation --unroll=1", u});
  SuperblockPipelineOptions g = o;
  g.superblocks.growthLimit = 4;
  out.push_back({"force-speculation --growth=4", g});
  SuperblockPipelineOptions ni = o;
  ni.inlining = false;
  out.push_back({"force-speculation --no-inline", ni});
  SuperblockPipelineOptions ns = o;
  ns.scalarOptimizations = false;
  out.push_back({"force-speculation --no-scalar-opts", ns});
  SuperblockPipelineOptions g4;
  g4.superblocks.growthLimit = 4;
  out.push_back({"--growth=4", g4});
  SuperblockPipelineOptions plain;
  plain.superblocks.speculation = false;
  out.push_back({"no-speculation", plain});
  return out;
}

// `p` optimized by the whole pipeline on `profile` (the verifier after every
// pass when `validate`), written to JSON and read back: what brili would
// read. A pass that fails or a program that does not read back is reported
// here; `remarks` collects the pipeline's remarks when given.
inline Program optimizeWithProfile(const Program &p, const Profile &profile,
                                   const SuperblockPipelineOptions &options, bool validate = true,
                                   std::vector<RegionRemark> *remarks = nullptr) {
  Program copy = p;
  PassOptions po;
  po.validate = validate;
  std::ostringstream errors;
  po.errorStream = &errors;
  PassContext ctx(po);
  runSuperblockPipeline(copy, profile, ctx, options, remarks);
  EXPECT_FALSE(ctx.failed()) << errors.str();
  Diagnostics diags("json");
  std::optional<Program> back = loadProgram(toJsonString(copy), diags);
  EXPECT_TRUE(back.has_value());
  return back ? std::move(*back) : Program{};
}

// `p` optimized with a profile of `train` (which must run cleanly), read back
// from JSON; `remarks` collects the pipeline's remarks when given.
inline Program optimizeOn(const Program &p, const std::string &train,
                          const SuperblockPipelineOptions &options,
                          std::vector<RegionRemark> *remarks = nullptr) {
  Outcome t = run(p, splitArgs(train), /*profile=*/true);
  EXPECT_TRUE(t.ok) << "training run failed: " << t.error;
  if (!t.ok || !t.profile)
    return p;
  // The verifier checks after every pass that the pass kept the invariants;
  // a program that breaks one itself (a call under its own speculation, say:
  // an error brili reports only when it runs) has nothing to keep.
  return optimizeWithProfile(p, *t.profile, options, verifyMessages(p).empty(), remarks);
}

// The optimized program behaves like the original on every input.
inline void expectSameOnInputs(const Program &original, const Program &optimized,
                               const std::vector<std::string> &inputs, const std::string &what) {
  for (const std::string &in : inputs) {
    Outcome a = run(original, splitArgs(in));
    Outcome b = run(optimized, splitArgs(in));
    std::string where = what + ", input \"" + in + "\"";
    EXPECT_EQ(b.out, a.out) << where << "\n" << toText(optimized);
    EXPECT_EQ(b.ok, a.ok) << where << ": " << b.error << " vs " << a.error;
    EXPECT_EQ(errorKind(b.error), errorKind(a.error)) << where;
  }
}

// Optimizes `text` on `train` under every variant and compares on `inputs`.
// Returns how many variants produced speculation (so a test can check that
// the speculative forms it is about were really made).
inline unsigned expectSameUnderEveryVariant(const std::string &text, const std::string &train,
                                            const std::vector<std::string> &inputs) {
  Program p = parseOrDie(text);
  unsigned speculative = 0;
  for (const Variant &v : pipelineVariants()) {
    Program o = optimizeOn(p, train, v.options);
    speculative += countOp(o, Opcode::Speculate) > 0;
    expectSameOnInputs(p, o, inputs, v.name + ", trained on \"" + train + "\"");
  }
  return speculative;
}

// expectSameUnderEveryVariant, and at least one variant made speculation:
// a test of what speculation must keep does not bite without it.
inline void expectSameUnderEveryVariantAndSpeculation(const std::string &text,
                                                      const std::string &train,
                                                      const std::vector<std::string> &inputs) {
  unsigned speculative = expectSameUnderEveryVariant(text, train, inputs);
  EXPECT_GT(speculative, 0u) << "no variant speculated: the test would not bite";
}

} // namespace brisk::test
