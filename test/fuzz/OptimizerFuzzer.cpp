// libFuzzer target for the optimizer. The input bytes are decoded into a
// program through the generator (tools/gen): a seed, a size, the generator's
// feature switches, the optimizer's knobs (variantFromBits) and which
// argument vectors train and test. The oracle is the differential check of
// `brisk fuzz` (tools/fuzz/DifferentialCheck.h): verifier after every pass,
// E1 and the type checker on the result, the same output and errors as the
// original on every input. Any failure prints the case and aborts, so
// libFuzzer saves the input; a crash, a sanitizer report or a hang is a
// finding by itself.
//
// Why bytes go through the generator rather than the frontend: a program the
// mutator wrote may loop forever or fail at run time for reasons of its own.
// Generated programs end within their bound or never (DifferentialCheck.h's
// criterion rests on that), and fail only where a hazard shape says so
// (undefined reads, traps, endless loops, own speculation: one feature byte
// turns each on), so every difference is the optimizer's. The bytes still steer everything the
// generator offers; libFuzzer's coverage feedback keeps inputs that reach new
// code in the passes. Reproduce a saved input with `brisk fuzz` by the seed
// and knobs this target prints, or by running the target on the file.
#include "backend/TextPrinter.h"
#include "tools/fuzz/DifferentialCheck.h"
#include "tools/gen/ProgramGenerator.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>

using namespace brisk;
using namespace brisk::fuzz;

namespace {

Args toArgs(const std::vector<int64_t> &values) {
  Args a;
  for (int64_t v : values)
    a.push_back(std::to_string(v));
  return a;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FuzzedDataProvider in(data, size);
  GenOptions g;
  g.seed = in.ConsumeIntegral<uint64_t>();
  g.size = in.ConsumeIntegralInRange<uint64_t>(10, 600);
  uint8_t features = in.ConsumeIntegral<uint8_t>();
  g.memory = !(features & 1);
  g.floats = !(features & 2);
  g.chars = !(features & 4);
  g.calls = !(features & 8);
  g.recursion = g.calls && !(features & 16);
  uint8_t shapes = in.ConsumeIntegral<uint8_t>();
  g.undefinedReads = shapes & 1;
  g.traps = shapes & 2;
  g.endlessLoops = shapes & 4;
  g.ownSpeculation = shapes & 8;
  g.hotLoops = shapes & 16;
  g.memoryHazards = shapes & 32;
  g.aliasing = shapes & 64;
  g.pointerLoops = shapes & 128;
  g.loopNests = features & 32; // the shapes byte is full
  g.maxDyn = 50000; // keeps one execution in the milliseconds
  PipelineVariant variant = variantFromBits(in.ConsumeIntegral<uint64_t>());
  FuzzCase c;
  c.train = toArgs(generateArguments(g.seed, in.ConsumeIntegralInRange<uint64_t>(0, 15)));
  for (unsigned k = 0; k < 3; ++k)
    c.tests.push_back(toArgs(generateArguments(g.seed, in.ConsumeIntegralInRange<uint64_t>(0, 63))));

  GenStats stats;
  Program program = generateProgram(g, &stats);
  c.maxDyn = stats.dynBound + 1000;
  CheckResult r = checkOptimizer(program, c, variant);
  if (r.kind == FailureKind::None || r.kind == FailureKind::Invalid) // Invalid: no clean input
    return 0;
  std::cerr << "optimizer fuzz finding: " << failureKindName(r.kind) << "\n"
            << "program: brisk gen --seed=" << g.seed << " --size=" << g.size
            << (g.memory ? "" : " --no-memory") << (g.floats ? "" : " --no-floats")
            << (g.chars ? "" : " --no-chars") << (g.calls ? "" : " --no-calls")
            << (g.recursion || !g.calls ? "" : " --no-recursion")
            << (g.undefinedReads ? " --undefined-reads" : "") << (g.traps ? " --traps" : "")
            << (g.endlessLoops ? " --endless-loops" : "")
            << (g.ownSpeculation ? " --own-speculation" : "")
            << (g.hotLoops ? " --hot-loops" : "")
            << (g.memoryHazards ? " --memory-hazards" : "") << (g.aliasing ? " --aliasing" : "")
            << (g.pointerLoops ? " --pointer-loops" : "")
            << (g.loopNests ? " --loop-nests" : "") << " --max-dyn=" << g.maxDyn
            << "\noptimizer flags:";
  for (const std::string &f : variant.flags)
    std::cerr << " " << f;
  std::cerr << "\ntraining args: " << joinArgs(c.train) << "\n";
  for (const Args &a : c.tests)
    std::cerr << "test args: " << joinArgs(a) << "\n";
  std::cerr << r.detail << "\n" << toText(program);
  std::abort();
}
