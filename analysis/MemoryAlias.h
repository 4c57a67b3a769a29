// MemoryAlias: which pointers of an SSA function may name the same heap cell,
// and which cells a call or a free may touch. A simple, sound model:
//
// - Every pointer is a base, at most one index variable and a constant
//   offset. `ptradd q k` with `k` a constant is q's base and index at q's
//   offset + k; `ptradd q x` with x not a constant is q's base with index x
//   when q has none, else a base of its own in q's object (an index that is
//   `add j k`, `add k j` or `sub j k` with k a constant, through copies, is
//   j at k cells more or less); `id q` is q. An
//   `alloc`
//   starts a base and an object; a phi starts a base, in the one object of
//   all its arguments (found optimistically around loops: a pointer
//   induction variable stays in its allocation), else in an unknown object;
//   anything else that makes a pointer (a parameter, a load, a call) starts a
//   base and an unknown object.
// - Two pointers with the same base and index and different constant
//   offsets never alias (the same pointer value plus two different numbers);
//   with the same base, index and offset they name the same cell
//   (mustAlias).
// - Distinct `alloc`s never alias: each execution makes a new object, and an
//   SSA variable holds the result of one execution. A parameter never points
//   into an allocation of the function: its object existed when the call
//   began, before any of the call's allocs ran.
// - An allocation escapes when a pointer into it is stored as a value,
//   passed to a call, merged by a phi with a pointer of another object or
//   used by anything but a load, store address, free, ptradd, id or ret (a
//   returned pointer is seen only after the call has ended). A pointer of unknown object
//   (from a parameter, a load, a call, a phi) may point anywhere except into
//   an allocation of this function that never escapes; a call may read, write
//   and free anything except such an allocation.
// - Anything else may alias.
// - With the program's memory writers (functionsThatWriteMemory), a call of
//   a function that never stores or frees, itself or through its calls,
//   changes no cell.
//
// Requires SSA form (one definition per variable); unreachable definitions
// count as pointers of unknown object. Invalidated by any edit of the
// function's instructions. A function without pointers (no pointer parameter
// or definition) costs one walk of its instructions: no CFG or dominators.
#pragma once

#include "analysis/Dominators.h"
#include "ir/IR.h"

#include <llvm/ADT/StringSet.h>

#include <cstdint>
#include <vector>

namespace brisk {

// The functions of `program` that may store or free, themselves or through
// the functions they call (a call of a function the program lacks counts as
// one that writes).
llvm::StringSet<> functionsThatWriteMemory(const Program &program);

// Which memory instructions one function holds: what the memory passes look
// for first (a load to forward or hoist, a store to promote, a ptradd to
// rebase, an alloc to replace by scalars), and without which they leave the
// function as it is.
struct MemoryOps {
  bool alloc = false;
  bool load = false;
  bool store = false;
  bool ptrAdd = false; // one with a destination
};

// functionsThatWriteMemory and the MemoryOps of every function, from the
// one walk of the program's instructions the writers take anyway: the
// memory passes that run after it then skip their own walk of a function
// the ops rule out (a function of a million instructions does not fit the
// cache: each walk streams it from memory). The ops are indexed by the
// function's position in program.functions, and describe the functions as
// they are now (see PassContext::shareMemoryOps for how long that holds).
struct MemoryFacts {
  llvm::StringSet<> writers;
  std::vector<MemoryOps> ops;
};
MemoryFacts findMemoryFacts(const Program &program);

class MemoryAlias {
public:
  // `writers`: functionsThatWriteMemory of the program, or null (every call
  // may write). Kept by pointer: it must outlive the model.
  explicit MemoryAlias(const Function &f, const llvm::StringSet<> *writers = nullptr);
  // The same, with the dominator tree of f's current CFG (a pass that has
  // one saves building it again).
  MemoryAlias(const Function &f, const llvm::StringSet<> *writers, const DominatorTree &dom);

  // Where pointer variable `p` points: `base` plus `index` (kNoVar: none)
  // plus `offset` cells, in `object` (the alloc's destination, or a variable
  // of unknown object).
  struct Location {
    VarId base = kNoVar;
    VarId index = kNoVar;
    int64_t offset = 0;
    VarId object = kNoVar;
  };
  const Location &location(VarId p) const { return loc_[p]; }

  // Surely the same cell.
  bool mustAlias(VarId p, VarId q) const;
  // Possibly the same cell.
  bool mayAlias(VarId p, VarId q) const;
  // Possibly the same allocation (what a `free q` invalidates for p).
  bool maySameObject(VarId p, VarId q) const;
  // A call may read, write or free the cell `p` points to.
  bool callMayTouch(VarId p) const;
  // The call `call` may store or free at all.
  bool callMayWriteMemory(const Instr &call) const;
  // The call `call` may write or free the cell `p` points to.
  bool callMayWrite(const Instr &call, VarId p) const {
    return callMayWriteMemory(call) && callMayTouch(p);
  }

  // The object of `p` is an alloc of this function that never escapes.
  bool isPrivateAllocation(VarId p) const;

private:
  // The model without any pointer: each variable its own base and object.
  void initialize(const Function &f);
  static bool hasPointers(const Function &f);
  void locatePointers(const Function &f, const DominatorTree &dom);

  const llvm::StringSet<> *writers_;
  std::vector<Location> loc_;
  std::vector<uint8_t> isAlloc_;   // by object variable
  std::vector<uint8_t> escapes_;   // by object variable
  std::vector<uint8_t> isParam_;   // by object variable
};

} // namespace brisk
