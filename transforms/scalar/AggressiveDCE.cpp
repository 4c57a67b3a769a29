#include "transforms/scalar/AggressiveDCE.h"

#include "analysis/AnalysisCache.h"
#include "analysis/CFG.h"
#include "analysis/DefiniteAssignment.h"
#include "analysis/LayoutWalk.h"
#include "analysis/LoopTermination.h"
#include "analysis/Loops.h"
#include "analysis/PostDominators.h"
#include "analysis/Uses.h"

#include <llvm/ADT/DenseMap.h>

#include <optional>
#include <vector>

namespace brisk {

namespace {

class AggressiveDCE {
public:
  AggressiveDCE(Function &f, AnalysisCache &facts)
      : f_(f), facts_(facts), def_(f.numVars(), nullptr), defBlock_(f.numVars(), kNoBlock),
        defId_(f.numVars(), kNoId), firstId_(f.blocks.size(), 0), termId_(f.blocks.size(), kNoId),
        endsInBr_(f.blocks.size(), false), live_(f.numVars(), false),
        blockLive_(f.blocks.size(), false), branchLive_(f.blocks.size(), false) {}

  bool run() {
    bool speculative = false, hasUndef = false;
    uint32_t id = 0;
    // Room for what the walk records, so that the tables do not grow by
    // copying: in SSA every variable has at most one definition, and the
    // instructions without one are mostly the blocks' terminators, which
    // bounds the instructions for most functions (room reserved and not
    // used costs no memory traffic). Most instructions read two operands.
    const size_t instrsBound = f_.numVars() + f_.blocks.size();
    opBegin_.reserve(instrsBound + 1);
    fate_.reserve(instrsBound);
    ops_.reserve(2 * instrsBound);
    work_.reserve(instrsBound); // (an instruction enters it once, a root with a live result twice)
    walkBlocks(f_, [&](BlockId b, const Block &blk) {
      firstId_[b] = id;
      if (!blk.instrs.empty() && blk.instrs.front().op == Opcode::Phi) // (phis come first)
        phiBlocks_.push_back(b);
      for (const Instr &in : blk.instrs) {
        speculative |= in.info().effect == EffectClass::Guard;
        hasUndef |= in.op == Opcode::Undef;
        // What isRoot() may accept (it needs every constant first).
        if (in.op != Opcode::Br && in.op != Opcode::Jmp && in.info().effect != EffectClass::Pure)
          rootCandidates_.push_back({&in, id, b});
        if (in.hasDest()) {
          def_[in.dest] = &in;
          defBlock_[in.dest] = b;
          defId_[in.dest] = id;
          if (in.op == Opcode::Const)
            constant_[in.dest] = in.value.asInt();
        }
        opBegin_.push_back(uint32_t(ops_.size()));
        fate_.push_back(in.isTerminator() ? kKept : in.hasDest() ? in.dest : kDies);
        if (in.op == Opcode::Phi)
          for (BlockId p : in.labels)
            ops_.push_back(p | kLabel);
        forEachUse(in, [&](VarId v) { ops_.push_back(v); });
        ++id;
      }
      if (const Instr *term = blk.terminator()) {
        termId_[b] = id - 1;
        endsInBr_[b] = term->op == Opcode::Br;
      }
    });
    opBegin_.push_back(uint32_t(ops_.size()));
    guards_ = speculative ? CFG::Guards::Scan : CFG::Guards::Absent;
    const CFG &cfg = facts_.cfg(guards_);
    PostDominatorTree pdom(cfg);
    ControlDependence cd(cfg, pdom);
    cd_ = &cd;
    const DominatorTree &dom = facts_.domTree();
    const LoopInfo &loops = facts_.loops();
    std::vector<bool> finite = findFiniteLoops(f_, dom, loops, def_, defBlock_);
    // In SSA every definition dominates its uses (the verifier's D2), so
    // only an `undef`, or a failed guard restoring a variable, can leave a
    // read unassigned: without either there is nothing to find.
    std::optional<DefiniteAssignment> assigned;
    if (speculative || hasUndef)
      assigned.emplace(f_, cfg);
    // Without control dependence (speculation: a guard's recovery edge is
    // not an ordinary branch; unreachable blocks: no post-dominators) every
    // branch stays. So does every branch of a loop not proven finite: the
    // loop may be what keeps the program from ending (see the header).
    // The branches kept whatever is live: from what the walk above noted
    // of each block, without looking at the blocks again.
    auto keepBranch = [&](BlockId b) {
      return speculative || !cfg.reachable(b) ||
             (endsInBr_[b] && (pdom.ipdom(b) == kNoBlock || mayLoopForever(b, loops, finite)));
    };
    if (!assigned) {
      for (BlockId b : f_.layout)
        if (keepBranch(b))
          markBranch(b);
      // Marking is a closure: its result does not depend on the order of
      // the roots, so without possibly undefined reads they come from the
      // list.
      for (auto [in, rootId, b] : rootCandidates_)
        if (isRoot(*in))
          markRoot(rootId, b);
    } else {
      walkBlocks(f_, [&](BlockId b, const Block &blk) {
        if (keepBranch(b))
          markBranch(b);
        const std::vector<Instr> &instrs = blk.instrs;
        for (unsigned i = 0; i < instrs.size(); ++i)
          if (assigned->mayReadUndefined(b, i) || isRoot(instrs[i]))
            markRoot(firstId_[b] + i, b);
      });
    }
    for (size_t next = 0; next < work_.size(); ++next) {
      auto [in, b] = work_[next];
      markOperands(in, b);
    }
    // Only the blocks with something to delete or a `br` to rewrite are
    // visited again, found from fate_ and the marks in layout order: on a
    // function of a million instructions a walk over every one is a cache
    // miss per instruction, and most blocks keep all of theirs.
    bool changed = false, rewired = false;
    for (size_t i = 0; i < f_.layout.size(); ++i) {
      BlockId b = f_.layout[i];
      uint32_t end = i + 1 < f_.layout.size() ? firstId_[f_.layout[i + 1]] : id;
      bool rewire = endsInBr_[b] && !branchLive_[b], dies = false;
      for (uint32_t k = firstId_[b]; k < end && !dies; ++k)
        dies = fate_[k] == kDies || (fate_[k] != kKept && !live_[fate_[k]]);
      if (!dies && !rewire)
        continue;
      auto &ins = f_.block(b).instrs;
      uint32_t k = firstId_[b];
      std::erase_if(ins, [&](const Instr &) {
        uint32_t fate = fate_[k++];
        return fate == kDies || (fate != kKept && !live_[fate]);
      });
      changed |= dies;
      if (rewire) {
        // Nothing live depends on which way it goes: straight to where both
        // ways meet again.
        Instr *term = f_.block(b).terminator();
        *term = makeJump(pdom.ipdom(b), term->pos);
        changed = rewired = true;
      }
    }
    // Deleting instructions never changes an edge (terminators and guards
    // stay), so unless a branch was rewritten the CFG is still cfg.
    // (pdom and cd read cfg, which the facts own: drop them last.)
    if (rewired)
      removeUnreachable(CFG(f_, guards_));
    else if (changed)
      editedCFG_ = removeUnreachable(cfg);
    editedCFG_ |= rewired;
    return changed;
  }

private:
  // b is in a loop not proven finite, or in irreducible control flow.
  static bool mayLoopForever(BlockId b, const LoopInfo &loops, const std::vector<bool> &finite) {
    if (loops.irreducible())
      return true;
    for (LoopId l = loops.loopOf(b); l != kNoLoop; l = loops.loop(l).parent)
      if (!finite[l])
        return true;
    return false;
  }

  bool isConstant(VarId v, int64_t *out) const {
    // Not through def_: the sweep asks this while it moves instructions.
    auto it = constant_.find(v);
    if (it == constant_.end())
      return false;
    *out = it->second;
    return true;
  }

  // Branches are not roots: they live when something live depends on them.
  bool isRoot(const Instr &in) const {
    if (in.op == Opcode::Br || in.op == Opcode::Jmp)
      return false;
    switch (in.info().effect) {
    case EffectClass::Pure:
      return false;
    case EffectClass::MayTrap: {
      int64_t c;
      if (in.op == Opcode::Div)
        return !(isConstant(in.args[1], &c) && c != 0);
      if (in.op == Opcode::Int2Char)
        return !(isConstant(in.args[0], &c) && c >= 0 && c <= 1114111 &&
                 !(c > 55295 && c < 57344));
      return true;
    }
    default:
      return true;
    }
  }

  // Instruction id stays whatever is live: it has an effect, or may read
  // an unassigned variable (and trap).
  void markRoot(uint32_t id, BlockId b) {
    fate_[id] = kKept;
    markLive(id, b);
  }

  // Marking is a closure: the order in which instructions are taken from
  // the worklist does not change what ends up live.
  void markLive(uint32_t id, BlockId b) {
    work_.push_back({id, b});
    markBlock(b);
  }

  // Something in b is live: the branches deciding whether b runs are too.
  void markBlock(BlockId b) {
    if (blockLive_[b])
      return;
    blockLive_[b] = true;
    for (BlockId c : cd_->dependsOn(b))
      markBranch(c);
  }

  void markBranch(BlockId b) {
    if (branchLive_[b])
      return;
    branchLive_[b] = true;
    if (termId_[b] != kNoId)
      work_.push_back({termId_[b], b});
    markBlock(b);
  }

  void markOperands(uint32_t id, BlockId b) {
    (void)b;
    for (uint32_t k = opBegin_[id]; k < opBegin_[id + 1]; ++k) {
      uint32_t x = ops_[k];
      // A live phi needs to know which edge control came along.
      if (x & kLabel) {
        markBranch(x & ~kLabel);
        continue;
      }
      if (live_[x])
        continue;
      live_[x] = true;
      if (defId_[x] != kNoId)
        markLive(defId_[x], defBlock_[x]);
    }
  }

  // Blocks that rewritten branches no longer reach hold nothing live; phis
  // (dead ones, since a live phi keeps its predecessors' branches) lose
  // their entries from them. Only the blocks that began with a phi when
  // run() walked them can hold one (the sweep adds none), and only when a
  // block went can an entry name a dead one.
  // Returns whether it dropped a block.
  bool removeUnreachable(const CFG &cfg) {
    std::vector<BlockId> kept;
    bool dropped = false;
    for (BlockId b : f_.layout) {
      if (cfg.reachable(b)) {
        kept.push_back(b);
      } else {
        f_.blocks[b].dead = true;
        dropped = true;
      }
    }
    f_.layout = std::move(kept);
    if (!dropped)
      return false;
    for (BlockId b : phiBlocks_) {
      Block &blk = f_.blocks[b];
      if (blk.dead)
        continue;
      for (Instr &in : blk.instrs) {
        if (in.op != Opcode::Phi)
          break;
        for (size_t k = in.labels.size(); k-- > 0;)
          if (f_.blocks[in.labels[k]].dead) {
            in.labels.erase(in.labels.begin() + k);
            in.args.erase(in.args.begin() + k);
          }
      }
    }
    return true;
  }

public:
  // Whether run() rewired a branch or dropped a block.
  bool editedCFG() const { return editedCFG_; }

private:

  Function &f_;
  AnalysisCache &facts_;
  bool editedCFG_ = false;
  std::vector<const Instr *> def_; // for findFiniteLoops
  std::vector<BlockId> defBlock_;
  // Marking follows definitions from instruction to instruction in no
  // order the layout knows, and on a function of a million instructions
  // each one it read was a cache miss (the instructions are some hundred
  // megabytes). So the first walk numbers the instructions in layout order
  // and copies what marking reads of them into flat tables a few
  // megabytes large: instruction id's operands are ops_[opBegin_[id],
  // opBegin_[id + 1]), a phi's incoming blocks first with kLabel set; the
  // definition of v is instruction defId_[v]; block b's instructions are
  // numbered from firstId_[b], its terminator (if any) termId_[b], and
  // endsInBr_[b] says whether that is a `br`.
  static constexpr uint32_t kNoId = ~0u, kLabel = 1u << 31;
  std::vector<uint32_t> defId_, firstId_, termId_, opBegin_, ops_;
  // What decides whether instruction id stays: kKept (a terminator or a
  // root: it stays), kDies (no result and no effect: it goes), else its
  // destination (it stays when that is live). The sweep reads this, not
  // the instructions.
  static constexpr uint32_t kKept = ~0u, kDies = ~0u - 1;
  std::vector<uint32_t> fate_;
  std::vector<bool> endsInBr_;
  // The `const` destinations: a few in a hundred variables, so a map rather
  // than a slot per variable (fresh pages to fault in on every run).
  llvm::DenseMap<VarId, int64_t> constant_;
  std::vector<bool> live_, blockLive_, branchLive_;
  std::vector<std::pair<uint32_t, BlockId>> work_; // every push, taken in order
  // Every instruction but br, jmp and the pure ones, with its id and block.
  struct RootCandidate {
    const Instr *in;
    uint32_t id;
    BlockId block;
  };
  std::vector<RootCandidate> rootCandidates_;
  std::vector<BlockId> phiBlocks_; // beginning with a phi, in layout order
  CFG::Guards guards_ = CFG::Guards::Scan; // Absent: the function has no guard
  const ControlDependence *cd_ = nullptr;
};

} // namespace

bool eliminateDeadCodeAggressively(Function &f, AnalysisCache &facts) {
  AggressiveDCE adce(f, facts);
  if (!adce.run())
    return false;
  if (adce.editedCFG())
    facts.invalidateCFG();
  else
    facts.invalidateInstrs();
  return true;
}

bool eliminateDeadCodeAggressively(Function &f) {
  AnalysisCache facts(f);
  return eliminateDeadCodeAggressively(f, facts);
}

} // namespace brisk
