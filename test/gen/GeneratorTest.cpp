// The random program generator: determinism, well-typedness over many seeds,
// the promised shapes and toggles, scale, the `brisk gen` command line and,
// with the interpreter, that every program runs to completion within the
// bounds the generator computed.
#include "backend/JsonWriter.h"
#include "backend/TextPrinter.h"
#include "frontend/Loader.h"
#include "frontend/TypeChecker.h"
#include "test/SharedData.h"
#include "tools/gen/ProgramGenerator.h"
#ifdef BRISK_HAVE_INTERP
#include "interp/Interpreter.h"
#endif

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <map>
#include <set>

namespace brisk {
namespace {

GenOptions withSeed(uint64_t seed, uint64_t size = 200) {
  GenOptions o;
  o.seed = seed;
  o.size = size;
  return o;
}

std::string firstError(const Diagnostics &d) {
  return d.hasErrors() ? d.format(d.all().front()) : std::string();
}

std::set<Opcode> opcodesOf(const Program &p) {
  std::set<Opcode> ops;
  for (const Function &f : p.functions)
    for (BlockId b : f.layout)
      for (const Instr &in : f.block(b).instrs)
        ops.insert(in.op);
  return ops;
}

bool usesType(const Program &p, BaseType base) {
  for (const Function &f : p.functions) {
    for (const Param &param : f.params)
      if (param.type.base() == base)
        return true;
    for (BlockId b : f.layout)
      for (const Instr &in : f.block(b).instrs)
        if (in.type.base() == base)
          return true;
  }
  return false;
}

TEST(Generator, SameSeedSameProgram) {
  for (uint64_t seed : {0, 1, 42, 12345}) {
    GenOptions o = withSeed(seed, 500);
    EXPECT_EQ(toText(generateProgram(o)), toText(generateProgram(o))) << "seed " << seed;
    EXPECT_EQ(generateArguments(seed, 3), generateArguments(seed, 3));
  }
  EXPECT_NE(toText(generateProgram(withSeed(1))), toText(generateProgram(withSeed(2))));
}

TEST(Generator, Seeds0To199TypeCheckAndRoundTrip) {
  for (uint64_t seed = 0; seed < 200; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Program p = generateProgram(withSeed(seed));
    Diagnostics diags;
    ASSERT_TRUE(typeCheck(p, diags)) << firstError(diags);
    // What the writer produces, the reader accepts unchanged.
    std::string json = toJsonString(p);
    Diagnostics readDiags;
    std::optional<Program> back = loadProgram(json, readDiags);
    ASSERT_TRUE(back.has_value()) << firstError(readDiags);
    EXPECT_EQ(toText(*back), toText(p));
  }
}

TEST(Generator, MainArityMatchesArguments) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Program p = generateProgram(withSeed(seed));
    const Function *main = p.findFunction("main");
    ASSERT_NE(main, nullptr);
    EXPECT_EQ(main->params.size(), mainArity(seed));
    for (const Param &param : main->params)
      EXPECT_TRUE(param.type.isInt());
    for (uint64_t k = 0; k < 3; ++k)
      EXPECT_EQ(generateArguments(seed, k).size(), mainArity(seed));
    // The arity is a function of the seed alone, so scripts can ask for
    // arguments without knowing the other knobs.
    GenOptions other = withSeed(seed, 3000);
    other.floats = false;
    EXPECT_EQ(generateProgram(other).findFunction("main")->params.size(), mainArity(seed));
  }
}

TEST(Generator, ProducesEveryPromisedShape) {
  std::set<Opcode> ops;
  bool selfRecursive = false, pointerParam = false;
  for (uint64_t seed = 0; seed < 60; ++seed) {
    Program p = generateProgram(withSeed(seed, 400));
    auto more = opcodesOf(p);
    ops.insert(more.begin(), more.end());
    for (const Function &f : p.functions) {
      for (const Param &param : f.params)
        pointerParam |= param.type.isPtr();
      for (BlockId b : f.layout)
        for (const Instr &in : f.block(b).instrs)
          selfRecursive |= in.op == Opcode::Call && in.callee == f.name;
    }
  }
  for (Opcode op : {Opcode::Alloc, Opcode::Free, Opcode::Store, Opcode::Load, Opcode::PtrAdd,
                    Opcode::Char2Int, Opcode::Int2Char, Opcode::FDiv, Opcode::FLt, Opcode::CLt,
                    Opcode::Div, Opcode::Call, Opcode::Print, Opcode::Br, Opcode::Jmp,
                    Opcode::Ret, Opcode::And, Opcode::Not})
    EXPECT_TRUE(ops.count(op)) << "never generated: " << spelling(op);
  EXPECT_TRUE(selfRecursive);
  EXPECT_TRUE(pointerParam);
  EXPECT_FALSE(ops.count(Opcode::Speculate) || ops.count(Opcode::Guard) ||
               ops.count(Opcode::Commit));
}

TEST(Generator, FeatureTogglesRemoveTheirFeatures) {
  for (uint64_t seed = 0; seed < 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    GenOptions o = withSeed(seed, 600);
    o.memory = o.floats = o.chars = o.prints = false;
    Program p = generateProgram(o);
    auto ops = opcodesOf(p);
    for (Opcode op : {Opcode::Alloc, Opcode::Free, Opcode::Load, Opcode::Store,
                      Opcode::PtrAdd, Opcode::Print, Opcode::Int2Char, Opcode::FAdd})
      EXPECT_FALSE(ops.count(op)) << spelling(op);
    EXPECT_FALSE(usesType(p, BaseType::Float));
    EXPECT_FALSE(usesType(p, BaseType::Char));
    Diagnostics diags;
    EXPECT_TRUE(typeCheck(p, diags)) << firstError(diags);

    GenOptions noCalls = withSeed(seed, 600);
    noCalls.calls = false;
    Program single = generateProgram(noCalls);
    EXPECT_EQ(single.functions.size(), 1u);
    EXPECT_FALSE(opcodesOf(single).count(Opcode::Call));

    GenOptions noRec = withSeed(seed, 2000);
    noRec.recursion = false;
    for (const Function &f : generateProgram(noRec).functions)
      for (BlockId b : f.layout)
        for (const Instr &in : f.block(b).instrs)
          EXPECT_FALSE(in.op == Opcode::Call && in.callee == f.name);
  }
}

TEST(Generator, SizeKnobScales) {
  for (uint64_t size : {50, 1000, 10000, 100000}) {
    SCOPED_TRACE("size " + std::to_string(size));
    GenStats stats;
    Program p = generateProgram(withSeed(size, size), &stats);
    uint64_t count = 0;
    for (const Function &f : p.functions)
      count += f.instrCount();
    EXPECT_EQ(count, stats.instructions);
    // "Approximately": within a factor of two of the request.
    EXPECT_GE(count, size / 2);
    EXPECT_LE(count, size * 2 + 60);
    Diagnostics diags;
    EXPECT_TRUE(typeCheck(p, diags)) << firstError(diags);
  }
}

// Runs the driver through the shell; empty on failure.
std::string capture(const std::string &command) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE *)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe)
    return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe.get())) > 0)
    out.append(buf, n);
  return out;
}

TEST(Generator, CommandLineMatchesLibrary) {
  std::string b = test::briskBinary().string();
  ASSERT_TRUE(std::filesystem::exists(b)) << b;
  GenOptions o = withSeed(17, 300);
  o.memory = false;
  EXPECT_EQ(capture(b + " gen --seed=17 --size=300 --no-memory --format=text"),
            toText(generateProgram(o)));
  EXPECT_EQ(capture(b + " gen --seed 17 --size 300 --no-memory"),
            toJsonString(generateProgram(o)));
  std::string expected;
  for (int64_t a : generateArguments(17, 2))
    expected += (expected.empty() ? "" : " ") + std::to_string(a);
  EXPECT_EQ(capture(b + " gen --args --seed=17 --input=2"), expected + "\n");
  EXPECT_NE(capture(b + " gen --seed=x 2>&1"), "");
}

#ifdef BRISK_HAVE_INTERP
struct RunOutcome {
  interp::RunResult result;
  uint64_t lines = 0;
};

RunOutcome run(const Program &p, const std::vector<int64_t> &args) {
  RunOutcome o;
  std::unique_ptr<FILE, int (*)(FILE *)> out(std::tmpfile(), std::fclose);
  interp::RunOptions opts;
  for (int64_t a : args)
    opts.args.push_back(std::to_string(a));
  opts.out = out.get();
  o.result = interp::runProgram(p, opts);
  std::fflush(out.get());
  std::rewind(out.get());
  for (int c; (c = std::fgetc(out.get())) != EOF;)
    o.lines += c == '\n';
  return o;
}

TEST(Generator, Seeds0To199RunWithinTheirBounds) {
  uint64_t total = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    GenStats stats;
    Program p = generateProgram(withSeed(seed), &stats);
    // Default-size programs stay cheap enough to fuzz thousands per minute.
    EXPECT_LE(stats.dynBound, 5'000'000u) << "seed " << seed;
    for (uint64_t k = 0; k < 3; ++k) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " input " + std::to_string(k));
      RunOutcome o = run(p, generateArguments(seed, k));
      ASSERT_TRUE(o.result.ok) << o.result.error;
      EXPECT_GT(o.result.dynamicInstructions, 0u);
      EXPECT_LE(o.result.dynamicInstructions, stats.dynBound);
      EXPECT_LE(o.lines, stats.printBound);
      total += o.result.dynamicInstructions;
    }
  }
  EXPECT_GT(total, 0u);
}

TEST(Generator, LargeProgramRunsWithinItsBound) {
  GenStats stats;
  Program p = generateProgram(withSeed(9, 100000), &stats);
  RunOutcome o = run(p, generateArguments(9, 0));
  ASSERT_TRUE(o.result.ok) << o.result.error;
  EXPECT_LE(o.result.dynamicInstructions, stats.dynBound);
}

// Arguments outside the generated range are still safe: the guarantees hold
// for every int vector, not just the ones generateArguments gives.
TEST(Generator, ExtremeArgumentsAreSafe) {
  const std::vector<int64_t> extremes = {0, -1, int64_t(1) << 52, -(int64_t(1) << 52)};
  for (uint64_t seed = 0; seed < 40; ++seed) {
    GenStats stats;
    Program p = generateProgram(withSeed(seed), &stats);
    for (int64_t v : extremes) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " value " + std::to_string(v));
      RunOutcome o = run(p, std::vector<int64_t>(mainArity(seed), v));
      ASSERT_TRUE(o.result.ok) << o.result.error;
      EXPECT_LE(o.result.dynamicInstructions, stats.dynBound);
    }
  }
}
// --- the hazard and hot shapes (GenOptions::undefinedReads ... hotLoops) ---

GenOptions withShape(uint64_t seed, bool GenOptions::*shape) {
  GenOptions o = withSeed(seed);
  o.*shape = true;
  o.shapeRate = 12; // dense enough that a few dozen seeds show every variant
  return o;
}

RunOutcome runLimited(const Program &p, const std::vector<int64_t> &args, uint64_t limit,
                      std::string *out = nullptr) {
  RunOutcome o;
  std::unique_ptr<FILE, int (*)(FILE *)> file(std::tmpfile(), std::fclose);
  interp::RunOptions opts;
  for (int64_t a : args)
    opts.args.push_back(std::to_string(a));
  opts.out = file.get();
  opts.maxDynamicInstructions = limit;
  o.result = interp::runProgram(p, opts);
  std::fflush(file.get());
  std::rewind(file.get());
  for (int c; (c = std::fgetc(file.get())) != EOF;) {
    o.lines += c == '\n';
    if (out)
      out->push_back(char(c));
  }
  return o;
}

// What a shape promises, over seeds and inputs: every run ends within the
// bound or not at all (checked with a limit 10x beyond it), and the program
// type-checks. Returns the outcomes, keyed "error message" / "ok" / "endless".
struct ShapeCensus {
  std::map<std::string, unsigned> outcomes; // error kinds, "ok", "endless"
  unsigned programsWithCleanAndFailingInputs = 0;
  unsigned errorsAfterOutput = 0; // failed runs that printed something first
};

ShapeCensus census(bool GenOptions::*shape, uint64_t seeds, uint64_t inputs = 6) {
  ShapeCensus c;
  for (uint64_t seed = 0; seed < seeds; ++seed) {
    GenStats stats;
    Program p = generateProgram(withShape(seed, shape), &stats);
    Diagnostics diags;
    EXPECT_TRUE(typeCheck(p, diags)) << "seed " << seed << ": " << firstError(diags);
    bool clean = false, failing = false;
    for (uint64_t k = 0; k < inputs; ++k) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " input " + std::to_string(k));
      RunOutcome o = runLimited(p, generateArguments(seed, k), stats.dynBound + 1000);
      std::string key;
      if (o.result.limitReached) {
        // Never ends: not even with ten times the bound.
        RunOutcome again = runLimited(p, generateArguments(seed, k), 10 * stats.dynBound + 1000);
        EXPECT_TRUE(again.result.limitReached) << "ended after "
                                               << again.result.dynamicInstructions;
        key = "endless";
      } else if (o.result.ok) {
        EXPECT_LE(o.result.dynamicInstructions, stats.dynBound);
        key = "ok";
      } else {
        EXPECT_LE(o.result.dynamicInstructions, stats.dynBound);
        key = o.result.error.substr(0, o.result.error.find_first_of("0123456789"));
        if (key.rfind("undefined variable", 0) == 0)
          key = "undefined variable";
        if (o.lines > 0)
          ++c.errorsAfterOutput;
      }
      ++c.outcomes[key];
      (key == "ok" ? clean : failing) = true;
    }
    c.programsWithCleanAndFailingInputs += clean && failing;
  }
  return c;
}

std::string describe(const ShapeCensus &c) {
  std::string s;
  for (auto &[k, n] : c.outcomes)
    s += k + ": " + std::to_string(n) + "; ";
  return s;
}

TEST(GeneratorShapes, ShapesOffLeaveTheProgramAsItWas) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    GenOptions other = withSeed(seed);
    other.shapeRate = 50; // only read when a shape is on
    EXPECT_EQ(toText(generateProgram(withSeed(seed))), toText(generateProgram(other)));
  }
}

TEST(GeneratorShapes, UndefinedReadsFailOnSomeInputsOnly) {
  ShapeCensus c = census(&GenOptions::undefinedReads, 60);
  EXPECT_GE(c.outcomes["undefined variable"], 10u) << describe(c);
  EXPECT_GE(c.programsWithCleanAndFailingInputs, 5u) << describe(c);
  EXPECT_GE(c.outcomes["ok"], 60u) << describe(c); // of 360 runs, at a dense shape rate
  EXPECT_EQ(c.outcomes["endless"], 0u) << describe(c);
}

// The helper shape: a local defined on some paths only, read before `ret`,
// called from inside a loop.
TEST(GeneratorShapes, UndefinedReadsIncludeAHelperCalledInALoop) {
  unsigned found = 0;
  for (uint64_t seed = 0; seed < 80 && !found; ++seed) {
    std::string text = toText(generateProgram(withShape(seed, &GenOptions::undefinedReads)));
    // The helper starts `br ... .maybe.N .def.M;` and its name is called in
    // a loop body of another function.
    size_t at = text.find("\n@f");
    for (; at != std::string::npos; at = text.find("\n@f", at + 1)) {
      size_t nameEnd = text.find_first_of("(: {", at + 1);
      std::string name = text.substr(at + 1, nameEnd - at - 1);
      size_t bodyEnd = text.find("\n}", at);
      std::string body = text.substr(at, bodyEnd - at);
      size_t def = body.find(".def."), u = body.find(": int = add u");
      if (def == std::string::npos || u == std::string::npos || body.find("\n.def.") > u)
        continue;
      found += text.find("call " + name + " ") != std::string::npos;
    }
  }
  EXPECT_GT(found, 0u);
}

TEST(GeneratorShapes, TrapsFireMidLoopAfterOutput) {
  ShapeCensus c = census(&GenOptions::traps, 80);
  EXPECT_GE(c.outcomes["division by zero"], 2u) << describe(c);
  EXPECT_GE(c.outcomes["value "], 2u) << describe(c); // int2char out of range
  EXPECT_GE(c.outcomes["Uninitialized heap location "], 2u) << describe(c);
  EXPECT_GE(c.errorsAfterOutput, 4u) << describe(c);
  EXPECT_GE(c.programsWithCleanAndFailingInputs, 5u) << describe(c);
  EXPECT_EQ(c.outcomes["endless"], 0u) << describe(c);
}

// A trap in the middle of the loop: the loop printed its counter on earlier
// iterations, then failed.
TEST(GeneratorShapes, ATrapLoopPrintsItsCounterBeforeFailing) {
  bool seen = false;
  for (uint64_t seed = 0; seed < 80 && !seen; ++seed) {
    Program p = generateProgram(withShape(seed, &GenOptions::traps));
    GenStats stats;
    generateProgram(withShape(seed, &GenOptions::traps), &stats);
    for (uint64_t k = 0; k < 6 && !seen; ++k) {
      std::string out;
      RunOutcome o = runLimited(p, generateArguments(seed, k), stats.dynBound + 1000, &out);
      seen = !o.result.ok && !o.result.limitReached && out.find("0\n1\n") != std::string::npos;
    }
  }
  EXPECT_TRUE(seen);
}

TEST(GeneratorShapes, EndlessLoopsNeverEndOnSomeInputsOnly) {
  ShapeCensus c = census(&GenOptions::endlessLoops, 60);
  EXPECT_GE(c.outcomes["endless"], 10u) << describe(c);
  EXPECT_GE(c.programsWithCleanAndFailingInputs, 5u) << describe(c);
  EXPECT_GT(c.outcomes["ok"], c.outcomes["endless"]) << describe(c);
}

TEST(GeneratorShapes, OwnSpeculationIsWellFormedOrFailsInBrili) {
  unsigned withSpeculation = 0;
  ShapeCensus c = census(&GenOptions::ownSpeculation, 60);
  for (uint64_t seed = 0; seed < 60; ++seed) {
    std::set<Opcode> ops = opcodesOf(generateProgram(withShape(seed, &GenOptions::ownSpeculation)));
    withSpeculation += ops.count(Opcode::Speculate) && ops.count(Opcode::Guard) &&
                       ops.count(Opcode::Commit);
  }
  EXPECT_GE(withSpeculation, 30u);
  // A call or ret inside the program's speculation, on a rare input.
  EXPECT_GE(c.outcomes["call not allowed during speculation"] +
                c.outcomes["ret not allowed during speculation"],
            1u)
      << describe(c);
  EXPECT_GT(c.outcomes["ok"], 200u) << describe(c);
  EXPECT_EQ(c.outcomes["endless"], 0u) << describe(c);
}

// Of 40 programs of `shape`, each run once on its training input (seed 0's
// arguments) and required to succeed, at least 3 in 4 have a block that runs
// 100 times or more, and at least 1 in 4 a store in such a block.
void expectHotBlocksWithStores(bool GenOptions::*shape) {
  unsigned hot = 0, hotStore = 0;
  const unsigned seeds = 40;
  for (uint64_t seed = 0; seed < seeds; ++seed) {
    Program p = generateProgram(withShape(seed, shape));
    interp::RunOptions opts;
    for (int64_t a : generateArguments(seed, 0))
      opts.args.push_back(std::to_string(a));
    std::unique_ptr<FILE, int (*)(FILE *)> sink(std::tmpfile(), std::fclose);
    opts.out = sink.get();
    opts.profile = true;
    interp::RunResult r = interp::runProgram(p, opts);
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << r.error;
    bool h = false, hs = false;
    for (size_t f = 0; f < p.functions.size(); ++f)
      for (BlockId b : p.functions[f].layout) {
        if (r.profile->functions[f].blockCount(b) < 100)
          continue;
        h = true;
        for (const Instr &in : p.functions[f].block(b).instrs)
          hs |= in.op == Opcode::Store;
      }
    hot += h;
    hotStore += hs;
  }
  EXPECT_GE(hot, seeds * 3 / 4);
  EXPECT_GE(hotStore, seeds / 4);
}

// Hot loops: a loop header that runs at least 100 times on the training
// input, and (with memory) a store executed that often.
TEST(GeneratorShapes, HotLoopsRunAHundredTimesAndStore) {
  expectHotBlocksWithStores(&GenOptions::hotLoops);
}
// --- the memory and loop shapes (GenOptions::memoryHazards ... loopNests) ---

// The number of runs whose error message starts with `prefix`.
unsigned errorsStartingWith(const ShapeCensus &c, const std::string &prefix) {
  unsigned n = 0;
  for (auto &[k, count] : c.outcomes)
    n += k.rfind(prefix, 0) == 0 ? count : 0;
  return n;
}

TEST(GeneratorShapes, MemoryHazardsFailOnSomeInputsOnly) {
  ShapeCensus c = census(&GenOptions::memoryHazards, 80);
  EXPECT_GE(errorsStartingWith(c, "Pointer "), 2u) << describe(c);     // uninitialised cell
  EXPECT_GE(errorsStartingWith(c, "Uninitialized heap location "), 2u) // bounds, freed
      << describe(c);
  EXPECT_GE(errorsStartingWith(c, "Tried to free illegal memory location"), 1u) << describe(c);
  EXPECT_GE(errorsStartingWith(c, "Some memory locations have not been freed"), 1u)
      << describe(c);
  EXPECT_GE(c.programsWithCleanAndFailingInputs, 10u) << describe(c);
  EXPECT_GE(c.outcomes["ok"], 240u) << describe(c); // of 480 runs, at a dense shape rate
  EXPECT_EQ(c.outcomes["endless"], 0u) << describe(c);
}

// Aliasing is safe: every run ends cleanly, and the programs hold pointers
// stored in memory and calls that take a pointer next to loads and stores.
TEST(GeneratorShapes, AliasingRunsCleanlyAndLetsPointersEscape) {
  ShapeCensus c = census(&GenOptions::aliasing, 40, 3);
  EXPECT_EQ(c.outcomes["ok"], 120u) << describe(c);
  unsigned escapes = 0;
  for (uint64_t seed = 0; seed < 40; ++seed)
    escapes += toText(generateProgram(withShape(seed, &GenOptions::aliasing)))
                   .find(": ptr<ptr<") != std::string::npos;
  EXPECT_GE(escapes, 3u);
}

// Pointer induction variables (`w = ptradd w step`), clean on most inputs;
// the off-by-one walks fail on a few with an out-of-bounds load.
TEST(GeneratorShapes, PointerLoopsWalkByPointerInductionVariables) {
  ShapeCensus c = census(&GenOptions::pointerLoops, 60);
  unsigned walks = 0;
  for (uint64_t seed = 0; seed < 60; ++seed) {
    Program p = generateProgram(withShape(seed, &GenOptions::pointerLoops));
    bool walk = false;
    for (const Function &f : p.functions)
      for (BlockId b : f.layout)
        for (const Instr &in : f.block(b).instrs)
          walk |= in.op == Opcode::PtrAdd && in.dest == in.args[0];
    walks += walk;
  }
  EXPECT_GE(walks, 10u);
  EXPECT_GE(errorsStartingWith(c, "Uninitialized heap location "), 1u) << describe(c);
  EXPECT_GE(c.outcomes["ok"], 300u) << describe(c); // of 360 runs
  EXPECT_EQ(c.outcomes["endless"], 0u) << describe(c);
}

// Loop nests: an inner body runs at least 100 times on the training input in
// most programs, a store in it in many.
TEST(GeneratorShapes, LoopNestsRunInnerBodiesHot) {
  expectHotBlocksWithStores(&GenOptions::loopNests);
}

// Long lines are safe, and each is one block of more than 64 definitions
// (what from-ssa indexes) redefining the same few variables.
TEST(GeneratorShapes, LongLinesRedefineFewVariablesInOneLongBlock) {
  ShapeCensus c = census(&GenOptions::longLines, 30, 3);
  EXPECT_EQ(c.outcomes["ok"], 90u) << describe(c);
  unsigned long_ = 0;
  for (uint64_t seed = 0; seed < 30; ++seed) {
    Program p = generateProgram(withShape(seed, &GenOptions::longLines));
    for (const Function &f : p.functions)
      for (BlockId b : f.layout) {
        std::map<VarId, unsigned> defs;
        for (const Instr &in : f.block(b).instrs)
          if (in.hasDest())
            ++defs[in.dest];
        unsigned most = 0;
        for (auto &[v, n] : defs)
          most = std::max(most, n);
        long_ += f.block(b).instrs.size() > 64 && most >= 15;
      }
  }
  EXPECT_GE(long_, 10u);
}

// GenStats counts the shapes placed, under the names of their switches.
TEST(GeneratorShapes, StatsCountTheShapesPlaced) {
  std::map<std::string, uint64_t> total;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    GenOptions o = withSeed(seed);
    o.memoryHazards = o.aliasing = o.pointerLoops = o.loopNests = o.traps = true;
    o.shapeRate = 12;
    GenStats stats;
    generateProgram(o, &stats);
    for (auto &[name, n] : stats.shapes)
      total[name] += n;
  }
  for (const char *name : {"memory-hazards", "aliasing", "pointer-loops", "loop-nests", "traps"})
    EXPECT_GT(total[name], 0u) << name;
  EXPECT_EQ(total.count("hot-loops"), 0u);
}
#endif

} // namespace
} // namespace brisk
