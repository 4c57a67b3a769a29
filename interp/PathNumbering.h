// PathNumbering: Ball-Larus path numbering of one function's CFG, for the
// profiler's loop path profiles.
//
// The CFG's retreating edges (found by depth-first search from the entry)
// are removed; each removed edge u->h is replaced by two dummy edges,
// ENTRY->h (a path may start at loop header h) and u->EXIT (a path may end by
// taking the back edge). Every acyclic ENTRY->EXIT path of the resulting DAG
// gets a distinct number in [0, numPaths) as the sum of the increments on its
// edges. At run time the profiler keeps a path register r:
//
//   function entry          r = 0
//   DAG edge u->v           r += increment(u, v)
//   back edge u->h          record r + backEdge.end; r = backEdge.restart
//   return / fall off end   record r + exitIncrement(u)
//
// so each recorded number names one acyclic path: from the function entry or
// a loop header, to a return or a back edge. decode() turns a number back into
// blocks. Functions with more than 2^62 paths are left unnumbered (ok false).
// Only blocks reachable from the entry take part.
#pragma once

#include "ir/IR.h"

#include <llvm/ADT/ArrayRef.h>

#include <cstdint>
#include <vector>

namespace brisk::interp {

// The CFG as the interpreter sees it: per block, its distinct successors
// (branch and jump targets, fall-through, guard abort targets), and whether
// it can leave the function (ret, or falling off the end of the last block).
// One flat array of targets, each block's a contiguous run (no allocation
// per block).
struct InterpCfg {
  struct Run {
    uint32_t begin = 0, size = 0;
  };
  std::vector<Run> runs;        // indexed by BlockId
  std::vector<BlockId> targets; // every block's successors, in layout order
  std::vector<bool> exits;
  llvm::ArrayRef<BlockId> succs(BlockId b) const {
    return llvm::ArrayRef<BlockId>(targets).slice(runs[b].begin, runs[b].size);
  }
};
InterpCfg buildInterpCfg(const Function &fn);

enum class PathStart : uint8_t { FunctionEntry, LoopHeader };
enum class PathEnd : uint8_t { Return, BackEdge };

struct DecodedPath {
  PathStart start;
  PathEnd end;
  std::vector<BlockId> blocks;
  BlockId backEdgeTarget = kNoBlock; // the header the final back edge returns to
};

class PathNumbering {
public:
  PathNumbering(const Function &fn, const InterpCfg &cfg);

  bool ok() const { return ok_; }
  uint64_t numPaths() const { return numPaths_; }

  bool isBackEdge(BlockId u, BlockId v) const;
  int64_t increment(BlockId u, BlockId v) const;  // non-back edge
  int64_t backEdgeEnd(BlockId u, BlockId h) const;
  int64_t backEdgeRestart(BlockId h) const;
  int64_t exitIncrement(BlockId u) const;

  DecodedPath decode(uint64_t path) const;

private:
  enum class Kind : uint8_t { Normal, Start, Restart, Exit, BackEnd };
  struct DagEdge {
    uint32_t to;     // node index
    Kind kind;
    BlockId header;  // Restart / BackEnd: the loop header
    int64_t inc = 0;
  };
  uint32_t entryNode() const { return uint32_t(numBlocks_); }
  uint32_t exitNode() const { return uint32_t(numBlocks_ + 1); }
  const DagEdge *find(uint32_t from, Kind kind, uint32_t to, BlockId header) const;
  // A node's out edges, in the order the numbering gives them increments.
  llvm::MutableArrayRef<DagEdge> out(uint32_t n);
  llvm::ArrayRef<DagEdge> out(uint32_t n) const;

  size_t numBlocks_;
  bool ok_ = true;
  uint64_t numPaths_ = 0;
  // The out edges of the blocks in one flat array (no allocation per block,
  // as in InterpCfg): block b's are edges_[outBegin_[b], outBegin_[b] +
  // outSize_[b]), room made for one per successor and one for an exit. The
  // entry node's (one per loop header, not known ahead) are entryOut_; the
  // exit node has none. A back edge u->h is u's BackEnd edge for h.
  std::vector<DagEdge> edges_;
  std::vector<uint32_t> outBegin_, outSize_; // per block
  std::vector<DagEdge> entryOut_;
  std::vector<int64_t> restartInc_; // per block: its Restart edge's increment (0: none)
};

} // namespace brisk::interp
