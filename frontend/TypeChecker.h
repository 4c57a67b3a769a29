// TypeChecker: static well-formedness in the spirit of brilck. Checks, for
// every instruction: the opcode's argument, label and function counts; that
// every argument variable is defined somewhere in the function (or is a
// parameter); argument and result types against the opcode's TypingRule; call
// arity and types against the callee's signature; `ret` against the return
// type; that every variable has a single type in its function; unique function
// names; `main` has no return type. Reports all problems, not just the first.
#pragma once

#include "ir/Diagnostics.h"
#include "ir/IR.h"

namespace brisk {

// Returns true when the program has no type errors.
bool typeCheck(const Program &program, Diagnostics &diags);

} // namespace brisk
