#include "transforms/loops/FullUnroll.h"

#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/Loops.h"
#include "transforms/memory/RedundantLoads.h"
#include "transforms/memory/ScalarReplacement.h"
#include "transforms/scalar/AggressiveDCE.h"
#include "transforms/scalar/CopyPropagation.h"
#include "transforms/scalar/SCCP.h"
#include "transforms/scalar/Simplify.h"
#include "transforms/ssa/FromSSA.h"
#include "transforms/ssa/ToSSA.h"

#include <llvm/ADT/DenseSet.h>
#include <llvm/ADT/SmallVector.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace brisk {
namespace {

// Loops tried per call (a loop counts once in its batch, and again when
// retried alone): a bound on the SSA round trips and clean-ups of the whole
// function one call may spend.
constexpr unsigned kMaxAttempts = 48;

// SCCP's lattice: Top (not computed in this iteration), a constant, Bottom.
struct Lattice {
  enum Kind : uint8_t { Top, Const, Bottom } kind = Top;
  Literal lit;
  static Lattice bottom() { return {Bottom, {}}; }
  static Lattice constant(Literal l) { return {Const, l}; }
};

Lattice meet(Lattice a, Lattice b) {
  if (a.kind == Lattice::Top)
    return b;
  if (b.kind == Lattice::Top)
    return a;
  if (a.kind == Lattice::Const && b.kind == Lattice::Const && a.lit == b.lit)
    return a;
  return Lattice::bottom();
}

// An int literal the reference may have rounded (it reads JSON numbers as
// doubles) is no constant, as in SCCP (rule F5 there).
bool exactLiteral(const Instr &in) {
  constexpr int64_t kMaxExact = int64_t(1) << 53;
  return !in.type.isInt() || (in.value.asInt() >= -kMaxExact && in.value.asInt() <= kMaxExact);
}

// Runs loops of SSA function `f` iteration by iteration in SCCP's lattice
// (see the header). One counter serves every loop of the function: the
// constants it reads outside a loop are found once.
class TripCounter {
public:
  TripCounter(const Function &f, const CFG &cfg)
      : f_(f), cfg_(cfg), inLoop_(f.blocks.size(), false), definedInLoop_(f.numVars(), false),
        outside_(f.numVars(), Lattice::bottom()), state_(f.numVars()) {
    // The constants a loop may read from outside it. A variable the loop
    // defines reads its state instead, so the loop's own blocks may count.
    for (BlockId b : f.layout)
      for (const Instr &in : f.block(b).instrs)
        if (in.op == Opcode::Const && in.hasDest() && exactLiteral(in))
          outside_[in.dest] = Lattice::constant(in.value);
  }

  // The header executions per entry of `l`, or 0.
  unsigned count(const Loop &l, unsigned maxTrips) {
    l_ = &l;
    mark(true);
    unsigned n = run(maxTrips);
    mark(false);
    return n;
  }

private:
  void mark(bool on) {
    for (BlockId b : l_->blocks) {
      inLoop_[b] = on;
      for (const Instr &in : f_.block(b).instrs)
        if (in.hasDest())
          definedInLoop_[in.dest] = on;
    }
  }

  unsigned run(unsigned maxTrips) {
    const std::vector<Instr> &headerInstrs = f_.block(l_->header).instrs;
    // The header phis' values on entry: the meet of the entry edges.
    std::vector<Lattice> phis;
    for (const Instr &in : headerInstrs) {
      if (in.op != Opcode::Phi)
        break;
      Lattice v;
      for (size_t i = 0; i < in.args.size(); ++i)
        if (!inLoop_[in.labels[i]])
          v = meet(v, valueOf(in.args[i]));
      phis.push_back(v);
    }
    for (unsigned trip = 1; trip <= maxTrips; ++trip) {
      llvm::SmallVector<BlockId, 4> latches;
      if (!runIteration(phis, latches))
        return 0;
      if (latches.empty())
        return trip;
      // What the followed back edges carry into the next iteration.
      size_t p = 0;
      for (const Instr &in : headerInstrs) {
        if (in.op != Opcode::Phi)
          break;
        Lattice v;
        for (size_t i = 0; i < in.args.size(); ++i)
          if (std::find(latches.begin(), latches.end(), in.labels[i]) != latches.end())
            v = meet(v, valueOf(in.args[i]));
        phis[p++] = v;
      }
    }
    return 0;
  }

private:
  Lattice valueOf(VarId v) const { return definedInLoop_[v] ? state_[v] : outside_[v]; }

  Lattice evaluate(const Instr &in) const {
    switch (in.op) {
    case Opcode::Const:
      return exactLiteral(in) ? Lattice::constant(in.value) : Lattice::bottom();
    case Opcode::Id:
      return valueOf(in.args[0]);
    case Opcode::Load: case Opcode::Alloc: case Opcode::Call: case Opcode::Undef:
    case Opcode::Get: case Opcode::PtrAdd:
      return Lattice::bottom();
    default:
      break;
    }
    if (in.info().effect != EffectClass::Pure && in.info().effect != EffectClass::MayTrap)
      return Lattice::bottom();
    llvm::SmallVector<Literal, 2> lits;
    for (VarId a : in.args) {
      Lattice v = valueOf(a);
      if (v.kind != Lattice::Const)
        return v.kind == Lattice::Top ? Lattice{} : Lattice::bottom();
      lits.push_back(v.lit);
    }
    std::optional<Literal> r = foldConstant(in.op, in.type, lits);
    return r ? Lattice::constant(*r) : Lattice::bottom();
  }

  // One iteration from the header with `phis`; `latches` receives the
  // blocks whose back edge was followed. False when the iteration met
  // something the evaluation does not model.
  bool runIteration(const std::vector<Lattice> &phis, llvm::SmallVector<BlockId, 4> &latches) {
    for (BlockId b : l_->blocks)
      for (const Instr &in : f_.block(b).instrs)
        if (in.hasDest())
          state_[in.dest] = Lattice{};
    llvm::DenseSet<std::pair<BlockId, BlockId>> edges;
    std::vector<bool> executable(f_.blocks.size(), false);
    executable[l_->header] = true;
    for (BlockId b : l_->blocks) {
      if (!executable[b])
        continue;
      const std::vector<Instr> &instrs = f_.block(b).instrs;
      size_t phiIndex = 0;
      for (const Instr &in : instrs) {
        if (in.op == Opcode::Phi) {
          Lattice v;
          if (b == l_->header) {
            v = phis[phiIndex++];
          } else {
            for (size_t i = 0; i < in.args.size(); ++i)
              if (edges.contains({in.labels[i], b}))
                v = meet(v, valueOf(in.args[i]));
          }
          state_[in.dest] = v;
          continue;
        }
        if (in.hasDest())
          state_[in.dest] = evaluate(in);
      }
      llvm::SmallVector<BlockId, 2> taken;
      const Instr *t = f_.block(b).terminator();
      if (t && t->op == Opcode::Br) {
        Lattice c = valueOf(t->args[0]);
        if (c.kind == Lattice::Const)
          taken.push_back(t->labels[c.lit.asBool() ? 0 : 1]);
        else
          taken.append(t->labels.begin(), t->labels.end());
      } else {
        for (BlockId s : cfg_.succs(b))
          taken.push_back(s);
      }
      for (BlockId s : taken) {
        if (s == l_->header) {
          if (std::find(latches.begin(), latches.end(), b) == latches.end())
            latches.push_back(b);
        } else if (inLoop_[s]) {
          executable[s] = true;
          edges.insert({b, s});
        }
      }
    }
    return true;
  }

  const Function &f_;
  const CFG &cfg_;
  const Loop *l_ = nullptr;
  std::vector<bool> inLoop_, definedInLoop_;
  std::vector<Lattice> outside_, state_;
};

size_t loopSize(const Function &f, const Loop &l) {
  size_t n = 0;
  for (BlockId b : l.blocks)
    n += f.block(b).instrs.size();
  return n;
}

// Copies the natural loop headed by `header` `trips` times in front of it
// (plain form; see the header). False when `header` heads no loop there.
bool peel(Function &f, BlockId header, unsigned trips) {
  CFG cfg(f);
  DominatorTree dom(cfg);
  LoopInfo loops(cfg, dom);
  const Loop *found = nullptr;
  for (const Loop &l : loops.loops())
    if (l.header == header)
      found = &l;
  if (!found || header == f.entry())
    return false;
  const Loop l = *found;
  std::vector<bool> inLoop(f.blocks.size(), false);
  for (BlockId b : l.blocks)
    inLoop[b] = true;
  // Explicit fall-throughs into and out of the loop's blocks, so that blocks
  // may be placed anywhere.
  std::vector<BlockId> fallsTo = fallthroughs(f);
  for (BlockId b : f.layout) {
    if (f.block(b).terminator() || fallsTo[b] == kNoBlock)
      continue;
    if (inLoop[b] || inLoop[fallsTo[b]])
      f.block(b).instrs.push_back(makeJump(fallsTo[b]));
  }
  std::vector<std::vector<BlockId>> copies(trips);
  for (unsigned k = 0; k < trips; ++k)
    for (BlockId b : l.blocks) {
      const std::string &label = f.labelOf(b);
      copies[k].push_back(f.addFreshBlock((label.empty() ? std::string("loop") : label) + ".full"));
    }
  auto copyOf = [&](unsigned k, BlockId b) {
    size_t i = std::find(l.blocks.begin(), l.blocks.end(), b) - l.blocks.begin();
    return copies[k][i];
  };
  BlockId firstHeader = copies[0][0];
  for (unsigned k = 0; k < trips; ++k)
    for (size_t i = 0; i < l.blocks.size(); ++i) {
      Block copy = f.block(l.blocks[i]);
      copy.label = f.block(copies[k][i]).label;
      for (Instr &in : copy.instrs)
        for (BlockId &t : in.labels) {
          if (t == header)
            t = k + 1 < trips ? copies[k + 1][0] : header;
          else if (inLoop[t])
            t = copyOf(k, t);
        }
      f.block(copies[k][i]) = std::move(copy);
    }
  // Entries into the loop enter the first copy.
  for (BlockId b : f.layout)
    if (!inLoop[b])
      for (Instr &in : f.block(b).instrs)
        for (BlockId &t : in.labels)
          if (t == header)
            t = firstHeader;
  auto at = std::find(f.layout.begin(), f.layout.end(), header);
  std::vector<BlockId> placed;
  for (const std::vector<BlockId> &c : copies)
    placed.insert(placed.end(), c.begin(), c.end());
  f.layout.insert(at, placed.begin(), placed.end());
  f.ensureLabels();
  return true;
}

bool cleanUp(Function &f) {
  bool changed = propagateConstants(f);
  changed |= replaceAllocationsByScalars(f);
  changed |= eliminateRedundantLoads(f);
  changed |= propagateCopies(f);
  changed |= propagateConstants(f);
  changed |= eliminateDeadCodeAggressively(f);
  changed |= simplifyCFG(f);
  return changed;
}

bool headerGone(const Function &f, const CFG &cfg, BlockId header) {
  return header >= f.blocks.size() || f.block(header).dead || !cfg.reachable(header);
}

bool modelled(const Function &f) {
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.op == Opcode::Set || in.op == Opcode::Get || in.op == Opcode::Speculate ||
          in.op == Opcode::Guard || in.op == Opcode::Commit)
        return false;
  return true;
}

struct CountedLoop {
  BlockId header;
  unsigned trips;
};

// The innermost loops of `f` (at most `budget`) the pass may unroll, with
// their counts, in LoopInfo's order; a loop with no count joins `uncounted`.
std::vector<CountedLoop> countedLoops(const Function &f, const FullUnrollOptions &o, unsigned budget,
                                      const llvm::DenseSet<BlockId> &rejected,
                                      llvm::DenseSet<BlockId> &uncounted) {
  std::vector<CountedLoop> found;
  CFG cfg(f);
  DominatorTree dom(cfg);
  LoopInfo loops(cfg, dom);
  TripCounter counter(f, cfg);
  for (const Loop &l : loops.loops()) {
    if (found.size() == budget)
      break;
    if (!l.children.empty() || l.header == f.entry() || rejected.contains(l.header) ||
        uncounted.contains(l.header))
      continue;
    size_t size = std::max<size_t>(loopSize(f, l), 1);
    unsigned limit = unsigned(std::min<size_t>(o.maxTrips, o.maxUnrolledSize / size));
    if (limit == 0)
      continue;
    if (unsigned n = counter.count(l, limit))
      found.push_back({l.header, n});
    else
      uncounted.insert(l.header);
  }
  return found;
}

// The function as it was before a batch, to go back to when the batch is
// rejected. Most batches are kept, so the copy is rarely read: one buffer
// serves every call, and copying into it reuses the storage of the blocks
// and instructions it held (a fresh copy per batch was a tenth of the pass).
Function &savedVersion() {
  static thread_local Function saved;
  return saved;
}

// Unrolls every loop of `batch` and cleans up once. Keeps the result when the
// clean-up deleted every remainder, the function holds at most
// options.sizeLimit instructions or no more than before, and at most
// `maxAfter`; otherwise puts the function back and returns false.
bool tryUnrolling(Function &f, const std::vector<CountedLoop> &batch, const FullUnrollOptions &o,
                  size_t maxAfter) {
  Function &saved = savedVersion();
  saved = f;
  size_t before = f.instrCount();
  fromSSA(f);
  bool kept = true;
  for (const CountedLoop &c : batch)
    kept = kept && peel(f, c.header, c.trips);
  kept = kept && toSSA(f);
  if (kept) {
    // One loop at a time, each unrolling had a clean-up of its own, and what
    // one folded (a constant index into another's array) fed the next. A
    // batch repeats its clean-up while that changes something, up to once
    // per loop.
    cleanUp(f);
    for (size_t round = 1; round < batch.size() && cleanUp(f); ++round) {
    }
    size_t after = f.instrCount();
    kept = (after <= o.sizeLimit || after <= before) && after <= maxAfter;
    if (kept) {
      CFG cfg(f);
      for (const CountedLoop &c : batch)
        kept = kept && headerGone(f, cfg, c.header);
    }
  }
  if (!kept)
    f = std::move(saved);
  return kept;
}

} // namespace

unsigned constantTripCount(const Function &f, BlockId header, unsigned maxTrips) {
  CFG cfg(f);
  DominatorTree dom(cfg);
  LoopInfo loops(cfg, dom);
  for (const Loop &l : loops.loops())
    if (l.header == header && l.children.empty())
      return TripCounter(f, cfg).count(l, maxTrips);
  return 0;
}

bool unrollLoopsFully(Function &f, const FullUnrollOptions &o, FullUnrollStats *stats) {
  FullUnrollStats ignored;
  FullUnrollStats &st = stats ? *stats : ignored;
  // A function over maxFunctionSize is left alone (the loop below never
  // starts): that test reads the blocks' sizes only, so it comes before the
  // walks over every instruction.
  if (f.layout.empty() || f.instrCount() > o.maxFunctionSize || !containsPhi(f) || !modelled(f))
    return false;
  // Loops that failed once: no count (retried after an unrolling elsewhere,
  // which may have made their bounds constant), or unrolled in vain.
  llvm::DenseSet<BlockId> uncounted, rejected;
  bool changed = false;
  unsigned attempts = 0;
  while (attempts < kMaxAttempts && f.instrCount() <= o.maxFunctionSize) {
    std::vector<CountedLoop> batch = countedLoops(f, o, kMaxAttempts - attempts, rejected, uncounted);
    if (batch.empty())
      break;
    attempts += unsigned(batch.size());
    ++st.batches;
    // A batch of several whose result outgrows maxFunctionSize goes one at
    // a time too: one loop at a time, the pass would have stopped between
    // them.
    if (tryUnrolling(f, batch, o, batch.size() > 1 ? o.maxFunctionSize : ~size_t(0))) {
      st.unrolled += unsigned(batch.size());
      changed = true;
      uncounted.clear();
      continue;
    }
    if (batch.size() == 1) {
      rejected.insert(batch[0].header);
      continue;
    }
    // One at a time, up to the first that is kept; after it the counts are
    // taken again (its clean-up may have changed them).
    for (const CountedLoop &c : batch) {
      if (attempts >= kMaxAttempts)
        break;
      ++attempts;
      ++st.alone;
      if (tryUnrolling(f, {c}, o, ~size_t(0))) {
        ++st.unrolled;
        changed = true;
        uncounted.clear();
        break;
      }
      rejected.insert(c.header);
    }
  }
  return changed;
}

} // namespace brisk
