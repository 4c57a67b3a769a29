// Profile: what one or more profiled runs observed, keyed the way the
// superblock former reads it: by function name and the BlockId of the
// program as loaded (loading is deterministic, so the same program text gives
// the same ids; the program hash makes sure it is the same program).
//
// Per function: how often it was entered; the execution count of every block;
// the count of every CFG edge taken (jump, branch, fall-through, failed guard);
// the count of every call site; and per loop header the most frequent acyclic
// paths that start at that header (Ball-Larus paths, see PathNumbering.h),
// each ending either at a back edge or at a return. Path lists are bounded:
// the top kMaxPathsPerLoop per header are kept, the rest are summed into
// `otherPaths`.
//
// The JSON form is documented in docs/profile-format.md. merge() adds the
// counts of profiles of the same program; using a profile with a different
// program is refused by matches().
#pragma once

#include "ir/IR.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brisk {

struct PathProfile {
  std::vector<BlockId> blocks;   // blocks[0] is the header the path starts at
  bool endsAtBackEdge = false;   // else it ends at a return
  BlockId backEdgeTarget = kNoBlock; // when endsAtBackEdge: the header jumped back to
  uint64_t count = 0;
};

struct LoopProfile {
  BlockId header = 0;
  std::vector<PathProfile> paths; // most frequent first
  uint64_t otherPaths = 0;        // executions of paths not listed
};

struct EdgeCount {
  BlockId from = 0, to = 0;
  uint64_t count = 0;
};

struct CallSiteCount {
  BlockId block = 0;
  uint32_t index = 0; // instruction index within the block
  std::string callee;
  uint64_t count = 0;
};

struct FunctionProfile {
  std::string name;
  uint64_t entryCount = 0;
  std::vector<uint64_t> blockCounts; // indexed by BlockId; dead blocks 0
  std::vector<std::string> blockLabels; // indexed by BlockId; "" when unlabeled (informative;
                                        // empty: see RunOptions::profileForFile)
  std::vector<EdgeCount> edges;      // sorted by (from, to)
  std::vector<CallSiteCount> callSites; // sorted by (block, index)
  std::vector<LoopProfile> loops;    // sorted by header

  uint64_t blockCount(BlockId b) const { return b < blockCounts.size() ? blockCounts[b] : 0; }
  uint64_t edgeCount(BlockId from, BlockId to) const;
  const LoopProfile *loop(BlockId header) const;
};

class Profile {
public:
  static constexpr size_t kMaxPathsPerLoop = 16;

  // 0: not computed (the optimizer's training runs skip it, see
  // interp::RunOptions::profileForFile; takeFunctionsFrom keeps it 0).
  uint64_t programHash = 0;
  uint64_t runs = 0;
  // The arguments of main in each profiled run, in run order. The optimizer
  // re-runs them on the program it has transformed to refresh the counts
  // (whole-function passes renumber blocks); a profile written without them
  // (older files) is still valid, only that refresh is skipped.
  std::vector<std::vector<std::string>> inputs;
  std::vector<FunctionProfile> functions; // program order

  // The first function profile named `name`, or nullptr. Callers look up every
  // function of a program, so this keeps a name index (rebuilt when
  // `functions` is replaced or resized; a hit is checked against the entry,
  // a miss falls back to a scan): no quadratic cost for big programs.
  const FunctionProfile *function(std::string_view name) const;

  std::string toJson() const;
  // Parses the JSON form; on failure returns nullopt and explains in `error`.
  static std::optional<Profile> fromJson(std::string_view text, std::string &error);

  // Adds `other`'s counts. Fails (leaving this unchanged) when the profiles
  // are of different programs.
  bool merge(const Profile &other, std::string &error);

  // True when this profile was taken of `program`; else explains in `error`.
  bool matches(const Program &program, std::string &error) const;

  // Makes this the profile of `program`, which differs from the program this
  // profile describes only in the functions named in `names`, whose counts
  // `from` holds (a profile of a program with those versions). What a new run
  // would give: a function's counts depend on its own code alone, since every
  // version of it makes the same calls with the same arguments in the same
  // order (the semantics contract).
  void takeFunctionsFrom(const Profile &from, const std::vector<std::string> &names,
                         const Program &program);

private:
  struct NameIndex {
    const FunctionProfile *data = nullptr; // functions.data() and size() when built
    size_t size = 0;
    std::vector<std::pair<std::string, uint32_t>> byName; // sorted; first index per name
  };
  mutable NameIndex index_;
};

// Orders `loop.paths` most frequent first and folds all but the first
// Profile::kMaxPathsPerLoop into otherPaths.
void trimLoopPaths(LoopProfile &loop);

// A 64-bit FNV-1a hash of everything that determines a program's behaviour
// and block numbering (functions, parameters, types, blocks, labels,
// instructions, literals), independent of the input format and positions.
uint64_t programHash(const Program &program);

} // namespace brisk
