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
#include <map>
#include <string>

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
};

struct InlineStats {
  unsigned sitesInlined = 0;
  long long instructionsAdded = 0;    // static size growth of the program
  double estimatedSaved = 0;          // dynamic instructions, from the profile
};

// Returns whether any call was inlined.
bool inlineHotCalls(Program &program, ProgramWeights &weights, const InlineOptions &options,
                    InlineStats *stats = nullptr);

} // namespace brisk
