// DefSites: each variable's defining instruction and block, and whether it
// is `undef`, from one walk of the function (what the SSA loop passes --
// loop-carried GVN, strength reduction, linear test replacement -- read
// about variables while they match a loop). AnalysisCache::defSites keeps
// one while the function's instructions stay as they are, so that passes
// that change nothing hand it on rather than each walking the function
// again.
//
// Contract. build(f) records, for every variable below f.numVars() at that
// moment: def(v), the instruction defining it (the last one in layout order
// if there were several; nullptr for a parameter or a variable nothing
// defines); block(v), that instruction's block (the entry block for a
// parameter, kNoBlock when nothing defines v); isUndef(v), whether that
// instruction is `undef`. A variable at or above the bound (created after
// build) reads as never defined: nullptr, kNoBlock, false. The pointers
// hold while the function's instructions do not move: a pass takes it,
// matches, and edits only afterwards.
#pragma once

#include "analysis/Loops.h"
#include "ir/IR.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace brisk {

class DefSites {
public:
  DefSites() = default;
  explicit DefSites(const Function &f) { build(f); }
  void build(const Function &f);

  size_t size() const { return def_.size(); }
  const Instr *def(VarId v) const { return v < def_.size() ? def_[v] : nullptr; }
  BlockId block(VarId v) const { return v < block_.size() ? block_[v] : kNoBlock; }
  bool isUndef(VarId v) const { return v < undef_.size() && undef_[v]; }

  // Defined (by something other than `undef`) in a block outside loop `id`:
  // the same value in every iteration, and a real one.
  bool invariantIn(VarId v, const LoopInfo &loops, LoopId id) const;
  // The value of an int `const` defining v.
  std::optional<int64_t> intConstant(VarId v) const;
  // v without the `id` copies in front of it (at most 16 hops).
  VarId stripCopies(VarId v) const;

  // The same sites, the same instructions (by address) and the same undefs:
  // a table handed on is still what a build now would make.
  friend bool operator==(const DefSites &, const DefSites &) = default;

private:
  std::vector<const Instr *> def_;
  std::vector<BlockId> block_;
  std::vector<bool> undef_;
};

} // namespace brisk
