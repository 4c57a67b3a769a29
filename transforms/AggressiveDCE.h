// AggressiveDCE: mark-sweep dead code elimination over SSA form.
//
// An instruction is live when it is a root or a live instruction reads its
// result. Roots are what the program can observe or what can stop it:
// side effects (print, store, alloc, free, call), terminators, speculation
// control, and MayTrap instructions (load, and div / int2char unless their
// constant operands prove they cannot trap). Everything else (pure values,
// phis, and `nop`, which costs a dynamic instruction and does nothing) is
// dead until marked. Because liveness flows only from roots, dead cycles of
// phis and arithmetic (an unused loop counter) go as a whole, which plain
// "unused result" DCE cannot do.
//
// Every branch is kept (no control dependence): a loop whose results are all
// dead keeps its control skeleton. Does not touch the CFG.
//
// Requires: SSA form (one definition per variable: on plain Bril only one of
// a variable's definitions would be marked). Invalidates liveness.
#pragma once

#include "ir/IR.h"

namespace brisk {

bool eliminateDeadCodeAggressively(Function &f);

} // namespace brisk
