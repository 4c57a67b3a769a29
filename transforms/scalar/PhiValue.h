// PhiValue: the one value a phi stands for, when it stands for one. A phi
// whose arguments are all a single value v, or the phi itself (a loop
// carrying it around unchanged), is v; copy propagation and value
// numbering both replace such a phi by v.
//
// phiValue(self, args, resolve) maps each argument through `resolve` (the
// caller's representative: a copy's source, a value number's leader) and
// returns the one value they come to besides `self`, or kNoVar when they
// come to two or more, or to none but `self`.
#pragma once

#include "ir/IR.h"

namespace brisk {

template <typename Args, typename Resolve>
VarId phiValue(VarId self, const Args &args, Resolve &&resolve) {
  VarId same = kNoVar;
  for (VarId a : args) {
    VarId v = resolve(a);
    if (v == self || v == same)
      continue;
    if (same != kNoVar)
      return kNoVar;
    same = v;
  }
  return same;
}

} // namespace brisk
