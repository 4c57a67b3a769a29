// ProfileWeights: profile counts attached to the IR while it is transformed.
//
// A Profile (interp/Profile.h) describes the program as loaded. Passes that
// create or clone blocks (inlining, tail duplication, peeling, unrolling)
// change the block ids the counts refer to, so the optimizer keeps its own
// copy here, keyed by the current BlockIds, and every such pass updates it:
// a cloned block takes the share of its original's count that the cloned
// entry edge carries, and the original keeps the rest. Counts are doubles so
// that such splits need not round.
//
// Call counts are not stored: a block is straight-line code, so a call
// executes as often as its block (runs that end in an error are the rare
// exception, and only make the estimate high).
#pragma once

#include "interp/Profile.h"
#include "ir/IR.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/SmallVector.h>

#include <map>
#include <string>
#include <vector>

namespace brisk {

class FunctionWeights {
public:
  double entryCount = 0; // times the function was entered

  double block(BlockId b) const { return b < blocks_.size() ? blocks_[b] : 0.0; }
  void setBlock(BlockId b, double count);
  double edge(BlockId from, BlockId to) const;
  void setEdge(BlockId from, BlockId to, double count);
  // Removes every edge leaving `from` (before re-describing its successors).
  void clearEdgesFrom(BlockId from);
  // P(next block is `to` | `from` executes); 0 when `from` never ran.
  double probability(BlockId from, BlockId to) const;
  // Edges leaving `from`, with counts (unordered).
  std::vector<std::pair<BlockId, double>> edgesFrom(BlockId from) const;
  // The same, borrowed (no copy): valid until these weights next change.
  llvm::ArrayRef<std::pair<BlockId, double>> edgesOut(BlockId from) const {
    if (from >= out_.size())
      return {};
    return out_[from];
  }
  // True when the function ran in some profiled run.
  bool hasData() const { return entryCount > 0; }
  // Room for the counts of blocks below `blocks` and the edges from them
  // (a large function's counts then take one allocation, not a doubling
  // series that copies them each time).
  void reserve(size_t blocks) {
    blocks_.reserve(blocks);
    out_.reserve(blocks);
  }

private:
  std::vector<double> blocks_;
  // Edges by source block (a block has a few successors): every query and
  // update costs the source's out-degree, not the function's edge count.
  std::vector<llvm::SmallVector<std::pair<BlockId, double>, 2>> out_;
};

class ProgramWeights {
public:
  // Counts for `program` as loaded; the caller has checked profile.matches().
  static ProgramWeights fromProfile(const Program &program, const Profile &profile);

  // The weights of `function` (empty weights when it was never profiled).
  FunctionWeights &of(const Function &function) { return byName_[function.name]; }
  const FunctionWeights *find(const Function &function) const;

private:
  std::map<std::string, FunctionWeights, std::less<>> byName_;
};

} // namespace brisk
