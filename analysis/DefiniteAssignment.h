// DefiniteAssignment: which variables are assigned on every path from the
// entry to each program point (a forward must-analysis over the CFG,
// intersection at joins, iterated in reverse post-order to the greatest
// fixpoint). Bit vectors are indexed by the tracked variables (see
// trackedVariables below).
//
// Why: the reference interpreter fails with `error: undefined variable x`
// when an instruction reads a variable that was never assigned on the path
// that ran, and the type checker accepts such programs. A read whose variable
// is not definitely assigned may trap, so it is an observable instruction: it
// is never deleted, folded, moved across effects, or renamed into a variable
// that may hold an older value. The optimizer's rule (docs/architecture.md):
// SSA construction and the interprocedural and loop passes leave a function
// with such a read alone (`hasPossiblyUndefinedRead`); the passes that run on
// every function (dead code) keep the reads this analysis reports.
//
// Transfer, as brili runs instructions:
// - parameters are assigned at the top of the entry;
// - an instruction's reads happen before its destination is assigned; a
//   `set`'s first operand names a shadow variable and is not a read
//   (analysis/Uses.h), a `get` assigns its destination;
// - `undef` (SSA form) leaves its destination unassigned, and a `phi`
//   assigns its destination only when every incoming argument is assigned at
//   the end of its predecessor;
// - speculation: a failed `guard` restores the variables of the innermost
//   `speculate`, including which are unassigned, so the guard's edge carries
//   the state saved at that `speculate`, not the state at the guard; `commit`
//   ends speculation.
// Blocks unreachable from the entry count as assigning everything (their
// reads never run).
//
// One path-sensitive refinement, for the commonest loop: a block whose
// forward entry lies on the only path from the entry (every block on it has
// one predecessor, the entry none) is analysed separately for that entry.
// When its `br`, evaluated with the int and bool constants of that path
// (const, id, add/sub/mul, comparisons, not/and/or, the block's phis), is
// known, that entry's state flows only to the side taken, and a phi argument
// from the side not taken does not count: `i = 0; while (i < 99) { x = ...;
// }` assigns x before the loop is left, also once loop rotation has made the
// first test a guard in front of the loop. Functions with speculation do
// without.
//
// Invalidated by any instruction or CFG edit.
#pragma once

#include "analysis/CFG.h"
#include "analysis/Dominators.h"

#include <llvm/ADT/BitVector.h>

#include <vector>

namespace brisk {

// One read that may find its variable unassigned: argument `arg` of
// instruction `instr` of block `block`.
struct PossiblyUndefinedRead {
  BlockId block;
  unsigned instr;
  unsigned arg;
  VarId var;
};

class DefiniteAssignment {
public:
  // Needed: bits for trackedVariables only. Every: a bit for every variable,
  // the dense reference that tests compare the reduced analysis with.
  enum class Tracking { Needed, Every };
  // What the caller knows of f already. Plain: isPlainNonSpeculative(f)
  // holds (no phi, set, get, speculate, guard or commit), so the analysis
  // need not walk every instruction to learn whether f has phis or
  // speculation (on a function of a million instructions a walk is a cache
  // miss per instruction). Unknown: it looks.
  enum class Shape { Unknown, Plain };
  DefiniteAssignment(const Function &f, const CFG &cfg, Tracking tracking = Tracking::Needed);
  // The same, with cfg's dominator tree, for a caller that has one (the
  // analysis needs it; building another costs a walk over the blocks).
  DefiniteAssignment(const Function &f, const CFG &cfg, const DominatorTree &dom,
                     Tracking tracking = Tracking::Needed, Shape shape = Shape::Unknown);

  // Whether v is assigned on every path to the top of `b`. Exact for the
  // tracked variables (see trackedVariables); true for the others.
  bool isAssignedIn(VarId v, BlockId b) const;
  // Every reachable read that is not definitely assigned, by block id, then
  // instruction, then argument
  // (phi arguments are not reads: brili's set/get runs them on the edge, and
  // a phi of an unassigned value is unassigned, see above).
  const std::vector<PossiblyUndefinedRead> &possiblyUndefinedReads() const { return reads_; }
  // True when some argument of instruction `instr` of `b` is such a read.
  bool mayReadUndefined(BlockId b, unsigned instr) const;

  static constexpr uint32_t kUntracked = ~0u;
  // Which variables the fixpoint needs bits for, as VarId -> bit index or
  // kUntracked. Without speculation, a variable every read of which (a phi
  // argument reads at the end of its predecessor) is dominated by a
  // definition that surely assigns it (anything but `undef`; a phi whose
  // arguments are all such variables) is assigned wherever it is read, so it
  // needs no bit, and reads as assigned where a phi argument asks. This keeps
  // the bit vectors, blocks x variables, small on large functions: SSA
  // without `undef` tracks nothing. Found by walks of the dominator tree (a
  // few, for phis of phis); after 8 walks every variable is tracked. With
  // speculation, an assignment after a guard in its block does not dominate
  // the blocks its block dominates (the guard's edge leaves before it), and
  // a dominating assignment proves something only when no failed guard can
  // undo it: a variable assigned where a `speculate` may be open (no
  // `commit` since it on some path) and a guard may follow before a
  // `commit`, and read after some guard's abort target before it is
  // assigned again, is tracked; so is every variable of a function with both
  // speculation and phis.
  static std::vector<uint32_t> trackedVariables(const Function &f, const CFG &cfg,
                                                const DominatorTree &dom,
                                                Shape shape = Shape::Unknown);

private:
  std::vector<llvm::BitVector> in_;
  std::vector<uint32_t> index_;
  std::vector<PossiblyUndefinedRead> reads_;
};

// True when some reachable instruction of `f` reads a variable that is not
// definitely assigned there.
bool hasPossiblyUndefinedRead(const Function &f);

} // namespace brisk
