// Uses: which operands of an instruction read a variable. Every analysis and
// pass that asks "what does this instruction read" asks here, because one
// operand is not a read: the first argument of `set` names a shadow variable
// (the destination of a `get`), not a value.
#pragma once

#include "ir/IR.h"

namespace brisk {

// Index of the first argument that is a value read (1 for set, 0 otherwise).
inline unsigned firstUseIndex(const Instr &in) { return in.op == Opcode::Set ? 1 : 0; }

template <typename F> void forEachUse(const Instr &in, F &&f) {
  for (unsigned i = firstUseIndex(in); i < in.args.size(); ++i)
    f(in.args[i]);
}

// Same, with a reference so a renaming pass can rewrite the operand.
template <typename F> void forEachUseRef(Instr &in, F &&f) {
  for (unsigned i = firstUseIndex(in); i < in.args.size(); ++i)
    f(in.args[i]);
}

} // namespace brisk
