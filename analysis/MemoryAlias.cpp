#include "analysis/MemoryAlias.h"

#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/LayoutWalk.h"

#include <llvm/ADT/StringMap.h>

#include <optional>
#include <string_view>
#include <vector>

namespace brisk {

llvm::StringSet<> functionsThatWriteMemory(const Program &program) {
  return findMemoryFacts(program).writers;
}

MemoryFacts findMemoryFacts(const Program &program) {
  // The functions that store or free, or call a function the program lacks,
  // then their callers, transitively: one pass over the program and one
  // step per caller, without a search of the program per call.
  llvm::StringSet<> names;
  for (const Function &f : program.functions)
    names.insert(f.name);
  llvm::StringMap<std::vector<size_t>> callersOf; // by callee name
  MemoryFacts facts;
  llvm::StringSet<> &writers = facts.writers;
  facts.ops.resize(program.functions.size());
  std::vector<std::string_view> work;
  for (size_t i = 0; i < program.functions.size(); ++i) {
    const Function &f = program.functions[i];
    MemoryOps &ops = facts.ops[i];
    bool writes = false;
    walkBlocks(f, [&](BlockId, const Block &blk) {
      for (const Instr &in : blk.instrs) {
        if (in.op == Opcode::Store || in.op == Opcode::Free)
          writes = true;
        else if (in.op == Opcode::Call && !names.contains(in.callee))
          writes = true;
        else if (in.op == Opcode::Call)
          callersOf[in.callee].push_back(i);
        ops.alloc |= in.op == Opcode::Alloc;
        ops.load |= in.op == Opcode::Load;
        ops.store |= in.op == Opcode::Store;
        ops.ptrAdd |= in.op == Opcode::PtrAdd && in.hasDest();
      }
    });
    if (writes && writers.insert(f.name).second)
      work.push_back(f.name);
  }
  while (!work.empty()) {
    auto callers = callersOf.find(work.back());
    work.pop_back();
    if (callers == callersOf.end())
      continue;
    for (size_t i : callers->second)
      if (writers.insert(program.functions[i].name).second)
        work.push_back(program.functions[i].name);
  }
  return facts;
}

MemoryAlias::MemoryAlias(const Function &f, const llvm::StringSet<> *writers)
    : writers_(writers) {
  initialize(f);
  if (!hasPointers(f))
    return;
  CFG cfg(f);
  DominatorTree dom(cfg);
  locatePointers(f, dom);
}

MemoryAlias::MemoryAlias(const Function &f, const llvm::StringSet<> *writers,
                         const DominatorTree &dom)
    : writers_(writers) {
  initialize(f);
  if (hasPointers(f))
    locatePointers(f, dom);
}

void MemoryAlias::initialize(const Function &f) {
  size_t n = f.numVars();
  loc_.resize(n);
  for (VarId v = 0; v < n; ++v)
    loc_[v] = {v, kNoVar, 0, v};
  isAlloc_.assign(n, 0);
  escapes_.assign(n, 0);
  isParam_.assign(n, 0);
  for (const Param &p : f.params)
    isParam_[p.var] = 1;
}

// Without a pointer variable every location stays its own base and object,
// no object is an allocation, and nothing escapes: initialize() is the whole
// model.
bool MemoryAlias::hasPointers(const Function &f) {
  for (const Param &p : f.params)
    if (p.type.isPtr())
      return true;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.hasDest() && in.type.isPtr())
        return true;
  return false;
}

void MemoryAlias::locatePointers(const Function &f, const DominatorTree &dom) {
  size_t n = f.numVars();
  std::vector<std::optional<int64_t>> constant(n);
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.op == Opcode::Const && in.hasDest() && in.type.isInt())
        constant[in.dest] = in.value.asInt();
  // Dominator preorder: the arguments of a ptradd or id are located first
  // (their definitions dominate it). A phi's object is found optimistically:
  // a pointer not yet located (a back edge's argument) is left out of the meet, and
  // the walk repeats until no object changes; a last walk then counts what is
  // still unseen as unknown. Objects only go from unseen to one object to
  // unknown, so the walk ends.
  constexpr VarId kUnseen = kNoVar;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if ((in.op == Opcode::Phi || in.op == Opcode::Id || in.op == Opcode::PtrAdd) &&
          in.hasDest() && in.type.isPtr())
        loc_[in.dest].object = kUnseen;
  // An int index is a variable plus a constant: `j1 = add j 1` is j at +1,
  // so a + j1 and (a + j) + 1 are one cell and a + j another.
  std::vector<VarId> indexBase(n);
  std::vector<int64_t> indexOffset(n, 0);
  for (VarId v = 0; v < n; ++v)
    indexBase[v] = v;
  for (BlockId b : dom.preorder())
    for (const Instr &in : f.block(b).instrs) {
      if (!in.hasDest() || !in.type.isInt() || in.args.empty())
        continue;
      VarId x = in.args[0], y = in.args.size() > 1 ? in.args[1] : kNoVar;
      auto shifted = [&](VarId from, int64_t k) {
        indexBase[in.dest] = indexBase[from];
        indexOffset[in.dest] = int64_t(uint64_t(indexOffset[from]) + uint64_t(k));
      };
      if (in.op == Opcode::Id && in.args.size() == 1)
        shifted(x, 0);
      else if (in.op == Opcode::Add && y != kNoVar && constant[y])
        shifted(x, *constant[y]);
      else if (in.op == Opcode::Add && y != kNoVar && constant[x])
        shifted(y, *constant[x]);
      else if (in.op == Opcode::Sub && y != kNoVar && constant[y])
        shifted(x, int64_t(0 - uint64_t(*constant[y])));
    }
  auto locate = [&](bool final) {
    bool changed = false;
    for (BlockId b : dom.preorder())
      for (const Instr &in : f.block(b).instrs) {
        if (!in.hasDest() || !in.type.isPtr())
          continue;
        Location before = loc_[in.dest];
        if (in.op == Opcode::Alloc) {
          isAlloc_[in.dest] = 1;
        } else if (in.op == Opcode::Id && in.args.size() == 1) {
          loc_[in.dest] = loc_[in.args[0]];
        } else if (in.op == Opcode::PtrAdd && in.args.size() == 2) {
          const Location &from = loc_[in.args[0]];
          VarId by = in.args[1];
          if (const std::optional<int64_t> &k = constant[by])
            loc_[in.dest] = {from.base, from.index, int64_t(uint64_t(from.offset) + uint64_t(*k)),
                             from.object};
          else if (from.index == kNoVar)
            loc_[in.dest] = {from.base, indexBase[by],
                             int64_t(uint64_t(from.offset) + uint64_t(indexOffset[by])),
                             from.object};
          else
            loc_[in.dest] = {in.dest, kNoVar, 0, from.object};
        } else if (in.op == Opcode::Phi) {
          VarId object = kUnseen;
          for (VarId a : in.args) {
            VarId o = loc_[a].object;
            if (o == kUnseen && !final)
              continue;
            object = object == kUnseen || object == o ? o : in.dest;
          }
          if (object == kUnseen)
            object = final ? in.dest : kUnseen;
          loc_[in.dest] = {in.dest, kNoVar, 0, object};
        }
        const Location &after = loc_[in.dest];
        changed |= before.base != after.base || before.index != after.index ||
                   before.offset != after.offset || before.object != after.object;
      }
    return changed;
  };
  while (locate(false)) {
  }
  locate(true);
  // Unreachable pointers keep their own unknown object.
  for (VarId v = 0; v < n; ++v)
    if (loc_[v].object == kUnseen)
      loc_[v].object = v;
  // Escapes: every use of a pointer into an allocation other than as the
  // address of a load, store or free, the pointer of a ptradd or id, an
  // argument of a phi of the same object, or the value of a `ret` (after
  // which nothing of this call runs).
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      for (size_t i = 0; i < in.args.size(); ++i) {
        VarId object = loc_[in.args[i]].object;
        if (!isAlloc_[object])
          continue;
        bool tracked = (i == 0 && (in.op == Opcode::Load || in.op == Opcode::Store ||
                                   in.op == Opcode::Free || in.op == Opcode::PtrAdd)) ||
                       (in.op == Opcode::Id && in.hasDest() && in.type.isPtr()) ||
                       (in.op == Opcode::Phi && in.hasDest() && loc_[in.dest].object == object) ||
                       in.op == Opcode::Ret;
        if (!tracked)
          escapes_[object] = 1;
      }
}

bool MemoryAlias::mustAlias(VarId p, VarId q) const {
  const Location &a = loc_[p], &b = loc_[q];
  return a.base == b.base && a.index == b.index && a.offset == b.offset;
}

bool MemoryAlias::isPrivateAllocation(VarId p) const {
  VarId o = loc_[p].object;
  return isAlloc_[o] && !escapes_[o];
}

bool MemoryAlias::maySameObject(VarId p, VarId q) const {
  VarId a = loc_[p].object, b = loc_[q].object;
  if (a == b)
    return true;
  if (isAlloc_[a] && isAlloc_[b])
    return false;
  // A parameter's object existed before this call began; the function's
  // allocations are made after.
  if ((isAlloc_[a] && isParam_[b]) || (isParam_[a] && isAlloc_[b]))
    return false;
  // One is of unknown object: it may point into anything that escaped.
  return !isPrivateAllocation(p) && !isPrivateAllocation(q);
}

bool MemoryAlias::mayAlias(VarId p, VarId q) const {
  const Location &a = loc_[p], &b = loc_[q];
  if (a.base == b.base && a.index == b.index)
    return a.offset == b.offset;
  return maySameObject(p, q);
}

bool MemoryAlias::callMayTouch(VarId p) const { return !isPrivateAllocation(p); }

bool MemoryAlias::callMayWriteMemory(const Instr &call) const {
  return !writers_ || writers_->contains(call.callee);
}

} // namespace brisk
