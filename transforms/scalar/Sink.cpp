#include "transforms/scalar/Sink.h"

#include "analysis/AnalysisCache.h"
#include "analysis/Buckets.h"
#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/LayoutWalk.h"
#include "analysis/Uses.h"

#include <algorithm>
#include <optional>
#include <vector>

namespace brisk {

namespace {

class Sinker {
public:
  Sinker(Function &f, AnalysisCache &facts) : f_(f), facts_(facts) {}

  bool run() {
    // The blocks using each variable, grouped by variable with a counting
    // sort (one array, not a list per variable), in layout order. The uses
    // are read off the instructions once, into a flat list the sort then
    // walks twice: a second walk over every instruction would cost more.
    const size_t nv = f_.numVars();
    std::vector<std::pair<VarId, BlockId>> uses;
    // Room up front, so that the list does not grow by copying: in SSA
    // every variable has at most one definition, and the instructions
    // without one are mostly the blocks' terminators; most read two
    // operands (room reserved and not used costs no memory traffic).
    uses.reserve(2 * (nv + f_.blocks.size()));
    candidates_.reserve(nv); // (at most one definition per variable)
    bool guards = false;
    candidateBegin_.assign(f_.blocks.size(), 0);
    candidateEnd_.assign(f_.blocks.size(), 0);
    received_.assign(f_.blocks.size(), false);
    walkBlocks(f_, [&](BlockId b, const Block &blk) {
      candidateBegin_[b] = uint32_t(candidates_.size());
      for (uint32_t i = 0; i < blk.instrs.size(); ++i) {
        const Instr &in = blk.instrs[i];
        guards |= in.op == Opcode::Guard;
        forEachUseSite(in, b, [&](VarId v, BlockId u) { uses.push_back({v, u}); });
        if (mayMove(in))
          candidates_.push_back({in.dest, i});
      }
      candidateEnd_[b] = uint32_t(candidates_.size());
    });
    cfg_ = &facts_.cfg(guards ? CFG::Guards::Scan : CFG::Guards::Absent);
    dom_ = &facts_.domTree();
    usesOf_ = Buckets(nv, uses);
    bool changed = false;
    for (BlockId b : cfg_->rpo())
      changed |= sinkFrom(b);
    return changed;
  }

private:
  // What sinkFrom considers moving: a pure instruction with a result, not
  // a phi.
  static bool mayMove(const Instr &in) {
    return in.hasDest() && in.op != Opcode::Phi && in.info().effect == EffectClass::Pure;
  }

  // A phi reads its argument at the end of the incoming block.
  template <typename F> static void forEachUseSite(const Instr &in, BlockId b, F &&f) {
    if (in.op == Opcode::Phi) {
      for (size_t k = 0; k < in.args.size(); ++k)
        f(in.args[k], in.labels[k]);
      return;
    }
    forEachUse(in, [&](VarId v) { f(v, b); });
  }

  // The successor of b that every use of v lies under, or kNoBlock.
  llvm::MutableArrayRef<BlockId> usesOf(VarId v) { return usesOf_.of(v); }

  BlockId target(BlockId b, VarId v) {
    llvm::MutableArrayRef<BlockId> uses = usesOf(v);
    if (uses.empty())
      return kNoBlock; // dead: ADCE's business, not a reason to move
    for (BlockId s : cfg_->succs(b)) {
      if (cfg_->preds(s).size() != 1 || s == b)
        continue;
      if (std::all_of(uses.begin(), uses.end(), [&](BlockId u) { return dom_->dominates(s, u); }))
        return s;
    }
    return kNoBlock;
  }

  bool sinkFrom(BlockId b) {
    // target() takes only a successor whose one predecessor is b: without
    // one nothing here can move, and the block's instructions stay untouched
    // (most blocks of a large function, whose every successor is a join).
    BlockRange succs = cfg_->succs(b);
    if (std::none_of(succs.begin(), succs.end(),
                     [&](BlockId s) { return s != b && cfg_->preds(s).size() == 1; }))
      return false;
    // The candidates run() noted, bottom-up, while the block is as run()
    // saw it: its instructions are read only to move one (on a function of
    // a million instructions, most blocks move none). A block that has
    // received instructions is read whole.
    llvm::ArrayRef<Candidate> candidates(candidates_.data() + candidateBegin_[b],
                                         candidates_.data() + candidateEnd_[b]);
    std::vector<Candidate> now;
    if (received_[b]) {
      const auto &all = f_.block(b).instrs;
      for (uint32_t i = 0; i < all.size(); ++i)
        if (mayMove(all[i]))
          now.push_back({all[i].dest, i});
      candidates = now;
    }
    auto &ins = f_.block(b).instrs;
    // Moved instructions per target, bottom-up; spliced in once at the end so
    // a large block costs linear time.
    std::vector<std::pair<BlockId, std::vector<Instr>>> moved;
    std::vector<bool> gone;
    for (size_t c = candidates.size(); c-- > 0;) {
      const uint32_t i = candidates[c].index;
      BlockId s = target(b, candidates[c].dest);
      if (s == kNoBlock)
        continue;
      const Instr &in = ins[i];
      forEachUse(in, [&](VarId v) {
        llvm::MutableArrayRef<BlockId> ub = usesOf(v);
        *std::find(ub.begin(), ub.end(), b) = s;
      });
      auto slot = std::find_if(moved.begin(), moved.end(), [&](const auto &m) { return m.first == s; });
      if (slot == moved.end())
        slot = moved.insert(moved.end(), {s, {}});
      slot->second.push_back(std::move(ins[i]));
      if (gone.empty())
        gone.assign(ins.size(), false);
      gone[i] = true;
    }
    if (moved.empty())
      return false;
    size_t k = 0;
    std::erase_if(ins, [&](const Instr &) { return gone[k++]; });
    for (auto &[s, list] : moved) {
      received_[s] = true;
      auto &dst = f_.block(s).instrs;
      auto at = std::find_if(dst.begin(), dst.end(), [](const Instr &x) { return x.op != Opcode::Phi; });
      dst.insert(at, std::make_move_iterator(list.rbegin()), std::make_move_iterator(list.rend()));
    }
    return true;
  }

  Function &f_;
  AnalysisCache &facts_; // the CFG never changes here
  const CFG *cfg_ = nullptr;
  const DominatorTree *dom_ = nullptr;
  // The blocks using v (a phi uses at the end of the incoming block, one
  // entry per use): usesOf_.of(v).
  Buckets usesOf_;
  // Block b's instructions that mayMove, as run() found them, in order:
  // candidates_[candidateBegin_[b], candidateEnd_[b]); received_[b] once
  // b has been given instructions (its list then no longer holds).
  struct Candidate {
    VarId dest;
    uint32_t index; // in the block
  };
  std::vector<Candidate> candidates_;
  std::vector<uint32_t> candidateBegin_, candidateEnd_;
  std::vector<bool> received_;
};

} // namespace

bool sinkInstructions(Function &f, AnalysisCache &facts) {
  if (f.layout.empty())
    return false;
  if (!Sinker(f, facts).run())
    return false;
  facts.invalidateInstrs();
  return true;
}

bool sinkInstructions(Function &f) {
  AnalysisCache facts(f);
  return sinkInstructions(f, facts);
}

} // namespace brisk
