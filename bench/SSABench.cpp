// Compile time of the SSA round trip on one big function (issue 14): toSSA
// on the plain function of bench/big_function.py, rotateLoops and fromSSA on
// it as the scalar pipeline hands it to them (Pipeline.cpp's
// runOptimizationPipeline). Each pass should be linear in the function's
// size: the time per instruction ("per_instr") should not grow with N.
//
//   cmake --build build --target brisk_ssa_bench
//   build/bench/brisk_ssa_bench [--benchmark_filter=FromSSA]
#include "frontend/Loader.h"
#include "ir/Diagnostics.h"
#include "transforms/PassRegistry.h"
#include "transforms/loops/LoopRotation.h"
#include "transforms/ssa/FromSSA.h"
#include "transforms/ssa/ToSSA.h"

#include <benchmark/benchmark.h>

#include <map>
#include <string>

namespace brisk {
namespace {

// The text bench/big_function.py writes for about `size` instructions.
std::string bigFunction(int size) {
  std::string s = "@main(n: int) {\n  one: int = const 1;\n  two: int = const 2;\n"
                  "  three: int = const 3;\n  sum: int = const 0;\n";
  for (int i = 0; i < 8; ++i)
    s.append("  k").append(std::to_string(i)).append(": int = const ").append(std::to_string(i)).append(";\n");
  // One copy of the loop, with C standing for its label prefix and K for its k constant.
  static const char *kCopy = "  x: int = add n K;\n  steps: int = const 0;\nCcond:\n"
                             "  eq_one: bool = eq x one;\n  br eq_one Cend Cloop;\nCloop:\n"
                             "  steps: int = add steps one;\n  half: int = div x two;\n"
                             "  doublehalf: int = mul half two;\n  even: bool = eq x doublehalf;\n"
                             "  br even Ceven Codd;\nCeven:\n  x: int = div x two;\n  jmp Ccond;\n"
                             "Codd:\n  x: int = mul x three;\n  x: int = add x one;\n  jmp Ccond;\n"
                             "Cend:\n  a: int = mul steps three;\n  b: int = add a K;\n"
                             "  c: int = sub b one;\n  d: int = mul c two;\n  e: int = add d sum;\n"
                             "  f: int = div e two;\n  g: int = add f steps;\n  sum: int = sub g a;\n";
  int copies = std::max(1, (size - 14) / 25);
  for (int k = 0; k < copies; ++k) {
    std::string prefix = ".c", kk = "k";
    prefix.append(std::to_string(k)).push_back('.');
    kk.append(std::to_string(k % 8));
    for (const char *p = kCopy; *p; ++p) {
      if (*p == 'C')
        s.append(prefix);
      else if (*p == 'K')
        s.append(kk);
      else
        s.push_back(*p);
    }
  }
  s.append("  print sum;\n}\n");
  return s;
}

// @main of the big function after the passes of `list` (empty: as written).
const Function &mainAfter(int size, const std::string &list) {
  static std::map<std::pair<int, std::string>, Program> cache;
  auto key = std::make_pair(size, list);
  if (auto it = cache.find(key); it != cache.end())
    return it->second.functions.at(0);
  Diagnostics diags("bench");
  std::optional<Program> program = loadProgram(bigFunction(size), diags);
  PassContext ctx;
  std::string error;
  if (!list.empty())
    runPassList(*program, ctx, list, error);
  return cache.emplace(key, std::move(*program)).first->second.functions.at(0);
}

const char *const kBeforeRotation = "to-ssa,sccp,copy-prop,adce,simplify-cfg";
const char *const kBeforeFromSSA = "to-ssa,sccp,copy-prop,adce,simplify-cfg,loop-rotate,licm,gvn,"
                                   "sccp,copy-prop,adce,sink,simplify-cfg";

void runOnCopies(benchmark::State &state, const Function &input, bool (*pass)(Function &)) {
  for (auto _ : state) {
    state.PauseTiming();
    Function f = input;
    state.ResumeTiming();
    pass(f);
    state.PauseTiming();
    benchmark::DoNotOptimize(f.layout.data());
    f = Function(); // freed outside the timed part
    state.ResumeTiming();
  }
  state.counters["per_instr"] =
      benchmark::Counter(double(input.instrCount()) * double(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_ToSSA(benchmark::State &state) {
  runOnCopies(state, mainAfter(int(state.range(0)), ""), toSSA);
}
void BM_LoopRotation(benchmark::State &state) {
  runOnCopies(state, mainAfter(int(state.range(0)), kBeforeRotation), rotateLoops);
}
void BM_FromSSA(benchmark::State &state) {
  runOnCopies(state, mainAfter(int(state.range(0)), kBeforeFromSSA),
              [](Function &f) { return fromSSA(f); });
}

BENCHMARK(BM_ToSSA)->Arg(10000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoopRotation)->Arg(10000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FromSSA)->Arg(10000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace brisk

BENCHMARK_MAIN();
