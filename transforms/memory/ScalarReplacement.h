// ScalarReplacement: an `alloc` of a few cells whose pointer never escapes
// becomes one SSA value per cell. Its stores define the cell's value, its
// loads become copies of the value that reaches them (phis where stores on
// different paths meet), and the alloc, the pointer arithmetic and the free
// go away. What a program shows under brili does not change, because only
// allocations that cannot fail in any of brili's ways are replaced.
//
// An alloc A qualifies when:
//   - its size is a constant from 1 to kMaxScalarReplacementCells (brili
//     fails on a size <= 0);
//   - every value derived from its pointer (ptradd by a constant, id) is used
//     only as the address of a load or store or as the operand of a free; a
//     pointer that reaches a call, a ret, a print, a phi or a stored value
//     escapes, and A stays;
//   - along every path (a forward must-analysis over the states "no
//     allocation of A live" and "live, with these cells written"): A runs
//     only where no earlier allocation of A is still live (else the earlier
//     one leaks), each free finds A live at offset 0 (else a double free or
//     a free of an interior pointer), each load or store finds A live at an
//     offset inside [0, size) (else use after free or out of bounds), each
//     load finds its cell written since A ran (else an uninitialized read),
//     and the function is never left, by `ret` or by falling off its end,
//     with A live (else the memory is still allocated at exit).
// A trap or an endless loop between alloc and free ends the program before
// brili's end-of-run leak check (the error reported is the trap's), so those
// paths need no free. In SSA a derived pointer always refers to the latest
// run of its alloc (its definition dominates its uses and is dominated by the
// alloc), so one state per alloc is exact enough.
//
// Also: brili counts the alloc, the ptradds, the stores and the free as
// executed instructions; the replacement drops them, and a load becomes an
// `id` that copy propagation usually folds. Error messages of other
// allocations may name other heap bases (brili numbers allocations in order);
// the kind of error is the same.
//
// Requires: SSA form (transforms/ssa/ToSSA.h), no speculation. Does not change
// the CFG. Adds phis and `undef`s (placeholders no execution reads, as toSSA
// leaves them) and leaves dead constants to the dead-code passes. Invalidates
// liveness and uses.
#pragma once

#include "ir/IR.h"

namespace brisk {

// The largest allocation (in cells) that is replaced.
inline constexpr int64_t kMaxScalarReplacementCells = 16;

bool replaceAllocationsByScalars(Function &f);

} // namespace brisk
