// phisToSetGet: rewrites internal phis into Bril's set/get extension (Pizlo's
// phi/upsilon form), which the reference interpreter runs directly:
//
//   x: T = phi a b .p .q;    becomes    x: T = get;        (same place)
//                                       set x a;  at the end of .p
//                                       set x b;  at the end of .q
//
// Each `set` goes before its predecessor's terminator (or last, when the
// predecessor falls through). Since the shadow variable is separate state,
// the sets at the end of one block act as a parallel copy: no ordering, swap
// or lost-copy care is needed, and no edge is split. Still SSA afterwards
// (one get per shadow variable). Does not change the CFG.
#pragma once

#include "ir/IR.h"

namespace brisk {

// Returns true when the function had phis.
bool phisToSetGet(Function &f);

} // namespace brisk
