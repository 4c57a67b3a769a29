// TypeFacts: what the lowering may assume about variables, so that the
// interpreter's common path carries no checks.
//
// Two analyses, both sound for every program the frontend loads, including
// ill-typed ones (the reference interpreter only checks types at run time):
//
//  * RuntimeTypes: for every variable, the set of run-time types its values
//    can have (whole program, flow-insensitive, iterated to a fixpoint). It
//    follows values, not declarations: `x: int = id b` gives x the types of b;
//    `add` always yields int; a pointer's type is its alloc's; `load` yields
//    what some `store` put into memory of that element type; calls pass the
//    argument types that survive the callee's parameter checks and return the
//    types of the callee's `ret` operands. `main`'s parameters have their
//    declared type, except pointer and `any` parameters, which brili leaves
//    unset.
//  * definedAtBlockEntry: the variables certainly assigned on entry to each
//    block (forward must-analysis). A failed guard restores the variables of
//    its `speculate`, so a guard's abort edge carries the meet of the sets at
//    every `speculate` of the function.
//
// An operand needs a run-time check exactly when it may be unassigned, or its
// type set holds a type the instruction does not accept, or the set is empty.
#pragma once

#include "ir/IR.h"

#include <llvm/ADT/BitVector.h>
#include <llvm/ADT/SmallVector.h>

#include <cstdint>
#include <vector>

namespace brisk::interp {

struct TypeSet {
  llvm::SmallVector<Type, 2> types; // sorted run-time types
  bool undefValue = false;          // may hold the value of `undef`

  bool empty() const { return types.empty() && !undefValue; }
  // Adds `t`; returns true when the set grew.
  bool add(Type t);
  bool addAll(const TypeSet &other);
  // True when every value in the set passes brili's typeCheck against `t`.
  bool allMatch(Type t) const;
};

class RuntimeTypes {
public:
  explicit RuntimeTypes(const Program &program);

  const TypeSet &var(uint32_t func, VarId v) const { return vars_[func][v]; }
  const TypeSet &returns(uint32_t func) const { return returns_[func]; }
  // Index of the one function named `name`, or -1 if none or several.
  int resolve(std::string_view name) const;

private:
  bool step(const Program &program);
  std::vector<std::vector<TypeSet>> vars_;
  std::vector<TypeSet> returns_;
  std::vector<std::vector<TypeSet>> shadows_;
  std::vector<std::pair<Type, TypeSet>> memory_; // element type -> stored values
  std::vector<std::pair<std::string_view, int>> byName_;
  TypeSet &memory(Type elem);
};

// Per block id: the variables certainly assigned on entry (all set for
// blocks that are unreachable). `entryDefined` are the parameters assigned on
// entry.
std::vector<llvm::BitVector> definedAtBlockEntry(const Function &fn,
                                                 const llvm::BitVector &entryDefined);

} // namespace brisk::interp
