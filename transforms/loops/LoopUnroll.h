// unrollCountedLoops: unrolls hot counted loops K times with one trip-count
// test per K iterations, on plain (non-SSA) Bril.
//
// What it matches. A back edge from a latch T to a labeled header H (not the
// entry; H dominates T; T = H for a single-block loop), T ending in
// `br c H X` or `br c X H`, whose body (the natural loop of that one edge)
// has no other cycle, no exit but T -> X, and at most maxBodySize
// instructions; inner branches are fine. In the body:
//   - c is defined once, in T, by an int comparison of i and n (lt/le/gt/ge/
//     eq, either operand order, either branch sense) that means "continue
//     while i < n", "i <= n" or "i != n" for an up-counting i, or "i > n",
//     "i >= n" or "i != n" for a down-counting i, and is read by nothing but
//     the branch ("continue while i == n" is not a counted loop);
//   - i is defined once, by `i = add i s`, `add s i` or `sub i s`, where s is a
//     variable the function defines exactly once, by a nonzero `const` of at
//     most 2^20 in magnitude; the step v is s (-s for sub), and its sign is
//     the direction. The update is in a block that dominates T (it runs once
//     per iteration), before the comparison ("update first") or after it
//     ("compare first");
//   - n is not defined in the body;
//   - nothing speculates, guards, commits, returns, or is a phi/set/get;
//   - the function reads no variable that may be unassigned there
//     (analysis/DefiniteAssignment.h): the chunk test would read i earlier.
//
// What it builds (up-counting; down-counting mirrors every comparison and
// m = n + (K-1)|v|, ok = gt m n). With m = n - (K-1)v, REL' = le for
// "i <= n" and lt for "i < n" and "i != n":
//     E: [m computed; ok = lt m n unless n is a known constant]
//        t = REL' i m [and ok]; br t U H          -- enough left for K?
//     U: body copy 1 ... body copy K (no comparisons; inner branches
//        remapped within each copy; copy j's latch runs into copy j+1's header)
//        t = REL' i m;  br t U R   (update first) -- one test per chunk
//                       br t U H   (compare first)
//     R: c = <the original comparison>; br c H X  -- exactly T's test
//     H ... T: unchanged: the remainder iterations
// E, U, R are laid out just before H; every edge into H from outside the
// body now enters E.
//
// Why the chunk test is exact. Let a be i's value where the test is made.
// "REL' a m" with m not wrapped (ok, or checked here for a constant n) means
// a + (K-1)v REL n in exact integers, so none of a, a+v, ..., a+(K-1)v
// wraps and each one passes "i < n", "i <= n" and "i != n" (being < n, or
// <= n for le). Compare first: these are exactly the K values the chunk's
// comparisons read, so all K pass; afterwards i holds the next value to
// compare, which the chunk test (or H itself) examines. Update first: the
// chunk's comparisons read a+v, ..., a+Kv; the first K-1 are covered, and
// the K-th, a+Kv (computed by the same wrapping adds as in T), is the value
// i holds at the chunk test: the test passing covers it (it is the next
// chunk's a), and R makes T's own test on it otherwise. An i that starts
// past n (the wrap-around case of "!=", running up to 2^64/v trips) simply
// fails the test and runs in H ... T, as do chunks after i wrapped: the
// proof reads only the value at hand. So U does exactly what K trips of the
// loop do, and the loop continues where T's branch would.
// When i is read by nothing in the body but its update and the comparison,
// the K updates become one `add i Kv`. The same when it is also read as the
// offset of `d = ptradd b i` (options.pointerOffsets), with b not written in
// the body and d written only there, in a block that runs on every
// iteration: copy 0 computes d from i (and then `d = ptradd d step` when the
// update comes before it: i is one step on there), copy j > 0 advances copy
// j-1's d by `d = ptradd d step` (step v, a constant of E), so every copy's
// d is b + (the value i has there), as in the loop, and the K updates of i
// are one add at the chunk's end: K - 1 instructions less per chunk, when K
// is at least 3 + the offsets read after the update (those cost one more
// each); the stride and step are constants of the entry block (once per
// call; of E when a branch leads to the entry block). K is chosen as without
// offsets, so the chunk is never larger than it would have been. (Bril
// has no addressing modes: a load from `ptradd p0 c` costs the ptradd, so
// pointer induction variables that strength-reduce made, `p = ptradd p
// step` per copy, are already as cheap as constant offsets from one base.)
//
// When. With weights, a loop is unrolled when H ran at least
// minTripsPerFactor x K times per entry on average (the test E costs up to 7
// instructions per entry, and the exit R 2); K is the largest power of two
// up to maxFactor that qualifies and keeps the function within sizeLimit
// instructions. A body of several blocks whose inner branches all go one way
// at least 1 - speculableShare of the time is left alone: superblock
// formation turns such branches into guards and unrolls the loop trace
// itself (with its own counted chunks), and needs the growth budget for it.
// Without weights (tests, `--passes=unroll`) every matching loop is unrolled
// by maxFactor, regardless of sizeLimit.
//
// Speculative chunks (options.speculative, the default pipeline): U runs
// under speculation with the range test as its one guard, which is also the
// only test of whether a chunk fits (E does not test it first):
//     E: [m as above; for a variable n: ok = lt m n; br ok U H]
//     U: speculate; t = REL' i m; guard t .H;
//        body copy 1 ... body copy K; [i = add i Kv]; commit; jmp U
// With the update first, m = n - Kv (the K values after the updates are the
// ones compared), so no R is needed: a failed guard rolls back to U's start,
// which is H's state, and the original loop runs the last trips. The guard
// comes before every instruction of the chunk, so the chunk's effects never
// run while a guard of the speculation can still fail, and every effect and
// may-trap instruction keeps its order. A body that calls is not
// speculated, unless every block that calls is cold (it ran at most
// coldCallShare of the header's count; never the header or the latch):
// then each copy of such a block is a cold exit, `commit; jmp B` to the
// original block B, which goes on from the state the copy reached (the
// copies write the loop's own variables), and the loop entry finishes in
// the original loop. Nothing after that commit can fail, so no effect of
// the chunk runs where a guard can still fail; the chunk's updates of i
// are then kept in every copy (no `add i Kv` at the end, no offsets), so
// that the state at a cold exit is the loop's.
// Speculative chunks also take two shapes the branch form cannot (there is
// no R to finish a test made before the latch, and no exit but the
// latch's): the count may be tested in a block T that dominates the latch
// (runs once per iteration; the latch then jumps, falls through or
// branches back to H), "update first" meaning the update runs before T's
// comparison in an iteration from H; and the body may have other exits
// (side exits: a divisor found, a value that escapes a bound), each a
// branch of the copies to a stub `commit; jmp X` to the original exit X.
// As with cold exits, the copies then keep every update of i, so the state
// at a side exit is the loop's, and nothing after the range guard can
// fail. A latch that fell through to H gets a `jmp H`, so that its back
// edge does not enter E. The cost model counts, for T before the latch,
// only the iterations that came back (the header also runs the part of the
// iteration that leaves at T), and per entry that leaves through a side
// exit its stub's commit and jmp. A loop with side exits whose entries
// left through the count's exit less than minCountExitShare of the time is
// a search (the range guard guards nothing it needs; an input that finds
// sooner pays the entry for nothing): it takes no chunk.
// When K copies do not fit, a chunk of K = c x g iterations runs c copies
// g times (rounds), with m = n - Kv and the chunk's limit (exact: the guard
// excludes wrap-around):
//     U: speculate; t = REL' i m; guard t .H; lim = add i span;
//     G: body copy 1 ... body copy c; [i = add i cv];
//        more = lt i lim; br more G C           -- one test per round
//     C: commit; jmp U
// A round's test replaces the c exit tests of its copies, so with c = 1 a
// chunk costs what the original loop costs plus its speculate, guard,
// limit and commit: a small body speculates over many iterations at a
// small price. The form (c, g) is the one of least expected cost per loop
// entry (see chooseSpeculativeForm) within speculativeSizeLimit and K at
// most maxChunkIterations; it is taken when it beats the original loop, or
// costs at most speculationPrice of the loop's work more than the better
// of the original loop and the branch form; else the branch form is tried.
// `report` (optional) receives a line per counted loop with the decision
// and its expected costs, for the remarks.
//
// Nests (options.nests, speculative only): after the innermost loops, a
// counted loop whose body holds inner loops, none of which took a
// speculative chunk, and whose update is in no inner loop, is matched with
// its whole body (up to maxNestSize instructions, in layout order) and
// runs as rounds of one copy of it; it is never unrolled otherwise.
// Before the innermost loops change, the nests that would take such a region
// are found: an innermost loop inside one takes no speculative chunk (its
// commit would end the region's speculation too, a commit dropping every
// level), only a branch-form chunk that keeps the nest within maxNestSize
// (sized against speculativeSizeLimit, as part of the region), so that the
// region covers every iteration of the nest, the unrolled inner loop in it.
//
// Innermost loops are taken hottest first (body work in the profile): they
// share the function's growth budget.
//
// Requires plain form. Runs once (no fixpoint; of nested loops only the
// innermost can match, and then with speculation an outer one); removes the comparisons and updates it leaves dead
// with eliminateDeadCode. Adds blocks: profile weights of the function are
// stale afterwards (the pipeline re-profiles).
#pragma once

#include "ir/IR.h"
#include "transforms/superblocks/ProfileWeights.h"

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace brisk {

struct LoopUnrollOptions {
  unsigned maxFactor = 8;
  double minTripsPerFactor = 3.0;  // average trips per entry >= this x K
  size_t maxBodySize = 40;         // instructions of the loop body
  size_t sizeLimit = std::numeric_limits<size_t>::max(); // function instructions after
  double speculableShare = 0.05;   // inner branches rarer than this: left to superblocks
  // Speculative chunks (see above): the chunk runs under speculate/commit
  // with one range guard, K up to maxSpeculativeFactor chosen by cost.
  bool speculative = false;
  unsigned maxSpeculativeFactor = 64;   // body copies in a chunk
  unsigned maxChunkIterations = 1024;   // iterations between speculate and commit
  // Speculative nests: a loop whose body holds inner loops (none of which
  // took a speculative chunk) runs as rounds of one copy of its whole body,
  // inner loops included, of at most maxNestSize instructions.
  bool nests = true;
  size_t maxNestSize = 160;
  double speculationPrice = 0.03;       // see above (--speculation-price)
  // A block of the body that calls and ran at most this share of the
  // header's count is a cold exit of the speculative copies (see above).
  double coldCallShare = 0.01;
  // A loop with side exits takes a chunk only when at least this share of
  // its entries left through the count's exit (else it is a search whose
  // end the range guard cannot see: see above).
  double minCountExitShare = 0.05;
  // A smaller speculative form is taken over the cheapest one when it costs
  // at most this share of the loop's work more: the program as a whole has
  // a growth limit, and a form a few instructions larger for one
  // instruction per loop entry could cost the program its speculation (the
  // pipeline raises it when the program ends over its limit).
  double sizeTolerance = 0.002;
  size_t speculativeSizeLimit = std::numeric_limits<size_t>::max(); // for speculative chunks
  // Offsets `ptradd b i` of a counter read by nothing else advance one
  // pointer per copy, and i once per chunk (see above).
  bool pointerOffsets = true;
};

// What the unroller decided for one counted loop (with weights), for the
// remarks: per entry of the loop, the expected dynamic instructions of the
// original loop, of the speculative chunks and of the branch form.
struct UnrolledLoop {
  std::string header;            // the loop header's label
  double headCount = 0, tripsPerEntry = 0;
  unsigned factor = 1;           // body copies of the form chosen (1: left alone)
  unsigned commitInterval = 0;   // speculative: iterations per chunk
  bool speculative = false;
  double originalCost = 0, speculativeCost = 0, branchCost = 0; // per entry
  double overhead = 0;           // speculate/guard/commit/jmp per entry
  double redo = 0;               // work a failed guard throws away, per entry
  long long growth = 0;
  std::string reason;
};

bool unrollCountedLoops(Function &f, const FunctionWeights *weights,
                        const LoopUnrollOptions &options = {},
                        std::vector<UnrolledLoop> *report = nullptr);

} // namespace brisk
