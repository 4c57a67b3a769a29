// The program-level plan: how many helpers, their kinds and signatures, who
// calls whom, and how the size and the dynamic budget are shared out. The
// statements themselves come from FunctionGenerator.
//
// Helpers are generated in order f0, f1, ..., then @main; each may call only
// functions generated before it, so the call graph is a DAG plus self-loops
// (bounded recursion). Each helper is "planned" into exactly one later
// function (a helper or @main) that calls it once, outside any loop, mostly
// at its top level: that keeps nearly every helper reachable and executed
// without multiplying costs. Other calls are opportunistic and must fit the
// caller's remaining budget.
#include "tools/gen/ProgramGenerator.h"

#include "tools/gen/FunctionGenerator.h"
#include "tools/gen/Random.h"

#include <algorithm>

namespace brisk {

using gen::Callee;
using gen::Cost;
using gen::FunctionKind;
using gen::FunctionPlan;
using gen::Random;
using gen::mixSeed;

// Stream numbers for mixSeed: independent draws from one user seed.
enum : uint64_t { kProgramStream = 0, kArityStream = 1, kArgumentStream = 2 };

unsigned mainArity(uint64_t seed) {
  Random rng(mixSeed(seed, kArityStream));
  return 1 + unsigned(rng.below(4));
}

std::vector<int64_t> generateArguments(uint64_t seed, uint64_t input) {
  Random rng(mixSeed(mixSeed(seed, kArgumentStream), input));
  std::vector<int64_t> args(mainArity(seed));
  for (int64_t &a : args) {
    unsigned x = unsigned(rng.below(100));
    if (x < 50)
      a = rng.range(0, 40);
    else if (x < 75)
      a = rng.range(-20, 200);
    else if (x < 92)
      a = rng.range(-1000, 100000);
    else {
      int64_t big = rng.range(int64_t(1) << 20, int64_t(1) << 40);
      a = rng.chance(50) ? big : -big;
    }
  }
  return args;
}

namespace {

Type randomScalar(const GenOptions &opts, Random &rng) {
  for (;;) {
    unsigned x = unsigned(rng.below(100));
    if (x < 55)
      return Type::intTy();
    if (x < 70)
      return Type::boolTy();
    if (x < 85) {
      if (opts.floats)
        return Type::floatTy();
      continue;
    }
    if (opts.chars)
      return Type::charTy();
  }
}

// What one planned call of a pointer-taking helper costs beyond the helper
// itself when the caller has no region of the right type and makes one:
// allocation, initialising 16 elements, free.
constexpr uint64_t kRegionOverhead = 160;

} // namespace

Program generateProgram(const GenOptions &opts, GenStats *stats) {
  Random rng(mixSeed(opts.seed, kProgramStream));
  const uint64_t size = std::max<uint64_t>(opts.size, 30);
  const uint64_t dynTarget = std::max(opts.maxDyn, gen::satMul(size, 4));
  const uint64_t printTarget = opts.prints ? opts.maxOutput : 0;

  unsigned helpers = 0;
  if (opts.calls) {
    uint64_t average = uint64_t(rng.range(120, 400));
    helpers = unsigned(size / average);
    if (size >= 80 && rng.chance(60))
      ++helpers;
  }
  // Static shares: helpers and @main get random weights; a function's share
  // of the size also sets its share of the dynamic and output budgets.
  std::vector<uint64_t> weight(helpers + 1);
  uint64_t totalWeight = 0;
  for (uint64_t &w : weight) {
    w = uint64_t(rng.range(50, 150));
    totalWeight += w;
  }
  auto share = [&](uint64_t total, size_t i) {
    return uint64_t((long double)total * weight[i] / totalWeight);
  };

  // Signatures, sizes and own budgets first: choosing callers needs every
  // helper's kind.
  std::vector<FunctionPlan> plans(helpers + 1);
  for (unsigned i = 0; i < helpers; ++i) {
    FunctionPlan &plan = plans[i];
    plan.name = 'f';
    plan.name += std::to_string(i);
    if (opts.recursion && rng.chance(20))
      plan.kind = FunctionKind::Recursive;
    unsigned others = unsigned(rng.range(0, 3));
    if (plan.kind == FunctionKind::Recursive)
      plan.params.push_back(Type::intTy());
    for (unsigned k = 0; k < others; ++k)
      plan.params.push_back(randomScalar(opts, rng));
    if (plan.kind == FunctionKind::Plain && opts.memory && rng.chance(25)) {
      // A region parameter: ptr<T> followed by its length.
      size_t at = size_t(rng.below(plan.params.size() + 1));
      Type elem = randomScalar(opts, rng);
      plan.params.insert(plan.params.begin() + long(at), {elem.pointerTo(), Type::intTy()});
      plan.ptrParam = int(at);
    }
    plan.ret = rng.chance(25) ? Type::none() : randomScalar(opts, rng);
  }
  FunctionPlan &mainPlan = plans[helpers];
  mainPlan.kind = FunctionKind::Main;
  mainPlan.name = "main";
  mainPlan.params.assign(mainArity(opts.seed), Type::intTy());
  mainPlan.ret = Type::none();
  for (unsigned i = 0; i <= helpers; ++i) {
    plans[i].staticTarget = share(size, i);
    plans[i].budget = Cost{share(dynTarget, i), share(printTarget / 2, i), 0};
  }
  mainPlan.budget.prints += printTarget - printTarget / 2;

  // Every helper gets one planned caller, drawn uniformly from the functions
  // generated after it (recursive helpers take no planned callees). That is
  // a random recursive tree: depth about ln(helpers), so call stacks stay
  // shallow, and a branch not taken high up hides little code.
  for (unsigned j = 0; j < helpers; ++j) {
    unsigned caller = helpers;
    for (int attempt = 0; attempt < 4; ++attempt) {
      unsigned c = unsigned(rng.range(j + 1, helpers));
      if (plans[c].kind != FunctionKind::Recursive) {
        caller = c;
        break;
      }
    }
    plans[caller].planned.push_back(j);
  }

  std::vector<Callee> callees;
  callees.reserve(helpers);
  std::vector<Function> functions;
  functions.reserve(helpers + 1);
  for (unsigned i = 0; i <= helpers; ++i) {
    FunctionPlan &plan = plans[i];
    for (size_t callee : plan.planned) {
      plan.budget += callees[callee].cost;
      if (callees[callee].ptrParam >= 0)
        plan.budget += Cost{kRegionOverhead, 0, 0};
    }
    Callee self;
    functions.push_back(
        gen::generateFunction(opts, rng, callees, plan, self, stats ? &stats->shapes : nullptr));
    callees.push_back(std::move(self));
  }
  const Callee &mainSelf = callees.back();

  // @main first, as Bril programs are usually written.
  Program program;
  program.functions.reserve(functions.size());
  program.functions.push_back(std::move(functions.back()));
  functions.pop_back();
  for (Function &f : functions)
    program.functions.push_back(std::move(f));

  if (stats) {
    stats->dynBound = mainSelf.cost.dyn;
    stats->printBound = mainSelf.cost.prints;
    stats->instructions = 0;
    for (const Function &f : program.functions)
      stats->instructions += f.instrCount();
    stats->functions = unsigned(program.functions.size());
  }
  return program;
}

} // namespace brisk
