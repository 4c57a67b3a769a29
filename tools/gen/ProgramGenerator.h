// ProgramGenerator: random, well-typed, terminating Bril programs for fuzzing
// and for scaling benchmarks. A program is a pure function of its GenOptions:
// the same options give the same program, byte for byte, on every platform.
//
// What every generated program guarantees (under the reference interpreter):
//   - it type-checks (brilck / brisk check);
//   - it terminates without a run-time error for EVERY integer argument
//     vector of the right arity: no division by zero, no out-of-bounds,
//     uninitialised or freed memory access, no leak, valid int2char code
//     points, no speculation at all;
//   - its dynamic instruction count and its number of printed lines are at
//     most GenStats::dynBound and GenStats::printBound, upper bounds computed
//     from the generated code itself (every loop has a hard trip bound,
//     every recursion a hard depth bound).
//
// What it generates (docs/generator.md has the long form): a call DAG of
// helper functions ending in @main; nested while and do-while loops whose trip
// counts come from data (`n = x mod (B+1)`) with data-dependent breaks;
// biased (`x mod 16 == 0`) and unbiased branches; early returns; bounded
// self-recursion through a depth parameter; heap regions that are allocated,
// fully initialised, accessed with indices reduced modulo their length and
// freed in the same scope, and passed to helper functions; floats, chars,
// bools; prints inside loops within the output budget.
//
// Hazard shapes (GenOptions::undefinedReads, traps, endlessLoops,
// ownSpeculation; off by default, on in `brisk fuzz`) drop the guarantee of
// an error-free, terminating run on every input, deliberately: they make
// programs read variables that are undefined on some inputs, trap in the
// middle of a printing loop, loop forever on some inputs, or use speculation
// themselves (sometimes calling inside it, which brili rejects at run time).
// What stays guaranteed with them on: the program type-checks, and every run
// either ends (with or without an error) within GenStats::dynBound
// instructions or never ends; an endless run prints nothing after its loop
// begins. The triggers are input-dependent and mostly rare, so that most
// inputs, usually the training one, still run cleanly. hotLoops is safe: it
// adds loops that run at least 100 times with biased branches and array
// stores, the shapes profile-guided speculation works on. memoryHazards
// makes memory errors on rare inputs (uninitialised cells, out of bounds,
// use after free, double free, leaks); aliasing, pointerLoops and loopNests
// make what the memory and induction-variable passes work on (aliasing
// pointers, escapes, pointer induction variables, r*cols+c nests, invariant
// loads, loop nests with stores), safe except pointerLoops' rare
// off-by-one.
//
// @main takes mainArity(seed) int arguments; generateArguments gives valid
// vectors. The arity depends on the seed only, never on the other knobs.
#pragma once

#include "ir/IR.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace brisk {

struct GenOptions {
  uint64_t seed = 0;
  // Approximate number of instructions in the whole program; generation is
  // linear in it (1,000,000 takes about a second).
  uint64_t size = 200;
  bool memory = true;     // alloc/store/load/ptradd/free, pointer parameters
  bool floats = true;     // float variables, arithmetic and comparisons
  bool chars = true;      // char variables, int2char/char2int, comparisons
  bool calls = true;      // helper functions (off: @main only)
  bool recursion = true;  // self-recursive helpers with a depth parameter
  bool prints = true;     // print instructions (off: the program prints nothing)
  // Hazard shapes (see above); with all of them and hotLoops off the program
  // is byte for byte what it was before they existed.
  bool undefinedReads = false; // reads of variables defined on some paths only
  bool traps = false;          // loops that print, then trap at an input-chosen iteration
  bool endlessLoops = false;   // loops that never end on some inputs
  bool ownSpeculation = false; // the program's own speculate/guard/commit
  bool hotLoops = false;       // loops run >= 100 times, biased branches, array stores
  // Shapes of the memory and induction-variable passes (safe unless noted):
  bool memoryHazards = false;  // uninitialised reads, out of bounds, use after free, double
                               // free, leaks, each on a rare input only
  bool aliasing = false;       // small allocs, aliasing pointers, loads after stores through
                               // an alias, pointers passed to calls and stored in memory
  bool pointerLoops = false;   // arrays walked by pointer IVs and by i*cols+j, invariant loads
                               // in loops, neighbouring cells; off by one on a rare input
  bool loopNests = false;      // nests of counted and uncounted loops, inner stores, biased
                               // branches
  // A shape of superblock formation (safe):
  bool foldedArms = false;     // an if/else on two constants (one arm folds away) whose live
                               // arm ends in a short do-while loop, then a print and a loop
  // A shape of out-of-SSA translation (safe):
  bool longLines = false;      // one block of 100-200 copies, sums and differences that
                               // redefine three int variables again and again
  // Percent chance that a statement position holds one of the enabled
  // shapes above.
  unsigned shapeRate = 4;
  // Target for the dynamic instruction bound of one run, raised to 4 * size
  // for programs too large to run every instruction in it.
  uint64_t maxDyn = 200000;
  // Target for the number of printed lines of one run.
  uint64_t maxOutput = 100;
};

struct GenStats {
  uint64_t dynBound = 0;    // no run executes more instructions
  uint64_t printBound = 0;  // no run prints more lines
  uint64_t instructions = 0;
  unsigned functions = 0;
  // Shape instances placed in the program, by shape name (only shapes that
  // are on appear).
  std::map<std::string, uint64_t> shapes;
};

Program generateProgram(const GenOptions &options, GenStats *stats = nullptr);

// Number of int parameters of @main for this seed (1 to 4).
unsigned mainArity(uint64_t seed);
// Argument vector number `input` for the program of `seed`: mainArity(seed)
// integers, mostly small, sometimes negative or large (always within 2^40 so
// that the reference interpreter, which parses them through a double, reads
// them exactly).
std::vector<int64_t> generateArguments(uint64_t seed, uint64_t input);

} // namespace brisk
