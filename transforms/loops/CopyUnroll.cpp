#include "transforms/loops/CopyUnroll.h"

#include "analysis/CFG.h"
#include "analysis/DefiniteAssignment.h"
#include "analysis/Dominators.h"
#include "analysis/Loops.h"
#include "transforms/scalar/CopyPropagation.h"
#include "transforms/ssa/FromSSA.h"
#include "transforms/scalar/Simplify.h"
#include "transforms/ssa/ToSSA.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace brisk {
namespace {

// What one walk of f tells unrollForCoalescing before any analysis: f has
// no phi, set, get or speculation (isPlainNonSpeculative: canConvertToSSA
// asks that first), and it has a copy (only a loop with one qualifies).
// A walk of a large function costs a cache miss per few instructions: one
// walk answers both.
bool plainWithCopies(const Function &f) {
  bool anyCopy = false;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs) {
      if (isSSAOrSpeculation(in.op))
        return false;
      anyCopy |= in.op == Opcode::Id;
    }
  return anyCopy;
}

// The loops worth unrolling, by the rules in the header, of a function
// with a copy (plainWithCopies). Innermost loops are disjoint, so the
// choices do not overlap.
std::vector<Loop> chooseLoops(const Function &f, const FunctionWeights *w,
                              const CopyUnrollOptions &o) {
  CFG cfg(f);
  DominatorTree dom(cfg);
  LoopInfo loops(cfg, dom);
  std::vector<Loop> chosen;
  size_t size = f.instrCount();
  std::vector<BlockId> fallsTo = fallthroughs(f);
  for (const Loop &l : loops.loops()) {
    if (!l.children.empty() || l.header == f.entry())
      continue;
    size_t loopSize = 0;
    bool hasCopy = false, forbidden = false;
    for (BlockId b : l.blocks) {
      const Block &blk = f.block(b);
      loopSize += blk.instrs.size();
      for (const Instr &in : blk.instrs)
        hasCopy |= in.op == Opcode::Id;
      // The clone makes fall-throughs explicit; a block falling off the end
      // of the function has nowhere to jump.
      if (!blk.terminator() && fallsTo[b] == kNoBlock)
        forbidden = true;
    }
    if (forbidden || !hasCopy || loopSize > o.maxLoopSize)
      continue;
    if (w) {
      double header = w->block(l.header), back = 0;
      for (BlockId latch : l.latches)
        back += w->edge(latch, l.header);
      double entries = header - back;
      if (header < o.minHeaderCount || header < o.minTripsPerEntry * std::max(entries, 1.0))
        continue;
    }
    // The clone adds the loop's size plus at most one jump per block.
    size_t added = loopSize + l.blocks.size();
    if (size + added > o.sizeLimit)
      continue;
    size += added;
    chosen.push_back(l);
  }
  return chosen;
}

void cloneLoop(Function &f, const Loop &l) {
  std::unordered_map<BlockId, BlockId> cloneOf;
  // Explicit fall-throughs, so that blocks may be placed anywhere.
  for (BlockId b : l.blocks) {
    if (f.block(b).terminator())
      continue;
    f.block(b).instrs.push_back(makeJump(fallthroughOf(f, b)));
  }
  for (BlockId b : l.blocks) {
    std::string hint = f.labelOf(b).empty() ? std::string("loop") : f.labelOf(b);
    cloneOf[b] = f.addFreshBlock(hint + ".odd");
  }
  auto inLoop = [&](BlockId t) { return cloneOf.count(t) != 0; };
  for (BlockId b : l.blocks) {
    Block copy = f.block(b); // addFreshBlock above may have moved the arena
    copy.label = f.block(cloneOf[b]).label;
    for (Instr &in : copy.instrs)
      for (BlockId &t : in.labels)
        if (inLoop(t) && t != l.header)
          t = cloneOf[t];
    f.block(cloneOf[b]) = std::move(copy);
    // The original's back edges enter the clone.
    for (Instr &in : f.block(b).instrs)
      for (BlockId &t : in.labels)
        if (t == l.header)
          t = cloneOf[l.header];
  }
  // Clones right after the loop's last block, in the loop's order.
  size_t last = 0;
  for (size_t i = 0; i < f.layout.size(); ++i)
    if (inLoop(f.layout[i]))
      last = i;
  std::vector<BlockId> clones;
  for (BlockId b : l.blocks)
    clones.push_back(cloneOf[b]);
  f.layout.insert(f.layout.begin() + long(last) + 1, clones.begin(), clones.end());
  f.ensureLabels();
}

} // namespace

bool unrollForCoalescing(Function &f, const FunctionWeights *weights,
                         const CopyUnrollOptions &options, Function *before) {
  // canConvertToSSA also rules out empty functions, speculation, phis, set
  // and get (plainWithCopies asks those). Its definite-assignment part
  // (hasPossiblyUndefinedRead) costs more than finding no loop to unroll, so
  // it comes last.
  if (f.layout.empty() || !plainWithCopies(f))
    return false;
  std::vector<Loop> loops = chooseLoops(f, weights, options);
  if (loops.empty() || hasPossiblyUndefinedRead(f))
    return false;
  if (before)
    *before = f;
  for (const Loop &l : loops)
    cloneLoop(f, l);
  toSSA(f);
  propagateCopies(f);
  fromSSA(f);
  simplifyCFG(f);
  return true;
}

} // namespace brisk
