// PointerOffsets: a pointer at a constant offset from another one of the
// same base is computed from its nearest such neighbour. `p3 = ptradd a k3`
// after `p2 = ptradd a k2` becomes `p3 = ptradd p2 one`, and a pointer at
// the offset of one it is dominated by becomes an `id` of it. The constants
// k2, k3, ... (what SCCP makes of `i = add i one` in code that fills an
// array cell by cell) then die, one instruction per cell; so does `j1 = add
// j 1` when `ptradd a j1` becomes `ptradd (ptradd a j) 1` and nothing else
// reads j1 (a[j] and a[j+1] in a sorting loop).
//
// What it rewrites. `p = ptradd x y`: p's location (analysis/MemoryAlias.h:
// base, index, offset; an index `add j k` is j at offset k) is compared with
// the pointers of the same base and index whose definitions dominate p;
// with one at p's offset, p becomes `id` of it; else with one at offset j
// for which a `const` of the difference dominates p (not y itself), p
// becomes `ptradd` of it by that constant, the smallest difference first.
// When at least two pointers could use a difference of 1 that no
// dominating `const 1` gives, one `const 1` is added at the top of the
// entry block.
//
// Why the program does the same: ptradd only adds its offset to the
// pointer (brili keeps base and offset, and a pointer never traps until it
// is accessed), so q + (k - j) with q = base + j is base + k, the value p
// had; no instruction that may trap or has an effect moves.
//
// Requires SSA form with phis. Changes instructions only (and may add one
// constant); dead constants and indices are left to the dead-code passes.
#pragma once

#include "ir/IR.h"

namespace brisk {

bool rebasePointerOffsets(Function &f);

} // namespace brisk
