#include "interp/TypeFacts.h"

#include "interp/Value.h"

#include <algorithm>

namespace brisk::interp {

bool TypeSet::add(Type t) {
  auto less = [](Type x, Type y) {
    return std::pair(x.base(), x.ptrDepth()) < std::pair(y.base(), y.ptrDepth());
  };
  auto it = std::lower_bound(types.begin(), types.end(), t, less);
  if (it != types.end() && *it == t)
    return false;
  types.insert(it, t);
  return true;
}

bool TypeSet::addAll(const TypeSet &other) {
  bool grew = false;
  for (Type t : other.types)
    grew |= add(t);
  if (other.undefValue && !undefValue)
    grew = undefValue = true;
  return grew;
}

bool TypeSet::allMatch(Type t) const {
  if (t.base() == BaseType::Any && !t.isPtr())
    return true;
  if (undefValue)
    return false;
  for (Type v : types)
    if (!valueMatches(tagOf(v), t))
      return false;
  return true;
}

namespace {

// The type of the value an instruction produces when its result does not
// depend on its operands' types; none() when it does.
Type fixedResultType(const Instr &in) {
  switch (in.op) {
  case Opcode::Const:
    if (in.type.base() == BaseType::Any)
      return Type::intTy();
    return in.type;
  case Opcode::Add: case Opcode::Mul: case Opcode::Sub: case Opcode::Div:
  case Opcode::Float2Bits: case Opcode::Char2Int:
    return Type::intTy();
  case Opcode::Eq: case Opcode::Lt: case Opcode::Gt: case Opcode::Le: case Opcode::Ge:
  case Opcode::Not: case Opcode::And: case Opcode::Or:
  case Opcode::FEq: case Opcode::FLt: case Opcode::FLe: case Opcode::FGt: case Opcode::FGe:
  case Opcode::CEq: case Opcode::CLt: case Opcode::CLe: case Opcode::CGt: case Opcode::CGe:
    return Type::boolTy();
  case Opcode::FAdd: case Opcode::FMul: case Opcode::FSub: case Opcode::FDiv:
  case Opcode::Bits2Float:
    return Type::floatTy();
  case Opcode::Int2Char:
    return Type::charTy();
  case Opcode::Alloc:
    return in.type.isPtr() ? in.type : Type::none();
  default:
    return Type::none();
  }
}

bool arityOk(const Instr &in) {
  int n = in.info().numArgs;
  return n < 0 || size_t(n) == in.args.size();
}

} // namespace

RuntimeTypes::RuntimeTypes(const Program &program) {
  size_t nf = program.functions.size();
  vars_.resize(nf);
  shadows_.resize(nf);
  returns_.resize(nf);
  for (size_t f = 0; f < nf; ++f) {
    const Function &fn = program.functions[f];
    vars_[f].resize(fn.numVars());
    shadows_[f].resize(fn.numVars());
    byName_.emplace_back(fn.name, int(f));
  }
  std::sort(byName_.begin(), byName_.end());
  // brili's main gets its arguments parsed at their declared base types.
  int mainIdx = resolve("main");
  if (mainIdx >= 0)
    for (const Param &p : program.functions[mainIdx].params)
      if (!p.type.isPtr() && p.type.base() != BaseType::Any)
        vars_[mainIdx][p.var].add(p.type);
  while (step(program)) {
  }
}

int RuntimeTypes::resolve(std::string_view name) const {
  auto it = std::lower_bound(byName_.begin(), byName_.end(), std::pair(name, INT32_MIN));
  if (it == byName_.end() || it->first != name)
    return -1;
  if (std::next(it) != byName_.end() && std::next(it)->first == name)
    return -1;
  return it->second;
}

TypeSet &RuntimeTypes::memory(Type elem) {
  for (auto &[t, set] : memory_)
    if (t == elem)
      return set;
  memory_.emplace_back(elem, TypeSet{});
  return memory_.back().second;
}

bool RuntimeTypes::step(const Program &program) {
  bool changed = false;
  for (size_t f = 0; f < program.functions.size(); ++f) {
    const Function &fn = program.functions[f];
    auto &vars = vars_[f];
    for (BlockId b : fn.layout) {
      for (const Instr &in : fn.block(b).instrs) {
        if (!arityOk(in))
          continue;
        TypeSet produced;
        if (Type t = fixedResultType(in); !t.isNone()) {
          produced.add(t);
        } else {
          switch (in.op) {
          case Opcode::Id:
            produced = vars[in.args[0]];
            break;
          case Opcode::Undef:
            produced.undefValue = true;
            break;
          case Opcode::Get:
            if (in.hasDest())
              produced = shadows_[f][in.dest];
            break;
          case Opcode::Set:
            changed |= shadows_[f][in.args[0]].addAll(vars[in.args[1]]);
            break;
          case Opcode::PtrAdd:
            for (Type t : vars[in.args[0]].types)
              if (t.isPtr())
                produced.add(t);
            break;
          case Opcode::Load:
            for (Type t : vars[in.args[0]].types)
              if (t.isPtr())
                produced.addAll(memory(t.pointee()));
            break;
          case Opcode::Store: {
            TypeSet ptrs = vars[in.args[0]];
            for (Type t : ptrs.types) {
              if (!t.isPtr())
                continue;
              TypeSet stored;
              const TypeSet &vals = vars[in.args[1]];
              for (Type v : vals.types)
                if (valueMatches(tagOf(v), t.pointee()))
                  stored.add(v);
              if (vals.undefValue && t.pointee().base() == BaseType::Any && !t.pointee().isPtr())
                stored.undefValue = true;
              changed |= memory(t.pointee()).addAll(stored);
            }
            break;
          }
          case Opcode::Ret:
            if (in.args.size() == 1)
              changed |= returns_[f].addAll(vars[in.args[0]]);
            break;
          case Opcode::Call: {
            int callee = resolve(in.callee);
            if (callee < 0)
              break;
            const Function &cf = program.functions[callee];
            if (cf.params.size() != in.args.size())
              break;
            for (size_t i = 0; i < in.args.size(); ++i) {
              Type pt = cf.params[i].type;
              TypeSet passed;
              const TypeSet &vals = vars[in.args[i]];
              for (Type v : vals.types)
                if (valueMatches(tagOf(v), pt))
                  passed.add(v);
              if (vals.undefValue && pt.base() == BaseType::Any && !pt.isPtr())
                passed.undefValue = true;
              changed |= vars_[callee][cf.params[i].var].addAll(passed);
            }
            if (in.hasDest()) {
              const TypeSet &rets = returns_[callee];
              for (Type v : rets.types)
                if (valueMatches(tagOf(v), in.type))
                  produced.add(v);
              if (rets.undefValue && in.type.base() == BaseType::Any && !in.type.isPtr())
                produced.undefValue = true;
            }
            break;
          }
          default:
            break;
          }
        }
        if (in.hasDest() && in.op != Opcode::Call && in.op != Opcode::Ret)
          changed |= vars[in.dest].addAll(produced);
        else if (in.op == Opcode::Call && in.hasDest())
          changed |= vars[in.dest].addAll(produced);
      }
    }
  }
  return changed;
}

std::vector<llvm::BitVector> definedAtBlockEntry(const Function &fn,
                                                 const llvm::BitVector &entryDefined) {
  size_t nv = fn.numVars();
  std::vector<llvm::BitVector> in(fn.blocks.size(), llvm::BitVector(nv, true));
  if (fn.layout.empty())
    return in;
  in[fn.entry()] = entryDefined;
  llvm::BitVector specMeet(nv, true);
  std::vector<BlockId> next(fn.blocks.size(), kNoBlock);
  for (size_t i = 0; i + 1 < fn.layout.size(); ++i)
    next[fn.layout[i]] = fn.layout[i + 1];

  bool changed = true;
  while (changed) {
    changed = false;
    llvm::BitVector newMeet(nv, true);
    auto flowTo = [&](BlockId target, const llvm::BitVector &state) {
      llvm::BitVector merged = in[target];
      merged &= state;
      if (merged != in[target]) {
        in[target] = std::move(merged);
        changed = true;
      }
    };
    for (BlockId b : fn.layout) {
      llvm::BitVector cur = in[b];
      const Block &blk = fn.block(b);
      for (const Instr &in2 : blk.instrs) {
        if (in2.op == Opcode::Speculate)
          newMeet &= cur;
        if (in2.op == Opcode::Guard && !in2.labels.empty())
          flowTo(in2.labels[0], specMeet);
        if (in2.hasDest() && arityOk(in2))
          cur.set(in2.dest);
      }
      const Instr *term = blk.terminator();
      if (!term) {
        if (next[b] != kNoBlock)
          flowTo(next[b], cur);
      } else if (term->op == Opcode::Jmp || term->op == Opcode::Br) {
        for (BlockId t : term->labels)
          flowTo(t, cur);
      }
    }
    if (newMeet != specMeet) {
      specMeet = newMeet;
      changed = true;
    }
  }
  return in;
}

} // namespace brisk::interp
