// Compile time of the superblock pass (transforms/superblocks/) on one big
// function: `formSuperblocks` on @main made of N copies of the Collatz loop
// of bench/big_function.py, profiled in-process on n = 7. Every copy's loop
// is one trace whose region scratch is measured in every candidate form
// (SuperblockFormation.h: search), so the time per trace is the constant
// factor of candidate evaluation, and the time per copy should not grow
// with N (the pass is linear).
//
//   cmake --build build --target brisk_superblock_bench
//   build/bench/brisk_superblock_bench
#include "frontend/Loader.h"
#include "interp/Interpreter.h"
#include "ir/Diagnostics.h"
#include "transforms/superblocks/ProfileWeights.h"
#include "transforms/superblocks/SuperblockFormation.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <string>

namespace brisk {
namespace {

// The text bench/big_function.py writes for `copies` copies.
std::string collatzFunction(int copies) {
  static const char *kCopy = R"(  x: int = add n K;
  steps: int = const 0;
.cN.cond:
  eq_one: bool = eq x one;
  br eq_one .cN.end .cN.loop;
.cN.loop:
  steps: int = add steps one;
  half: int = div x two;
  doublehalf: int = mul half two;
  even: bool = eq x doublehalf;
  br even .cN.even .cN.odd;
.cN.even:
  x: int = div x two;
  jmp .cN.cond;
.cN.odd:
  x: int = mul x three;
  x: int = add x one;
  jmp .cN.cond;
.cN.end:
  a: int = mul steps three;
  b: int = add a K;
  c: int = sub b one;
  d: int = mul c two;
  e: int = add d sum;
  f: int = div e two;
  g: int = add f steps;
  sum: int = sub g a;
)";
  std::string s = "@main(n: int) {\n  one: int = const 1;\n  two: int = const 2;\n"
                  "  three: int = const 3;\n  sum: int = const 0;\n";
  for (int i = 0; i < 8; ++i) {
    const std::string v = std::to_string(i);
    s.append("  k").append(v).append(": int = const ").append(v).append(";\n");
  }
  for (int k = 0; k < copies; ++k) {
    const std::string n = std::to_string(k);
    std::string kk = "k";
    kk += std::to_string(k % 8);
    for (const char *p = kCopy; *p; ++p) {
      if (*p == 'N' && p[-1] == 'c')
        s += n; // .cN. -> .c17.
      else if (*p == 'K' && p[1] == ';')
        s += kk;
      else
        s += *p;
    }
  }
  s += "  print sum;\n}\n";
  return s;
}

void BM_FormSuperblocks(benchmark::State &state) {
  const int copies = int(state.range(0));
  Diagnostics diags("bench");
  std::optional<Program> program = loadProgram(collatzFunction(copies), diags);
  if (!program) {
    state.SkipWithError("the generated program does not load");
    return;
  }
  std::optional<Profile> profile = interp::profileRuns(*program, {{"7"}});
  if (!profile) {
    state.SkipWithError("the generated program does not run");
    return;
  }
  ProgramWeights weights = ProgramWeights::fromProfile(*program, *profile);
  const Function &main = program->functions.at(0);
  const FunctionWeights &mainWeights = weights.of(main);
  SuperblockOptions options;
  size_t regions = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Function f = main;
    FunctionWeights w = mainWeights;
    std::vector<RegionRemark> remarks;
    state.ResumeTiming();
    formSuperblocks(f, w, profile->function(main.name), main.instrCount(), options, &remarks);
    state.PauseTiming();
    regions = remarks.size();
    benchmark::DoNotOptimize(f.layout.data());
    f = Function(); // freed outside the timed part
    state.ResumeTiming();
  }
  state.counters["traces"] = double(regions);
  // Seconds per trace (each trace: every candidate form of its region).
  state.counters["per_trace"] = benchmark::Counter(
      double(regions) * double(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

BENCHMARK(BM_FormSuperblocks)->Arg(100)->Arg(1000)->Arg(4000)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace brisk

BENCHMARK_MAIN();
