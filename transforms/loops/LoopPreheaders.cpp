#include "transforms/loops/LoopPreheaders.h"

#include "analysis/AnalysisCache.h"

#include <vector>

namespace brisk {

std::string originalName(std::string_view versioned) {
  size_t dot = versioned.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == versioned.size())
    return std::string(versioned);
  for (size_t i = dot + 1; i < versioned.size(); ++i)
    if (versioned[i] < '0' || versioned[i] > '9')
      return std::string(versioned);
  return std::string(versioned.substr(0, dot));
}

BlockId preheaderOf(const Function &, const CFG &cfg, const LoopInfo &loops, BlockId header) {
  LoopId l = loops.loopOf(header);
  if (l == kNoLoop || loops.loop(l).header != header)
    return kNoBlock;
  BlockId outside = kNoBlock;
  for (BlockId p : cfg.preds(header)) {
    if (loops.contains(l, p))
      continue;
    if (outside != kNoBlock)
      return kNoBlock;
    outside = p;
  }
  if (outside == kNoBlock || cfg.succs(outside).size() != 1)
    return kNoBlock;
  return outside;
}

namespace {

class PreheaderInsertion {
public:
  PreheaderInsertion(Function &f, AnalysisCache &facts)
      : f_(f), cfg_(facts.cfg()), loops_(facts.loops()) {}

  bool run() {
    // Header -> its new preheader, by block (a function of many loops
    // would otherwise allocate a hash node per loop); headers are blocks
    // from before the insertions, so the table is sized to them.
    std::vector<BlockId> before;
    size_t inserted = 0;
    for (const Loop &loop : loops_.loops()) {
      BlockId h = loop.header;
      if (preheaderOf(f_, cfg_, loops_, h) != kNoBlock)
        continue;
      if (!canInsertBefore(h))
        continue;
      if (before.empty())
        before.assign(f_.blocks.size(), kNoBlock);
      before[h] = insert(loops_.loopOf(h), h);
      ++inserted;
    }
    if (inserted == 0)
      return false;
    std::vector<BlockId> layout;
    layout.reserve(f_.layout.size() + inserted);
    for (BlockId b : f_.layout) {
      if (b < before.size() && before[b] != kNoBlock)
        layout.push_back(before[b]);
      layout.push_back(b);
    }
    f_.layout = std::move(layout);
    return true;
  }

private:
  Function &f_;
  const CFG &cfg_;
  const LoopInfo &loops_;

  // False when the block laid out before `h` is in h's loop and falls into
  // it: a preheader there would cost a jump on every iteration.
  // (The layout does not change until run() has placed every preheader, so
  // the blocks before each block are looked up once.)
  bool canInsertBefore(BlockId h) {
    if (layoutIndex_.empty()) {
      layoutIndex_.assign(f_.blocks.size(), kNotLaidOut);
      for (size_t i = 0; i < f_.layout.size(); ++i)
        layoutIndex_[f_.layout[i]] = i;
    }
    size_t i = h < layoutIndex_.size() ? layoutIndex_[h] : kNotLaidOut;
    if (i == kNotLaidOut || i == 0)
      return false; // the entry has no outside predecessor to split
    BlockId prev = f_.layout[i - 1];
    // prev falls into h exactly when it has no terminator.
    return f_.block(prev).terminator() || !loops_.contains(loops_.loopOf(h), prev);
  }
  static constexpr size_t kNotLaidOut = ~size_t(0);
  std::vector<size_t> layoutIndex_;

  BlockId insert(LoopId l, BlockId h) {
    std::string hint = (f_.block(h).hasLabel() ? f_.block(h).label : std::string("loop")) + ".pre";
    BlockId pre = f_.addFreshBlock(hint);
    llvm::SmallVector<BlockId, 4> outside;
    for (BlockId p : cfg_.preds(h))
      if (!loops_.contains(l, p))
        outside.push_back(p);
    auto isOutside = [&](BlockId b) {
      return std::find(outside.begin(), outside.end(), b) != outside.end();
    };
    for (BlockId p : outside)
      if (Instr *t = f_.block(p).terminator())
        for (BlockId &target : t->labels)
          if (target == h)
            target = pre;
    // Split each header phi: entries from outside now arrive through `pre`.
    std::vector<Instr> prePhis;
    for (Instr &phi : f_.block(h).instrs) {
      if (phi.op != Opcode::Phi)
        break;
      Instr merged;
      merged.op = Opcode::Phi;
      merged.type = phi.type;
      Instr kept = phi;
      kept.args.clear();
      kept.labels.clear();
      for (size_t i = 0; i < phi.args.size(); ++i) {
        if (isOutside(phi.labels[i])) {
          merged.args.push_back(phi.args[i]);
          merged.labels.push_back(phi.labels[i]);
        } else {
          kept.args.push_back(phi.args[i]);
          kept.labels.push_back(phi.labels[i]);
        }
      }
      VarId incoming = kNoVar;
      if (!merged.args.empty() &&
          std::all_of(merged.args.begin(), merged.args.end(),
                      [&](VarId a) { return a == merged.args.front(); })) {
        incoming = merged.args.front();
      } else if (!merged.args.empty()) {
        std::string base = originalName(f_.varName(phi.dest));
        merged.dest = f_.freshVar(base);
        incoming = merged.dest;
        prePhis.push_back(std::move(merged));
      }
      if (incoming != kNoVar) {
        kept.args.push_back(incoming);
        kept.labels.push_back(pre);
      }
      phi = std::move(kept);
    }
    f_.block(pre).instrs = std::move(prePhis);
    return pre;
  }
};

} // namespace

bool insertPreheaders(Function &f, AnalysisCache &facts) {
  if (!PreheaderInsertion(f, facts).run())
    return false;
  facts.invalidateCFG();
  return true;
}

bool insertPreheaders(Function &f) {
  AnalysisCache facts(f);
  return insertPreheaders(f, facts);
}

} // namespace brisk
