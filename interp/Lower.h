// Lower: turns a loaded Program into interpreter Code (Code.h), once per run.
//
// What it does:
//  * resolves every label to a pc, every variable to a frame slot (its VarId;
//    shadow variables of set/get follow the variables), every callee to a
//    function index;
//  * reproduces, as run-time traps at the offending instruction, every error
//    the reference interpreter raises only when it executes the instruction:
//    wrong operand count, unknown or duplicate callee, call arity;
//  * emits a CheckArg before an operand only when TypeFacts cannot prove it
//    assigned and of the accepted type, so well-typed programs run check-free
//    (or, on request, before every operand: see lowerProgram);
//  * with `profiling`, adds probes that do not count as instructions: one at
//    function entry, one on every CFG edge (edge counter plus Ball-Larus path
//    increment; back edges record the finished path), one before every exit.
//
// It does not change the program and never fails: every problem becomes a
// trap that fires, with brili's message, only if reached.
#pragma once

#include "interp/Code.h"
#include "ir/IR.h"

#include <llvm/ADT/StringSet.h>

namespace brisk::interp {

// Without `typeFacts` the TypeFacts analyses are skipped and every operand,
// call argument, store and return is checked at run time instead: the same
// behaviour, lowered faster and run slower. For a run short for the
// program's size (the optimizer's training runs of a large program).
//
// With `profiling` and `profiled`, only the functions named there get
// probes (FuncCode::profiled): the others run as without profiling, which
// is cheaper to lower and to run, for a run whose counts are wanted of a
// few functions only.
Code lowerProgram(const Program &program, bool profiling, bool typeFacts = true,
                  const llvm::StringSet<> *profiled = nullptr);

// brili's message when a checked operand (Code.h's CheckArg, requiring
// `want`) holds a value of the wrong type.
std::string argCheckMessage(const ArgCheck &check, Tag want);

} // namespace brisk::interp
