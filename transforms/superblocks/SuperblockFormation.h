// SuperblockFormation: turns the traces of TraceSelection into single-entry
// superblocks by tail duplication, and emits each one either under Bril's
// speculation extension or with ordinary branch side exits, whichever the
// cost model (transforms/superblocks/CostModel.h) expects to save more dynamic
// instructions on the profile. Works on plain (non-SSA) Bril.
//
// Region shape, for a trace b1..bn (blocks first split after every side
// effect, so that each side effect ends a "piece"; the pieces fall through
// into each other and cost nothing):
//
//   E:  speculate                 only where a guard follows before the next
//                                 side effect (speculating without one is waste)
//       copies of b1..bn, laid out straight: a jmp between consecutive trace
//       blocks disappears. Copies keep the original variable names, so the
//       state at any point of the copy is the state at the same point of the
//       original code.
//       br c .x .y  (trace goes on to x)
//         -> guard c .R               when the off-trace edge is rare
//                                     (<= maxGuardFailure) and, for a loop,
//                                     stays inside the loop; when the trace
//                                     goes on to y, the comparison defining c
//                                     is inverted into a fresh variable
//                                     (lt <-> ge ...), else `not c` is used;
//         -> br c .next .S, S: commit; jmp .y   otherwise (a committing side
//                                     exit: the state is exact, nothing rolls back)
//       a side effect (print, store, alloc, free, call):
//         commit; effect; and speculation starts again at the next piece if a
//         guard follows (its recovery label is that piece of the original).
//         A print or store may instead sink past the guards after it (a
//         failed guard must not find it done), but never past an instruction
//         that may trap (div, int2char, load): effects and traps keep their
//         order (keepsOrder, ir/Opcode.h), or the output before an error
//         would be lost. Every motion of an effect here must keep that rule.
//       end: commit; the original terminator (or a jmp to the fall-through
//         target; `commit; ret` where the original fell off a void function).
//
// R, the recovery label, is the original piece where the speculation began:
// a failed guard rolls every variable back to its value at `speculate`, which
// is exactly what the original code at R expects. The originals stay as the
// slow path; every jmp/br edge into b1 (back edges of the slow path included)
// is redirected to E, and the region is laid out just before b1 so that a
// fall-through into b1 now falls into E.
//
// Loop traces (bn's likely successor is b1) are unrolled K times inside the
// region; iterations chain without jumps, and only the K-th jumps back to E:
// speculation is kept across the K iterations and committed once per chunk,
// which bounds the work a failed guard throws away. Loop exits stay branches
// to committing stubs. K is chosen by the cost model among unrollFactors,
// within the code-growth budget (growthLimit x the function's size before
// the superblock pipeline).
//
// With speculation off (--no-speculation) the same superblocks are built with
// ordinary branch side exits to the original code and no speculate/commit.
//
// After each region, GuardFacts (folding under guard-implied facts) and
// speculation-aware dead-code elimination run over the function; the cost
// model measures the region after them (RegionEmitter.h: emission). The
// seams: search (every candidate form on a region scratch, see compile
// time below), decision (the
// speculative form when its price over the better of the branch form and
// the original is at most maxSpeculationPrice of the trace's work, else the
// branch form when it saves), remarks (every decision is recorded as a
// RegionRemark with its real reason).
//
// Compile time: a candidate is measured on a region scratch, not on a copy
// of the function. The scratch is a small Function holding the trace's
// blocks (a loop trace: its whole natural loop), renamed, plus stand-ins for
// the rest of f: an entry (what the emitter puts in f's entry block lands
// there), per block entered from outside a block that writes every
// non-constant variable of the scratch (an opaque `call`, so that nothing
// folds it: f has no read that may find its variable unassigned, or it
// would have no traces, so none may look unassigned in the scratch) and
// jumps in (for the head, the jump the emitter redirects like f's own), a
// never-reached block writing every non-constant variable once more (so
// that none looks written once), per successor outside a block that reads
// what is live into it in f and returns, and gap blocks so that
// fall-through and jump-to-next mean what they mean in f. Constants of f
// the scratch reads are written once at its entry; a straight trace brings
// its head's chain of single predecessors along (GuardFacts folds the
// region under their branches). The facts (CFG, natural loops,
// speculation-aware liveness, constants)
// are taken on f once and taken again only when a trace needs a block that
// an accepted region touched (its blocks, their outside successors, the
// head's outside predecessors): a region only adds copies that read and
// write what the original does at the same point, and deletes dead writes,
// so for an untouched block liveness only shrinks. The chosen form is spliced back (fresh names in f, outside
// jumps into the head redirected, the layout kept as a linked list), and
// GuardFacts, dead code and unreachable blocks run once over the whole
// function at the end. Traces the scratch does not cover (the function's
// entry block in the region, a loop with a side entry, speculation inside
// the region, a guard from outside recovering at the head, a block falling
// off the end) are measured on a copy of the whole function, as before.
// Cost per trace: the size of its loop, not of the function. A candidate
// whose outcome an earlier one gave is not built again: the branch form of
// an unroll factor whose speculative form had nothing to guard (it emitted
// that same branch form), and the counted forms once one found no counted
// exit. What a candidate costs is then its own size: the scratch's new
// blocks are labeled by hint only (the splice names them in f), its clean-up
// reuses per-thread buffers (dead code's sets, FlatCFG) and proves the
// scratch's constants assigned without DefiniteAssignment (they are written
// at its top), and the head's natural loop is walked from its latches, not
// found by LoopInfo. bench/SuperblockBench.cpp measures the time per trace.
// The whole-function facts are taken once and shared, in as few walks of
// f's instructions as the facts allow (on a large function each walk is
// memory traffic): trace selection's CFG and dominators, and the first
// snapshot's live sets and constants, which also answer selection's
// question whether every read is assigned (no variable but a parameter live
// into the entry of a function without speculation or undef;
// DefiniteAssignment only where liveness cannot tell, and only once traces
// were found). The constants come first: their walk also tells whether f
// has a guard, and without one the CFG reads the blocks' terminators alone.
//
// Bound: before any candidate of a loop trace is built, an upper bound on
// what any of them can save, from the head count, the trace's branch
// probabilities and its instructions: when no branch of the trace may become
// a guard (every off-trace side taken more often than maxGuardFailure, no
// comparison a counted form could take), every candidate is a branch form,
// and a branch form saves only the jumps it drops and what clean-up removes.
// GuardFacts run once over the largest unrolled form shows it removes
// nothing there (what it does to the first k iterations is the same for
// every factor of at least k), and dead code cannot remove an instruction
// whose result a kept instruction reads on the way around the loop (or a
// stand-in for an off-trace target does). What is left counts at the flow of
// its block; below minSaving, no candidate can be chosen, and the trace is
// rejected without building one (its remark says so). The proof is at
// savingBound in the .cpp; BRISK_SB_NO_BOUND=1 (or boundSaving off) builds
// every candidate, and test/transforms/superblocks/SuperblockTest.cpp
// (SuperblockBoundTest) checks that both ways write the same program. On
// bench/big_function.py's shape at 1M instructions every trace is such a
// loop: the pass went from 2.6 s to 1.4 s.
//
// Weights: the new blocks take the flow the cost model assigned them, the
// originals keep the rest. Invalidates every analysis of the function.
#pragma once

#include "interp/Profile.h"
#include "ir/IR.h"
#include "transforms/superblocks/ProfileWeights.h"
#include "transforms/superblocks/TraceSelection.h"

#include <string>
#include <vector>

namespace brisk {

struct SuperblockOptions {
  TraceOptions trace;
  bool speculation = true;          // false: --no-speculation
  bool preferSpeculation = true;    // false (--best-form): speculate only at no price
  bool forceSpeculation = false;    // speculate whatever the price (inspection, goldens)
  double maxGuardFailure = 0.05;    // off-trace probability above which a branch stays a branch
  std::vector<unsigned> unrollFactors = {1, 2, 4, 8}; // K candidates for loop traces
  // Larger K tried for speculative loop regions only (within the
  // speculativeGrowth allowance): their speculate/commit are paid per chunk.
  std::vector<unsigned> speculativeUnrollFactors = {16, 32};
  double growthLimit = 2.0;         // per function, x its size before the pipeline
  // Instructions a function may grow beyond growthLimit for its speculative
  // loop chunks only: a chunk's speculate/guard/commit are paid once per K
  // iterations, so K is sized by that price, not by a small function's size.
  double speculativeGrowth = 160;
  double minSaving = 1.0;           // expected dynamic instructions a region must save
  // A trace runs under speculation when its best speculative form costs at
  // most this share of the trace's original work more than the better of
  // its branch form and its original code (the price of speculation).
  double maxSpeculationPrice = 0.03;
  // Skip a loop trace whose bound (see "Bound") shows that no candidate
  // can be chosen, without building one. Off: every candidate is built (the
  // tests compare both ways; the decisions are the same).
  bool boundSaving = true;
};

struct RegionRemark {
  std::string function;
  std::vector<std::string> trace;   // the trace blocks as blockRef (ir/BlockNames.h) names them
  bool loop = false;
  double headCount = 0;
  std::string decision;             // "speculative", "branches" or "rejected"
  unsigned unroll = 1;
  unsigned guards = 0, sideExits = 0, commitsForEffects = 0, sunkEffects = 0;
  double expectedSaving = 0;        // of the chosen form (best candidate when rejected)
  double savingSpeculative = 0, savingBranches = 0; // best of each form
  long long growth = 0;             // static instructions added
  // Speculative regions: iterations between a speculate and its commit, and
  // per run of the program the expected speculate/commit/not/jmp the region
  // adds (overhead) and the work failed guards throw away (redo).
  unsigned commitInterval = 0;
  double expectedOverhead = 0, expectedRedo = 0;
  std::string reason;
};

// Forms superblocks in `f`. `sizeBefore` is the function's instruction count
// before the superblock pipeline (the growth budget's base). Returns whether
// anything changed.
bool formSuperblocks(Function &f, FunctionWeights &weights, const FunctionProfile *paths,
                     size_t sizeBefore, const SuperblockOptions &options,
                     std::vector<RegionRemark> *remarks);

} // namespace brisk
