// Liveness: which variables are live into and out of each block, by the
// usual backward fixpoint over the CFG (iterating in post-order until no set
// changes). Sets are bit vectors indexed by VarId.
//
// Works on plain Bril and on SSA with phis, with phi semantics as in
// Boissinot et al.: a phi's destination is defined at the top of its block,
// so it is in liveIn of that block; its argument for predecessor p is a use
// at the end of p, so it is in liveOut(p) and not in liveIn of the phi's
// block. Function parameters count as defined at the top of the entry.
// In set/get form, the first operand of `set` names a shadow variable and is
// not a use (see Uses.h). Unreachable blocks get empty sets.
//
// Invalidated by any instruction or CFG edit.
//
// SparseLiveness (below) holds the same sets in space linear in the live
// ranges; chooseLivenessForm and ChosenLiveness (at the end) pick between
// the two forms for a function, by one rule.
#pragma once

#include "analysis/CFG.h"
#include "analysis/Uses.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/BitVector.h>

#include <cassert>
#include <optional>
#include <variant>
#include <vector>

namespace brisk {

class Liveness {
public:
  Liveness(const Function &f, const CFG &cfg);

  // The sets as bit vectors sized to the function's variables (built on
  // each call: the sets themselves live in one flat array of words).
  llvm::BitVector liveIn(BlockId b) const { return toBits(in_, b); }
  llvm::BitVector liveOut(BlockId b) const { return toBits(out_, b); }
  bool isLiveIn(VarId v, BlockId b) const { return test(in_, v, b); }
  bool isLiveOut(VarId v, BlockId b) const { return test(out_, v, b); }
  // fn(v) for each variable of the set, in increasing order.
  template <class Fn> void forEachLiveIn(BlockId b, Fn &&fn) const { forEach(in_, b, fn); }
  template <class Fn> void forEachLiveOut(BlockId b, Fn &&fn) const { forEach(out_, b, fn); }

private:
  using Word = uint64_t;
  static constexpr unsigned kWordBits = 64;
  // Block b's set is words [b * words_, (b + 1) * words_) of its array: one
  // allocation per kind of set, not a bit vector (and often a heap block) per
  // block, so a function of many blocks and few variables stays small.
  bool test(const std::vector<Word> &sets, VarId v, BlockId b) const {
    return (sets[size_t(b) * words_ + v / kWordBits] >> (v % kWordBits)) & 1;
  }
  llvm::BitVector toBits(const std::vector<Word> &sets, BlockId b) const;
  template <class Fn> void forEach(const std::vector<Word> &sets, BlockId b, Fn &fn) const {
    for (size_t k = 0; k < words_; ++k)
      for (Word word = sets[size_t(b) * words_ + k]; word; word &= word - 1)
        fn(VarId(k * kWordBits + size_t(__builtin_ctzll(word))));
  }

  size_t numVars_ = 0, words_ = 0;
  std::vector<Word> in_, out_;
};

// The same sets as Liveness, stored sparsely: per block, the sorted list of
// the variables live into and out of it. Built one variable at a time by
// walking backwards from its uses until its definitions, so time and memory
// are linear in the total size of the live ranges (measured in blocks)
// instead of blocks x variables, which a function of a million instructions
// cannot afford. The lists of all blocks share one array (CSR), so building
// them costs no allocation per block. Queries are a binary search. For
// passes that ask about single variables (FromSSA's interference test).
class SparseLiveness {
public:
  // Which sets to keep: a pass that asks only about one kind saves building
  // the other (its lists cost as much as the walk that finds them). Asking
  // about a kind not kept is a bug (an assertion; empty in release builds).
  enum class Sets { InAndOut, InOnly, OutOnly };
  // `only`, when given (sized to the function's variables), restricts the
  // sets to the variables it has set: the others are absent from every set,
  // and their live ranges are not walked. For a pass that asks about few
  // variables of a function where all are live across much of it (to-ssa
  // asks only about those that may need a phi, from-ssa's coalescer only
  // about those its interference checks can involve).
  SparseLiveness(const Function &f, const CFG &cfg, Sets sets = Sets::InAndOut,
                 const llvm::BitVector *only = nullptr);

  // What the sets are built from, gathered in one visit of every reachable
  // block's instructions: upward-exposed non-phi uses, definitions, phi
  // definitions, and phi uses at the end of a predecessor. The constructor
  // above walks the function for them; a pass that walks every instruction
  // anyway gathers them in its own walk instead (on a large function each
  // walk is mostly cache misses) and builds the sets from them.
  class Facts {
  public:
    Facts(const Function &f, const CFG &cfg)
        : cfg_(cfg), killBlock_(f.numVars(), kNoBlock), phiDefBlock_(f.numVars(), kNoBlock) {}
    // Instruction `in` of reachable block b: the blocks in any order, each
    // block's instructions together and in order, no variable made since
    // the Facts were.
    void add(BlockId b, const Instr &in) {
      if (in.op == Opcode::Phi) {
        for (size_t i = 0; i < in.args.size() && i < in.labels.size(); ++i)
          if (cfg_.reachable(in.labels[i]))
            phiUses_.push_back({in.args[i], in.labels[i]});
        if (in.hasDest()) {
          singleDefs_ &= phiDefBlock_[in.dest] == kNoBlock || phiDefBlock_[in.dest] == b;
          phiDefBlock_[in.dest] = b;
        }
      } else {
        forEachUse(in, [&](VarId v) { addRead(b, v); });
      }
      if (in.hasDest())
        addDefinition(b, in.dest);
    }
    // add(b, in) for an instruction other than a phi, one fact at a time,
    // for a pass that walks the operands itself anyway (one walk of them,
    // not two): addRead for each variable `in` reads, in order, then
    // addDefinition for its destination, if any.
    void addRead(BlockId b, VarId v) {
      if (killBlock_[v] != b)
        gen_.push_back({v, b});
    }
    void addDefinition(BlockId b, VarId dest) {
      if (killBlock_[dest] != b) {
        singleDefs_ &= killBlock_[dest] == kNoBlock;
        killBlock_[dest] = b;
      }
    }
  private:
    friend class SparseLiveness;
    const CFG &cfg_;
    // (variable, block) facts; in SSA form (the usual input) a variable is
    // defined in at most one block, by a phi or not: then its kill and phi
    // definition are one block each, kept per variable (see the builder).
    std::vector<std::pair<VarId, BlockId>> gen_, phiUses_;
    std::vector<BlockId> killBlock_, phiDefBlock_;
    bool singleDefs_ = true;
  };
  // The sets from facts gathered over every reachable block of f (whose
  // CFG the facts were made with).
  SparseLiveness(const Function &f, Facts facts, Sets sets,
                 const llvm::BitVector *only = nullptr);

  bool isLiveIn(VarId v, BlockId b) const { return contains(liveIn(b), v); }
  bool isLiveOut(VarId v, BlockId b) const { return contains(liveOut(b), v); }
  llvm::ArrayRef<VarId> liveIn(BlockId b) const {
    assert(sets_ != Sets::OutOnly && "live-in sets were not built");
    if (inStart_.empty())
      return {};
    return {inVars_.data() + inStart_[b], inVars_.data() + inStart_[b + 1]};
  }
  llvm::ArrayRef<VarId> liveOut(BlockId b) const {
    assert(sets_ != Sets::InOnly && "live-out sets were not built");
    if (outStart_.empty())
      return {};
    return {outVars_.data() + outStart_[b], outVars_.data() + outStart_[b + 1]};
  }
  // As Liveness's: fn(v) for each variable of the set, in increasing order.
  template <class Fn> void forEachLiveIn(BlockId b, Fn &&fn) const {
    for (VarId v : liveIn(b))
      fn(v);
  }
  template <class Fn> void forEachLiveOut(BlockId b, Fn &&fn) const {
    for (VarId v : liveOut(b))
      fn(v);
  }

private:
  static bool contains(llvm::ArrayRef<VarId> sorted, VarId v);
  Sets sets_;
  // Block b's list is vars[start[b], start[b + 1]) (empty arrays for a kind
  // not kept).
  std::vector<uint32_t> inStart_, outStart_;
  std::vector<VarId> inVars_, outVars_;
};

// Which of the two forms a pass builds, decided here for every pass that
// can take either (to-ssa, dead-code elimination's own fixpoint, the
// inliner, tail recursion). The dense sets take blocks x ceil(variables /
// 64) words: cheapest to build and to ask while the variables are few, as
// in most functions, but quadratic in a function of many blocks each with
// variables of its own (N loops of their own counters at 60k instructions:
// 458 MB in to-ssa, 450 MB in the inliner with 8 hot calls among them,
// 310 MB in tail recursion). So: dense while those words are at most
// kDenseLivenessWordsPerInstr per instruction of the function (a bound
// linear in its size, a few times what its instructions take themselves),
// sparse past it. Both forms give the same sets, so the choice changes
// time and memory, never an answer. `blocks` counts the block arena (the
// dense rows are indexed by BlockId).
enum class LivenessForm { Dense, Sparse };
constexpr size_t kDenseLivenessWordsPerInstr = 8;
LivenessForm chooseLivenessForm(size_t blocks, size_t vars, size_t instrs);

namespace detail {
// When set, chooseLivenessForm answers this instead: tests run a pass both
// ways to check that the answers agree.
extern std::optional<LivenessForm> forcedLivenessForm;
} // namespace detail

// The live sets of a function in the form chooseLivenessForm picks for it,
// with the queries both forms answer: whether v is live into or out of b,
// and each set's variables in increasing order. A pass whose inner loop
// asks many times takes the form itself through visit(), once, instead of
// a branch per query.
class ChosenLiveness {
public:
  // `sets` and `only` as for SparseLiveness (the dense form always has
  // both kinds of set and every variable: it costs the same either way).
  // With `only`, ask only about the variables it has set: the answers about
  // the others depend on the form.
  ChosenLiveness(const Function &f, const CFG &cfg,
                 SparseLiveness::Sets sets = SparseLiveness::Sets::InAndOut,
                 const llvm::BitVector *only = nullptr);
  // In the form the caller had chooseLivenessForm pick for f (to build
  // `only` for the sparse form alone), not asking again.
  ChosenLiveness(const Function &f, const CFG &cfg, LivenessForm form, SparseLiveness::Sets sets,
                 const llvm::BitVector *only);

  bool dense() const { return std::holds_alternative<Liveness>(form_); }
  // fn(const Liveness &) or fn(const SparseLiveness &), whichever was built.
  template <class Fn> decltype(auto) visit(Fn &&fn) const { return std::visit(fn, form_); }
  bool isLiveIn(VarId v, BlockId b) const {
    return visit([&](const auto &live) { return live.isLiveIn(v, b); });
  }
  bool isLiveOut(VarId v, BlockId b) const {
    return visit([&](const auto &live) { return live.isLiveOut(v, b); });
  }
  template <class Fn> void forEachLiveIn(BlockId b, Fn &&fn) const {
    visit([&](const auto &live) { live.forEachLiveIn(b, fn); });
  }
  template <class Fn> void forEachLiveOut(BlockId b, Fn &&fn) const {
    visit([&](const auto &live) { live.forEachLiveOut(b, fn); });
  }

private:
  std::variant<Liveness, SparseLiveness> form_;
};

} // namespace brisk
