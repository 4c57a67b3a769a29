// TypeChecker: static well-formedness in the spirit of brilck. Checks, for
// every instruction: the opcode's argument and label counts; that every
// argument variable is defined somewhere in the function (or is a
// parameter); argument and result types against the opcode's TypingRule;
// call arity and types against the callee's signature, that the callee
// exists, and that a value-returning call assigns its result (the reference
// interpreter fails otherwise); `ret` against the return type; that `set`
// writes a variable some `get` reads, with that get's type; that phi has one
// argument per label. Per function: every variable has a single type,
// parameters are distinct. Per program: unique function names, `main` has no
// return type. Reports all problems, not just the first.
//
// `any` (see ir/Type.h) is compatible with every type, so the reference
// interpreter's dynamically typed programs check. Requires nothing of the
// IR beyond what the readers build; reads the layout in order, so
// "instruction N" means what it means in the readers' messages.
#pragma once

#include "ir/Diagnostics.h"
#include "ir/IR.h"

namespace brisk {

// Returns true when the program has no type errors.
bool typeCheck(const Program &program, Diagnostics &diags);

} // namespace brisk
