#include "transforms/superblocks/RegionEmitter.h"

#include "analysis/CFG.h"
#include "transforms/superblocks/CostModel.h"
#include "transforms/superblocks/DeadCode.h"
#include "transforms/superblocks/FlatCFG.h"
#include "transforms/superblocks/GuardFacts.h"
#include "transforms/superblocks/GuardMerging.h"
#include "transforms/superblocks/ThreadScratch.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace brisk {
namespace {

Instr makeInstr(Opcode op) {
  Instr in;
  in.op = op;
  return in;
}


// Splits `b` after every side effect that is followed by more than a
// terminator; returns the pieces in order (b first). The pieces fall through
// into each other; weights move with the code.
std::vector<BlockId> splitAfterEffects(Function &f, FunctionWeights &w, BlockId b) {
  std::vector<BlockId> pieces{b};
  while (true) {
    BlockId p = pieces.back();
    std::vector<Instr> &ins = f.block(p).instrs;
    size_t n = ins.size();
    size_t limit = (n && ins.back().isTerminator()) ? n - 1 : n;
    size_t cut = 0;
    for (size_t i = 0; i + 1 < limit; ++i)
      if (isSideEffect(ins[i].op)) {
        cut = i + 1;
        break;
      }
    if (!cut)
      return pieces;
    BlockId t = f.addBlock();
    // addBlock may reallocate the arena: take references afresh.
    std::vector<Instr> &src = f.block(p).instrs;
    f.block(t).instrs.assign(std::make_move_iterator(src.begin() + std::ptrdiff_t(cut)),
                             std::make_move_iterator(src.end()));
    src.resize(cut);
    auto it = std::find(f.layout.begin(), f.layout.end(), p);
    f.layout.insert(std::next(it), t);
    double count = w.block(p);
    w.setBlock(t, count);
    for (auto [to, c] : w.edgesFrom(p))
      w.setEdge(t, to, c);
    w.clearEdgesFrom(p);
    w.setEdge(p, t, count);
    pieces.push_back(t);
  }
}

// What probes (foldsNothing) keep from one to the next, so that the blocks
// a probe emits into its consumed scratch, and the list of them, cost no
// allocation once the buffers have grown: every loop trace the cost model
// bounds emits one, of tens of blocks each (ThreadScratch.h).
struct ProbeBuffers {
  std::vector<std::vector<Instr>> instrs; // emptied instruction vectors
  std::vector<BlockId> chain;             // the emitter's chain_, lent
  std::vector<Opcode> ops;
  std::vector<size_t> sizes;
};

// How control goes from one trace piece to the next one on the trace.
struct Transition {
  enum Kind { Fall, Jump, Branch, Return, End } kind = End;
  VarId cond = kNoVar;
  bool onTrue = true;      // the trace continues when cond is true
  BlockId off = kNoBlock;  // the off-trace target of a Branch
  double pStay = 1;        // probability of staying on the trace
};


// Emits one region for `trace` into `f` (a scratch copy while the cost model
// compares candidates). See the header for the shape.
class RegionEmitter {
public:
  RegionEmitter(Function &f, FunctionWeights &w, const Trace &t, const SuperblockOptions &o,
                Candidate c, bool hintLabels)
      : f_(f), w_(w), t_(t), o_(o), c_(c), hintLabels_(hintLabels) {}

  Outcome run() {
    Outcome out;
    size_t sizeBefore = f_.instrCount();
    if (!emitForm(out))
      return out;
    cleanUpAndMeasure(sizeBefore, out);
    return out;
  }

  // Emits the region, then runs GuardFacts alone over the function:
  // whether it left every block of the region as emitted (nullopt: the
  // form could not be emitted). GuardFacts deletes, turns into a `const`
  // or a `jmp`, and never adds: the same number of instructions with the
  // same opcodes means nothing changed.
  std::optional<bool> foldsNothing() {
    ThreadScratch<ProbeBuffers> buffers;
    ProbeBuffers &pb = *buffers;
    spare_ = &pb.instrs;
    chain_.swap(pb.chain);
    chain_.clear();
    const size_t blocksBefore = f_.blocks.size();
    std::optional<bool> r = probe(pb.ops, pb.sizes);
    chain_.swap(pb.chain);
    // The scratch is consumed: the instruction vectors of the blocks the
    // probe added go back, emptied, for the next probe's newBlock.
    for (size_t b = blocksBefore; b < f_.blocks.size(); ++b) {
      std::vector<Instr> &ins = f_.block(BlockId(b)).instrs;
      if (ins.capacity()) {
        ins.clear();
        pb.instrs.push_back(std::move(ins));
      }
    }
    spare_ = nullptr;
    return r;
  }

private:
  std::optional<bool> probe(std::vector<Opcode> &ops, std::vector<size_t> &sizes) {
    Outcome out;
    probe_ = true;
    if (!emitForm(out))
      return std::nullopt;
    ops.clear();
    sizes.clear();
    for (BlockId b : chain_) {
      sizes.push_back(f_.block(b).instrs.size());
      for (const Instr &in : f_.block(b).instrs)
        ops.push_back(in.op);
    }
    propagateGuardFacts(f_);
    size_t k = 0;
    for (size_t i = 0; i < chain_.size(); ++i) {
      const Block &b = f_.block(chain_[i]);
      if (b.dead || b.instrs.size() != sizes[i])
        return false;
      for (const Instr &in : b.instrs)
        if (in.op != ops[k++])
          return false;
    }
    return true;
  }

  // Emits the region (every step but the clean-up); false, with
  // out.failure, when the form cannot be built.
  bool emitForm(Outcome &out) {
    if (!analyzeTrace(out.failure))
      return false;
    unsigned K = t_.isLoop ? c_.unroll : 1;
    if (c_.counted && !(c_.speculative && t_.isLoop && K >= 2 && findCountedExit())) {
      out.failure = "no counted loop exit"; // SuperblockFormation's Repeats knows it
      return false;
    }
    out.sameAsBranchForm = c_.speculative && !c_.counted && !exitGuards_ &&
                           pieces_.size() == t_.blocks.size();
    for (size_t i = 0; i < m_ && out.sameAsBranchForm; ++i)
      out.sameAsBranchForm = !isGuardable(i);
    double chunkFlow = 0;
    double flow = entryFlow(K, chunkFlow);
    Emission e{newBlock(flow, /*labeled=*/true), flow};
    entry_ = e.cur;
    if (counted_) {
      // The chunk's range guard first, before any of its effects.
      emit(e.cur, makeInstr(Opcode::Speculate));
      emitChunkGuard(e.cur, K);
      out.guards += 2;
      out.usedSpeculation = true;
      e.flow = chunkFlow;
      e.cur = newBlock(e.flow, false);
      e.speculating = true;
      e.rec = head_;
    }
    size_t total = size_t(K) * m_;
    for (size_t pos = 0; pos < total; ++pos) {
      size_t i = pos % m_;
      BlockId piece = pieces_[i];
      out.before += e.flow * blockCost(f_, piece);
      taken_[i] += e.flow;
      if (c_.speculative && !e.speculating && guardAhead(pos, total))
        openSpeculation(e, piece, out);
      copyPieceBody(e, piece, pos, total, out);
      e.redo += blockCost(f_, piece);
      bool last = pos + 1 == total;
      if (last && !t_.isLoop) {
        if (!endStraightRegion(e, piece, out.failure))
          return false;
        break;
      }
      if (trans_[i].kind == Transition::Branch && emitBranch(e, i, pos, last, out))
        break; // a plain loop chunk's last branch goes back to the entry itself
      if (last)
        endLoopChunk(e);
    }
    layOutAndRedirect();
    if (!probe_) // (a probe is measured by GuardFacts alone)
      updateWeights();
    return true;
  }

  // Where emission stands: the block being filled, the flow reaching it,
  // whether a speculation is open (and an effect already ran in it, so that
  // no guard may follow), its recovery label and the original work since it.
  struct Emission {
    BlockId cur;
    double flow;
    bool speculating = false;
    bool effectSinceSpec = false;
    BlockId rec = kNoBlock;
    double redo = 0;
  };

  // Splits the trace into pieces (after effects, when speculative) and
  // finds its transitions, loop body and whether exits become guards.
  bool analyzeTrace(std::string &failure) {
    pieces_.reserve(t_.blocks.size()); // (each block one piece, but under speculation)
    stayProb_.reserve(t_.blocks.size());
    for (size_t i = 0; i < t_.blocks.size(); ++i) {
      if (!c_.speculative) {
        pieces_.push_back(t_.blocks[i]);
        stayProb_.push_back(t_.probability[i]);
        continue;
      }
      std::vector<BlockId> ps = splitAfterEffects(f_, w_, t_.blocks[i]);
      for (size_t k = 0; k < ps.size(); ++k) {
        pieces_.push_back(ps[k]);
        stayProb_.push_back(k + 1 < ps.size() ? 1.0 : t_.probability[i]);
      }
    }
    head_ = pieces_.front();
    m_ = pieces_.size();
    for (BlockId p : pieces_)
      blockRoom_ = std::max(blockRoom_, f_.block(p).instrs.size() + 4);
    taken_.assign(m_, 0.0);
    if (!computeTransitions(failure))
      return false;
    if (t_.isLoop)
      computeLoopBody();
    // A tight loop trace (every off-trace edge leaves the loop): its rare
    // exits become guards, and the original loop keeps its own back edges,
    // so that a failed exit guard redoes at most the chunk and the original
    // code then runs the few iterations left to the exit.
    exitGuards_ = c_.speculative && t_.isLoop && !c_.counted && head_ < inLoop_.size() &&
                  inLoop_[head_];
    for (const Transition &tr : trans_)
      if (tr.kind == Transition::Branch && tr.off < inLoop_.size() && inLoop_[tr.off])
        exitGuards_ = false;
    return true;
  }

  // The flow entering the region; for a counted chunk also the flow of the
  // chunks that pass their range guard (`chunkFlow`).
  double entryFlow(unsigned K, double &chunkFlow) {
    double s = 1;
    for (const Transition &tr : trans_)
      s *= tr.pStay;
    double flow = regionEntryFlow(w_.block(head_), s, K, t_.isLoop);
    chunkFlow = flow;
    if (counted_) {
      // Per entry of the loop, L iterations: floor(L/K) chunks pass the
      // chunk guard, and each of the remaining iterations (and the final
      // exit test) tries once and fails at once.
      double H = w_.block(head_);
      double entries = std::max(1.0, H - w_.edge(pieces_.back(), head_));
      double L = std::max(0.0, H / entries - 1);
      double chunks = std::floor(L / K);
      double attempts = chunks + (L - chunks * K) + 1;
      flow = entries * attempts;
      chunkFlow = entries * chunks;
      trans_[countedPiece_].pStay = 1;
    }
    return flow;
  }

  // A `speculate` before `piece`, which becomes the recovery label.
  void openSpeculation(Emission &e, BlockId piece, Outcome &out) {
    if (!f_.block(e.cur).instrs.empty())
      e.cur = newBlock(e.flow, false);
    emit(e.cur, makeInstr(Opcode::Speculate));
    e.speculating = true;
    e.effectSinceSpec = false;
    out.usedSpeculation = true;
    e.rec = piece;
    e.redo = 0;
  }

  // The piece's instructions but its terminator. Under speculation an
  // effect sinks past the segment's remaining guards when legal, runs in
  // place when no guard follows, else commits first; a call never runs
  // inside speculation.
  void copyPieceBody(Emission &e, BlockId piece, size_t pos, size_t total, Outcome &out) {
    const Block &orig = f_.block(piece);
    size_t n = orig.instrs.size() - (orig.terminator() ? 1 : 0);
    for (size_t k = 0; k < n; ++k) {
      Instr in = f_.block(piece).instrs[k];
      if (isSideEffect(in.op) && e.speculating) {
        size_t g = in.op == Opcode::Call ? 0 : lastGuardAhead(pos, total);
        if (in.op != Opcode::Call && g == kNoPos) {
          emit(e.cur, std::move(in));
          e.effectSinceSpec = true;
          continue;
        }
        if (in.op != Opcode::Call && !e.effectSinceSpec && canSink(in, pos, g)) {
          pending_.push_back({g, std::move(in)});
          ++out.sunkEffects;
          continue;
        }
        flushPending(e.cur);
        emit(e.cur, makeInstr(Opcode::Commit));
        e.speculating = false;
        e.effectSinceSpec = false;
        ++out.commitsForEffects;
      }
      emit(e.cur, std::move(in));
    }
  }

  // The end of a straight region: the original terminator (or what falling
  // through meant).
  bool endStraightRegion(Emission &e, BlockId piece, std::string &failure) {
    flushPending(e.cur);
    if (e.speculating)
      emit(e.cur, makeInstr(Opcode::Commit));
    if (const Instr *term = f_.block(piece).terminator()) {
      emit(e.cur, Instr(*term));
    } else if (BlockId ft = fallthroughOf(f_, piece); ft != kNoBlock) {
      emit(e.cur, jumpTo(ft));
    } else if (f_.returnType.isNone()) {
      emit(e.cur, makeInstr(Opcode::Ret));
    } else {
      failure = "falls off the end of a function with a result";
      return false;
    }
    return true;
  }

  // Piece i's branch: a guard under speculation when legal, else a side
  // exit (through a stub that commits and runs the sunk effects). Returns
  // whether the branch ended a plain loop chunk by going back to the entry.
  bool emitBranch(Emission &e, size_t i, size_t pos, bool last, Outcome &out) {
    const Transition &tr = trans_[i];
    BlockId piece = pieces_[i];
    if (last && !e.speculating) {
      flushPending(e.cur);
      Instr br = f_.block(piece).instrs.back();
      br.labels = tr.onTrue ? IdVector{entry_, tr.off} : IdVector{tr.off, entry_};
      emit(e.cur, std::move(br));
      edge(e.cur, entry_, e.flow * tr.pStay);
      ++out.sideExits;
      e.flow *= tr.pStay;
      return true;
    }
    if (e.speculating && !e.effectSinceSpec && isGuardable(i)) {
      VarId cond = tr.onTrue ? tr.cond : invert(e.cur, tr.cond);
      Instr g = makeInstr(Opcode::Guard);
      g.args.push_back(cond);
      g.labels.push_back(e.rec);
      emit(e.cur, std::move(g));
      failCost_ += e.flow * (1 - tr.pStay) * e.redo;
      guardAt_[e.cur] = {e.flow * (1 - tr.pStay), e.redo};
      ++out.guards;
      e.flow *= tr.pStay;
      e.cur = newBlock(e.flow, false);
      if (emitPendingAt(e.cur, pos))
        e.effectSinceSpec = true;
      return false;
    }
    BlockId target = tr.off;
    if (e.speculating)
      target = stub(tr.off, e.flow * (1 - tr.pStay), pendingEffects());
    BlockId next = newBlock(e.flow * tr.pStay, true);
    Instr br = f_.block(piece).instrs.back();
    br.labels = tr.onTrue ? IdVector{next, target} : IdVector{target, next};
    emit(e.cur, std::move(br));
    ++out.sideExits;
    e.flow *= tr.pStay;
    e.cur = next;
    return false;
  }

  // A loop chunk's end: back to the entry, committing the chunk.
  void endLoopChunk(Emission &e) {
    flushPending(e.cur);
    if (e.speculating)
      emit(e.cur, makeInstr(Opcode::Commit));
    emit(e.cur, jumpTo(entry_));
  }

  // Lays the region out just before the head, stubs last, and makes every
  // jump into the head enter the region (with exit guards, only those from
  // outside the loop).
  void layOutAndRedirect() {
    std::vector<BlockId> region = chain_;
    region.insert(region.end(), stubs_.begin(), stubs_.end());
    auto at = std::find(f_.layout.begin(), f_.layout.end(), head_);
    f_.layout.insert(at, region.begin(), region.end());
    for (BlockId b : f_.layout)
      if (exitGuards_ && b < inLoop_.size() && inLoop_[b])
        continue;
      else if (Instr *term = f_.block(b).terminator())
        if (term->op == Opcode::Jmp || term->op == Opcode::Br)
          for (BlockId &l : term->labels)
            if (l == head_)
              l = entry_;
  }

  // Cleans up under the facts the guards and branches imply, then measures.
  void cleanUpAndMeasure(size_t sizeBefore, Outcome &out) {
    propagateGuardFacts(f_);
    std::vector<GuardMove> moves;
    if (c_.speculative && mergeGuards(f_, &moves)) {
      chargeMovedGuards(moves, out);
      out.sameAsBranchForm = false; // the branch form's clean-up does not merge
    }
    eliminateDeadAndUnreachableCode(f_);
    out.after = regionCost(f_, flow_) + failCost_;
    out.redo = failCost_;
    for (auto &[b, fl] : flow_)
      if (b < f_.blocks.size() && !f_.block(b).dead)
        for (const Instr &in : f_.block(b).instrs)
          if (in.op == Opcode::Speculate || in.op == Opcode::Commit || in.op == Opcode::Not ||
              in.op == Opcode::Jmp)
            out.overhead += fl;
    out.growth = (long long)f_.instrCount() - (long long)sizeBefore;
    out.ok = true;
  }

  // A guard that now fails at a later one (GuardMerging.h): its failing
  // flow also runs the region blocks up to that guard, and the original
  // work it throws away grows by what the emitter copied in between.
  void chargeMovedGuards(const std::vector<GuardMove> &moves, Outcome &out) {
    llvm::DenseMap<BlockId, size_t> at;
    for (size_t k = 0; k < chain_.size(); ++k)
      at[chain_[k]] = k;
    for (const GuardMove &m : moves) {
      auto from = guardAt_.find(m.from), to = guardAt_.find(m.to);
      auto fi = at.find(m.from), ti = at.find(m.to);
      if (from == guardAt_.end() || to == guardAt_.end() || fi == at.end() || ti == at.end())
        continue;
      double failing = from->second.failing;
      for (size_t k = fi->second + 1; k <= ti->second; ++k)
        flow_[chain_[k]] += failing;
      failCost_ += failing * std::max(0.0, to->second.redo - from->second.redo);
      if (out.guards)
        --out.guards;
    }
    for (size_t k = 0; k < chain_.size(); ++k)
      w_.setBlock(chain_[k], flow_.lookup(chain_[k]));
  }

  bool computeTransitions(std::string &failure) {
    trans_.resize(m_);
    for (size_t i = 0; i < m_; ++i) {
      BlockId p = pieces_[i];
      bool lastPiece = i + 1 == m_;
      BlockId next = lastPiece ? (t_.isLoop ? head_ : kNoBlock) : pieces_[i + 1];
      Transition &tr = trans_[i];
      tr.pStay = stayProb_[i];
      const Instr *term = f_.block(p).terminator();
      if (!term) {
        BlockId ft = fallthroughOf(f_, p);
        tr.kind = next == kNoBlock ? Transition::End : Transition::Fall;
        if (next != kNoBlock && ft != next) {
          failure = "a trace block does not fall through to its successor";
          return false;
        }
        tr.pStay = next == kNoBlock ? 0 : 1;
        continue;
      }
      if (next == kNoBlock) {
        tr.kind = Transition::End;
        continue;
      }
      if (term->op == Opcode::Ret) {
        failure = "a return inside the trace";
        return false;
      }
      if (term->op == Opcode::Jmp || term->labels[0] == term->labels[1]) {
        if (term->labels[0] != next) {
          failure = "a trace block does not jump to its successor";
          return false;
        }
        tr.kind = Transition::Jump;
        tr.pStay = 1;
        continue;
      }
      tr.kind = Transition::Branch;
      tr.cond = term->args[0];
      if (term->labels[0] == next) {
        tr.onTrue = true;
        tr.off = term->labels[1];
      } else if (term->labels[1] == next) {
        tr.onTrue = false;
        tr.off = term->labels[0];
      } else {
        failure = "a trace block does not branch to its successor";
        return false;
      }
      // The trace's own probability: from the path profile when it decided.
      tr.pStay = stayProb_[i];
    }
    return true;
  }

  // A linear form var + off (var == kNoVar: a constant) of a value read at
  // (piece, index) of an iteration, following copies, constants and
  // additions of constants back to the iteration's start.
  struct Lin {
    VarId var = kNoVar;
    int64_t off = 0;
    bool ok = false;
  };

  // A variable written once in the whole function, by a constant, holds that
  // constant wherever it is read (or the read fails in the original too).
  std::optional<int64_t> functionConstant(VarId v) const {
    std::optional<int64_t> val;
    for (const Param &p : f_.params)
      if (p.var == v)
        return std::nullopt;
    int defs = 0;
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.dest == v) {
          if (++defs > 1 || in.op != Opcode::Const || !in.type.isInt())
            return std::nullopt;
          val = in.value.asInt();
        }
    return val;
  }

  Lin lin(VarId v, size_t piece, size_t index, int depth = 0) const {
    if (depth > 12)
      return {};
    for (size_t p = piece + 1; p-- > 0;) {
      const auto &ins = f_.block(pieces_[p]).instrs;
      size_t k = p == piece ? std::min(index, ins.size()) : ins.size();
      while (k-- > 0) {
        const Instr &d = ins[k];
        if (d.dest != v)
          continue;
        if (d.op == Opcode::Const && d.type.isInt())
          return {kNoVar, d.value.asInt(), true};
        if (d.op == Opcode::Id)
          return lin(d.args[0], p, k, depth + 1);
        if (d.op == Opcode::Add || d.op == Opcode::Sub) {
          Lin x = lin(d.args[0], p, k, depth + 1), y = lin(d.args[1], p, k, depth + 1);
          if (!x.ok || !y.ok)
            return {};
          int64_t r;
          if (y.var == kNoVar) {
            if (d.op == Opcode::Add ? __builtin_add_overflow(x.off, y.off, &r)
                                    : __builtin_sub_overflow(x.off, y.off, &r))
              return {};
            return {x.var, r, true};
          }
          if (x.var == kNoVar && d.op == Opcode::Add) {
            if (__builtin_add_overflow(x.off, y.off, &r))
              return {};
            return {y.var, r, true};
          }
        }
        return {};
      }
    }
    if (!writtenOnTrace(v))
      if (auto c = functionConstant(v))
        return {kNoVar, *c, true};
    return {v, 0, true};
  }

  bool writtenOnTrace(VarId v) const {
    for (BlockId p : pieces_)
      for (const Instr &in : f_.block(p).instrs)
        if (in.dest == v)
          return true;
    return false;
  }

  // A loop exit `br c` where c compares (lt, le; or ge, gt with the trace on
  // the false side) I + off against a variable B the trace never writes, and
  // one iteration adds a positive constant to I.
  bool findCountedExit() {
    for (size_t x = 0; x < m_; ++x) {
      const Transition &tr = trans_[x];
      if (tr.kind != Transition::Branch || (tr.off < inLoop_.size() && inLoop_[tr.off]))
        continue;
      const auto &ins = f_.block(pieces_[x]).instrs;
      size_t ci = ins.size();
      for (size_t k = ins.size(); k-- > 0;)
        if (ins[k].dest == tr.cond) {
          ci = k;
          break;
        }
      if (ci == ins.size() || ins[ci].args.size() != 2 || !ins[ci].type.isBool())
        continue;
      Opcode op = ins[ci].op;
      if (!tr.onTrue) {
        if (op == Opcode::Ge)
          op = Opcode::Lt;
        else if (op == Opcode::Gt)
          op = Opcode::Le;
        else
          continue;
      }
      if (op != Opcode::Lt && op != Opcode::Le)
        continue;
      Lin a = lin(ins[ci].args[0], x, ci), b = lin(ins[ci].args[1], x, ci);
      if (!a.ok || !b.ok || a.var == kNoVar || b.var == kNoVar || b.off != 0 ||
          a.var == b.var || writtenOnTrace(b.var) || a.off < 0)
        continue;
      const auto &lastIns = f_.block(pieces_.back()).instrs;
      Lin end = lin(a.var, m_ - 1, lastIns.size());
      if (!end.ok || end.var != a.var || end.off <= 0 || end.off > (int64_t(1) << 20) ||
          a.off > (int64_t(1) << 20))
        continue;
      countedPiece_ = x;
      countedIv_ = a.var;
      countedBound_ = b.var;
      countedStrict_ = op == Opcode::Lt;
      countedStep_ = end.off;
      countedOffset_ = a.off;
      counted_ = true;
      return true;
    }
    return false;
  }

  // speculate (already emitted); then
  //   m = b - ((K-1)*step + offset);  guard m < b  (no underflow)
  //   guard a < m (or a <= m)        (every exit test of the chunk passes)
  void emitChunkGuard(BlockId cur, unsigned K) {
    int64_t span = int64_t(K - 1) * countedStep_ + countedOffset_;
    VarId kc = f_.freshVar("sb.span"), m = f_.freshVar("sb.limit");
    VarId ok1 = f_.freshVar("sb.nowrap"), ok2 = f_.freshVar("sb.room");
    Instr c = makeInstr(Opcode::Const);
    c.dest = kc;
    c.type = Type::intTy();
    c.value = Literal::ofInt(span);
    // Written once, so it may live in the function's entry block and run
    // once, instead of once per chunk.
    if (f_.layout[0] != head_) {
      auto &entry = f_.block(f_.layout[0]).instrs;
      entry.insert(entry.begin(), c);
    } else {
      emit(cur, c);
    }
    Instr sub = makeInstr(Opcode::Sub);
    sub.dest = m;
    sub.type = Type::intTy();
    sub.args = {countedBound_, kc};
    emit(cur, sub);
    Instr lt1 = makeInstr(Opcode::Lt);
    lt1.dest = ok1;
    lt1.type = Type::boolTy();
    lt1.args = {m, countedBound_};
    emit(cur, lt1);
    Instr g1 = makeInstr(Opcode::Guard);
    g1.args = {ok1};
    g1.labels = {head_};
    emit(cur, g1);
    Instr lt2 = makeInstr(countedStrict_ ? Opcode::Lt : Opcode::Le);
    lt2.dest = ok2;
    lt2.type = Type::boolTy();
    lt2.args = {countedIv_, m};
    emit(cur, lt2);
    Instr g2 = makeInstr(Opcode::Guard);
    g2.args = {ok2};
    g2.labels = {head_};
    emit(cur, g2);
  }

  // The natural loop of the head (analysis/Loops.h: the head and every
  // block reaching one of its latches without passing it), walked from the
  // head's latches alone rather than by LoopInfo over the whole function:
  // nothing else of the nest is needed, and this runs per candidate.
  // A latch is a predecessor the head dominates: one that no path from the
  // entry avoiding the head reaches (one walk instead of a dominator tree).
  void computeLoopBody() {
    // The thread's FlatCFG for a region scratch (the emitter does not
    // nest), one of its own for a whole function.
    static thread_local FlatCFG shared;
    FlatCFG local;
    FlatCFG &cfg = f_.blocks.size() <= (1 << 14) ? shared : local;
    cfg.build(f_);
    inLoop_.assign(f_.blocks.size(), false);
    if (!cfg.reachable(head_))
      return;
    std::vector<uint8_t> avoiding(cfg.numBlocks(), 0); // reached without the head
    std::vector<BlockId> work;
    if (cfg.entry() != head_) {
      avoiding[cfg.entry()] = 1;
      work.push_back(cfg.entry());
    }
    while (!work.empty()) {
      BlockId b = work.back();
      work.pop_back();
      for (BlockId s : cfg.succs(b))
        if (s != head_ && !avoiding[s]) {
          avoiding[s] = 1;
          work.push_back(s);
        }
    }
    auto isLatch = [&](BlockId p) { return p == head_ || !avoiding[p]; };
    bool header = false;
    for (BlockId p : cfg.preds(head_))
      header |= isLatch(p);
    if (!header)
      return; // no back edge: not a loop header
    inLoop_[head_] = true; // the walk stops at the head
    for (BlockId p : cfg.preds(head_))
      if (isLatch(p) && !inLoop_[p]) {
        inLoop_[p] = true;
        work.push_back(p);
      }
    while (!work.empty()) {
      BlockId b = work.back();
      work.pop_back();
      for (BlockId p : cfg.preds(b))
        if (!inLoop_[p]) {
          inLoop_[p] = true;
          work.push_back(p);
        }
    }
  }

  // Rare off-trace edges that stay in the loop (or any rare one of a
  // straight trace) become guards; loop exits and common ones stay branches.
  bool isGuardable(size_t i) const {
    const Transition &tr = trans_[i];
    if (!c_.speculative || tr.kind != Transition::Branch)
      return false;
    if (1 - tr.pStay > o_.maxGuardFailure)
      return false;
    if (t_.isLoop && !exitGuards_ && (tr.off >= inLoop_.size() || !inLoop_[tr.off]))
      return false;
    return true;
  }

  // Whether a guard comes, from the start of position `pos`, before the next
  // side effect or the end of the region. Answered for every position at
  // once, from the end backwards (the scan from one position goes on as the
  // scan from the next one, with or without a print or store pending to
  // sink): scanning afresh per position would cost the square of a long
  // unrolled chunk where no guard comes.
  bool guardAhead(size_t pos, size_t total) {
    if (guardAheadFrom_.size() != total + 1)
      computeGuardAhead(total);
    return guardAheadFrom_[pos] & 1;
  }

  // guardAheadFrom_[q], bit s: the answer from position q when a print or
  // store that would have to sink is pending (s = 1) or not (s = 0).
  void computeGuardAhead(size_t total) {
    guardAheadFrom_.assign(total + 1, 0);
    for (size_t q = total; q-- > 0;) {
      size_t i = q % m_;
      const Block &b = f_.block(pieces_[i]);
      bool last = q + 1 == total;
      for (unsigned start = 0; start < 2; ++start) {
        bool sinking = start, stopped = false;
        for (const Instr &in : b.instrs) {
          if (isSideEffect(in.op) && in.op != Opcode::Print && in.op != Opcode::Store) {
            stopped = true; // a print or store may still sink past the guards
            break;
          }
          if (sinking && mayTrap(in.op)) {
            stopped = true; // but not past this (canSink)
            break;
          }
          sinking |= isSideEffect(in.op);
        }
        bool found = false;
        if (!stopped && !(last && !t_.isLoop))
          found = isGuardable(i) || ((guardAheadFrom_[q + 1] >> unsigned(sinking)) & 1);
        if (found)
          guardAheadFrom_[q] |= uint8_t(1u << start);
      }
    }
  }

  BlockId newBlock(double flow, bool labeled) {
    BlockId b = labeled && !probe_ ? labeledBlock("sb") : f_.addBlock();
    // Room for a piece and what emission adds around it, so that filling
    // the block does not reallocate it several times (a probe's from an
    // earlier probe's blocks when it can).
    std::vector<Instr> &ins = f_.block(b).instrs;
    if (spare_ && !spare_->empty()) {
      ins = std::move(spare_->back());
      spare_->pop_back();
    }
    ins.reserve(blockRoom_);
    chain_.push_back(b);
    flow_[b] = flow;
    return b;
  }

  // A committing side exit: commit, the effects sunk this far, jmp. Exits
  // without pending effects to the same target share one stub.
  BlockId stub(BlockId target, double flow, std::vector<Instr> effects) {
    if (effects.empty()) {
      if (auto it = sharedStubs_.find(target); it != sharedStubs_.end()) {
        flow_[it->second] += flow;
        return it->second;
      }
    }
    BlockId b = labeledBlock("sb.exit");
    stubs_.push_back(b);
    flow_[b] = flow;
    emit(b, makeInstr(Opcode::Commit));
    for (Instr &e : effects)
      emit(b, std::move(e));
    emit(b, jumpTo(target));
    if (f_.block(b).instrs.size() == 2)
      sharedStubs_[target] = b;
    return b;
  }

  std::vector<Instr> pendingEffects() const {
    std::vector<Instr> out;
    for (auto &[g, in] : pending_)
      out.push_back(in);
    return out;
  }

  // Emits (in order) the sunk effects whose last guard was at `pos`.
  bool emitPendingAt(BlockId cur, size_t pos) {
    bool any = false;
    std::vector<std::pair<size_t, Instr>> rest;
    for (auto &[g, in] : pending_) {
      if (g == pos) {
        emit(cur, std::move(in));
        any = true;
      } else {
        rest.push_back({g, std::move(in)});
      }
    }
    pending_ = std::move(rest);
    return any;
  }

  void flushPending(BlockId cur) {
    for (auto &[g, in] : pending_)
      emit(cur, std::move(in));
    pending_.clear();
  }

  // The last position, from `pos` on, whose transition is a guard of the
  // current segment (which ends at the next side effect or the region's or
  // chunk's end); kNoPos when none.
  size_t lastGuardAhead(size_t pos, size_t total) const {
    size_t g = kNoPos;
    for (size_t q = pos; q < total; ++q) {
      size_t i = q % m_;
      if (q > pos)
        for (const Instr &in : f_.block(pieces_[i]).instrs)
          if (isSideEffect(in.op))
            return g;
      bool last = q + 1 == total;
      if (last && !t_.isLoop)
        return g;
      if (isGuardable(i))
        g = q;
      if (last)
        return g;
    }
    return g;
  }

  // A print or store may move down to just after the guard at position `g`
  // when nothing on the way redefines its operands or may trap (the ordering
  // rule, keepsOrder in ir/Opcode.h: the effect must show before the error;
  // this also keeps a store above any load that could read its address).
  bool canSink(const Instr &e, size_t pos, size_t g) const {
    if (e.op != Opcode::Print && e.op != Opcode::Store)
      return false;
    for (size_t q = pos + 1; q <= g; ++q)
      for (const Instr &in : f_.block(pieces_[q % m_]).instrs) {
        if (in.hasDest() && std::find(e.args.begin(), e.args.end(), in.dest) != e.args.end())
          return false;
        if (keepsOrder(in.op))
          return false;
      }
    return true;
  }

  BlockId labeledBlock(const char *hint) {
    return hintLabels_ ? f_.addBlock(hint) : f_.addFreshBlock(hint);
  }

  static Instr jumpTo(BlockId target) { return makeJump(target); }

  void emit(BlockId b, Instr in) { f_.block(b).instrs.push_back(std::move(in)); }

  void edge(BlockId from, BlockId to, double flow) { w_.setEdge(from, to, flow); }

  // A variable that is true exactly when `cond` is false, defined in `cur`
  // (right after cond's definition when that is an invertible comparison in
  // `cur`, so both read the same operands).
  VarId invert(BlockId cur, VarId cond) {
    std::vector<Instr> &ins = f_.block(cur).instrs;
    VarId nv = f_.freshVar(f_.varName(cond) + ".not");
    for (size_t k = ins.size(); k-- > 0;) {
      if (ins[k].dest != cond)
        continue;
      if (auto inv = invertedComparison(ins[k].op)) {
        Instr c = ins[k];
        c.op = *inv;
        c.dest = nv;
        ins.insert(ins.begin() + std::ptrdiff_t(k + 1), std::move(c));
        return nv;
      }
      break;
    }
    Instr n = makeInstr(Opcode::Not);
    n.dest = nv;
    n.type = Type::boolTy();
    n.args.push_back(cond);
    ins.push_back(std::move(n));
    return nv;
  }

  void updateWeights() {
    for (auto &[b, fl] : flow_)
      w_.setBlock(b, fl);
    // The originals keep what the region does not take.
    for (size_t i = 0; i < m_; ++i)
      w_.setBlock(pieces_[i], std::max(0.0, w_.block(pieces_[i]) - taken_[i]));
    for (size_t k = 0; k + 1 < chain_.size(); ++k)
      if (!f_.block(chain_[k]).terminator())
        w_.setEdge(chain_[k], chain_[k + 1], flow_.lookup(chain_[k + 1]));
  }

  Function &f_;
  FunctionWeights &w_;
  const Trace &t_;
  const SuperblockOptions &o_;
  Candidate c_;
  bool hintLabels_;
  // foldsNothing: only GuardFacts looks at the region, and it reads neither
  // labels nor weights, so new blocks get none.
  bool probe_ = false;
  std::vector<BlockId> pieces_;
  std::vector<double> stayProb_, taken_;
  std::vector<Transition> trans_;
  std::vector<bool> inLoop_;
  BlockId head_ = kNoBlock, entry_ = kNoBlock;
  size_t m_ = 0;
  std::vector<BlockId> chain_, stubs_;
  llvm::DenseMap<BlockId, double> flow_;
  double failCost_ = 0;
  // Per block ending in a guard of the trace: the flow failing there and the
  // original work since its speculate.
  struct GuardCost {
    double failing, redo;
  };
  llvm::DenseMap<BlockId, GuardCost> guardAt_;
  std::vector<std::pair<size_t, Instr>> pending_; // sunk effects and their guard position
  llvm::DenseMap<BlockId, BlockId> sharedStubs_;
  std::vector<uint8_t> guardAheadFrom_; // see computeGuardAhead
  size_t blockRoom_ = 0;                 // instructions reserved per new block
  std::vector<std::vector<Instr>> *spare_ = nullptr; // a probe's: ProbeBuffers::instrs
  static constexpr size_t kNoPos = ~size_t(0);
  bool counted_ = false, countedStrict_ = true;
  bool exitGuards_ = false;
  int64_t countedOffset_ = 0;
  size_t countedPiece_ = 0;
  VarId countedIv_ = kNoVar, countedBound_ = kNoVar;
  int64_t countedStep_ = 1;
};

} // namespace

Outcome emitRegion(Function &f, FunctionWeights &weights, const Trace &trace,
                   const SuperblockOptions &options, Candidate candidate, bool hintLabels) {
  return RegionEmitter(f, weights, trace, options, candidate, hintLabels).run();
}

std::optional<bool> regionFoldsNothing(Function &f, FunctionWeights &weights, const Trace &trace,
                                       const SuperblockOptions &options, unsigned unroll) {
  return RegionEmitter(f, weights, trace, options, Candidate{false, unroll, false},
                       /*hintLabels=*/true)
      .foldsNothing();
}

} // namespace brisk
