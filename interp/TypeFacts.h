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

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
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

// Solved as inclusion constraints between type sets ("nodes"): one sweep
// over the program turns every instruction whose result depends on other
// sets into one small constraint (fixed results are added once, right
// there); the fixpoint then sweeps only that constraint array. Nodes are one
// flat array: every function's variables, then one return set per function,
// then shadow variables for the functions that use set/get. Each sweep is
// linear in the constraints and sweeps stop when no set grows (a handful in
// practice: sets only grow, and there are few run-time types); memory is one
// TypeSet per variable plus one constraint per dependent instruction. The
// least fixpoint does not depend on the order, so the sets are the same as
// those of iterating over the instructions themselves.
class RuntimeTypes {
public:
  explicit RuntimeTypes(const Program &program) : RuntimeTypes(program, true) {}
  // Without `inferTypes` nothing is analysed: only resolve() answers
  // (usesShadows(), var(), returns() and returnShape() must not be called).
  // For a lowering that checks every operand at run time.
  RuntimeTypes(const Program &program, bool inferTypes);

  const TypeSet &var(uint32_t func, VarId v) const { return nodes_[varBase_[func] + v]; }
  const TypeSet &returns(uint32_t func) const { return nodes_[returnBase_ + func]; }
  // Index of the one function named `name`, or -1 if none or several.
  int resolve(std::string_view name) const;
  // Whether `func` contains a set or get (it then needs shadow slots).
  bool usesShadows(uint32_t func) const { return shadowBase_[func] != kNoNode; }

  // How a function can return, for the checks a call's return needs.
  struct ReturnShape {
    bool mayFallOff = false; // can reach the end of its last block without `ret`
    bool anyRetValue = false, anyRetVoid = false;
  };
  const ReturnShape &returnShape(uint32_t func) const { return returnShapes_[func]; }

private:
  static constexpr uint32_t kNoNode = UINT32_MAX;
  enum class Rule : uint8_t {
    Copy,     // dst ⊇ src
    Filtered, // dst ⊇ the values of src that pass brili's check against `type`
    PtrAdd,   // dst ⊇ the pointer types of src
    Load,     // dst ⊇ memory(t.pointee()) for every pointer type t of src
    Store,    // memory(t.pointee()) ⊇ values of src2 that fit, for every pointer type t of src
  };
  struct Constraint {
    Rule rule;
    Type type;
    uint32_t dst, src, src2;
  };
  void collect(const Program &program, uint32_t func);
  bool sweep();
  bool addFiltered(TypeSet &dst, const TypeSet &src, Type filter);
  TypeSet &memory(Type elem);

  std::vector<TypeSet> nodes_;
  std::vector<uint32_t> varBase_, shadowBase_;
  uint32_t returnBase_ = 0;
  std::vector<Constraint> constraints_;
  std::vector<ReturnShape> returnShapes_;
  std::vector<std::pair<Type, TypeSet>> memory_; // element type -> stored values
  std::vector<std::pair<std::string_view, int>> byName_;
};

// The variables certainly assigned at one point of a function. Only the
// tracked variables of a DefinedAtEntry have bits; the others read as
// assigned (every read of theirs is, see below), so test() is exact for
// every variable an instruction reads there.
class DefinedSet {
public:
  DefinedSet(const std::vector<uint32_t> &index, llvm::BitVector bits)
      : index_(&index), bits_(std::move(bits)) {}
  bool test(VarId v) const {
    uint32_t i = v < index_->size() ? (*index_)[v] : kUntracked;
    return i == kUntracked || bits_.test(i);
  }
  void set(VarId v) {
    uint32_t i = v < index_->size() ? (*index_)[v] : kUntracked;
    if (i != kUntracked)
      bits_.set(i);
  }
  static constexpr uint32_t kUntracked = UINT32_MAX;

private:
  const std::vector<uint32_t> *index_;
  llvm::BitVector bits_;
};

// Per block id: the variables certainly assigned on entry (all of them for
// blocks that are unreachable).
struct DefinedAtEntry {
  std::vector<uint32_t> index;       // VarId -> bit, or DefinedSet::kUntracked
  std::vector<llvm::BitVector> bits; // per block id, over the tracked variables
  DefinedSet at(BlockId b) const { return DefinedSet(index, bits[b]); }
};

// `entryDefined` are the parameters assigned on entry. Without guards, a
// variable every read of which (all operands but a set's first) is
// dominated by an assignment (an instruction with that destination, or
// `entryDefined`) is assigned wherever it is read and gets no bit, so the
// bit vectors, blocks x tracked variables, stay small on a large function:
// SSA with set/get tracks only the variables read before being assigned.
// With a guard every variable is tracked (a failed guard unassigns what a
// dominating assignment assigned). One walk over the instructions
// summarises each block (what it assigns, where its speculates and guards
// are); the fixpoint combines only those summaries. A function of at most
// `denseUpTo` variables tracks them all: its vectors are a few words per
// block, cheaper than finding dominators.
DefinedAtEntry definedAtBlockEntry(const Function &fn, const llvm::BitVector &entryDefined,
                                   size_t denseUpTo = 256);

} // namespace brisk::interp
