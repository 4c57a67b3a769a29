#include "analysis/DefiniteAssignment.h"

#include "analysis/Uses.h"

#include <algorithm>
#include <tuple>

namespace brisk {

namespace {

// The state between two instructions: what is assigned now, and what a
// failed guard would restore (all ones when not speculating).
struct State {
  llvm::BitVector assigned, saved;
};

class Solver {
public:
  Solver(const Function &f, const CFG &cfg)
      : f_(f), cfg_(cfg), nv_(f.numVars()), nb_(cfg.numBlocks()) {}

  void run(std::vector<llvm::BitVector> &in, std::vector<PossiblyUndefinedRead> &reads) {
    llvm::BitVector all(nv_, true);
    in_.assign(nb_, State{all, all});
    out_.assign(nb_, State{all, all});
    guardOut_.assign(nb_, {});
    std::vector<bool> visited(nb_, false); // every block's guards are seen once
    for (bool changed = true; changed;) {
      changed = false;
      for (BlockId b : cfg_.rpo()) {
        State s = join(b);
        if (s.assigned != in_[b].assigned || s.saved != in_[b].saved || !visited[b]) {
          visited[b] = true;
          in_[b] = std::move(s);
          transfer(b, nullptr);
          changed = true;
        }
      }
    }
    in.assign(nb_, all);
    for (BlockId b : cfg_.rpo())
      in[b] = in_[b].assigned;
    for (BlockId b : f_.layout)
      if (cfg_.reachable(b))
        transfer(b, &reads);
    std::sort(reads.begin(), reads.end(), [](const auto &x, const auto &y) {
      return std::tie(x.block, x.instr, x.arg) < std::tie(y.block, y.instr, y.arg);
    });
  }

private:
  const Function &f_;
  const CFG &cfg_;
  size_t nv_, nb_;
  std::vector<State> in_, out_;
  // Per block: (target, what its guards to that target restore).
  std::vector<std::vector<std::pair<BlockId, llvm::BitVector>>> guardOut_;
  bool isOrdinaryEdge(BlockId p, BlockId s) const {
    const Instr *t = f_.block(p).terminator();
    if (!t)
      return fallthroughOf(f_, p) == s;
    return t->op != Opcode::Ret && std::find(t->labels.begin(), t->labels.end(), s) != t->labels.end();
  }

  State join(BlockId b) {
    llvm::BitVector all(nv_, true);
    State s{all, all};
    if (b == cfg_.entry()) {
      s.assigned.reset();
      for (const Param &p : f_.params)
        s.assigned.set(p.var);
    }
    for (BlockId p : cfg_.preds(b)) {
      if (isOrdinaryEdge(p, b)) {
        s.assigned &= out_[p].assigned;
        s.saved &= out_[p].saved;
      }
      for (const auto &[target, restored] : guardOut_[p])
        if (target == b) {
          s.assigned &= restored;
          s.saved &= restored;
        }
    }
    return s;
  }

  void transfer(BlockId b, std::vector<PossiblyUndefinedRead> *reads) {
    State s = in_[b];
    guardOut_[b].clear();
    const std::vector<Instr> &instrs = f_.block(b).instrs;
    for (unsigned i = 0; i < instrs.size(); ++i) {
      const Instr &in = instrs[i];
      if (in.op == Opcode::Phi) {
        bool all = true;
        for (size_t k = 0; k < in.args.size() && k < in.labels.size(); ++k)
          all &= out_[in.labels[k]].assigned.test(in.args[k]);
        if (in.hasDest() && all)
          s.assigned.set(in.dest);
        continue;
      }
      if (reads)
        for (unsigned a = firstUseIndex(in); a < in.args.size(); ++a)
          if (!s.assigned.test(in.args[a]))
            reads->push_back({b, i, a, in.args[a]});
      switch (in.op) {
      case Opcode::Speculate:
        s.saved &= s.assigned; // nested: the outer level's state is the smaller
        break;
      case Opcode::Commit:
        s.saved.set();
        break;
      case Opcode::Guard:
        if (!in.labels.empty())
          guardOut_[b].emplace_back(in.labels[0], s.saved);
        break;
      default:
        break;
      }
      if (in.hasDest() && in.op != Opcode::Undef)
        s.assigned.set(in.dest);
    }
    out_[b] = std::move(s);
  }
};

} // namespace

DefiniteAssignment::DefiniteAssignment(const Function &f, const CFG &cfg) {
  Solver(f, cfg).run(in_, reads_);
}

bool DefiniteAssignment::mayReadUndefined(BlockId b, unsigned instr) const {
  auto lo = std::lower_bound(reads_.begin(), reads_.end(), std::pair(b, instr),
                             [](const PossiblyUndefinedRead &r, std::pair<BlockId, unsigned> key) {
                               return std::pair(r.block, r.instr) < key;
                             });
  return lo != reads_.end() && lo->block == b && lo->instr == instr;
}

bool hasPossiblyUndefinedRead(const Function &f) {
  if (f.layout.empty())
    return false;
  CFG cfg(f);
  return !DefiniteAssignment(f, cfg).possiblyUndefinedReads().empty();
}

} // namespace brisk
