// unrollCountedLoops: unrolls hot single-block counted loops K times with one
// trip-count test per K iterations, on plain (non-SSA) Bril.
//
// What it matches. A labeled block L (not the entry) that branches back to
// itself, `br c L X` or `br c X L`, where, in L:
//   - c is defined once, by an int comparison of i and n (lt/le/gt/ge, either
//     operand order, either branch sense) that means "continue while i < n"
//     or "continue while i <= n", and is read by nothing but the branch;
//   - i is defined once, by `i = add i s` before the comparison, where s is a
//     variable the whole function defines exactly once, by a positive `const`;
//   - n is not defined in L;
//   - nothing speculates, guards, commits, returns, or is a phi/set/get.
//
// What it builds. With v the step and m = n - (K-1)v:
//     E: [m computed; ok = lt m n unless n is a known constant]
//        t = lt i m (le for <=) [and ok]; br t U L      -- enough left for K?
//     U: body copy 1 ... body copy K (no comparisons)
//        t = lt i m;             br t U R               -- one test per chunk
//     R: c = <the original comparison>; br c L X        -- exactly L's test
//     L: unchanged: the remainder iterations
// E, U, R are laid out just before L; every edge into L from another block
// now enters E. U runs K iterations only when i + (K-1)v < n holds without
// wrap-around (ok: m did not wrap), which implies every exit test the K
// iterations would make passes; so U does exactly what K trips of L do, and
// R continues exactly where L's branch would. When i is read by nothing in L
// but its update and the comparison, the K updates become one `add i Kv`.
//
// When. With weights, a loop is unrolled when L ran at least
// minTripsPerFactor x K times per entry on average (the test E costs up to 6
// instructions per entry, and the exit R 2); K is the largest power of two
// up to maxFactor that qualifies and keeps the function within sizeLimit
// instructions. Without weights (tests, `--passes=unroll`) every matching
// loop is unrolled by maxFactor, regardless of sizeLimit.
//
// Requires plain form. Runs once (no fixpoint); removes the comparisons and
// updates it leaves dead with eliminateDeadCode. Adds blocks: profile
// weights of the function are stale afterwards (the pipeline re-profiles).
#pragma once

#include "ir/IR.h"
#include "transforms/ProfileWeights.h"

#include <cstddef>
#include <limits>

namespace brisk {

struct LoopUnrollOptions {
  unsigned maxFactor = 8;
  double minTripsPerFactor = 3.0;  // average trips per entry >= this x K
  size_t maxBodySize = 40;         // instructions of L
  size_t sizeLimit = std::numeric_limits<size_t>::max(); // function instructions after
};

bool unrollCountedLoops(Function &f, const FunctionWeights *weights,
                        const LoopUnrollOptions &options = {});

} // namespace brisk
