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

// Loops unrolled (or tried) per call: each costs an SSA round trip and a
// clean-up of the whole function.
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

// Runs the loop `l` of SSA function `f` iteration by iteration in SCCP's
// lattice (see the header). Returns the header executions per entry, or 0.
class TripCounter {
public:
  TripCounter(const Function &f, const CFG &cfg, const Loop &l)
      : f_(f), cfg_(cfg), l_(l), inLoop_(f.blocks.size(), false), definedInLoop_(f.numVars(), false),
        state_(f.numVars()) {
    for (BlockId b : l.blocks)
      inLoop_[b] = true;
    for (BlockId b : l.blocks)
      for (const Instr &in : f.block(b).instrs)
        if (in.hasDest())
          definedInLoop_[in.dest] = true;
    // Constants defined outside the loop.
    outside_.assign(f.numVars(), Lattice::bottom());
    for (BlockId b : f.layout)
      if (!inLoop_[b])
        for (const Instr &in : f.block(b).instrs)
          if (in.op == Opcode::Const && in.hasDest() && exactLiteral(in))
            outside_[in.dest] = Lattice::constant(in.value);
  }

  unsigned count(unsigned maxTrips) {
    const std::vector<Instr> &headerInstrs = f_.block(l_.header).instrs;
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
    for (BlockId b : l_.blocks)
      for (const Instr &in : f_.block(b).instrs)
        if (in.hasDest())
          state_[in.dest] = Lattice{};
    llvm::DenseSet<std::pair<BlockId, BlockId>> edges;
    std::vector<bool> executable(f_.blocks.size(), false);
    executable[l_.header] = true;
    for (BlockId b : l_.blocks) {
      if (!executable[b])
        continue;
      const std::vector<Instr> &instrs = f_.block(b).instrs;
      size_t phiIndex = 0;
      for (const Instr &in : instrs) {
        if (in.op == Opcode::Phi) {
          Lattice v;
          if (b == l_.header) {
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
        if (s == l_.header) {
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
  const Loop &l_;
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

void cleanUp(Function &f) {
  propagateConstants(f);
  replaceAllocationsByScalars(f);
  eliminateRedundantLoads(f);
  propagateCopies(f);
  propagateConstants(f);
  eliminateDeadCodeAggressively(f);
  simplifyCFG(f);
}

bool headerGone(const Function &f, BlockId header) {
  if (header >= f.blocks.size() || f.block(header).dead)
    return true;
  CFG cfg(f);
  return !cfg.reachable(header);
}

bool modelled(const Function &f) {
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.op == Opcode::Set || in.op == Opcode::Get || in.op == Opcode::Speculate ||
          in.op == Opcode::Guard || in.op == Opcode::Commit)
        return false;
  return true;
}

} // namespace

unsigned constantTripCount(const Function &f, BlockId header, unsigned maxTrips) {
  CFG cfg(f);
  DominatorTree dom(cfg);
  LoopInfo loops(cfg, dom);
  for (const Loop &l : loops.loops())
    if (l.header == header && l.children.empty())
      return TripCounter(f, cfg, l).count(maxTrips);
  return 0;
}

bool unrollLoopsFully(Function &f, const FullUnrollOptions &o) {
  if (f.layout.empty() || !containsPhi(f) || !modelled(f))
    return false;
  // Loops that failed once: no count (retried after an unrolling elsewhere,
  // which may have made their bounds constant), or unrolled in vain.
  llvm::DenseSet<BlockId> uncounted, rejected;
  bool changed = false;
  for (unsigned attempt = 0; attempt < kMaxAttempts; ++attempt) {
    if (f.instrCount() > o.maxFunctionSize)
      break;
    BlockId header = kNoBlock;
    unsigned trips = 0;
    {
      CFG cfg(f);
      DominatorTree dom(cfg);
      LoopInfo loops(cfg, dom);
      for (const Loop &l : loops.loops()) {
        if (!l.children.empty() || l.header == f.entry() || rejected.contains(l.header) ||
            uncounted.contains(l.header))
          continue;
        size_t size = std::max<size_t>(loopSize(f, l), 1);
        unsigned limit = unsigned(std::min<size_t>(o.maxTrips, o.maxUnrolledSize / size));
        if (limit == 0)
          continue;
        if (unsigned n = TripCounter(f, cfg, l).count(limit)) {
          header = l.header;
          trips = n;
          break;
        }
        uncounted.insert(l.header);
      }
    }
    if (header == kNoBlock)
      break;
    Function saved = f;
    size_t before = f.instrCount();
    fromSSA(f);
    bool kept = peel(f, header, trips) && toSSA(f);
    if (kept) {
      cleanUp(f);
      size_t after = f.instrCount();
      kept = headerGone(f, header) && (after <= o.sizeLimit || after <= before);
    }
    if (!kept) {
      f = std::move(saved);
      rejected.insert(header);
      continue;
    }
    changed = true;
    uncounted.clear();
  }
  return changed;
}

} // namespace brisk
