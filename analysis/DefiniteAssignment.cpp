#include "analysis/DefiniteAssignment.h"

#include "analysis/Dominators.h"
#include "analysis/Uses.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <tuple>
#include <unordered_map>

namespace brisk {

namespace {

// The state between two instructions: what is assigned now, and what a
// failed guard would restore (all ones when not speculating).
struct State {
  llvm::BitVector assigned, saved;
};

// A loop header's first entry: arriving from its one forward predecessor
// `from`, its branch is known to go to `to` (see findFirstEntries).
struct FirstEntry {
  BlockId from, to;
};

// Int and bool values known along one straight path; evaluates the few
// operations a loop's first test is made of.
class PathConstants {
public:
  void run(const Instr &in) {
    if (!in.hasDest() || in.op == Opcode::Phi)
      return;
    std::optional<int64_t> v = eval(in);
    if (v)
      known_[in.dest] = *v;
    else
      known_.erase(in.dest);
  }
  void set(VarId dest, std::optional<int64_t> v) {
    if (v)
      known_[dest] = *v;
    else
      known_.erase(dest);
  }
  std::optional<int64_t> get(VarId v) const {
    auto it = known_.find(v);
    return it == known_.end() ? std::nullopt : std::optional<int64_t>(it->second);
  }

private:
  std::unordered_map<VarId, int64_t> known_;

  std::optional<int64_t> eval(const Instr &in) const {
    if (in.op == Opcode::Const)
      return (in.type.isInt() || in.type.isBool()) ? std::optional<int64_t>(in.value.bits())
                                                   : std::nullopt;
    std::optional<int64_t> a = in.args.size() > 0 ? get(in.args[0]) : std::nullopt;
    std::optional<int64_t> b = in.args.size() > 1 ? get(in.args[1]) : std::nullopt;
    auto wrap = [](uint64_t x) { return int64_t(x); };
    switch (in.op) {
    case Opcode::Id: return a;
    case Opcode::Not: return a ? std::optional<int64_t>(!*a) : std::nullopt;
    default: break;
    }
    if (!a || !b)
      return std::nullopt;
    switch (in.op) {
    case Opcode::Add: return wrap(uint64_t(*a) + uint64_t(*b));
    case Opcode::Sub: return wrap(uint64_t(*a) - uint64_t(*b));
    case Opcode::Mul: return wrap(uint64_t(*a) * uint64_t(*b));
    case Opcode::Lt: return *a < *b;
    case Opcode::Le: return *a <= *b;
    case Opcode::Gt: return *a > *b;
    case Opcode::Ge: return *a >= *b;
    case Opcode::Eq: return *a == *b;
    case Opcode::And: return *a && *b;
    case Opcode::Or: return *a || *b;
    default: return std::nullopt;
    }
  }
};

// The successors of b along its ordinary edges (its terminator's labels, or
// its fall-through), without the abort targets of its guards.
BlockList ordinarySuccessors(const Function &f, const CFG &cfg, BlockId b) {
  BlockList out;
  const Instr *t = f.block(b).terminator();
  if (!t) {
    if (cfg.fallthrough(b) != kNoBlock)
      out.push_back(cfg.fallthrough(b));
  } else if (t->op != Opcode::Ret) {
    for (BlockId l : t->labels)
      if (std::find(out.begin(), out.end(), l) == out.end())
        out.push_back(l);
  }
  return out;
}

// Per variable (of those flagged in `candidate`): whether some path from the
// top of a guard's abort target reads it before assigning it, i.e. whether it
// is live into such a block. Found as SparseLiveness finds live ranges: from
// the blocks that read it before assigning it, backwards through blocks
// that do not assign it, a variable at a time, so the cost is the candidates'
// live ranges, not blocks x variables. A guard's edge leaves from the
// middle of its block, maybe before the block assigns the variable, but then
// it enters an abort target: a path from an abort target to a read that
// leaves a block by a guard has a suffix from another abort target with
// ordinary edges only, so liveness along ordinary edges (where a block's
// every assignment counts) finds the answer.
std::vector<uint8_t> readAfterAbort(const Function &f, const CFG &cfg,
                                    const std::vector<uint8_t> &candidate) {
  const size_t nb = cfg.numBlocks(), nv = f.numVars();
  std::vector<uint8_t> abortTarget(nb, 0);
  // (variable, block): the blocks that read a candidate before assigning it,
  // and those that assign it; grouped by variable below.
  std::vector<std::pair<VarId, BlockId>> exposed, kills;
  // The block being scanned, once it has read / assigned the variable.
  std::vector<BlockId> readIn(nv, kNoBlock), assignedIn(nv, kNoBlock);
  for (BlockId b : cfg.rpo()) {
    for (const Instr &in : f.block(b).instrs) {
      forEachUse(in, [&](VarId v) {
        if (v < nv && candidate[v] && assignedIn[v] != b && readIn[v] != b) {
          readIn[v] = b;
          exposed.push_back({v, b});
        }
      });
      if (in.op == Opcode::Guard && !in.labels.empty() && in.labels[0] < nb)
        abortTarget[in.labels[0]] = 1;
      if (in.hasDest() && in.dest < nv && candidate[in.dest] && assignedIn[in.dest] != b) {
        assignedIn[in.dest] = b;
        kills.push_back({in.dest, b});
      }
    }
  }
  std::sort(exposed.begin(), exposed.end());
  std::sort(kills.begin(), kills.end());
  std::vector<uint8_t> read(nv, 0);
  std::vector<uint32_t> killed(nb, 0), live(nb, 0); // == stamp: so in the walk at hand
  std::vector<BlockId> work;
  uint32_t stamp = 0;
  auto kill = kills.begin();
  for (auto e = exposed.begin(); e != exposed.end();) {
    VarId v = e->first;
    ++stamp;
    for (; kill != kills.end() && kill->first <= v; ++kill)
      if (kill->first == v)
        killed[kill->second] = stamp;
    work.clear();
    for (; e != exposed.end() && e->first == v; ++e) {
      live[e->second] = stamp;
      work.push_back(e->second);
    }
    while (!work.empty() && !read[v]) {
      BlockId b = work.back();
      work.pop_back();
      read[v] = abortTarget[b];
      for (BlockId p : cfg.preds(b))
        if (live[p] != stamp && killed[p] != stamp) {
          live[p] = stamp;
          work.push_back(p);
        }
    }
  }
  return read;
}

// Per variable: whether a failed guard may unassign it, as the solver below
// sees speculation. A failed guard assigns what the speculates since the last
// commit on the path to it saved (the solver's saved state is the
// intersection of those levels, and a failed guard does not end speculation
// for it). Take a read that every path reaches through an assignment (the
// dominator walk of trackedVariables): on a path to it, after the last such
// assignment d, the variable first reads as unassigned only past a failed
// guard G whose saved state lacks it, so at some speculate P after the last
// commit before G it was unassigned; P after d would be an earlier such
// point, so P comes before d: the path runs speculate, d, guard with no
// commit between. And from G's abort target the path reads the variable
// before assigning it. So an assignment undoes nothing unless a speculate may
// be open there (no commit since it on some path) and a guard may follow it
// before a commit; and even then nothing unless the variable is live into a
// guard's abort target (readAfterAbort); only the variables of such
// assignments are tracked. In an unrolled loop's speculative chunk
// (speculate; body; commit; speculate; test; guard) the body's assignments
// meet the commit first, the test's is read by its guard only, and code
// after the chunk, reached while the analysis counts a speculate open, meets
// a commit before the next guard. A forward and a backward pass to their
// fixpoints (a flag per block), one walk, and the candidates' live ranges:
// linear in practice.
std::vector<uint8_t> undoableDefinitions(const Function &f, const CFG &cfg) {
  const size_t nb = cfg.numBlocks();
  std::vector<BlockList> ordinary(nb); // the passes below ask more than once per block
  for (BlockId b : cfg.rpo())
    ordinary[b] = ordinarySuccessors(f, cfg, b);
  std::vector<uint8_t> open(nb, 0); // some path reaches the top with a speculate open
  auto reach = [&](BlockId to, bool isOpen, bool &changed) {
    if (isOpen && to < nb && !open[to]) {
      open[to] = 1;
      changed = true;
    }
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (BlockId b : cfg.rpo()) {
      bool isOpen = open[b];
      for (const Instr &in : f.block(b).instrs) {
        if (in.op == Opcode::Speculate)
          isOpen = true;
        else if (in.op == Opcode::Commit)
          isOpen = false;
        else if (in.op == Opcode::Guard && !in.labels.empty())
          reach(in.labels[0], isOpen, changed);
      }
      for (BlockId s : ordinary[b])
        reach(s, isOpen, changed);
    }
  }
  // guardAhead[b]: some path from the top of b meets a guard before a
  // commit. (A guard's own edge need not be followed: the guard is met.)
  std::vector<uint8_t> guardAhead(nb, 0);
  auto aheadAtEnd = [&](BlockId b) {
    for (BlockId s : ordinary[b])
      if (s < nb && guardAhead[s])
        return true;
    return false;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (auto it = cfg.rpo().rbegin(); it != cfg.rpo().rend(); ++it) {
      BlockId b = *it;
      if (guardAhead[b])
        continue;
      bool ahead = aheadAtEnd(b);
      for (auto in = f.block(b).instrs.rbegin(); in != f.block(b).instrs.rend(); ++in)
        if (in->op == Opcode::Guard)
          ahead = true;
        else if (in->op == Opcode::Commit)
          ahead = false;
      if (ahead) {
        guardAhead[b] = 1;
        changed = true;
      }
    }
  }
  std::vector<uint8_t> openBeforeGuard(f.numVars(), 0);
  std::vector<uint8_t> aheadAt; // per instruction of the block at hand
  for (BlockId b : cfg.rpo()) {
    const std::vector<Instr> &instrs = f.block(b).instrs;
    aheadAt.assign(instrs.size(), 0);
    bool ahead = aheadAtEnd(b);
    for (size_t i = instrs.size(); i-- > 0;) {
      aheadAt[i] = ahead;
      if (instrs[i].op == Opcode::Guard)
        ahead = true;
      else if (instrs[i].op == Opcode::Commit)
        ahead = false;
    }
    bool isOpen = open[b];
    for (size_t i = 0; i < instrs.size(); ++i) {
      const Instr &in = instrs[i];
      if (in.hasDest() && in.dest < openBeforeGuard.size())
        openBeforeGuard[in.dest] |= isOpen && aheadAt[i];
      if (in.op == Opcode::Speculate)
        isOpen = true;
      else if (in.op == Opcode::Commit)
        isOpen = false;
    }
  }
  std::vector<uint8_t> undoable = readAfterAbort(f, cfg, openBeforeGuard);
  for (VarId v = 0; v < undoable.size(); ++v)
    undoable[v] &= openBeforeGuard[v];
  return undoable;
}

}  // namespace

std::vector<uint32_t> DefiniteAssignment::trackedVariables(const Function &f, const CFG &cfg,
                                                           const DominatorTree &dom, Shape shape) {
  const size_t nv = f.numVars(), nb = cfg.numBlocks();
  std::vector<uint32_t> all(nv);
  std::iota(all.begin(), all.end(), 0);
  if (cfg.entry() == kNoBlock)
    return all;
  bool speculates = false, hasPhi = false;
  if (shape == Shape::Unknown)
    for (BlockId b : f.layout)
      for (const Instr &in : f.block(b).instrs) {
        speculates |= in.info().effect == EffectClass::Guard;
        hasPhi |= in.op == Opcode::Phi;
      }
  if (speculates && hasPhi)
    return all; // a phi argument read at the end of a guard's block: not worth the care
  // With speculation, a variable a failed guard may unassign is tracked (see
  // undoableDefinitions).
  std::vector<uint8_t> undoable = speculates ? undoableDefinitions(f, cfg) : std::vector<uint8_t>(nv, 0);
  // Phi arguments are read at the end of their (reachable) predecessor.
  std::vector<std::vector<VarId>> endUses(nb);
  for (BlockId b : cfg.rpo())
    for (const Instr &in : f.block(b).instrs) {
      if (in.op != Opcode::Phi)
        break;
      for (size_t k = 0; k < in.args.size() && k < in.labels.size(); ++k)
        if (in.labels[k] < nb && cfg.reachable(in.labels[k]))
          endUses[in.labels[k]].push_back(in.args[k]);
    }
  // `sure[v]`: every read of v (phi arguments at the end of their
  // predecessor) is dominated by a sure definition of v: any but `undef`,
  // and a phi only when its reachable arguments are all sure. The greatest
  // such set, from all-sure down until nothing changes.
  std::vector<uint8_t> sure(nv);
  for (VarId v = 0; v < nv; ++v)
    sure[v] = !undoable[v];
  std::vector<unsigned> defCount(nv, 0);
  std::vector<std::vector<VarId>> defsOf(nb);
  std::vector<VarId> late;
  constexpr int kMaxRounds = 8;
  bool changed = true;
  // Without phis one walk is the fixpoint: a definition's sureness then
  // depends on no variable's, so a second walk would flip nothing.
  for (int round = 0; changed && (round == 0 || hasPhi); ++round) {
    if (round == kMaxRounds)
      return all;
    changed = false;
    auto read = [&](VarId v) {
      if (v < nv && defCount[v] == 0 && sure[v]) {
        sure[v] = 0;
        changed = true;
      }
    };
    auto enter = [&](BlockId b) {
      std::vector<VarId> &defs = defsOf[b];
      if (b == cfg.entry())
        for (const Param &p : f.params)
          defs.push_back(p.var);
      for (VarId v : defs)
        ++defCount[v];
      // A guard's edge leaves from the middle of the block: what the block
      // assigns after its first guard counts for its own later reads only,
      // not for the blocks it dominates (a failed guard may reach them
      // without it).
      bool guarded = false;
      late.clear();
      for (const Instr &in : f.block(b).instrs) {
        guarded |= in.op == Opcode::Guard;
        if (in.op != Opcode::Phi)
          forEachUse(in, read);
        if (!in.hasDest() || in.op == Opcode::Undef)
          continue;
        bool isSure = true;
        if (in.op == Opcode::Phi)
          for (size_t k = 0; k < in.args.size() && k < in.labels.size(); ++k)
            isSure &= !(in.labels[k] < nb && cfg.reachable(in.labels[k])) || in.args[k] >= nv ||
                      sure[in.args[k]];
        if (isSure) {
          ++defCount[in.dest];
          (guarded ? late : defs).push_back(in.dest);
        }
      }
      for (VarId v : endUses[b])
        read(v);
      for (VarId v : late)
        --defCount[v];
    };
    auto leave = [&](BlockId b) {
      for (VarId v : defsOf[b])
        --defCount[v];
      defsOf[b].clear();
    };
    std::vector<std::pair<BlockId, unsigned>> stack{{cfg.entry(), 0}};
    enter(cfg.entry());
    while (!stack.empty()) {
      auto &[b, next] = stack.back();
      if (next < dom.children(b).size()) {
        BlockId c = dom.children(b)[next++];
        stack.push_back({c, 0});
        enter(c);
      } else {
        leave(b);
        stack.pop_back();
      }
    }
  }
  std::vector<uint32_t> index(nv, kUntracked);
  uint32_t n = 0;
  for (VarId v = 0; v < nv; ++v)
    if (!sure[v])
      index[v] = n++;
  return index;
}

namespace {

class Solver {
public:
  Solver(const Function &f, const CFG &cfg, const DominatorTree &dom,
         const std::vector<uint32_t> &index)
      : f_(f), cfg_(cfg), dom_(dom), index_(index), nb_(cfg.numBlocks()) {
    nv_ = 0;
    for (uint32_t i : index_)
      if (i != DefiniteAssignment::kUntracked)
        nv_ = std::max<size_t>(nv_, i + 1);
  }

  void run(std::vector<llvm::BitVector> &in, std::vector<PossiblyUndefinedRead> &reads) {
    if (nv_ == 0) { // every read is assigned: no bits, no fixpoint
      in.assign(nb_, llvm::BitVector());
      return;
    }
    llvm::BitVector all(nv_, true);
    in_.assign(nb_, State{all, all});
    out_.assign(nb_, State{all, all});
    guardOut_.assign(nb_, {});
    findFirstEntries();
    // The first entries' states are asked only of blocks that have one (none
    // with speculation, the commonest caller on small functions).
    if (std::any_of(first_.begin(), first_.end(), [](const auto &e) { return e.has_value(); })) {
      firstIn_.assign(nb_, State{all, all});
      firstOut_.assign(nb_, State{all, all});
      restOut_.assign(nb_, State{all, all});
    }
    std::vector<bool> visited(nb_, false); // every block's guards are seen once
    for (bool changed = true; changed;) {
      changed = false;
      for (BlockId b : cfg_.rpo()) {
        State s = join(b, nullptr);
        State first;
        if (first_[b])
          first = join(b, &*first_[b]);
        bool same = s.assigned == in_[b].assigned && s.saved == in_[b].saved &&
                    (!first_[b] || first.assigned == firstIn_[b].assigned);
        if (!same || !visited[b]) {
          visited[b] = true;
          in_[b] = std::move(s);
          if (first_[b])
            firstIn_[b] = std::move(first);
          transferBlock(b, nullptr);
          changed = true;
        }
      }
    }
    in.assign(nb_, all);
    for (BlockId b : cfg_.rpo()) {
      in[b] = in_[b].assigned;
      if (first_[b])
        in[b] &= firstIn_[b].assigned;
    }
    for (BlockId b : f_.layout)
      if (cfg_.reachable(b))
        transferBlock(b, &reads);
    auto key = [](const PossiblyUndefinedRead &r) { return std::tie(r.block, r.instr, r.arg); };
    std::sort(reads.begin(), reads.end(), [&](const auto &x, const auto &y) { return key(x) < key(y); });
    reads.erase(std::unique(reads.begin(), reads.end(),
                            [&](const auto &x, const auto &y) { return key(x) == key(y); }),
                reads.end());
  }

private:
  const Function &f_;
  const CFG &cfg_;
  const DominatorTree &dom_;
  // VarId -> bit, or kUntracked for a variable that is assigned wherever it
  // is read (DefiniteAssignment::trackedVariables): it reads as assigned.
  const std::vector<uint32_t> &index_;
  size_t nv_, nb_;

  bool test(const llvm::BitVector &bits, VarId v) const {
    uint32_t i = v < index_.size() ? index_[v] : DefiniteAssignment::kUntracked;
    return i == DefiniteAssignment::kUntracked || bits.test(i);
  }
  void set(llvm::BitVector &bits, VarId v) const {
    uint32_t i = v < index_.size() ? index_[v] : DefiniteAssignment::kUntracked;
    if (i != DefiniteAssignment::kUntracked)
      bits.set(i);
  }
  // in_/out_: for a header with a known first entry, what arrives by its
  // other edges (restOut_ = out_ there); firstIn_/firstOut_: its first entry.
  std::vector<State> in_, out_, firstIn_, firstOut_, restOut_;
  std::vector<std::optional<FirstEntry>> first_;
  // Per block: (target, what its guards to that target restore).
  std::vector<std::vector<std::pair<BlockId, llvm::BitVector>>> guardOut_;

  // The path-insensitive answer is too weak for the commonest loop: `while
  // (i < n)` entered with i = 0 and n = 99 runs its body at least once, so
  // what the body assigns is assigned after the loop. A block whose forward
  // entry is reached by a single path from the entry (every block on it has
  // one predecessor, the entry none) and whose branch, evaluated with the
  // constants of that path, goes one way, sends the state of that entry only
  // that way: for a loop header, its first entry; for a block no back edge
  // reaches (a rotated loop's guard), every entry. Without speculation only
  // (a guard's rollback would need the same split).
  void findFirstEntries() {
    first_.assign(nb_, std::nullopt);
    if (cfg_.entry() == kNoBlock || !cfg_.preds(cfg_.entry()).empty())
      return;
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.info().effect == EffectClass::Guard)
          return;
    const DominatorTree &dom = dom_;
    for (BlockId h : cfg_.rpo()) {
      const Instr *br = f_.block(h).terminator();
      if (!br || br->op != Opcode::Br || br->labels[0] == br->labels[1])
        continue;
      std::vector<BlockId> forward;
      for (BlockId p : cfg_.preds(h))
        if (!dom.dominates(h, p))
          forward.push_back(p);
      std::vector<BlockId> path; // the entry ... h's forward predecessor
      if (h != cfg_.entry()) {
        if (forward.size() != 1 || !isOrdinaryEdge(forward[0], h))
          continue;
        for (BlockId b = forward[0];; b = cfg_.preds(b)[0]) {
          path.push_back(b);
          if (b == cfg_.entry() || cfg_.preds(b).size() != 1 || path.size() > nb_)
            break;
        }
        if (path.back() != cfg_.entry())
          continue;
      }
      PathConstants known;
      for (auto it = path.rbegin(); it != path.rend(); ++it)
        for (const Instr &in : f_.block(*it).instrs)
          known.run(in);
      BlockId from = path.empty() ? kNoBlock : path.front();
      PathConstants atBranch = known;
      for (const Instr &in : f_.block(h).instrs) {
        if (in.op == Opcode::Phi) {
          std::optional<int64_t> v;
          for (size_t k = 0; k < in.args.size() && k < in.labels.size(); ++k)
            if (in.labels[k] == from)
              v = known.get(in.args[k]);
          atBranch.set(in.dest, v);
          continue;
        }
        atBranch.run(in);
      }
      if (std::optional<int64_t> c = atBranch.get(br->args[0]))
        first_[h] = FirstEntry{from, *c ? br->labels[0] : br->labels[1]};
    }
  }

  bool isOrdinaryEdge(BlockId p, BlockId s) const {
    const Instr *t = f_.block(p).terminator();
    if (!t)
      return cfg_.fallthrough(p) == s;
    return t->op != Opcode::Ret && std::find(t->labels.begin(), t->labels.end(), s) != t->labels.end();
  }

  // What p passes to its successor s along an ordinary edge.
  const State &contribution(BlockId p, BlockId s) const {
    if (first_[p] && first_[p]->to != s)
      return restOut_[p]; // the first entry never goes there
    return out_[p];
  }

  // The state at the top of b: with `first`, of its first entry only;
  // without, of every other entry (every entry for an ordinary block).
  State join(BlockId b, const FirstEntry *first) {
    llvm::BitVector all(nv_, true);
    State s{all, all};
    if (b == cfg_.entry() && (!first_[b] || first)) {
      s.assigned.reset();
      for (const Param &p : f_.params)
        set(s.assigned, p.var);
    }
    for (BlockId p : cfg_.preds(b)) {
      if (first_[b] && (p == first_[b]->from) != (first != nullptr))
        continue;
      if (isOrdinaryEdge(p, b)) {
        const State &c = contribution(p, b);
        s.assigned &= c.assigned;
        s.saved &= c.saved;
      }
      for (const auto &[target, restored] : guardOut_[p])
        if (target == b) {
          s.assigned &= restored;
          s.saved &= restored;
        }
    }
    return s;
  }

  void transferBlock(BlockId b, std::vector<PossiblyUndefinedRead> *reads) {
    guardOut_[b].clear();
    if (!first_[b]) {
      out_[b] = transfer(b, in_[b], false, kNoBlock, false, reads);
      return;
    }
    firstOut_[b] = transfer(b, firstIn_[b], true, first_[b]->from, true, reads);
    restOut_[b] = transfer(b, in_[b], true, first_[b]->from, false, reads);
    out_[b] = restOut_[b];
    out_[b].assigned &= firstOut_[b].assigned;
    out_[b].saved &= firstOut_[b].saved;
  }

  // One pass over b's instructions from `s`. A phi reads the arguments of
  // the entries `s` stands for: all unless `split`; else only `from`'s when
  // `onlyFrom`, all but `from`'s otherwise. An argument from an edge no
  // execution takes counts as assigned.
  State transfer(BlockId b, State s, bool split, BlockId from, bool onlyFrom,
                 std::vector<PossiblyUndefinedRead> *reads) {
    const std::vector<Instr> &instrs = f_.block(b).instrs;
    for (unsigned i = 0; i < instrs.size(); ++i) {
      const Instr &in = instrs[i];
      if (in.op == Opcode::Phi) {
        bool all = true;
        for (size_t k = 0; k < in.args.size() && k < in.labels.size(); ++k)
          if (!split || (in.labels[k] == from) == onlyFrom)
            all &= test(contribution(in.labels[k], b).assigned, in.args[k]);
        if (in.hasDest() && all)
          set(s.assigned, in.dest);
        continue;
      }
      if (reads)
        for (unsigned a = firstUseIndex(in); a < in.args.size(); ++a)
          if (!test(s.assigned, in.args[a]))
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
        set(s.assigned, in.dest);
    }
    return s;
  }
};

} // namespace

DefiniteAssignment::DefiniteAssignment(const Function &f, const CFG &cfg, Tracking tracking)
    : DefiniteAssignment(f, cfg, DominatorTree(cfg), tracking) {}

DefiniteAssignment::DefiniteAssignment(const Function &f, const CFG &cfg, const DominatorTree &dom,
                                       Tracking tracking, Shape shape) {
  if (tracking == Tracking::Needed) {
    index_ = trackedVariables(f, cfg, dom, shape);
  } else {
    index_.resize(f.numVars());
    std::iota(index_.begin(), index_.end(), 0);
  }
  Solver(f, cfg, dom, index_).run(in_, reads_);
}

bool DefiniteAssignment::isAssignedIn(VarId v, BlockId b) const {
  uint32_t i = v < index_.size() ? index_[v] : kUntracked;
  return i == kUntracked || in_[b].test(i);
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
