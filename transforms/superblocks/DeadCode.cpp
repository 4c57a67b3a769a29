#include "transforms/superblocks/DeadCode.h"

#include "analysis/CFG.h"
#include "analysis/DefiniteAssignment.h"
#include "analysis/Uses.h"

#include <llvm/ADT/BitVector.h>
#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/DenseSet.h>

#include <algorithm>

namespace brisk {
namespace {

uint64_t site(BlockId b, size_t i) { return (uint64_t(b) << 32) | uint64_t(i); }

class DeadCodeEliminator {
public:
  explicit DeadCodeEliminator(Function &f) : f_(f), cfg_(f) {}

  std::vector<llvm::BitVector> liveIn() {
    computeSegments();
    computeLiveness();
    return std::move(in_);
  }

  bool run() {
    bool changed = false;
    for (int round = 0; round < 16; ++round) {
      computeSegments();
      computeLiveness();
      if (!sweep())
        break;
      changed = true;
    }
    return changed;
  }

private:
  BlockList normalSuccs(BlockId b) const {
    BlockList out;
    if (const Instr *t = f_.block(b).terminator()) {
      if (t->op != Opcode::Ret)
        for (BlockId l : t->labels)
          if (std::find(out.begin(), out.end(), l) == out.end())
            out.push_back(l);
    } else if (BlockId n = next_.lookup(b); n != kNoBlock) {
      out.push_back(n);
    }
    return out;
  }

  // For each speculate, the labels of the guards it governs; marks those
  // guards as claimed.
  void computeSegments() {
    next_.clear();
    for (size_t i = 0; i + 1 < f_.layout.size(); ++i)
      next_[f_.layout[i]] = f_.block(f_.layout[i]).terminator() ? kNoBlock : f_.layout[i + 1];
    if (!f_.layout.empty())
      next_[f_.layout.back()] = kNoBlock;
    specLabels_.clear();
    claimed_.clear();
    for (BlockId b : f_.layout) {
      const auto &ins = f_.block(b).instrs;
      for (size_t i = 0; i < ins.size(); ++i)
        if (ins[i].op == Opcode::Speculate)
          specLabels_[site(b, i)] = walk(b, i + 1);
    }
  }

  std::vector<BlockId> walk(BlockId b0, size_t i0) {
    std::vector<BlockId> labels;
    llvm::DenseSet<BlockId> seen;
    std::vector<std::pair<BlockId, size_t>> work{{b0, i0}};
    while (!work.empty()) {
      auto [b, start] = work.back();
      work.pop_back();
      const auto &ins = f_.block(b).instrs;
      bool stopped = false;
      for (size_t i = start; i < ins.size(); ++i) {
        if (ins[i].op == Opcode::Commit || ins[i].op == Opcode::Speculate) {
          stopped = true;
          break;
        }
        if (ins[i].op == Opcode::Guard) {
          claimed_.insert(site(b, i));
          for (BlockId l : ins[i].labels)
            if (std::find(labels.begin(), labels.end(), l) == labels.end())
              labels.push_back(l);
        }
      }
      if (stopped)
        continue;
      for (BlockId s : normalSuccs(b))
        if (seen.insert(s).second)
          work.push_back({s, 0});
    }
    return labels;
  }

  // Backward transfer of one block; `live` enters as live-out.
  template <typename OnInstr>
  void transfer(BlockId b, llvm::BitVector &live, OnInstr &&onInstr) {
    const auto &ins = f_.block(b).instrs;
    for (size_t i = ins.size(); i-- > 0;) {
      const Instr &in = ins[i];
      onInstr(i, in, live);
      if (in.hasDest())
        live.reset(in.dest);
      forEachUse(in, [&](VarId v) { live.set(v); });
      if (in.op == Opcode::Speculate) {
        for (BlockId l : specLabels_.lookup(site(b, i)))
          live |= in_[l];
      } else if (in.op == Opcode::Guard && !claimed_.contains(site(b, i))) {
        for (BlockId l : in.labels)
          live |= in_[l];
      }
    }
  }

  void computeLiveness() {
    size_t nv = f_.numVars();
    in_.assign(f_.blocks.size(), llvm::BitVector(static_cast<unsigned>(nv)));
    for (bool changed = true; changed;) {
      changed = false;
      for (auto it = f_.layout.rbegin(); it != f_.layout.rend(); ++it) {
        BlockId b = *it;
        llvm::BitVector live(static_cast<unsigned>(nv));
        for (BlockId s : normalSuccs(b))
          live |= in_[s];
        transfer(b, live, [](size_t, const Instr &, llvm::BitVector &) {});
        if (live != in_[b]) {
          in_[b] = std::move(live);
          changed = true;
        }
      }
    }
  }

  bool sweep() {
    bool changed = false;
    size_t nv = f_.numVars();
    // A read of a variable that may be unassigned fails under brili: it
    // stays even when its result is dead.
    DefiniteAssignment assigned(f_, cfg_);
    for (BlockId b : f_.layout) {
      llvm::BitVector live(static_cast<unsigned>(nv));
      for (BlockId s : normalSuccs(b))
        live |= in_[s];
      std::vector<bool> doomed(f_.block(b).instrs.size(), false);
      transfer(b, live, [&](size_t i, const Instr &in, llvm::BitVector &l) {
        if (in.hasDest() && isPure(in.op) && in.op != Opcode::Phi && !l.test(in.dest) &&
            !assigned.mayReadUndefined(b, unsigned(i)))
          doomed[i] = true;
      });
      auto &ins = f_.block(b).instrs;
      size_t w = 0;
      for (size_t i = 0; i < ins.size(); ++i) {
        if (doomed[i]) {
          changed = true;
          continue;
        }
        if (w != i)
          ins[w] = std::move(ins[i]);
        ++w;
      }
      ins.resize(w);
    }
    return changed;
  }

  Function &f_;
  CFG cfg_;
  llvm::DenseMap<BlockId, BlockId> next_;
  llvm::DenseMap<uint64_t, std::vector<BlockId>> specLabels_;
  llvm::DenseSet<uint64_t> claimed_;
  std::vector<llvm::BitVector> in_;
};

} // namespace

bool eliminateDeadCode(Function &f) {
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.op == Opcode::Phi || in.op == Opcode::Set || in.op == Opcode::Get)
        return false;
  return DeadCodeEliminator(f).run();
}

std::vector<llvm::BitVector> speculativeLiveIn(const Function &f) {
  // The eliminator only writes in sweep(), which liveIn() does not run.
  return DeadCodeEliminator(const_cast<Function &>(f)).liveIn();
}

bool removeUnreachableBlocks(Function &f) {
  if (f.layout.empty())
    return false;
  CFG cfg(f);
  std::vector<BlockId> kept;
  bool changed = false;
  for (BlockId b : f.layout) {
    if (cfg.reachable(b)) {
      kept.push_back(b);
    } else {
      f.block(b).dead = true;
      changed = true;
    }
  }
  f.layout = std::move(kept);
  return changed;
}

bool removeJumpsToNext(Function &f) {
  bool changed = false;
  for (size_t i = 0; i + 1 < f.layout.size(); ++i) {
    auto &ins = f.block(f.layout[i]).instrs;
    if (!ins.empty() && ins.back().op == Opcode::Jmp && ins.back().labels[0] == f.layout[i + 1]) {
      ins.pop_back();
      changed = true;
    }
  }
  return changed;
}

} // namespace brisk
