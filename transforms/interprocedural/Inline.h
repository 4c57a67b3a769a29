// inlineHotCalls: profile-guided inlining of hot call sites, on plain
// (non-SSA) Bril. The first pass of the superblock pipeline: inlined code
// executes no call or ret, so a later pass may put it inside speculation.
//
// What it does. Repeatedly takes the hottest eligible call site in the whole
// program (the profile count of the call's block) and replaces
//     B:  ...before...; x: T = call @f a b; ...after...
// by
//     B:  ...before...; p' = id a (only for parameters that need it, below)
//     f's blocks, copied with fresh variables and fresh labels
//     C:  ...after...   (fresh label; B's terminator, if any, moved here)
// B falls into the copy of f's entry; each `ret v` becomes `x = id v'` and
// `jmp C`. The glue is kept as small as the semantics allow:
//   - a parameter is replaced by the argument variable itself when f never
//     writes it, or when the argument is dead after the call (passed once,
//     not the destination), so that the copy may overwrite it; otherwise it
//     gets a copy;
//   - returned variables whose live ranges do not interfere (liveness: none
//     is live where another is defined) are renamed to x, the hottest exits'
//     first, so their `ret` needs no copy (when x is not an argument);
//   - the exit that is laid out last falls into C without a `jmp`; when f's
//     hottest returning block can be moved to the end of the copy without
//     changing any fall-through, it is moved there first. A function that
//     falls off its end returns there too (void).
// Inside the copy only fresh variables are written, plus x under the renaming
// above (then x is not read by the copy) and arguments that are dead after
// the call, so the caller's state is what the call would have left it.
//
// Which sites. Executed at least `minSiteCount` times (block count), or
// `minSiteCountWithLoops` times when the callee has a loop; callee
// found, not `main`, no phis, at most `maxCalleeSize` instructions, profiled
// (entered at least once), signature matching the call; the estimated dynamic
// saving per call is positive (cost model below); the caller grows by at most
// callerGrowthFactor x its original size + callerGrowthConstant instructions
// and the program by at most programGrowthFactor x its original size +
// programGrowthConstant. Recursion: every block remembers the chain of callees
// it was copied through; a site whose callee already occurs `maxRecursiveDepth`
// + 1 times in (caller, chain) is not inlined. With the default depth 1 a
// self-recursive function is inlined into itself once and `main` may hold two
// nested levels of it. Every inlining consumes budget and chains are bounded,
// so the pass terminates.
//
// Cost model (dynamic instructions per execution of the site, as brili counts
// them): the call costs 1 and each `ret` 1; the inlined form costs one `id`
// per copied parameter plus, per exit, a return copy (unless renamed) and a
// `jmp` (unless laid out last). Exits are weighted by the callee's profile.
// A site on a cycle of its caller whose callee calls nothing is credited
// `callFreeLoopCredit` more per call: the loop it leaves call-free may then
// speculate (transforms/loops/LoopUnroll.h).
//
// Weights (transforms/superblocks/ProfileWeights.h) are kept current: the copy's block and
// edge counts are the callee's x (site count / callee entry count), C takes
// B's count and B's outgoing edges, and the callee's own counts (and entry
// count) are scaled down by the share of its entries the site accounted for.
//
// Beyond the profile. The sites above are the ordinary ones: hot enough,
// and a callee of at most maxCalleeSize. Two more kinds are inlined once
// they ran, where a call that runs once still hides what folds:
//   - Folding sites (options.minFoldingSiteCount): the caller knows an
//     argument the callee would use -- a constant (every definition of the
//     variable in the caller is a `const` of one value, or an `id` of such
//     a variable) that a `br` condition or an `alloc` size of the callee is
//     computed from, or a pointer into an `alloc` of the caller (every
//     definition an `alloc`, `id` or `ptradd` of one) that the callee loads
//     through, or constants for every argument of a call with a result
//     (what the callee computes from them folds); what the callee passes on
//     to its own calls counts as used the way those callees use it. A
//     callee that calls itself folds nothing (the next level needs the same
//     again). Only when no loop of the callee ran more than maxFoldingTrips
//     iterations per entry (its profile): in the caller such loops may then
//     unroll fully (transforms/loops/FullUnroll.h) on the constants, and the
//     memory passes see the caller's allocations.
//   - Sole call sites (options.minSoleSiteCount): a callee that the whole
//     program calls from one site only, in another function, when that site
//     folds or the callee ran at most maxSoleCallCost instructions per call,
//     up to maxSoleCalleeSize instructions. Inlined, the callee is dead (the
//     pipeline deletes it), so the program does not grow: the caller's size
//     limit grows by the callee's (callerSizeLimit, else its growth factor
//     and constant; what the callee had inherited the same way included),
//     and stats->soleSites records the move so that the pipeline's growth
//     policy follows it. The count of call sites follows the inlining: a
//     copied body adds its calls, and a callee gone takes its calls along.
//     (A hot site the ordinary rules take keeps the ordinary budget: its
//     callee goes at the end, as any function left without a caller.)
// The caller's budget and the program's hold for them as for any site.
//
// A callee that may read one of its variables before assigning it
// (analysis/DefiniteAssignment.h) is not inlined: brili fails on that read,
// while in the caller the copy could read a value left by an earlier
// execution of the same copy. Nor is a call one of whose arguments may be
// unassigned: the call fails before the callee runs.
//
// Speculation the program does itself. A function with speculate, guard or
// commit is never a callee (a `ret` while it speculates is an error under
// brili, which inlined would become a jump into the caller, and its
// speculation would go on there), and a call its caller may reach while
// speculating (analysis/MaySpeculate.h) is not inlined: under brili that call
// is an error, which the inlined body would turn into a success. Calls the
// caller makes outside its speculation are inlined as usual.
//
// Requires: plain form (functions with phis are neither callers nor callees),
// type-correct calls; a program with two functions of the same name is left
// alone. Invalidates every analysis of the callers it changes.
#pragma once

#include "ir/IR.h"
#include "transforms/superblocks/ProfileWeights.h"

#include <cstddef>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace brisk {

struct InlineOptions {
  size_t maxCalleeSize = 60;          // instructions of the callee (current body)
  double minSiteCount = 2;            // block count of the call site
  double minSiteCountWithLoops = 2;   // ... when the callee has a loop: a loop
                                      // inlined from a cold site lands in a
                                      // caller whose growth budget it then eats
  // When set: the largest size (instructions) of each caller by name, instead
  // of the growth factor and constant below; callers not listed get nothing.
  const std::map<std::string, size_t, std::less<>> *callerSizeLimit = nullptr;
  double callerGrowthFactor = 1.5;    // growth allowed per caller, x its original size
  size_t callerGrowthConstant = 40;   //   ... plus this many instructions
  double programGrowthFactor = 1.0;   // growth allowed for the whole program
  size_t programGrowthConstant = 400; //   ... plus this many instructions
  unsigned maxRecursiveDepth = 1;     // see "Recursion" above; 0: a recursive
                                      // function is inlined at most once per nest
  double minSavedPerCall = 1e-9;      // estimated dynamic instructions saved per call
  // Credited per call to a site on a cycle of its caller whose callee calls
  // nothing (set when the output speculates): inlined, that loop may run
  // under speculation, which forbids calls; the glue's copies mostly vanish
  // in the SSA passes after inlining.
  double callFreeLoopCredit = 0;
  // Sole call sites (see "Beyond the profile" above): inlined once they ran
  // at least this many times, whatever the callee's loops; infinity: off.
  double minSoleSiteCount = std::numeric_limits<double>::infinity();
  size_t maxSoleCalleeSize = 400;     // instructions of such a callee
  // Folding sites (see "Beyond the profile" above): inlined once they ran
  // at least this many times, whatever the callee's loops; infinity: off.
  double minFoldingSiteCount = std::numeric_limits<double>::infinity();
  // A sole site whose callee ran more dynamic instructions per call than
  // this (its profile) is inlined only when it is a folding site too.
  double maxSoleCallCost = 64;
  // A folding site whose callee has a loop that ran more iterations per
  // entry than this (its profile) is left to the ordinary rules: in the
  // caller it would not unroll fully.
  double maxFoldingTrips = 64;
};

struct InlineStats {
  // A callee inlined at its sole call site, and the caller that took it in.
  struct SoleSite {
    std::string callee, caller;
  };
  std::vector<SoleSite> soleSites;
  unsigned sitesInlined = 0;
  long long instructionsAdded = 0;    // static size growth of the program
  double estimatedSaved = 0;          // dynamic instructions, from the profile
};

// Returns whether any call was inlined.
bool inlineHotCalls(Program &program, ProgramWeights &weights, const InlineOptions &options,
                    InlineStats *stats = nullptr);

} // namespace brisk
