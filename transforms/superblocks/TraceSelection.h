// TraceSelection: picks superblock traces from profile weights, in the manner
// of GCC's tracer and IMPACT's superblock formation. A pure analysis: it
// reads the function and its weights and changes nothing.
//
// Seeds are taken hottest first among blocks not yet in a trace (and executed
// at least `minSeedCount` times). A trace grows forward from its seed along
// the most likely successor s of its last block c while
//   - P(c -> s) >= minEdgeProbability,
//   - c is s's most likely predecessor (so the trace does not steal a block
//     whose main traffic comes from elsewhere; tail duplication would pay for
//     the other entries),
//   - s is in no trace, and c -> s is not a back edge (s does not dominate c),
//   - the trace has fewer than maxTraceBlocks blocks.
// Reaching the seed again (c -> seed is the most likely successor) closes the
// trace as a loop trace: its body runs around the back edge to its head. A
// trace also ends at a return or where control falls off the function.
//
// Correlated branches: when the trace so far starts at a loop header with a
// path profile (Ball-Larus paths, interp/Profile.h), the next block and its
// probability are taken from the paths that agree with the trace so far
// (ending at the same header's back edge when the trace is complete), when at
// least `minPathCount` executions agree. Paths are ignored for a function
// whose CFG no longer has an edge a path uses (an earlier pass changed it).
//
// Functions that already contain speculation, or phis, get no traces.
#pragma once

#include "interp/Profile.h"
#include "ir/IR.h"
#include "transforms/superblocks/ProfileWeights.h"

#include <llvm/ADT/STLFunctionalExtras.h>

#include <vector>

namespace brisk {

class CFG;
class DominatorTree;

struct TraceOptions {
  double minEdgeProbability = 0.6;  // of the successor edge a trace grows along
  double minSeedCount = 16;         // block count of a seed
  unsigned maxTraceBlocks = 48;     // blocks per trace
  bool usePathProfile = true;
  double minPathCount = 8;          // agreeing path executions to trust paths
};

struct Trace {
  std::vector<BlockId> blocks;   // blocks[0] is the head (the single entry)
  bool isLoop = false;           // the last block's most likely successor is the head
  double headCount = 0;          // executions of the head
  // probability[i]: the probability that control goes from blocks[i] to
  // blocks[i+1] (for the last block of a loop trace: back to the head); the
  // last entry of a non-loop trace is 0.
  std::vector<double> probability;
};

// Traces hottest seed first; no block is in two traces. Single-block traces
// that are not loops are left out (there is nothing to straighten).
std::vector<Trace> selectTraces(const Function &f, const FunctionWeights &weights,
                                const FunctionProfile *paths, const TraceOptions &options);
// The same on the CFG and dominators of `f` as it is (SuperblockFormation
// keeps them for its first snapshot instead of building them again).
// `everyReadAssigned`, when given, is asked first whether every read of f
// is shown definitely assigned (SuperblockFormation answers from the
// liveness it needs anyway); when it cannot show it, DefiniteAssignment
// decides. Either is asked only once traces were found: a function without
// them costs no whole-function analysis. `plain`: the caller saw that f has
// no phi, set, get, speculate, guard or commit (SuperblockFormation's
// constants walk tells), so its instructions are not looked through again
// for them.
std::vector<Trace> selectTraces(const Function &f, const FunctionWeights &weights,
                                const FunctionProfile *paths, const TraceOptions &options,
                                const CFG &cfg, const DominatorTree &dom,
                                llvm::function_ref<bool()> everyReadAssigned = nullptr,
                                bool plain = false);

} // namespace brisk
