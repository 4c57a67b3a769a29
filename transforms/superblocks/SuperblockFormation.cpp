#include "transforms/superblocks/SuperblockFormation.h"

#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "backend/TextPrinter.h"
#include "ir/BlockNames.h"
#include <iostream>
#include "transforms/superblocks/DeadCode.h"
#include "transforms/superblocks/GuardFacts.h"
#include "transforms/superblocks/RegionEmitter.h"

#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/DenseSet.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

namespace brisk {
namespace {

bool traceStillValid(const Function &f, const Trace &t) {
  for (BlockId b : t.blocks)
    if (b >= f.blocks.size() || f.block(b).dead)
      return false;
  return true;
}

// Whether liveness shows that every read of `f` finds its variable
// assigned (DefiniteAssignment's question, asked by trace selection): in a
// function without speculation, undef, phi, set or get, a read that may
// find its variable unassigned has a path from the entry on which nothing
// writes the variable, so the variable is live into the entry; parameters
// are assigned there. No variable but a parameter live into the entry:
// every read is assigned. (Else DefiniteAssignment decides.) `plain`: f
// has none of those instructions (functionConstants finds it).
bool readsAssignedByLiveness(const Function &f, const LiveSets &liveIn, bool plain) {
  if (!plain)
    return false;
  for (VarId v : liveIn[f.layout[0]])
    if (std::none_of(f.params.begin(), f.params.end(), [&](const Param &p) { return p.var == v; }))
      return false;
  return true;
}

// Variables written once in f, by an int/bool/char/float const, never a
// parameter: the defining instruction. `plain`, when given: whether f has
// no speculate, guard, commit, undef, phi, set or get (what
// readsAssignedByLiveness asks), and `guard`, when given: whether f has a
// `guard` (so that a CFG of f must scan for abort edges), both found in the
// same look at the instructions (on a large function each walk of them is
// memory traffic).
llvm::DenseMap<VarId, Instr> functionConstants(const Function &f, bool *plain = nullptr,
                                               bool *guard = nullptr) {
  // Per variable, one pointer: null while nothing writes it, its defining
  // instruction while that is its only write and a constant of one of
  // those types, else kNot. The kind of the first write is decided while
  // the walk is at it: a later look through a pointer per variable was a
  // cache miss per variable on a large function, and a count beside the
  // pointer was 4 more bytes per variable.
  static const Instr notConstant; // only its address is used
  const Instr *const kNot = &notConstant;
  const size_t numVars = f.numVars();
  std::vector<const Instr *> only(numVars, nullptr);
  bool isPlain = true, hasGuard = false;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs) {
      switch (in.op) {
      case Opcode::Guard:
        hasGuard = true;
        isPlain = false;
        break;
      case Opcode::Speculate: case Opcode::Commit: case Opcode::Undef:
      case Opcode::Phi: case Opcode::Set: case Opcode::Get:
        isPlain = false;
        break;
      default:
        break;
      }
      if (!in.hasDest())
        continue;
      const Instr *&slot = only[in.dest];
      slot = !slot && in.op == Opcode::Const &&
                     (in.type.isInt() || in.type.isBool() || in.type.isChar() ||
                      in.type.isFloat())
                 ? &in
                 : kNot;
    }
  for (const Param &p : f.params)
    only[p.var] = kNot;
  llvm::DenseMap<VarId, Instr> constants;
  for (VarId v = 0; v < numVars; ++v)
    if (only[v] && only[v] != kNot)
      constants[v] = *only[v];
  if (plain)
    *plain = isPlain;
  if (guard)
    *guard = hasGuard;
  return constants;
}

std::string fixed1(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", x);
  return buf;
}

// Search: every form tried for a trace. Loop traces try each unroll factor
// (speculative forms also the larger speculative factors, with and without a
// counted range guard); a straight trace has one form of each kind.
std::vector<Candidate> candidatesFor(const Trace &t, const SuperblockOptions &options) {
  std::vector<Candidate> cands;
  for (bool spec : {true, false}) {
    if (spec && !options.speculation)
      continue;
    if (!t.isLoop) {
      cands.push_back({spec, 1, false});
      continue;
    }
    std::vector<unsigned> factors = options.unrollFactors;
    if (spec)
      factors.insert(factors.end(), options.speculativeUnrollFactors.begin(),
                     options.speculativeUnrollFactors.end());
    for (unsigned k : factors) {
      cands.push_back({spec, k, false});
      if (spec && k >= 2)
        cands.push_back({spec, k, true});
    }
  }
  return cands;
}

// Candidates whose outcome an earlier one already gave: the branch form of
// an unroll factor whose speculative form had nothing to guard (it emitted
// that very branch form: Outcome::sameAsBranchForm), and the counted forms
// after one found no counted exit (whatever the factor). Building them
// again would only repeat the outcome, which was weighed already; what is
// left to do is to remember its failure, as the search does.
class Repeats {
public:
  const Outcome *known(Candidate c) const {
    if (!c.speculative)
      if (auto it = branchForms_.find(c.unroll); it != branchForms_.end())
        return &it->second;
    return c.counted && noCountedExit_ ? &*noCountedExit_ : nullptr;
  }
  void record(Candidate c, const Outcome &o) {
    if (o.sameAsBranchForm)
      branchForms_.try_emplace(c.unroll, o);
    if (c.counted && !o.ok && o.failure == kNoCountedExit)
      noCountedExit_ = o;
  }
  static constexpr const char *kNoCountedExit = "no counted loop exit";

private:
  llvm::SmallDenseMap<unsigned, Outcome, 8> branchForms_;
  std::optional<Outcome> noCountedExit_;
};

// A candidate emitted on a scratch copy of the function.
struct Tried {
  Candidate c;
  Outcome o;
  Function f;
  FunctionWeights w;
};

// The best form of each kind that fits the growth budget, and why the others
// did not count.
struct SearchResult {
  std::optional<Tried> spec, plain;
  std::string lastFailure;
  long long overBudget = 0; // the smallest growth refused for the budget (0: none)
};

SearchResult searchForms(const Function &f, const FunctionWeights &weights, const Trace &t,
                         const SuperblockOptions &options, double budget, bool debug) {
  SearchResult r;
  Repeats repeats;
  for (Candidate c : candidatesFor(t, options)) {
    if (const Outcome *known = repeats.known(c)) {
      if (!known->ok)
        r.lastFailure = known->failure;
      continue;
    }
    Function scratch = f;
    FunctionWeights sw = weights;
    Outcome o = emitRegion(scratch, sw, t, options, c);
    repeats.record(c, o);
    if (debug)
      std::fprintf(stderr, "[sb] %s head=%s spec=%d K=%u counted=%d ok=%d (%s) saving=%.1f "
                           "growth=%lld used=%d\n",
                   f.name.c_str(), blockRef(f, t.blocks[0]).c_str(), c.speculative,
                   c.unroll, c.counted, o.ok, o.failure.c_str(), o.saving(), o.growth,
                   o.usedSpeculation);
    if (!o.ok) {
      r.lastFailure = o.failure;
      continue;
    }
    double allowed = budget + (o.usedSpeculation && t.isLoop ? options.speculativeGrowth : 0);
    if (double(scratch.instrCount()) > allowed) {
      if (!r.overBudget || o.growth < r.overBudget)
        r.overBudget = o.growth;
      continue;
    }
    std::optional<Tried> &slot = o.usedSpeculation ? r.spec : r.plain;
    if (!slot || o.saving() > slot->o.saving() + 1e-9)
      slot.emplace(Tried{c, o, std::move(scratch), std::move(sw)});
  }
  return r;
}

// ---------------------------------------------------------------------------
// Region-scoped evaluation (see the header: "Compile time").

// The layout as a doubly linked list while regions are spliced in, so that
// inserting a region costs its size, not the function's.
struct LinkedLayout {
  std::vector<BlockId> next, prev;
  BlockId first = kNoBlock;

  void build(const Function &f) {
    next.assign(f.blocks.size(), kNoBlock);
    prev.assign(f.blocks.size(), kNoBlock);
    first = f.layout.empty() ? kNoBlock : f.layout[0];
    for (size_t i = 0; i + 1 < f.layout.size(); ++i) {
      next[f.layout[i]] = f.layout[i + 1];
      prev[f.layout[i + 1]] = f.layout[i];
    }
  }
  void grow(size_t n) {
    if (next.size() < n) {
      next.resize(n, kNoBlock);
      prev.resize(n, kNoBlock);
    }
  }
  void insertBefore(BlockId at, BlockId b) {
    BlockId p = prev[at];
    prev[b] = p;
    next[b] = at;
    prev[at] = b;
    if (p != kNoBlock)
      next[p] = b;
    else
      first = b;
  }
  void insertAfter(BlockId at, BlockId b) {
    BlockId n = next[at];
    next[b] = n;
    prev[b] = at;
    next[at] = b;
    if (n != kNoBlock)
      prev[n] = b;
  }
  void unlink(BlockId b) {
    BlockId p = prev[b], n = next[b];
    if (p != kNoBlock)
      next[p] = n;
    else
      first = n;
    if (n != kNoBlock)
      prev[n] = p;
    next[b] = prev[b] = kNoBlock;
  }
  std::vector<BlockId> order() const {
    std::vector<BlockId> out;
    for (BlockId b = first; b != kNoBlock; b = next[b])
      out.push_back(b);
    return out;
  }
};

// Whole-function facts a region scratch cannot see, taken on f and trusted
// for a block until an accepted region touches it (then taken again). Why a
// stale fact stays sound for an untouched block: a region only adds copies
// that read and write what the original code does at the same point (plus
// fresh variables, which have no facts here and are treated as live and
// non-constant), and its clean-up only deletes reads and dead writes; so
// liveness at an untouched block can only shrink, and a constant stays the
// only value its variable holds.
struct Snapshot {
  bool valid = false;
  size_t numBlocks = 0, numVars = 0;
  std::unique_ptr<CFG> cfg;
  std::unique_ptr<DominatorTree> dom;
  LiveSets liveIn; // speculativeLiveIn(f)
  // Variables written once in f, by an int/bool/char const, never a
  // parameter: the defining instruction. (Every read of f is definitely
  // assigned: selectTraces forms no trace otherwise.)
  llvm::DenseMap<VarId, Instr> constants;
  std::vector<bool> touched; // by an accepted region since the snapshot

  // `cfg`, `dom`, `live` and `consts`, when given, are f's as it is (else
  // they are built).
  void take(const Function &f, std::unique_ptr<CFG> builtCFG = nullptr,
            std::unique_ptr<DominatorTree> builtDom = nullptr,
            std::optional<LiveSets> live = std::nullopt,
            std::optional<llvm::DenseMap<VarId, Instr>> consts = std::nullopt) {
    numBlocks = f.blocks.size();
    numVars = f.numVars();
    cfg = builtCFG ? std::move(builtCFG) : std::make_unique<CFG>(f);
    dom = builtDom ? std::move(builtDom) : std::make_unique<DominatorTree>(*cfg);
    liveIn = live ? std::move(*live) : speculativeLiveIn(f);
    constants = consts ? std::move(*consts) : functionConstants(f);
    touched.assign(numBlocks, false);
    valid = true;
  }
  bool fresh(BlockId b) const { return valid && b < numBlocks && !touched[b]; }

  // The natural loop of `h` as LoopInfo (analysis/Loops.h) lists it, the
  // header first and then its body in RPO; empty when no back edge enters
  // h. Found from h's latches alone, so that a trace costs its loop, not
  // the function (LoopInfo over all of f on every snapshot cost more than
  // the regions).
  std::vector<BlockId> naturalLoop(BlockId h) const {
    std::vector<BlockId> body, work;
    llvm::DenseSet<BlockId> inLoopMark;
    for (BlockId p : cfg->preds(h))
      if (dom->dominates(h, p) && p != h && inLoopMark.insert(p).second) {
        body.push_back(p);
        work.push_back(p);
      }
    bool latched = false;
    for (BlockId p : cfg->preds(h))
      latched |= dom->dominates(h, p);
    while (!work.empty()) {
      BlockId b = work.back();
      work.pop_back();
      for (BlockId p : cfg->preds(b))
        if (p != h && inLoopMark.insert(p).second) {
          body.push_back(p);
          work.push_back(p);
        }
    }
    if (!latched)
      return {};
    std::sort(body.begin(), body.end(),
              [&](BlockId a, BlockId b) { return cfg->rpoIndex(a) < cfg->rpoIndex(b); });
    body.insert(body.begin(), h);
    return body;
  }
  void touch(BlockId b) {
    if (b < touched.size())
      touched[b] = true;
  }
};

// A region scratch: a small Function holding the blocks a trace's region
// changes (its trace, and for a loop trace the whole loop), plus blocks
// that stand for the rest of the function:
//   S0            the entry; where the emitter puts what belongs in f's
//                 entry block (a counted chunk's constant)
//   S1, D...      constants of f that the scratch reads (so that they stay
//                 known), then a dispatch that reaches every Pre block and
//                 every gap block (so that none is removed as unreachable)
//   Pre_X         for each scratch block X entered from outside: writes
//                 every non-constant variable of the scratch (opaquely),
//                 then jmp X (for the head, the jump the emitter redirects
//                 like f's own). Every read of f is definitely assigned
//                 (selectTraces forms no trace otherwise, and regions keep
//                 it so), so no read in the scratch may look unassigned
//   Poison        unreachable; writes every non-constant variable once more,
//                 so that a variable written outside the scratch never looks
//                 written once
//   B_Y           for each successor Y outside the scratch: reads everything
//                 live into Y in f, then ret
//   chains        maximal runs of scratch blocks adjacent in f's layout, in
//                 that order, each followed by a gap block (B_Y for the
//                 block the run falls through to, else a bare ret), so that
//                 fall-through and jump-to-next mean what they mean in f.
struct Scratch {
  enum Kind : uint8_t { Real, Boundary, Only };
  Function f;
  FunctionWeights w;
  Trace t;
  std::vector<BlockId> toF;   // scratch block -> f block (Real, Boundary)
  std::vector<uint8_t> kind;  // of scratch blocks below baseBlocks
  std::vector<VarId> varToF;  // scratch var -> f var; kNoVar: scratch only
  size_t baseBlocks = 0, baseVars = 0;
  BlockId s0 = kNoBlock, preHead = kNoBlock;
  std::vector<BlockId> real, boundaries, headPreds; // f ids
  std::vector<BlockId> realS;                       // scratch ids of `real`
  // Each chain's gap block -> the chain's first block (scratch ids): where
  // the new blocks of a chain whose own blocks all died belong in f.
  llvm::DenseMap<BlockId, BlockId> chainOfGap;
  long long realInstrs = 0;

  // Empty, as made, but the vectors keep their capacity for the next trace.
  void reset() {
    f = Function();
    w = FunctionWeights();
    t = Trace();
    for (std::vector<BlockId> *v : {&toF, &varToF, &real, &boundaries, &headPreds, &realS})
      v->clear();
    kind.clear();
    baseBlocks = baseVars = 0;
    s0 = preHead = kNoBlock;
    chainOfGap.clear();
    realInstrs = 0;
  }
};

enum class Build { Built, Stale, Unsupported };

Instr plainInstr(Opcode op) {
  Instr in;
  in.op = op;
  return in;
}

// `v = call @sb.outside`: a write of an unknown value that nothing folds
// or deletes (a call is opaque to GuardFacts and an effect to dead code),
// standing for the writes of f outside the scratch. Never spliced back.
Instr opaqueWrite(VarId v, Type type) {
  Instr in = plainInstr(Opcode::Call);
  in.dest = v;
  in.type = type;
  static const Symbol outside("sb.outside"); // (interned once, not per write)
  in.callee = outside;
  return in;
}

// buildScratch's working sets, and savingBound's (with the copy of the
// scratch it probes), kept by formSuperblocks from one trace to the next
// for their capacity (contents dead between calls): made afresh, they were
// a dozen containers grown anew for every trace, and a probe copied every
// block.
struct ScratchBuffers {
  Function probe;
  FunctionWeights probeWeights;
  // savingBound's: the trace's instructions around the loop, where each
  // block starts among them, and the set G.
  struct At {
    const Instr *in;
    BlockId off; // a branch's off-trace target; kNoBlock otherwise
  };
  std::vector<At> seq;
  std::vector<size_t> startOf;
  std::vector<uint8_t> inG;
  std::vector<BlockId> R, entered, pre, chainsLayout, gaps, targets, dispatch;
  llvm::DenseSet<BlockId> inR, gapBoundary;
  llvm::DenseMap<VarId, VarId> toS;
  llvm::DenseSet<VarId> definedInR;
  std::vector<Type> types;
  llvm::DenseMap<BlockId, BlockId> blockToS;
  void clear() {
    for (std::vector<BlockId> *v : {&R, &entered, &pre, &chainsLayout, &gaps, &targets, &dispatch})
      v->clear();
    inR.clear();
    gapBoundary.clear();
    toS.clear();
    definedInR.clear();
    types.clear();
    blockToS.clear();
  }
};

Build buildScratch(const Function &f, const LinkedLayout &layout, const FunctionWeights &weights,
                   const Snapshot &snap, const Trace &t, Scratch &s, ScratchBuffers &buf) {
  const BlockId head = t.blocks[0];
  buf.clear();
  std::vector<BlockId> &R = buf.R;
  llvm::DenseSet<BlockId> &inR = buf.inR;
  auto addReal = [&](BlockId b) {
    if (inR.insert(b).second)
      R.push_back(b);
  };
  for (BlockId b : t.blocks)
    addReal(b);
  if (!snap.fresh(head))
    return Build::Stale;
  if (t.isLoop) {
    if (!snap.cfg->reachable(head))
      return Build::Unsupported;
    std::vector<BlockId> loop = snap.naturalLoop(head);
    if (loop.empty())
      return Build::Unsupported;
    for (BlockId b : loop)
      addReal(b);
  }
  auto plain = [&](BlockId b) {
    for (const Instr &in : f.block(b).instrs)
      if (in.op == Opcode::Speculate || in.op == Opcode::Guard || in.op == Opcode::Commit ||
          in.op == Opcode::Phi || in.op == Opcode::Set || in.op == Opcode::Get)
        return false;
    return true;
  };
  if (!t.isLoop) {
    // The head's chain of single predecessors comes along: GuardFacts
    // folds the region under what their branches imply, as it does in f.
    BlockId c = head;
    for (int depth = 0; depth < 4; ++depth) {
      BlockRange ps = snap.cfg->preds(c);
      if (ps.size() != 1)
        break;
      BlockId p = ps[0];
      if (inR.count(p) || p == layout.first || !snap.fresh(p) || f.block(p).dead || !plain(p) ||
          (!f.block(p).terminator() && layout.next[p] == kNoBlock))
        break;
      addReal(p);
      c = p;
    }
  }
  for (BlockId x : R) {
    if (!snap.fresh(x) || f.block(x).dead)
      return Build::Stale;
    if (x == layout.first || !snap.cfg->reachable(x))
      return Build::Unsupported;
    for (const Instr &in : f.block(x).instrs)
      if (in.op == Opcode::Speculate || in.op == Opcode::Guard || in.op == Opcode::Commit ||
          in.op == Opcode::Phi || in.op == Opcode::Set || in.op == Opcode::Get)
        return Build::Unsupported;
    if (!f.block(x).terminator() && layout.next[x] == kNoBlock)
      return Build::Unsupported; // falls off the end of f
  }
  // Entries from outside.
  std::vector<BlockId> &entered = buf.entered;
  for (BlockId x : R) {
    bool outside = false;
    for (BlockId p : snap.cfg->preds(x))
      if (!inR.count(p)) {
        outside = true;
        if (x != head)
          continue;
        // The scratch redirects the jumps into the head, not a guard's
        // recovery edge: leave such a head to the whole-function copy.
        for (const Instr &in : f.block(p).instrs)
          if (in.op == Opcode::Guard && in.labels[0] == head)
            return Build::Unsupported;
        s.headPreds.push_back(p);
      }
    if (x == head) {
      if (!outside && t.isLoop)
        return Build::Unsupported;
    } else if (outside) {
      if (t.isLoop)
        return Build::Unsupported; // a side entry into the loop body
      entered.push_back(x);
    }
  }
  const bool headEntered = !s.headPreds.empty();
  if (headEntered)
    entered.insert(entered.begin(), head);
  if (entered.empty())
    return Build::Unsupported;

  // Variables.
  Function &sf = s.f;
  sf.name = f.name;
  sf.returnType = f.returnType;
  llvm::DenseMap<VarId, VarId> &toS = buf.toS;
  llvm::DenseSet<VarId> &definedInR = buf.definedInR;
  std::vector<Type> &types = buf.types;
  // f's variables in order of first appearance take the scratch's first
  // ids: listed first, then named all at once (distinct names, in a
  // Function with none yet: the ids come out in that order).
  auto addVar = [&](VarId v, const Type *ty) {
    auto [it, inserted] = toS.try_emplace(v, VarId(s.varToF.size()));
    if (inserted) {
      s.varToF.push_back(v);
      types.push_back(Type::intTy());
    }
    if (ty)
      types[it->second] = *ty;
    return it->second;
  };
  for (BlockId x : R)
    for (const Instr &in : f.block(x).instrs) {
      for (VarId a : in.args)
        addVar(a, nullptr);
      if (in.hasDest()) {
        addVar(in.dest, &in.type);
        definedInR.insert(in.dest);
      }
    }
  const size_t fromF = s.varToF.size();
  sf.reserveVars(fromF);
  for (VarId v : s.varToF)
    sf.addNewVar(f.varName(v));

  // Blocks.
  auto add = [&](Scratch::Kind k, BlockId fb, std::string label = {}) {
    BlockId b = sf.addBlock(std::move(label));
    s.kind.push_back(k);
    s.toF.push_back(fb);
    return b;
  };
  s.s0 = add(Scratch::Only, kNoBlock);
  BlockId s1 = add(Scratch::Only, kNoBlock);
  llvm::DenseMap<BlockId, BlockId> &blockToS = buf.blockToS;
  std::vector<BlockId> &pre = buf.pre;
  for (size_t i = 0; i < entered.size(); ++i)
    pre.push_back(add(Scratch::Only, kNoBlock));
  s.preHead = headEntered ? pre[0] : kNoBlock;
  BlockId poison = add(Scratch::Only, kNoBlock);
  for (BlockId x : R) {
    blockToS[x] = add(Scratch::Real, x, f.block(x).label);
    s.real.push_back(x);
    s.realS.push_back(blockToS[x]);
    s.realInstrs += (long long)f.block(x).instrs.size();
  }
  auto boundaryOf = [&](BlockId y) -> std::optional<BlockId> {
    if (auto it = blockToS.find(y); it != blockToS.end())
      return it->second;
    if (y >= snap.numBlocks || f.block(y).dead)
      return std::nullopt;
    BlockId b = add(Scratch::Boundary, y);
    blockToS[y] = b;
    s.boundaries.push_back(y);
    return b;
  };
  for (BlockId x : R) {
    if (const Instr *term = f.block(x).terminator()) {
      for (BlockId l : term->labels)
        if (!boundaryOf(l))
          return Build::Stale;
    } else if (!boundaryOf(layout.next[x])) {
      return Build::Stale;
    }
  }
  // Instructions of the scratch blocks, renamed.
  for (BlockId x : R) {
    std::vector<Instr> &ins = sf.block(blockToS[x]).instrs;
    ins = f.block(x).instrs;
    for (Instr &in : ins) {
      for (VarId &a : in.args)
        a = toS[a];
      if (in.hasDest())
        in.dest = toS[in.dest];
      for (BlockId &l : in.labels)
        l = blockToS[l];
    }
  }
  for (BlockId y : s.boundaries) {
    Instr use = plainInstr(Opcode::Print);
    llvm::ArrayRef<VarId> live = snap.liveIn[y];
    for (VarId v = 0; v < fromF; ++v) {
      VarId fv = s.varToF[v];
      if (fv >= snap.numVars || std::binary_search(live.begin(), live.end(), fv))
        use.args.push_back(v);
    }
    std::vector<Instr> &ins = sf.block(blockToS[y]).instrs;
    ins.reserve(2);
    if (!use.args.empty())
      ins.push_back(std::move(use));
    ins.push_back(plainInstr(Opcode::Ret));
  }
  for (size_t i = 0; i < entered.size(); ++i) {
    std::vector<Instr> &ins = sf.block(pre[i]).instrs;
    ins.reserve(fromF + 1);
    for (VarId v = 0; v < fromF; ++v) {
      VarId fv = s.varToF[v];
      if (!snap.constants.count(fv)) {
        ins.push_back(opaqueWrite(v, types[v]));
      }
    }
    ins.push_back(makeJump(blockToS[entered[i]]));
  }
  sf.block(poison).instrs.reserve(fromF + 1);
  for (VarId v = 0; v < fromF; ++v) {
    VarId fv = s.varToF[v];
    auto c = snap.constants.find(fv);
    if (c != snap.constants.end()) {
      if (!definedInR.count(fv)) {
        Instr seed = c->second;
        seed.dest = v;
        sf.block(s1).instrs.push_back(std::move(seed));
      }
      continue;
    }
    sf.block(poison).instrs.push_back(opaqueWrite(v, types[v]));
  }
  sf.block(poison).instrs.push_back(plainInstr(Opcode::Ret));

  // Layout: the front, then the chains with their gaps.
  std::vector<BlockId> &chainsLayout = buf.chainsLayout, &gaps = buf.gaps;
  llvm::DenseSet<BlockId> &gapBoundary = buf.gapBoundary;
  for (BlockId x : R) {
    BlockId p = layout.prev[x];
    if (p != kNoBlock && inR.count(p))
      continue;
    BlockId last = x;
    for (BlockId c = x; c != kNoBlock && inR.count(c); c = layout.next[c]) {
      chainsLayout.push_back(blockToS[c]);
      last = c;
    }
    BlockId gap;
    if (!f.block(last).terminator()) {
      gap = blockToS[layout.next[last]];
      gapBoundary.insert(gap);
    } else {
      gap = add(Scratch::Only, kNoBlock);
      sf.block(gap).instrs.push_back(plainInstr(Opcode::Ret));
    }
    chainsLayout.push_back(gap);
    gaps.push_back(gap);
    s.chainOfGap[gap] = blockToS[x];
  }
  // Dispatch: S1 (and D blocks) branch on fresh unknowns to every Pre and gap.
  std::vector<BlockId> &targets = buf.targets;
  targets.assign(pre.begin(), pre.end());
  targets.insert(targets.end(), gaps.begin(), gaps.end());
  std::vector<BlockId> &dispatch = buf.dispatch;
  dispatch.assign(1, s1);
  for (size_t i = 0; i + 1 < targets.size(); ++i) {
    BlockId d = dispatch.back();
    BlockId nextD = i + 2 < targets.size() ? add(Scratch::Only, kNoBlock) : targets[i + 1];
    Instr br = plainInstr(Opcode::Br);
    br.args.push_back(sf.freshVar("sb.dispatch"));
    br.labels = {targets[i], nextD};
    sf.block(d).instrs.push_back(std::move(br));
    if (i + 2 < targets.size())
      dispatch.push_back(nextD);
  }
  if (targets.size() == 1)
    sf.block(s1).instrs.push_back(makeJump(targets[0]));
  sf.block(s.s0).instrs.push_back(makeJump(s1));
  sf.layout.reserve(2 + dispatch.size() + pre.size() + s.boundaries.size() +
                    chainsLayout.size());
  sf.layout.push_back(s.s0);
  sf.layout.insert(sf.layout.end(), dispatch.begin(), dispatch.end());
  sf.layout.insert(sf.layout.end(), pre.begin(), pre.end());
  sf.layout.push_back(poison);
  for (BlockId y : s.boundaries)
    if (!gapBoundary.count(blockToS[y]))
      sf.layout.push_back(blockToS[y]);
  sf.layout.insert(sf.layout.end(), chainsLayout.begin(), chainsLayout.end());
  s.baseBlocks = sf.blocks.size();
  s.baseVars = sf.numVars();
  s.varToF.resize(s.baseVars, kNoVar);

  // Weights.
  s.w.entryCount = weights.entryCount;
  s.w.reserve(sf.blocks.size());
  for (BlockId x : R) {
    s.w.setBlock(blockToS[x], weights.block(x));
    for (auto [to, c] : weights.edgesOut(x))
      if (auto it = blockToS.find(to); it != blockToS.end())
        s.w.setEdge(blockToS[x], it->second, c);
  }
  for (BlockId y : s.boundaries)
    s.w.setBlock(blockToS[y], weights.block(y));
  s.t = t;
  for (BlockId &b : s.t.blocks)
    b = blockToS[b];
  return Build::Built;
}

bool isScratchReal(const Scratch &s, BlockId b) {
  return b >= s.baseBlocks || s.kind[b] == Scratch::Real;
}

// What the emitter added to the scratch entry (S0 minus its jump).
size_t entryAdditions(const Scratch &s, const Function &sf) {
  const auto &ins = sf.block(s.s0).instrs;
  return ins.size() - (!ins.empty() && ins.back().op == Opcode::Jmp ? 1 : 0);
}

// The instructions a region adds to f: the scratch's own blocks after
// emission minus before, and what went into f's entry.
long long scratchGrowth(const Scratch &s, const Function &sf) {
  long long n = 0;
  for (BlockId b : sf.layout)
    if (isScratchReal(s, b))
      n += (long long)sf.block(b).instrs.size();
  return n + (long long)entryAdditions(s, sf) - s.realInstrs;
}

SearchResult searchScratch(const Function &f, const Scratch &base, const SuperblockOptions &options,
                           double budget, long long size, bool debug, bool dump) {
  SearchResult r;
  Repeats repeats;
  Function scratch;
  FunctionWeights sw;
  for (Candidate c : candidatesFor(base.t, options)) {
    if (const Outcome *known = repeats.known(c)) {
      if (debug)
        std::fprintf(stderr, "[sb] %s head=%s spec=%d K=%u counted=%d: as an earlier form\n",
                     f.name.c_str(), blockRef(f, base.real[0]).c_str(), c.speculative, c.unroll,
                     c.counted);
      if (!known->ok)
        r.lastFailure = known->failure;
      continue;
    }
    // Assigned, not constructed: the blocks and instruction lists of the
    // last candidate's copy are reused where they fit.
    scratch = base.f;
    sw = base.w;
    Outcome o = emitRegion(scratch, sw, base.t, options, c, /*hintLabels=*/true);
    repeats.record(c, o);
    if (o.ok)
      o.growth = scratchGrowth(base, scratch);
    if (dump)
      printFunction(scratch, std::cerr);
    if (debug)
      std::fprintf(stderr, "[sb] %s head=%s spec=%d K=%u counted=%d ok=%d (%s) saving=%.1f "
                           "growth=%lld used=%d (region scratch, %zu blocks)\n",
                   f.name.c_str(), blockRef(f, base.real[0]).c_str(), c.speculative, c.unroll,
                   c.counted, o.ok, o.failure.c_str(), o.saving(), o.growth, o.usedSpeculation,
                   base.real.size());
    if (!o.ok) {
      r.lastFailure = o.failure;
      continue;
    }
    double allowed = budget + (o.usedSpeculation && base.t.isLoop ? options.speculativeGrowth : 0);
    if (double(size + o.growth) > allowed) {
      if (!r.overBudget || o.growth < r.overBudget)
        r.overBudget = o.growth;
      continue;
    }
    std::optional<Tried> &slot = o.usedSpeculation ? r.spec : r.plain;
    if (!slot || o.saving() > slot->o.saving() + 1e-9)
      slot.emplace(Tried{c, o, std::move(scratch), std::move(sw)});
  }
  return r;
}

// "sb.12" -> "sb": the hint a fresh name was made from.
std::string hintOf(const std::string &name) {
  size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot + 1 == name.size())
    return name;
  for (size_t i = dot + 1; i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9')
      return name;
  return name.substr(0, dot);
}

// Splices the chosen scratch back into f: its blocks replace the originals,
// its new blocks and variables get fresh f names, outside jumps into the
// head follow the scratch's own (Pre_head's), f's entry gets what S0 got.
// Returns false, changing nothing, when the scratch refers to a block or
// variable that stands for no part of f.
bool spliceScratch(Function &f, FunctionWeights &weights, LinkedLayout &layout, Snapshot &snap,
                   const Scratch &s, const Function &sf, const FunctionWeights &sw) {
  llvm::DenseSet<BlockId> alive(sf.layout.begin(), sf.layout.end());
  auto valid = [&](const Instr &in) {
    for (BlockId l : in.labels)
      if (l < s.baseBlocks ? s.kind[l] == Scratch::Only : !alive.count(l))
        return false;
    for (VarId a : in.args)
      if (a < s.baseVars && s.varToF[a] == kNoVar)
        return false;
    return !(in.hasDest() && in.dest < s.baseVars && s.varToF[in.dest] == kNoVar);
  };
  const auto &entryIns = sf.block(s.s0).instrs;
  size_t entryAdded = entryAdditions(s, sf);
  for (size_t i = 0; i < entryAdded; ++i)
    if (!valid(entryIns[i]))
      return false;
  for (BlockId b : sf.layout)
    if (isScratchReal(s, b))
      for (const Instr &in : sf.block(b).instrs)
        if (!valid(in))
          return false;
  // Where each new block goes: after the block before it in the scratch
  // (a split piece, the rest of a region), else before the scratch block
  // after it (the region in front of the head), else, when every block of
  // its chain died, where that chain was in f (before its first block, still
  // linked until the dead are unlinked below). Not before the head: when the
  // head died, a block of f falling through into it must reach the region's
  // entry, not the orphan pieces of another chain (a guard's recovery piece
  // of a later trace block laid out elsewhere). Pieces with no place while
  // the head lives are not a shape the emitter makes.
  const BlockId head = s.real[0];
  const BlockId headS = s.t.blocks[0];
  struct Place {
    BlockId block;
    bool after;
    BlockId at; // scratch id (Real or new)
  };
  std::vector<Place> plan;
  {
    BlockId anchor = kNoBlock;
    std::vector<BlockId> pending;
    auto flush = [&](BlockId at) {
      for (BlockId n : pending)
        plan.push_back({n, false, at});
      pending.clear();
    };
    for (BlockId b : sf.layout) {
      if (b >= s.baseBlocks) {
        if (anchor != kNoBlock) {
          plan.push_back({b, true, anchor});
          anchor = b;
        } else {
          pending.push_back(b);
        }
      } else if (s.kind[b] == Scratch::Real) {
        flush(b);
        anchor = b;
      } else {
        if (!pending.empty() && alive.count(headS))
          return false;
        auto chain = s.chainOfGap.find(b);
        flush(chain != s.chainOfGap.end() ? chain->second : headS);
        anchor = kNoBlock;
      }
    }
    if (!pending.empty() && alive.count(headS))
      return false;
    flush(headS);
  }

  llvm::DenseMap<BlockId, BlockId> newToF;
  for (BlockId b : sf.layout)
    if (b >= s.baseBlocks) {
      const std::string &label = sf.block(b).label;
      newToF[b] = label.empty() ? f.addBlock() : f.addFreshBlock(hintOf(label));
    }
  layout.grow(f.blocks.size());
  auto mapBlock = [&](BlockId b) { return b < s.baseBlocks ? s.toF[b] : newToF.lookup(b); };
  llvm::DenseMap<VarId, VarId> newVars;
  auto mapVar = [&](VarId v) {
    if (v < s.baseVars)
      return s.varToF[v];
    auto [it, inserted] = newVars.try_emplace(v, kNoVar);
    if (inserted)
      it->second = f.freshVar(hintOf(sf.varName(v)));
    return it->second;
  };
  auto mapInstr = [&](Instr in) {
    for (VarId &a : in.args)
      a = mapVar(a);
    if (in.hasDest())
      in.dest = mapVar(in.dest);
    for (BlockId &l : in.labels)
      l = mapBlock(l);
    return in;
  };
  for (BlockId b : sf.layout)
    if (isScratchReal(s, b)) {
      std::vector<Instr> ins;
      ins.reserve(sf.block(b).instrs.size());
      for (const Instr &in : sf.block(b).instrs)
        ins.push_back(mapInstr(in));
      f.block(mapBlock(b)).instrs = std::move(ins);
    }
  if (entryAdded) {
    std::vector<Instr> added;
    for (size_t i = 0; i < entryAdded; ++i)
      added.push_back(mapInstr(entryIns[i]));
    auto &entry = f.block(layout.first).instrs;
    entry.insert(entry.begin(), added.begin(), added.end());
  }
  // Outside jumps into the head go where the scratch's do.
  const Instr *preJump = s.preHead == kNoBlock ? nullptr : &sf.block(s.preHead).instrs.back();
  if (preJump && preJump->op == Opcode::Jmp && preJump->labels[0] != headS) {
    BlockId to = mapBlock(preJump->labels[0]);
    for (BlockId p : s.headPreds)
      if (!f.block(p).dead)
        if (Instr *term = f.block(p).terminator())
          if (term->op == Opcode::Jmp || term->op == Opcode::Br)
            for (BlockId &l : term->labels)
              if (l == head)
                l = to;
  }
  for (const Place &p : plan) {
    BlockId nb = newToF[p.block], at = mapBlock(p.at);
    if (p.after)
      layout.insertAfter(at, nb);
    else
      layout.insertBefore(at, nb);
  }
  for (size_t i = 0; i < s.real.size(); ++i)
    if (!alive.count(s.realS[i])) {
      f.block(s.real[i]).dead = true;
      layout.unlink(s.real[i]);
    }
  // Weights of the scratch blocks and the new ones.
  for (BlockId b : sf.layout)
    if (isScratchReal(s, b)) {
      BlockId fb = mapBlock(b);
      weights.setBlock(fb, sw.block(b));
      weights.clearEdgesFrom(fb);
      for (auto [to, c] : sw.edgesFrom(b))
        if (to >= s.baseBlocks ? newToF.count(to) : s.kind[to] != Scratch::Only)
          weights.setEdge(fb, mapBlock(to), c);
    }
  for (BlockId x : s.real)
    snap.touch(x);
  for (BlockId y : s.boundaries)
    snap.touch(y);
  for (BlockId p : s.headPreds)
    snap.touch(p);
  return true;
}

// ---------------------------------------------------------------------------
// Bound (see the header): what no candidate of a loop trace can beat.

// Whether some candidate of loop trace `t` (in `sf`) may speculate: a
// branch a guard may replace (RegionEmitter's isGuardable asks first that
// the off-trace side be rare: 1 - p <= maxGuardFailure), or a comparison
// a counted form may take for its exit test (findCountedExit takes lt, le,
// gt or ge defining the branch's condition in its block). Without either,
// no candidate opens a speculation: each is its branch form. With
// speculation off every candidate is one.
bool maySpeculate(const Function &sf, const Trace &t, const SuperblockOptions &o) {
  if (!o.speculation)
    return false;
  for (size_t i = 0; i < t.blocks.size(); ++i) {
    const Block &b = sf.block(t.blocks[i]);
    const Instr *term = b.terminator();
    if (!term || term->op != Opcode::Br || term->labels[0] == term->labels[1])
      continue;
    if (!(1 - t.probability[i] > o.maxGuardFailure))
      return true;
    for (const Instr &in : b.instrs)
      if (in.dest == term->args[0] && (in.op == Opcode::Lt || in.op == Opcode::Le ||
                                       in.op == Opcode::Gt || in.op == Opcode::Ge))
        return true;
  }
  return false;
}

// An upper bound on the saving of every candidate of the scratch's loop
// trace, when no candidate speculates and clean-up cannot fold anything in
// the region; nullopt when that is not shown. `threshold`: a bound at least
// this large is not worth showing (the Folder run is skipped).
//
// Why it bounds. Without speculation a candidate with unroll factor K is K
// copies of the trace's instructions: a block of the region per branch,
// the copies of jumps and fall-throughs dropped (a jump to the next trace
// block costs 1 in `before` and nothing in the region; the chunk's last
// jump back stays), every branch copied as a branch, nothing else added
// but the chunk's `jmp` back when the last block falls through (a cost,
// not a saving). Position i of iteration j runs with flow e s^j P_i
// (CostModel.h; P_i the product of the stay probabilities before block
// i, jumps and fall-throughs counting 1), so the K copies of block i run
// with H P_i in all (e = H (1-s)/(1-s^K); at most that when s = 1). Then
// saving = before - after = sum over positions of flow x (instructions of
// the copy that clean-up removed, + 1 for a dropped jump), as failCost is 0
// without guards and a region block unreached is a removal of all it has.
//  - GuardFacts: regionFoldsNothing (RegionEmitter.h) on the largest K
//    shows it changes nothing in any block of any candidate's region; so
//    no branch folds (every block stays reached), and the region's
//    instructions and their reads are the copies'.
//  - GuardMerging has no guard to merge. Dead code then removes a pure
//    instruction only when its result is not live. Let G be the greatest
//    set of the trace's pure instructions each of which has, going forward
//    around the loop before its variable is written again, a reader that
//    is in G or not pure, or a branch whose off-trace target (a stand-in of
//    the scratch) reads it. In every region each copy of an instruction of
//    G has such a reader on a path (the next iteration of the last copy is
//    the chunk's first, past the jump back to the entry), and no copy of an
//    instruction of G is ever removed: the first one removed would have had
//    its reader still there, keeping its result live.
// So every candidate saves at most sum_i H P_i (pure instructions of block
// i outside G + 1 if block i ends in a jump). Pure instructions are the
// only ones dead code removes; GuardFacts removed none.
std::optional<double> savingBound(const Scratch &s, const SuperblockOptions &o,
                                  double threshold, ScratchBuffers &buf) {
  const Trace &t = s.t;
  const Function &sf = s.f;
  if (!t.isLoop || t.blocks.empty() || maySpeculate(sf, t, o))
    return std::nullopt;
  // The trace's instructions in order, around the loop.
  std::vector<ScratchBuffers::At> &seq = buf.seq;
  std::vector<size_t> &startOf = buf.startOf;
  seq.clear();
  startOf.clear();
  const size_t n = t.blocks.size();
  for (size_t i = 0; i < n; ++i) {
    startOf.push_back(seq.size());
    const auto &ins = sf.block(t.blocks[i]).instrs;
    BlockId next = t.blocks[(i + 1) % n];
    for (const Instr &in : ins) {
      BlockId off = kNoBlock;
      if (in.op == Opcode::Br && in.labels[0] != in.labels[1])
        off = in.labels[0] == next ? in.labels[1] : in.labels[0];
      seq.push_back({&in, off});
    }
  }
  startOf.push_back(seq.size());
  const size_t L = seq.size();
  if (L == 0 || L > 4096)
    return std::nullopt;
  auto removable = [&](size_t x) {
    const Instr &in = *seq[x].in;
    return in.hasDest() && in.op != Opcode::Phi && isPure(in.op);
  };
  auto readsAtOff = [&](BlockId off, VarId v) {
    if (off >= s.baseBlocks || s.kind[off] != Scratch::Boundary)
      return false; // not a stand-in: nothing shown
    const auto &ins = sf.block(off).instrs;
    return !ins.empty() && ins[0].op == Opcode::Print &&
           std::find(ins[0].args.begin(), ins[0].args.end(), v) != ins[0].args.end();
  };
  std::vector<uint8_t> &inG = buf.inG;
  inG.assign(L, 0);
  for (size_t x = 0; x < L; ++x)
    inG[x] = removable(x);
  auto hasReader = [&](size_t x) {
    VarId d = seq[x].in->dest;
    for (size_t k = 1; k <= L; ++k) {
      size_t y = (x + k) % L;
      const Instr &r = *seq[y].in;
      if (std::find(r.args.begin(), r.args.end(), d) != r.args.end() &&
          (!removable(y) || inG[y]))
        return true;
      if (seq[y].off != kNoBlock && readsAtOff(seq[y].off, d))
        return true;
      if (r.hasDest() && r.dest == d)
        return false;
    }
    return false;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t x = 0; x < L; ++x)
      if (inG[x] && !hasReader(x)) {
        inG[x] = 0;
        changed = true;
      }
  }
  const double H = s.w.block(t.blocks[0]);
  double bound = 0, P = 1;
  for (size_t i = 0; i < n; ++i) {
    double count = 0;
    for (size_t x = startOf[i]; x < startOf[i + 1]; ++x)
      count += removable(x) && !inG[x];
    const Instr *term = sf.block(t.blocks[i]).terminator();
    if (term && (term->op == Opcode::Jmp ||
                 (term->op == Opcode::Br && term->labels[0] == term->labels[1])))
      count += 1;
    bound += H * P * count;
    if (term && term->op == Opcode::Br && term->labels[0] != term->labels[1])
      P *= t.probability[i];
  }
  if (!(bound < threshold))
    return std::nullopt;
  unsigned K = 1;
  for (unsigned k : o.unrollFactors)
    K = std::max(K, k);
  if (o.speculation)
    for (unsigned k : o.speculativeUnrollFactors)
      K = std::max(K, k);
  // Assigned, not constructed: blocks the last probe left reuse their
  // buffers (regionFoldsNothing consumes it).
  buf.probe = s.f;
  buf.probeWeights = s.w;
  std::optional<bool> unchanged = regionFoldsNothing(buf.probe, buf.probeWeights, t, o, K);
  if (!unchanged || !*unchanged)
    return std::nullopt;
  return bound;
}

// Whether the bound shows that no candidate of the scratch's trace can be
// chosen: every candidate is a branch form (maySpeculate), and a branch
// form is chosen only when it saves minSaving. The computed savings differ
// from the exact ones by rounding (and the entry flow's by more when s is
// within 1e-12 of 1): a margin of 0.1% and 1e-9 per instruction run.
bool hopeless(const Scratch &s, const SuperblockOptions &o, double *bound,
              ScratchBuffers &buf) {
  if (!o.boundSaving || s.t.blocks.empty())
    return false;
  double H = s.w.block(s.t.blocks[0]);
  double slack = 1e-9 * (1 + H * double(s.realInstrs));
  double threshold = (o.minSaving - slack) / 1.001;
  std::optional<double> b = savingBound(s, o, threshold, buf);
  if (!b)
    return false;
  *bound = *b;
  return true;
}

// Decision: the speculative form when its price (what it costs more than the
// better of the branch form and the original code) is at most
// maxSpeculationPrice of the trace's work; else the branch form when it
// saves; else nothing. --force-speculation takes any speculative form,
// --best-form (preferSpeculation off) only one that costs nothing more.
Tried *chooseForm(SearchResult &r, const SuperblockOptions &options) {
  if (r.spec && options.forceSpeculation)
    return &*r.spec;
  double plainSaving = r.plain && r.plain->o.saving() >= options.minSaving ? r.plain->o.saving() : 0;
  if (r.spec) {
    double price = plainSaving - r.spec->o.saving();
    double allowed = options.preferSpeculation ? options.maxSpeculationPrice * r.spec->o.before : 0;
    if (price <= allowed)
      return &*r.spec;
  }
  if (r.plain && r.plain->o.saving() >= options.minSaving)
    return &*r.plain;
  return nullptr;
}

// Remarks: the decision, the form's figures, and the real reason.
void describe(RegionRemark &rm, const Trace &t, const SearchResult &r, const Tried *chosen,
              const SuperblockOptions &options) {
  rm.savingSpeculative = r.spec ? r.spec->o.saving() : 0;
  rm.savingBranches = r.plain ? r.plain->o.saving() : 0;
  const Tried *shown = chosen ? chosen : (r.spec ? &*r.spec : (r.plain ? &*r.plain : nullptr));
  if (shown) {
    rm.unroll = t.isLoop ? shown->c.unroll : 1;
    rm.guards = shown->o.guards;
    rm.sideExits = shown->o.sideExits;
    rm.commitsForEffects = shown->o.commitsForEffects;
    rm.sunkEffects = shown->o.sunkEffects;
    rm.expectedSaving = shown->o.saving();
    rm.growth = shown->o.growth;
    if (shown->o.usedSpeculation) {
      rm.commitInterval = t.isLoop ? shown->c.unroll : 1;
      rm.expectedOverhead = shown->o.overhead;
      rm.expectedRedo = shown->o.redo;
    }
  }
  std::string budgetNote =
      r.overBudget ? " (forms growing the function by " + std::to_string(r.overBudget) +
                         " or more instructions exceed the growth budget)"
                   : "";
  if (chosen && chosen->o.usedSpeculation) {
    rm.decision = "speculative";
    rm.reason = "speculation: saves " + fixed1(chosen->o.saving()) + " against the original, " +
                fixed1(chosen->o.saving() - rm.savingBranches) + " against the branch form" +
                (options.forceSpeculation ? " (forced)" : "");
    return;
  }
  if (chosen) {
    rm.decision = "branches";
    if (!options.speculation)
      rm.reason = "speculation disabled";
    else if (!r.spec)
      rm.reason = "no speculative form: nothing to guard (no rare branch or loop exit)" + budgetNote;
    else
      rm.reason = "the speculative form costs " + fixed1(rm.savingBranches - rm.savingSpeculative) +
                  " more than the branch form, over the price limit of " +
                  fixed1(options.maxSpeculationPrice * r.spec->o.before);
    return;
  }
  rm.decision = "rejected";
  if (!r.spec && !r.plain)
    rm.reason = r.overBudget ? "code growth budget: the smallest form adds " +
                                   std::to_string(r.overBudget) + " instructions"
                : r.lastFailure.empty() ? "no candidate"
                                        : r.lastFailure;
  else
    rm.reason = "no form saves: best speculative " + fixed1(rm.savingSpeculative) +
                ", best branch form " + fixed1(rm.savingBranches) + budgetNote;
}

} // namespace

bool formSuperblocks(Function &f, FunctionWeights &weights, const FunctionProfile *paths,
                     size_t sizeBefore, const SuperblockOptions &options,
                     std::vector<RegionRemark> *remarks) {
  const auto start = std::chrono::steady_clock::now();
  // The CFG and dominators trace selection takes serve the first snapshot
  // too, while f is unchanged: on a large function each costs a walk of it.
  // So do the live sets, which also answer trace selection's question
  // whether every read is assigned (readsAssignedByLiveness).
  std::unique_ptr<CFG> firstCFG;
  std::unique_ptr<DominatorTree> firstDom;
  std::optional<LiveSets> firstLive;
  std::optional<llvm::DenseMap<VarId, Instr>> firstConstants;
  std::vector<Trace> traces;
  if (!f.layout.empty() && weights.hasData()) {
    // The constants' walk comes first: it also tells whether f has a
    // `guard`, and without one the CFG reads the terminators alone instead
    // of walking every instruction again (f may carry guards here: the
    // input's, or a speculative unrolling's, so it must be looked at).
    bool plain = false, guard = true;
    firstConstants = functionConstants(f, &plain, &guard);
    firstCFG = std::make_unique<CFG>(f, guard ? CFG::Guards::Scan : CFG::Guards::Absent);
    firstDom = std::make_unique<DominatorTree>(*firstCFG);
    traces = selectTraces(f, weights, paths, options.trace, *firstCFG, *firstDom, [&] {
      firstLive = speculativeLiveIn(f, plain);
      return readsAssignedByLiveness(f, *firstLive, plain);
    }, plain);
  }
  bool changed = false, spliced = false;
  double budget = options.growthLimit * double(std::max<size_t>(sizeBefore, 1));
  // BRISK_SB_DEBUG=1 lists every candidate the cost model measured (and
  // the time of the snapshots and the final clean-up); BRISK_SB_DUMP=1 also
  // prints each candidate's scratch; BRISK_SB_WHOLE=1 measures every
  // candidate on a copy of the whole function instead (the old way).
  const bool debug = std::getenv("BRISK_SB_DEBUG") != nullptr;
  const bool dump = std::getenv("BRISK_SB_DUMP") != nullptr;
  const bool whole = std::getenv("BRISK_SB_WHOLE") != nullptr;
  // BRISK_SB_NO_BOUND=1 builds every candidate, as without the bound
  // (scripts/same-output against a build with it shows the bound decides
  // nothing differently).
  const bool noBound = std::getenv("BRISK_SB_NO_BOUND") != nullptr;
  LinkedLayout layout;
  layout.build(f);
  bool layoutStale = false; // f.layout lags behind `layout`
  auto syncLayout = [&] {
    if (layoutStale)
      f.layout = layout.order();
    layoutStale = false;
  };
  Snapshot snap;
  Scratch base; // the trace's, reset for each
  ScratchBuffers scratchBuffers;
  std::vector<std::string> names; // blockNames(f), while no region went in
  long long size = (long long)f.instrCount();
  for (const Trace &t : traces) {
    if (!traceStillValid(f, t))
      continue;
    RegionRemark rm;
    rm.function = f.name;
    if (remarks)
      for (BlockId b : t.blocks) {
        if (!f.block(b).hasLabel() && names.empty()) {
          syncLayout(); // blockRef names an unlabeled block by its place
          names = blockNames(f);
        }
        rm.trace.push_back(f.block(b).hasLabel() ? blockRef(f, b) : blockRef(f, names, b));
      }
    rm.loop = t.isLoop;
    rm.headCount = t.headCount;
    base.reset();
    Build built = Build::Unsupported;
    if (!whole) {
      built = buildScratch(f, layout, weights, snap, t, base, scratchBuffers);
      if (built == Build::Stale) {
        syncLayout();
        auto t0 = std::chrono::steady_clock::now();
        if (changed || !firstCFG)
          snap.take(f);
        else
          snap.take(f, std::move(firstCFG), std::move(firstDom), std::move(firstLive),
                    std::move(firstConstants));
        if (debug)
          std::fprintf(stderr, "[sb-time] snapshot %.3f s\n",
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        base.reset();
        built = buildScratch(f, layout, weights, snap, t, base, scratchBuffers);
      }
    }
    double bound = 0;
    if (built == Build::Built && !noBound && hopeless(base, options, &bound, scratchBuffers)) {
      if (debug)
        std::fprintf(stderr, "[sb] %s head=%s: no candidate built, none can save %.1f "
                             "(bound %.3g)\n",
                     f.name.c_str(), blockRef(f, base.real[0]).c_str(), options.minSaving, bound);
      rm.decision = "rejected";
      rm.reason = "no form can save " + fixed1(options.minSaving) + ": no branch may become "
                  "a guard, and the bound on a branch form's saving is " + fixed1(bound);
      if (remarks)
        remarks->push_back(std::move(rm));
      continue;
    }
    if (built == Build::Built) {
      SearchResult found = searchScratch(f, base, options, budget, size, debug, dump);
      Tried *chosen = chooseForm(found, options);
      describe(rm, t, found, chosen, options);
      if (chosen && spliceScratch(f, weights, layout, snap, base, chosen->f, chosen->w)) {
        size += chosen->o.growth;
        changed = spliced = layoutStale = true;
        names.clear();
        chosen = nullptr;
      }
      if (!chosen) {
        if (remarks)
          remarks->push_back(std::move(rm));
        continue;
      }
      if (debug)
        std::fprintf(stderr, "[sb] %s: the region scratch does not splice back; measuring "
                             "on a copy of the function\n", f.name.c_str());
    }
    // On a copy of the whole function (shapes the scratch does not cover).
    syncLayout();
    SearchResult found = searchForms(f, weights, t, options, budget, debug);
    Tried *chosen = chooseForm(found, options);
    describe(rm, t, found, chosen, options);
    if (chosen) {
      f = std::move(chosen->f);
      weights = std::move(chosen->w);
      changed = true;
      layout.build(f);
      names.clear();
      snap.valid = false;
      size = (long long)f.instrCount();
    }
    if (remarks)
      remarks->push_back(std::move(rm));
  }
  syncLayout();
  auto t0 = std::chrono::steady_clock::now();
  if (spliced) {
    // The clean-up each scratch had, once over the whole function: what
    // the regions' folding and dead code left to do across their seams.
    propagateGuardFacts(f);
    eliminateDeadAndUnreachableCode(f);
  }
  if (debug)
    std::fprintf(stderr, "[sb-time] final clean-up %.3f s; %s: %zu traces, %.3f s in all\n",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                 f.name.c_str(), traces.size(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (changed)
    f.ensureLabels();
  return changed;
}

} // namespace brisk
