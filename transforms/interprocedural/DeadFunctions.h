// DeadFunctions: deletes the functions no run of the program can enter:
// every function that `main` does not reach through calls (the calls of
// reachable functions, to a fixed point). brili starts at `main` and enters
// another function only by a call naming it, so nothing a run shows changes;
// the program only gets smaller, which is what the growth policy's
// program-level limit counts (a callee inlined at its sole call site is left
// with no caller: transforms/interprocedural/Inline.h).
//
// A program without `main`, or with two functions of the same name (calls
// would be ambiguous; brili rejects it when run), is left alone. A call of a
// function the program lacks keeps nothing alive (it fails when it runs).
//
// Requires nothing of the functions' form (plain or SSA). Changes the
// program's function list only: indices into it are invalidated.
#pragma once

#include "ir/IR.h"

namespace brisk {

bool removeUncalledFunctions(Program &program);

// The number of instructions `program` would have after
// removeUncalledFunctions (the program itself when that would leave it as
// it is), counted without copying or changing it: the size the pipeline's
// program-level growth limit checks.
size_t liveInstrCount(const Program &program);

} // namespace brisk
