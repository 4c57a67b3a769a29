#include "analysis/Liveness.h"

#include "analysis/Buckets.h"
#include "analysis/Uses.h"

#include <algorithm>
#include <optional>

namespace brisk {

namespace detail {
std::optional<LivenessForm> forcedLivenessForm;
} // namespace detail

LivenessForm chooseLivenessForm(size_t blocks, size_t vars, size_t instrs) {
  if (detail::forcedLivenessForm)
    return *detail::forcedLivenessForm;
  const size_t denseWords = blocks * ((vars + 63) / 64);
  return denseWords <= kDenseLivenessWordsPerInstr * std::max<size_t>(instrs, 1)
             ? LivenessForm::Dense
             : LivenessForm::Sparse;
}

namespace {
std::variant<Liveness, SparseLiveness> buildChosen(const Function &f, const CFG &cfg,
                                                   LivenessForm form, SparseLiveness::Sets sets,
                                                   const llvm::BitVector *only) {
  if (form == LivenessForm::Dense)
    return std::variant<Liveness, SparseLiveness>(std::in_place_type<Liveness>, f, cfg);
  return std::variant<Liveness, SparseLiveness>(std::in_place_type<SparseLiveness>, f, cfg, sets,
                                                only);
}
} // namespace

ChosenLiveness::ChosenLiveness(const Function &f, const CFG &cfg, SparseLiveness::Sets sets,
                               const llvm::BitVector *only)
    : form_(buildChosen(f, cfg, chooseLivenessForm(cfg.numBlocks(), f.numVars(), f.instrCount()),
                        sets, only)) {}

ChosenLiveness::ChosenLiveness(const Function &f, const CFG &cfg, LivenessForm form,
                               SparseLiveness::Sets sets, const llvm::BitVector *only)
    : form_(buildChosen(f, cfg, form, sets, only)) {}

Liveness::Liveness(const Function &f, const CFG &cfg) {
  const size_t nb = cfg.numBlocks();
  numVars_ = f.numVars();
  const size_t w = words_ = (numVars_ + kWordBits - 1) / kWordBits;
  in_.assign(nb * w, 0);
  out_.assign(nb * w, 0);
  // Per block: upward-exposed non-phi uses, all definitions, phi
  // definitions, and the phi uses it makes as a predecessor (liveOut gets
  // them directly). All in flat word arrays, block b at [b * w, (b + 1) * w).
  std::vector<Word> gen(nb * w, 0), kill(nb * w, 0), phiDefs(nb * w, 0), phiUsesFrom(nb * w, 0);
  auto set = [&](std::vector<Word> &sets, BlockId b, VarId v) {
    sets[size_t(b) * w + v / kWordBits] |= Word(1) << (v % kWordBits);
  };
  auto has = [&](const std::vector<Word> &sets, BlockId b, VarId v) {
    return (sets[size_t(b) * w + v / kWordBits] >> (v % kWordBits)) & 1;
  };
  for (BlockId b : cfg.rpo()) {
    for (const Instr &in : f.block(b).instrs) {
      if (in.op == Opcode::Phi) {
        for (size_t i = 0; i < in.args.size() && i < in.labels.size(); ++i)
          set(phiUsesFrom, in.labels[i], in.args[i]);
        if (in.hasDest())
          set(phiDefs, b, in.dest);
      } else {
        forEachUse(in, [&](VarId v) {
          if (!has(kill, b, v))
            set(gen, b, v);
        });
      }
      if (in.hasDest())
        set(kill, b, in.dest);
    }
  }
  // Parameters are defined before the entry's first instruction.
  if (cfg.entry() != kNoBlock)
    for (const Param &p : f.params)
      set(kill, cfg.entry(), p.var);

  if (w == 0)
    return; // no variables: every set is empty
  const std::vector<BlockId> &rpo = cfg.rpo();
  std::vector<Word> out(w), in(w);
  for (bool changed = true; changed;) {
    changed = false;
    for (auto it = rpo.rbegin(); it != rpo.rend(); ++it) {
      const size_t b = size_t(*it) * w;
      std::copy(phiUsesFrom.begin() + b, phiUsesFrom.begin() + b + w, out.begin());
      for (BlockId s : cfg.succs(*it)) {
        const size_t sw = size_t(s) * w;
        for (size_t k = 0; k < w; ++k)
          out[k] |= in_[sw + k] & ~phiDefs[sw + k];
      }
      bool differs = false;
      for (size_t k = 0; k < w; ++k) {
        in[k] = (out[k] & ~kill[b + k]) | gen[b + k] | phiDefs[b + k];
        differs |= out[k] != out_[b + k] || in[k] != in_[b + k];
      }
      if (differs) {
        std::copy(out.begin(), out.end(), out_.begin() + b);
        std::copy(in.begin(), in.end(), in_.begin() + b);
        changed = true;
      }
    }
  }
}

llvm::BitVector Liveness::toBits(const std::vector<Word> &sets, BlockId b) const {
  llvm::BitVector bits(static_cast<unsigned>(numVars_));
  for (size_t k = 0; k < words_; ++k)
    for (Word word = sets[size_t(b) * words_ + k]; word; word &= word - 1)
      bits.set(unsigned(k * kWordBits + unsigned(__builtin_ctzll(word))));
  return bits;
}

bool SparseLiveness::contains(llvm::ArrayRef<VarId> sorted, VarId v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}

namespace {

} // namespace

SparseLiveness::SparseLiveness(const Function &f, const CFG &cfg, Sets sets,
                               const llvm::BitVector *only)
    : SparseLiveness(f,
                     [&] {
                       Facts facts(f, cfg);
                       for (BlockId b : cfg.rpo())
                         for (const Instr &in : f.block(b).instrs)
                           facts.add(b, in);
                       return facts;
                     }(),
                     sets, only) {}

SparseLiveness::SparseLiveness(const Function &f, Facts facts, Sets sets,
                               const llvm::BitVector *only)
    : sets_(sets) {
  assert((!only || only->size() == facts.killBlock_.size()) && "`only` is sized to the variables");
  const CFG &cfg = facts.cfg_;
  const size_t nb = cfg.numBlocks(), nv = facts.killBlock_.size();
  // In SSA form a variable is defined in at most one block, by a phi or
  // not: then its kill and phi definition are one block each, kept in
  // per-variable arrays (no list of pairs to group, no per-block marks to
  // test). A variable defined in several blocks switches to lists of
  // (variable, block) pairs grouped by variable.
  using Fact = std::pair<VarId, BlockId>;
  std::vector<Fact> gen = std::move(facts.gen_), phiUses = std::move(facts.phiUses_);
  std::vector<BlockId> killBlock = std::move(facts.killBlock_),
                       phiDefBlock = std::move(facts.phiDefBlock_);
  bool singleDefs = facts.singleDefs_;
  if (cfg.entry() != kNoBlock)
    for (const Param &p : f.params) {
      singleDefs &= killBlock[p.var] == kNoBlock || killBlock[p.var] == cfg.entry();
      killBlock[p.var] = cfg.entry();
    }
  // Per variable, the blocks of each kind of fact. The order of the blocks
  // of one variable does not matter: they only start the walk.
  const Buckets genOf(nv, gen), phiUseOf(nv, phiUses);
  std::vector<Fact>().swap(gen);
  std::vector<Fact>().swap(phiUses);
  // With several definitions per variable: their blocks per variable, and
  // per block the variable last marked as defined there.
  std::optional<Buckets> killOf, phiDefOf;
  std::vector<VarId> killMark, phiDefMark;
  if (!singleDefs) {
    std::vector<Fact> kill, phiDefs;
    for (BlockId b : cfg.rpo())
      for (const Instr &in : f.block(b).instrs) {
        if (!in.hasDest())
          continue;
        if (kill.empty() || kill.back() != Fact{in.dest, b})
          kill.push_back({in.dest, b});
        if (in.op == Opcode::Phi)
          phiDefs.push_back({in.dest, b});
      }
    if (cfg.entry() != kNoBlock)
      for (const Param &p : f.params)
        kill.push_back({p.var, cfg.entry()});
    killOf.emplace(nv, kill);
    phiDefOf.emplace(nv, phiDefs);
    killMark.assign(nb, kNoVar);
    phiDefMark.assign(nb, kNoVar);
  }

  // Per block: the variable last marked, so each test is O(1) while one
  // variable is processed. Variables go in increasing order, so the
  // (block, variable) pairs come out sorted by variable, and each block's
  // list sorted once they are grouped by block.
  const bool keepIn = sets != Sets::OutOnly, keepOut = sets != Sets::InOnly;
  constexpr VarId kNone = kNoVar;
  std::vector<VarId> inMark(nb, kNone), outMark(nb, kNone);
  std::vector<std::pair<uint32_t, uint32_t>> inPairs, outPairs; // (block, variable)
  std::vector<BlockId> work;
  for (VarId v = 0; v < VarId(nv); ++v) {
    if (only && !only->test(v))
      continue; // not asked about
    if (genOf.of(v).empty() && phiUseOf.of(v).empty() &&
        (singleDefs ? phiDefBlock[v] == kNoBlock : phiDefOf->of(v).empty()))
      continue; // never read and no phi's result: live nowhere
    if (!singleDefs) {
      for (BlockId b : killOf->of(v))
        killMark[b] = v;
      for (BlockId b : phiDefOf->of(v))
        phiDefMark[b] = v;
    }
    const BlockId killAt = killBlock[v], phiDefAt = phiDefBlock[v];
    auto kills = [&](BlockId b) { return singleDefs ? b == killAt : killMark[b] == v; };
    auto phiDefines = [&](BlockId b) { return singleDefs ? b == phiDefAt : phiDefMark[b] == v; };
    auto markIn = [&](BlockId b) {
      if (inMark[b] == v)
        return;
      inMark[b] = v;
      if (keepIn)
        inPairs.push_back({b, v});
      if (!phiDefines(b)) // a phi's result is not live out of the predecessors
        work.push_back(b);
    };
    auto markOut = [&](BlockId b) {
      if (outMark[b] == v)
        return;
      outMark[b] = v;
      if (keepOut)
        outPairs.push_back({b, v});
      if (!kills(b))
        markIn(b);
    };
    for (BlockId b : genOf.of(v))
      markIn(b);
    for (BlockId b : phiUseOf.of(v))
      markOut(b);
    // phi definitions are live in at their block (without propagating).
    auto phiDefLiveIn = [&](BlockId b) {
      if (inMark[b] != v) {
        inMark[b] = v;
        if (keepIn)
          inPairs.push_back({b, v});
      }
    };
    if (singleDefs) {
      if (phiDefAt != kNoBlock)
        phiDefLiveIn(phiDefAt);
    } else {
      for (BlockId b : phiDefOf->of(v))
        phiDefLiveIn(b);
    }
    while (!work.empty()) {
      BlockId b = work.back();
      work.pop_back();
      for (BlockId p : cfg.preds(b))
        markOut(p);
    }
  }
  if (keepIn) {
    Buckets in(nb, inPairs);
    inStart_ = std::move(in.start);
    inVars_ = std::move(in.values);
  }
  if (keepOut) {
    Buckets out(nb, outPairs);
    outStart_ = std::move(out.start);
    outVars_ = std::move(out.values);
  }
}

} // namespace brisk
