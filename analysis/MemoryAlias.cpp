#include "analysis/MemoryAlias.h"

#include "analysis/CFG.h"
#include "analysis/Dominators.h"

#include <optional>

namespace brisk {

llvm::StringSet<> functionsThatWriteMemory(const Program &program) {
  llvm::StringSet<> writers;
  for (bool changed = true; changed;) {
    changed = false;
    for (const Function &f : program.functions) {
      if (writers.contains(f.name))
        continue;
      bool writes = false;
      for (BlockId b : f.layout)
        for (const Instr &in : f.block(b).instrs)
          writes |= in.op == Opcode::Store || in.op == Opcode::Free ||
                    (in.op == Opcode::Call &&
                     (writers.contains(in.callee) || !program.findFunction(in.callee)));
      if (writes) {
        writers.insert(f.name);
        changed = true;
      }
    }
  }
  return writers;
}

MemoryAlias::MemoryAlias(const Function &f, const llvm::StringSet<> *writers)
    : writers_(writers) {
  size_t n = f.numVars();
  loc_.resize(n);
  for (VarId v = 0; v < n; ++v)
    loc_[v] = {v, kNoVar, 0, v};
  isAlloc_.assign(n, 0);
  escapes_.assign(n, 0);
  std::vector<std::optional<int64_t>> constant(n);
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.op == Opcode::Const && in.hasDest() && in.type.isInt())
        constant[in.dest] = in.value.asInt();
  // Dominator preorder: the arguments of a ptradd or id are located first
  // (their definitions dominate it).
  CFG cfg(f);
  DominatorTree dom(cfg);
  for (BlockId b : dom.preorder())
    for (const Instr &in : f.block(b).instrs) {
      if (!in.hasDest() || !in.type.isPtr())
        continue;
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
          loc_[in.dest] = {from.base, by, from.offset, from.object};
        else
          loc_[in.dest] = {in.dest, kNoVar, 0, from.object};
      }
    }
  // Escapes: every use of a pointer into an allocation other than as the
  // address of a load, store or free, or the pointer of a ptradd or id.
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      for (size_t i = 0; i < in.args.size(); ++i) {
        VarId object = loc_[in.args[i]].object;
        if (!isAlloc_[object])
          continue;
        bool tracked = (i == 0 && (in.op == Opcode::Load || in.op == Opcode::Store ||
                                   in.op == Opcode::Free || in.op == Opcode::PtrAdd)) ||
                       (in.op == Opcode::Id && in.hasDest() && in.type.isPtr());
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
