// SpeculationRules: the run-time errors of Bril's speculation extension
// (bril-docs spec.md; the reference interpreter brili) that can be decided
// before the program runs. `brisk check` reports them next to type errors.
//
// brili refuses, when executed:
//   - `call` or `ret` while speculating;
//   - reaching the end of a function while speculating;
//   - `commit` outside speculation;
//   - a `guard` that fails outside speculation (one that holds is a no-op).
// A rule is reported only where it holds on every path: an instruction is
// "inside speculation" when every path from the entry to it passes a
// `speculate` that no `commit` (which ends every level at once) or failed
// guard has closed, and "outside" when no path has one open. Code that no
// path reaches is not judged; a guard outside speculation is not reported,
// since whether it fails is a run-time fact. What is reported is therefore an
// error on every run that executes that instruction.
//
// Requires nothing of the function beyond a layout; label operands that name
// blocks outside the layout (an undefined label) are ignored.
#pragma once

#include "ir/Diagnostics.h"
#include "ir/IR.h"

namespace brisk {

// Reports each certain violation in `f` to `diags`; returns whether there was
// none.
bool checkSpeculationRules(const Function &f, Diagnostics &diags);

} // namespace brisk
