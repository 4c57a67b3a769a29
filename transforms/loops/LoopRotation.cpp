// Rules (see LoopRotation.h): every copy of the header runs exactly when the
// header would have run (after P, or after a latch), so no instruction runs
// on a new path and effects keep their order; the executed count drops by
// the latch's `jmp` per iteration or stays the same (a latch that fell
// through). The copies read only values that dominate their new place: the
// phis' incoming values from that block, values defined before the loop, or
// earlier copies.
#include "transforms/loops/LoopRotation.h"

#include "analysis/LayoutWalk.h"
#include "analysis/AnalysisCache.h"
#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/Loops.h"
#include "analysis/Uses.h"
#include "transforms/loops/LoopPreheaders.h"

#include <llvm/ADT/DenseMap.h>

#include <cassert>
#include <optional>
#include <vector>

namespace brisk {

namespace {

// Non-phi, non-terminator instructions a header may have to be duplicated.
constexpr size_t kMaxHeaderInstrs = 8;
constexpr size_t kMaxLatches = 4;

struct Rotation {
  BlockId header, pre, body, exit;
  std::vector<BlockId> latches;
};

// The header's variables -> their copies at the end of one source block.
using HeaderCopies = llvm::SmallDenseMap<VarId, VarId, 8>;

// A value the old header defined, now defined at the end of several blocks.
struct SplitValue {
  VarId old;
  Type type;
  llvm::SmallVector<std::pair<BlockId, VarId>, 4> defs; // block -> the var holding it there
  // Small maps: one split value per header definition of every rotated loop,
  // each with a few entries (a DenseMap's first insertion allocates 64).
  llvm::SmallDenseMap<BlockId, VarId, 4> phis;    // phi placed at a block
  llvm::SmallDenseMap<BlockId, VarId, 4> atEntry; // memo: reaching var at block entry
};

class LoopRotator {
public:
  LoopRotator(Function &f, AnalysisCache &facts) : f_(f), facts_(facts) {}

  bool run() {
    std::vector<Rotation> todo;
    bool changed;
    {
      changed = insertPreheaders(f_, facts_);
      const CFG &cfg = facts_.cfg();
      const LoopInfo &loops = facts_.loops();
      for (const Loop &loop : loops.loops())
        if (auto r = qualify(loop, cfg, loops))
          todo.push_back(*r);
    }
    if (todo.empty())
      return changed;
    splitIndex_.assign(f_.numVars(), kNotSplit);
    undefs_.assign(f_.numVars(), kUnknown);
    for (const Rotation &r : todo)
      for (const Instr &in : f_.block(r.header).instrs)
        if (in.hasDest())
          undefs_[in.dest] = in.op == Opcode::Undef ? kUndef : kDefined;
    std::vector<uint8_t> removed(f_.blocks.size(), 0);
    split_.reserve(todo.size() * 4);
    for (const Rotation &r : todo) {
      rotate(r);
      removed[r.header] = 1;
    }
    std::erase_if(f_.layout, [&](BlockId b) { return removed[b] != 0; });
    facts_.invalidateCFG();
    repairSSA();
    undefineCopiesOfUndefs();
    return true;
  }

private:
  Function &f_;
  AnalysisCache &facts_;
  std::vector<SplitValue> split_;
  // Old header var -> its split_ slot, or kNotSplit. A vector over the
  // variables, not a hash map: repairSSA looks up every use of the function.
  static constexpr unsigned kNotSplit = ~0u;
  std::vector<unsigned> splitIndex_;
  unsigned splitSlot(VarId v) const { return v < splitIndex_.size() ? splitIndex_[v] : kNotSplit; }
  llvm::DenseMap<unsigned, VarId> undefOfType_;
  // Per variable of the function as it was, whether an `undef` defines it
  // (an `id` of one would be a read of it). Known from the start for the
  // rotated headers' variables; the others are learnt by repairSSA's
  // rename walk, which reads every instruction anyway, rather than by a
  // walk of their own (a million instructions are 64 MB: a walk of them
  // misses the cache once per instruction).
  static constexpr uint8_t kUnknown = 0, kUndef = 1, kDefined = 2;
  std::vector<uint8_t> undefs_;
  // A phi's copy made an `id` of a value not known then to be an `undef`
  // (undefineCopiesOfUndefs settles it): its block, its place counted from
  // the block's end (SSA repair adds phis and `undef`s at the start), and the
  // value it reads.
  struct PendingCopy {
    BlockId block;
    uint32_t fromEnd;
    VarId read;
  };
  std::vector<PendingCopy> pending_;

  // A copy of a value an `undef` defines is undefined too, without reading
  // anything (in brili a read of it would fail). The copies' reads were
  // left alone by SSA repair (they are no rotated header's values) and read
  // no phi it placed.
  void undefineCopiesOfUndefs() {
    for (const PendingCopy &c : pending_) {
      if (undefs_[c.read] != kUndef)
        continue;
      std::vector<Instr> &instrs = f_.block(c.block).instrs;
      Instr &copy = instrs[instrs.size() - c.fromEnd];
      copy.op = Opcode::Undef;
      copy.args.clear();
    }
  }

  std::optional<Rotation> qualify(const Loop &loop, const CFG &cfg, const LoopInfo &loops) {
    Rotation r;
    r.header = loop.header;
    r.pre = preheaderOf(f_, cfg, loops, r.header);
    if (r.pre == kNoBlock)
      return std::nullopt;
    const Block &h = f_.block(r.header);
    const Instr *br = h.terminator();
    if (!br || br->op != Opcode::Br)
      return std::nullopt;
    LoopId l = loops.loopOf(r.header);
    bool in0 = loops.contains(l, br->labels[0]), in1 = loops.contains(l, br->labels[1]);
    if (in0 == in1)
      return std::nullopt;
    r.body = in0 ? br->labels[0] : br->labels[1];
    r.exit = in0 ? br->labels[1] : br->labels[0];
    if (r.body == r.header || cfg.preds(r.body).size() != 1)
      return std::nullopt;
    if (loop.latches.size() > kMaxLatches)
      return std::nullopt;
    for (BlockId latch : loop.latches) {
      if (latch == r.header || cfg.succs(latch).size() != 1)
        return std::nullopt;
      const Instr *t = f_.block(latch).terminator();
      if (t && t->op != Opcode::Jmp && t->op != Opcode::Br)
        return std::nullopt;
      r.latches.push_back(latch);
    }
    size_t body = 0;
    for (const Instr &in : h.instrs) {
      if (in.op == Opcode::Phi || in.isTerminator())
        continue;
      if (in.info().effect == EffectClass::Guard || in.op == Opcode::Get ||
          in.op == Opcode::Set || ++body > kMaxHeaderInstrs)
        return std::nullopt;
    }
    return r;
  }

  // Copies the header's work to the end of `from` (the preheader or a latch)
  // and ends it with the header's branch. Returns the map old var -> the var
  // holding that value at the end of `from`.
  HeaderCopies copyHeaderInto(const Rotation &r, BlockId from) {
    HeaderCopies map;
    const std::vector<Instr> &hin = f_.block(r.header).instrs;
    // The copies go straight to the end of `from`, in place of its
    // terminator (no array of their own): one per header instruction, for
    // a phi has one entry from each predecessor. Room first: a growing
    // vector of Instr copies every element (Instr's move may throw), once
    // per push_back that reallocates.
    std::vector<Instr> &dst = f_.block(from).instrs;
    if (!dst.empty() && dst.back().isTerminator())
      dst.pop_back();
    dst.reserve(dst.size() + hin.size());
    const size_t firstPending = pending_.size();
    for (const Instr &in : hin) {
      if (in.op == Opcode::Phi) {
        // A copy, not the incoming value itself: the value may be another
        // rotated loop's header variable, which SSA repair renames by the
        // position of its uses; GVN removes the copy afterwards.
        for (size_t i = 0; i < in.args.size(); ++i) {
          if (in.labels[i] != from)
            continue;
          Instr c;
          c.op = Opcode::Id;
          c.type = in.type;
          VarId read = in.args[i];
          uint8_t known = read < undefs_.size() ? undefs_[read] : kDefined;
          if (known == kUndef) {
            // The value is undefined on this entry: so is the copy, without
            // reading anything (in brili a read of it would fail).
            c.op = Opcode::Undef;
          } else {
            c.args.push_back(read);
            if (known == kUnknown)
              pending_.push_back({from, uint32_t(dst.size()), read});
          }
          c.dest = f_.freshVar(originalName(f_.varName(in.dest)));
          map[in.dest] = c.dest;
          dst.push_back(std::move(c));
        }
        continue;
      }
      Instr c = in;
      forEachUseRef(c, [&](VarId &a) {
        if (auto it = map.find(a); it != map.end())
          a = it->second;
      });
      if (c.hasDest()) {
        std::string base = originalName(f_.varName(in.dest));
        c.dest = f_.freshVar(base);
        map[in.dest] = c.dest;
      }
      dst.push_back(std::move(c));
    }
    // Places from the end, now that the block is complete.
    for (size_t i = firstPending; i < pending_.size(); ++i)
      pending_[i].fromEnd = uint32_t(dst.size() - pending_[i].fromEnd);
    return map;
  }

  void rotate(const Rotation &r) {
    std::vector<BlockId> sources{r.pre};
    sources.insert(sources.end(), r.latches.begin(), r.latches.end());
    std::vector<HeaderCopies> maps;
    for (BlockId s : sources)
      maps.push_back(copyHeaderInto(r, s));
    for (const Instr &in : f_.block(r.header).instrs) {
      if (!in.hasDest())
        continue;
      unsigned slot = unsigned(split_.size());
      split_.emplace_back();
      split_.back().old = in.dest;
      split_.back().type = in.type;
      splitIndex_[in.dest] = slot;
      for (size_t i = 0; i < sources.size(); ++i)
        if (auto it = maps[i].find(in.dest); it != maps[i].end())
          split_[slot].defs.push_back({sources[i], it->second});
    }
    // The phis of B and X had one entry from H; now one from each source.
    for (BlockId succ : {r.body, r.exit}) {
      for (Instr &phi : f_.block(succ).instrs) {
        if (phi.op != Opcode::Phi)
          break;
        for (size_t i = 0; i < phi.labels.size(); ++i) {
          if (phi.labels[i] != r.header)
            continue;
          VarId w = phi.args[i];
          phi.args.erase(phi.args.begin() + i);
          phi.labels.erase(phi.labels.begin() + i);
          for (size_t s = 0; s < sources.size(); ++s) {
            auto it = maps[s].find(w);
            phi.args.push_back(it != maps[s].end() ? it->second : w);
            phi.labels.push_back(sources[s]);
          }
          break;
        }
      }
    }
    f_.block(r.header).dead = true;
  }

  VarId undefOf(Type t) {
    unsigned key = unsigned(t.base()) << 8 | t.ptrDepth();
    if (auto it = undefOfType_.find(key); it != undefOfType_.end())
      return it->second;
    Instr u;
    u.op = Opcode::Undef;
    u.type = t;
    u.dest = f_.freshVar("undef");
    std::vector<Instr> &e = f_.block(f_.entry()).instrs;
    e.insert(e.begin(), u);
    undefOfType_[key] = u.dest;
    return u.dest;
  }

  static VarId localDef(const SplitValue &s, BlockId b) {
    for (const auto &[blk, var] : s.defs)
      if (blk == b)
        return var;
    return kNoVar;
  }

  VarId reachingAtEntry(SplitValue &s, const DominatorTree &dom, BlockId b) {
    llvm::SmallVector<BlockId, 16> path;
    VarId found = kNoVar;
    for (BlockId x = b; x != kNoBlock; x = dom.idom(x)) {
      if (auto it = s.atEntry.find(x); it != s.atEntry.end()) {
        found = it->second;
        break;
      }
      if (auto it = s.phis.find(x); it != s.phis.end()) {
        found = it->second;
        s.atEntry[x] = found;
        break;
      }
      path.push_back(x);
      // Entering x from its idom: the idom's definition, if any, reaches.
      BlockId up = dom.idom(x);
      if (up != kNoBlock) {
        VarId local = localDef(s, up);
        if (local != kNoVar) {
          found = local;
          break;
        }
      }
    }
    for (BlockId x : path)
      s.atEntry[x] = found;
    return found;
  }

  VarId reachingAtEnd(SplitValue &s, const DominatorTree &dom, BlockId b) {
    VarId local = localDef(s, b);
    return local != kNoVar ? local : reachingAtEntry(s, dom, b);
  }

  void repairSSA() {
    // The facts' own, not ones of its own: the phis added below change no
    // edge, so the CFG and dominator tree stay true for the loop passes that
    // follow (PassContext::retainFacts), which then need not build them again.
    const CFG &cfg = facts_.cfg();
    const DominatorTree &dom = facts_.domTree();
    const DominanceFrontier &df = facts_.frontier();
    // Phis at the iterated dominance frontier of each value's definitions.
    // Their variables are made here one after another, nothing else making
    // any meanwhile: the i-th phi's is firstPhiVar + i.
    std::vector<std::pair<unsigned, BlockId>> newPhis; // (slot, block)
    std::vector<BlockId> work;
    const VarId firstPhiVar = VarId(f_.numVars());
    for (unsigned slot = 0; slot < split_.size(); ++slot) {
      SplitValue &s = split_[slot];
      for (const auto &d : s.defs)
        work.push_back(d.first);
      while (!work.empty()) {
        BlockId b = work.back();
        work.pop_back();
        if (!dom.reachable(b))
          continue;
        for (BlockId z : df.frontier(b)) {
          if (s.phis.count(z))
            continue;
          s.phis[z] = f_.freshVar(originalName(f_.varName(s.old)));
          newPhis.push_back({slot, z});
          work.push_back(z);
        }
      }
    }
    assert(f_.numVars() == firstPhiVar + newPhis.size());
    // The phis by destination (an index into newPhis, and into argStart
    // below): every use of the function is looked up, by its number alone
    // rather than in a table over the variables.
    auto builtOf = [&](VarId v) {
      return v >= firstPhiVar && v - firstPhiVar < newPhis.size() ? unsigned(v - firstPhiVar)
                                                                  : kNotSplit;
    };
    // Pruning: a new phi is kept when something else reads it. Reads in the
    // function are marked in the same pass that renames them.
    std::vector<uint8_t> live(newPhis.size(), 0);
    std::vector<VarId> liveWork;
    auto markUse = [&](VarId a) {
      unsigned i = builtOf(a);
      if (i != kNotSplit && !live[i]) {
        live[i] = 1;
        liveWork.push_back(a);
      }
    };
    // Every remaining use of an old header value reads what reaches it: a
    // walk of every instruction, in layout order with the blocks ahead
    // fetched. (undefOf edits only the entry block, which no old header
    // value reaches: the layout stays as it is.)
    walkBlocks(f_, [&](BlockId b, Block &blk) {
      for (Instr &in : blk.instrs) {
        if (in.op == Opcode::Undef && in.dest < undefs_.size())
          undefs_[in.dest] = kUndef;
        if (in.op == Opcode::Phi) {
          for (size_t i = 0; i < in.args.size(); ++i)
            if (unsigned slot = splitSlot(in.args[i]); slot != kNotSplit) {
              SplitValue &s = split_[slot];
              VarId v = reachingAtEnd(s, dom, in.labels[i]);
              in.args[i] = v != kNoVar ? v : undefOf(s.type);
            }
          forEachUse(in, markUse);
          continue;
        }
        forEachUseRef(in, [&](VarId &a) {
          if (unsigned slot = splitSlot(a); slot != kNotSplit) {
            SplitValue &s = split_[slot];
            VarId v = reachingAtEntry(s, dom, b);
            a = v != kNoVar ? v : undefOf(s.type);
          }
          markUse(a);
        });
      }
    });
    // The phis' incoming values, one per predecessor of the phi's block (in
    // cfg.preds order), phi after phi in one array; then only the phis
    // something else reads become instructions (about half on
    // bench/big_function.py's shape: each pruned one built cost two
    // operand arrays on the heap).
    std::vector<uint32_t> argStart(newPhis.size() + 1, 0);
    std::vector<VarId> args;
    for (size_t i = 0; i < newPhis.size(); ++i) {
      auto [slot, z] = newPhis[i];
      SplitValue &s = split_[slot];
      argStart[i] = uint32_t(args.size());
      for (BlockId p : cfg.preds(z)) {
        VarId v = reachingAtEnd(s, dom, p);
        args.push_back(v != kNoVar ? v : undefOf(s.type));
      }
    }
    argStart[newPhis.size()] = uint32_t(args.size());
    auto argsOf = [&](unsigned i) {
      return llvm::ArrayRef<VarId>(args.data() + argStart[i], args.data() + argStart[i + 1]);
    };
    while (!liveWork.empty()) {
      VarId v = liveWork.back();
      liveWork.pop_back();
      for (VarId a : argsOf(builtOf(v)))
        markUse(a);
    }
    for (unsigned i = 0; i < newPhis.size(); ++i) {
      if (!live[i])
        continue;
      auto [slot, z] = newPhis[i];
      VarId v = firstPhiVar + i;
      Instr phi;
      phi.op = Opcode::Phi;
      phi.type = split_[slot].type;
      phi.dest = v;
      llvm::ArrayRef<VarId> in = argsOf(i);
      phi.args.assign(in.begin(), in.end());
      BlockRange preds = cfg.preds(z);
      phi.labels.assign(preds.begin(), preds.end());
      std::vector<Instr> &instrs = f_.block(z).instrs;
      size_t at = 0;
      while (at < instrs.size() && instrs[at].op == Opcode::Phi)
        ++at;
      instrs.insert(instrs.begin() + at, std::move(phi));
    }
  }
};

} // namespace

bool rotateLoops(Function &f, AnalysisCache &facts) { return LoopRotator(f, facts).run(); }

bool rotateLoops(Function &f) {
  AnalysisCache facts(f);
  return rotateLoops(f, facts);
}

} // namespace brisk
