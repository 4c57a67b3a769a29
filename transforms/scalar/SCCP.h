// SCCP: sparse conditional constant propagation (Wegman and Zadeck, "Constant
// Propagation with Conditional Branches", TOPLAS 1991) over SSA form.
//
// Every variable gets a lattice value, Top (no executed definition seen yet),
// a constant, or Bottom (varies); every CFG edge is executable or not. Two
// worklists (newly executable edges, variables whose value dropped) drive the
// optimistic fixpoint: a block is evaluated only once an edge into it is
// executable, a phi meets only the arguments of executable incoming edges,
// and a `br` makes executable only the side its condition allows.
//
// Afterwards:
//   - every non-const instruction whose value is a constant becomes a `const`
//     in place (a phi: removed, and a `const` placed after the block's phis);
//   - a `br` on a constant becomes a `jmp`, and the phis of the side no longer
//     taken lose their entry from that block;
//   - blocks no executable edge reaches are deleted, and the phis of their
//     successors lose the entries from them.
//
// Folding follows the reference interpreter exactly (see SCCP.cpp for the
// written rules): 64-bit wrapping int arithmetic, `div` truncating toward
// zero and never folded by a zero divisor (it traps at run time), IEEE double
// float arithmetic, chars compared the way JavaScript compares strings.
//
// Requires: SSA form with phis (no speculation, set/get). Does not iterate
// with other passes; one run reaches its own fixpoint. Invalidates every
// analysis of the function when it returns true.
#pragma once

#include "ir/IR.h"

#include <optional>
#include <span>

namespace brisk {

class AnalysisCache;

bool propagateConstants(Function &f);
// The AnalysisCache form takes the CFG from `facts` (of `f`) and leaves them
// describing `f` (dropping the CFG facts when it folded a branch or removed a
// block).
bool propagateConstants(Function &f, AnalysisCache &facts);

// The value the reference interpreter computes for a pure (or may-trap)
// opcode on constant operands, or nullopt when brisk must not fold it: the
// instruction would trap, the result is a float that is not finite, or an int
// outside [-2^53, 2^53] (the reference reads int literals through a double).
// `resultType` is the instruction's type. Exposed for tests.
std::optional<Literal> foldConstant(Opcode op, Type resultType, std::span<const Literal> args);

} // namespace brisk
