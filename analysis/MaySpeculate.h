// MaySpeculate: which instructions of a function may run while the program
// is speculating (between a `speculate` and the `commit` or failed `guard`
// that ends it), from the function's own speculate/guard/commit.
//
// A forward analysis of the nesting depth over the CFG: at the entry it is 0
// (a function is only entered by a call, and a call while speculating is an
// error under brili); `speculate` adds one level, `commit` ends them all, a
// `guard`'s abort edge leaves with one level less (a failed guard ends only
// the innermost one). Where two paths meet with different depths, the depth
// is unknown, and an unknown depth may be speculating. Blocks no path reaches
// never run. So code after a well-nested region (what superblock formation
// writes: a failed guard returns to the original code at depth 0) is known
// not to speculate.
//
// Who asks: the inliner (a call that may run while speculating is an error
// under brili; its inlined body would succeed) and the pipeline's rule for
// functions that use speculation themselves.
//
// Invalidated by any edit to the function.
#pragma once

#include "ir/IR.h"

#include <cstdint>
#include <vector>

namespace brisk {

class MaySpeculate {
public:
  explicit MaySpeculate(const Function &f);

  // Whether instruction `index` of block `b` may run while speculating.
  bool at(BlockId b, size_t index) const {
    return b < state_.size() && index < state_[b].size() && state_[b][index];
  }
  // Whether the function contains speculate, guard or commit.
  bool usesSpeculation() const { return uses_; }

private:
  bool uses_ = false;
  std::vector<std::vector<uint8_t>> state_; // [block][instruction], before it
};

// True when `f` contains speculate, guard or commit.
bool usesSpeculation(const Function &f);

} // namespace brisk
