// Verifier: checks that a function is well-formed brisk IR and reports every
// violation into Diagnostics, each with function, block and instruction
// (index in the function's linear instruction list, as the frontend counts).
// It never stops at the first problem and never modifies the IR. Passes run
// it after themselves when validation is on (transforms/PassScope.h).
//
// Invariants checked, always:
//   S1  the layout is non-empty and lists live (non-dead) blocks, each once.
//   S2  a terminator (jmp, br, ret) is only ever the last instruction of its
//       block.
//   S3  every label operand (jmp, br, guard, phi) names a block in the layout;
//       this is also "every guard's target exists".
//   S4  labels of blocks in the layout are unique.
//   S5  each instruction has the argument, label and function counts of its
//       opcode, a destination exactly when its shape has one (optional for
//       call), a type exactly when it has a destination, and variable ids
//       that exist.
//   T1  every variable (parameters included) has one type in its function.
//   T2  argument and result types agree with the opcode's typing rule
//       (ir/Opcodes.def), checked by ir/Typing.h exactly as the type checker
//       checks them: calls match the callee's signature (a value result is
//       assigned); `ret` matches the function's return type; `set` names a
//       shadow variable defined by a `get` of the same type.
//   U1  plain form: every variable read is a parameter or defined somewhere.
//   P1  phis stand at the top of their block, before any other instruction.
//   P2  a phi has exactly one incoming entry per CFG predecessor of its block
//       and names no other block.
//   G1  speculation is well nested: along every path, the speculation depth
//       at a block's entry is the same (speculate +1; commit drops every level
//       at once, as the reference interpreter does; a failing guard leaves
//       one level at its target).
//   G2  `commit` and `guard` are executed only inside speculation.
//   G3  no `call` or `ret` inside speculation.
//   G4  no path falls off the end of the function while speculating.
// In SSA mode (VerifyOptions::ssa), in addition:
//   D1  every variable has at most one definition (a parameter is one).
//   D2  every definition dominates its uses (a phi argument's definition
//       dominates the end of the incoming block); reading a variable that is
//       never defined is an error.
//   D3  at most one `get` per shadow variable.
//   D4  every read is definitely assigned (analysis/DefiniteAssignment.h):
//       no instruction but a phi reads an `undef`, or a phi that may carry
//       one. toSSA leaves functions with a possibly undefined read in plain
//       form, so in SSA an `undef` is only a placeholder nothing reads.
// In speculation-effects mode (VerifyOptions::speculationEffects), the check
// the superblock emitter relies on:
//   E1  no side effect (print, store, alloc, free, call) executes inside
//       speculation while a later guard of the same speculation can still
//       fail, since a failed guard does not undo heap writes or output.
#pragma once

#include "ir/Diagnostics.h"
#include "ir/IR.h"

namespace brisk {

struct VerifyOptions {
  bool ssa = false;
  bool speculationEffects = false;
};

// `program` (may be null) resolves call signatures. Returns true when no
// violation was found.
bool verifyFunction(const Function &f, const Program *program, Diagnostics &diags,
                    VerifyOptions options = {});
bool verifyProgram(const Program &program, Diagnostics &diags, VerifyOptions options = {});

} // namespace brisk
