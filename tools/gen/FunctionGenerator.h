// FunctionGenerator: the body of one generated function, built straight into
// brisk IR. ProgramGenerator decides the call graph, the signatures and the
// budgets; this file decides the statements.
//
// Safety by construction (what makes every program run without error):
//   - Definite assignment: variables live in lexical scopes (a branch, a loop
//     body, a memory scope); a variable is read only while the scope that
//     defined it is open, so every read follows a write on every path.
//   - Loop counters, trip bounds, depth and length parameters are read-only;
//     every other int may be overwritten, which makes loop-carried values.
//   - Divisors are non-zero constants or `(x mod k) + 1`; modulo is spelled
//     with div/mul/sub because Bril has none, and made non-negative with a
//     second round when it feeds an index.
//   - A heap region is allocated with a length in [1, 16], initialised in
//     full by a loop, indexed modulo its length, and freed at the end of the
//     scope that allocated it. No break or early return leaves a scope that
//     owns a region.
//   - int2char only sees `base + (x mod k)` for a table of valid ranges.
// The hazard shapes (GenOptions::undefinedReads, traps, endlessLoops,
// ownSpeculation, memoryHazards, and pointerLoops' off-by-one) break these
// rules on purpose, each behind a rare, input-dependent trigger; their cost
// on the paths that end is charged like any other code, so the bound still
// holds for every run that ends. aliasing, pointerLoops and loopNests
// allocate, initialise and free their own arrays and keep the rules.
//
// Cost accounting: every emitted instruction adds one to the innermost cost
// frame, calls add the callee's bound, prints add a line. A branch costs the
// larger of its arms, a loop with hard bound B costs B times its body plus
// the final test. The result is an upper bound on any run, not an estimate.
// Budgets only steer choices (which loop bound, which callee fits); the bound
// is always what was generated.
#pragma once

#include "ir/IR.h"
#include "tools/gen/ProgramGenerator.h"
#include "tools/gen/Random.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace brisk::gen {

// Upper bounds for one execution of a piece of code. Saturating, so that an
// exponential recursion bound cannot wrap around.
struct Cost {
  uint64_t dyn = 0;       // executed instructions
  uint64_t prints = 0;    // printed lines
  uint64_t selfCalls = 0; // self-recursive calls on one path (recursive helpers)

  Cost &operator+=(const Cost &o);
  Cost times(uint64_t k) const;
  static Cost max(const Cost &a, const Cost &b);
  bool fitsIn(const Cost &budget) const { return dyn <= budget.dyn && prints <= budget.prints; }
};

uint64_t satAdd(uint64_t a, uint64_t b);
uint64_t satMul(uint64_t a, uint64_t b);

// A function the code being generated may call: a helper generated earlier.
struct Callee {
  std::string name;
  std::vector<Type> params;
  Type ret;                 // none() for a void helper
  Cost cost;                // bound for one call (including the callee's callees)
  int ptrParam = -1;        // index of a ptr<T> parameter; params[ptrParam+1] is its length
  bool recursive = false;   // params[0] is the depth; the call must pass [0, maxDepth]
  uint64_t maxDepth = 0;
  // Reads a local that is defined on some paths only (GenOptions::
  // undefinedReads): the shape the inliner must not turn into a read of the
  // previous call's value when it is called in a loop.
  bool readsMaybeUndefined = false;
};

enum class FunctionKind { Main, Plain, Recursive };

struct FunctionPlan {
  FunctionKind kind = FunctionKind::Plain;
  std::string name;
  std::vector<Type> params; // for Recursive, params[0] is the int depth
  Type ret;
  int ptrParam = -1;        // as in Callee
  uint64_t staticTarget = 100;
  Cost budget;              // own work plus the planned callees
  std::vector<size_t> planned; // callees (indices into the table) to call once each
};

// Generates `plan` and returns the function; fills `self` with its signature
// and cost bound so later functions can call it. Counts the shapes it places
// into `shapeCounts` (by name) when given.
Function generateFunction(const GenOptions &options, Random &rng,
                          const std::vector<Callee> &callees, const FunctionPlan &plan,
                          Callee &self, std::map<std::string, uint64_t> *shapeCounts = nullptr);

} // namespace brisk::gen
