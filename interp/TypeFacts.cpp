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

RuntimeTypes::RuntimeTypes(const Program &program, bool inferTypes) {
  size_t nf = program.functions.size();
  shadowBase_.assign(nf, kNoNode);
  byName_.reserve(nf);
  if (!inferTypes) {
    // Not a walk over the instructions: on a large program with a short
    // run that walk costs a sizeable part of the lowering, which looks at
    // each function's instructions anyway (and answers usesShadows itself).
    for (size_t f = 0; f < nf; ++f)
      byName_.emplace_back(program.functions[f].name, int(f));
    std::sort(byName_.begin(), byName_.end());
    return;
  }
  varBase_.resize(nf);
  returnShapes_.resize(nf);
  size_t numNodes = 0;
  for (size_t f = 0; f < nf; ++f) {
    const Function &fn = program.functions[f];
    varBase_[f] = uint32_t(numNodes);
    numNodes += fn.numVars();
    byName_.emplace_back(fn.name, int(f));
  }
  std::sort(byName_.begin(), byName_.end());
  returnBase_ = uint32_t(numNodes);
  numNodes += nf;
  nodes_.resize(numNodes);
  // brili's main gets its arguments parsed at their declared base types.
  int mainIdx = resolve("main");
  if (mainIdx >= 0)
    for (const Param &p : program.functions[mainIdx].params)
      if (!p.type.isPtr() && p.type.base() != BaseType::Any)
        nodes_[varBase_[mainIdx] + p.var].add(p.type);
  for (size_t f = 0; f < nf; ++f)
    collect(program, uint32_t(f));
  while (sweep()) {
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

// The one sweep over the instructions: fixed result types go straight into
// their variable's set, everything else becomes a constraint. Shadow nodes
// are appended for a function the first time it shows a set or get.
void RuntimeTypes::collect(const Program &program, uint32_t f) {
  const Function &fn = program.functions[f];
  uint32_t base = varBase_[f];
  ReturnShape &shape = returnShapes_[f];
  shape.mayFallOff = fn.layout.empty() || !fn.block(fn.layout.back()).terminator();
  auto shadow = [&](VarId v) {
    if (shadowBase_[f] == kNoNode) {
      shadowBase_[f] = uint32_t(nodes_.size());
      nodes_.resize(nodes_.size() + fn.numVars());
    }
    return shadowBase_[f] + v;
  };
  for (BlockId b : fn.layout) {
    for (const Instr &in : fn.block(b).instrs) {
      if (in.op == Opcode::Ret) {
        shape.anyRetValue |= !in.args.empty();
        shape.anyRetVoid |= in.args.empty();
      }
      if (in.op == Opcode::Set || in.op == Opcode::Get)
        shadow(0); // the function needs shadow slots even if this one is malformed
      if (!arityOk(in))
        continue;
      if (Type t = fixedResultType(in); !t.isNone()) {
        if (in.hasDest())
          nodes_[base + in.dest].add(t);
        continue;
      }
      uint32_t dst = in.hasDest() ? base + in.dest : kNoNode;
      switch (in.op) {
      case Opcode::Id:
        if (dst != kNoNode)
          constraints_.push_back({Rule::Copy, Type(), dst, base + in.args[0], 0});
        break;
      case Opcode::Undef:
        if (dst != kNoNode)
          nodes_[dst].undefValue = true;
        break;
      case Opcode::Get:
        if (dst != kNoNode)
          constraints_.push_back({Rule::Copy, Type(), dst, shadow(in.dest), 0});
        break;
      case Opcode::Set:
        constraints_.push_back({Rule::Copy, Type(), shadow(in.args[0]), base + in.args[1], 0});
        break;
      case Opcode::PtrAdd:
        if (dst != kNoNode)
          constraints_.push_back({Rule::PtrAdd, Type(), dst, base + in.args[0], 0});
        break;
      case Opcode::Load:
        if (dst != kNoNode)
          constraints_.push_back({Rule::Load, Type(), dst, base + in.args[0], 0});
        break;
      case Opcode::Store:
        constraints_.push_back(
            {Rule::Store, Type(), kNoNode, base + in.args[0], base + in.args[1]});
        break;
      case Opcode::Ret:
        if (in.args.size() == 1)
          constraints_.push_back({Rule::Copy, Type(), returnBase_ + f, base + in.args[0], 0});
        break;
      case Opcode::Call: {
        int callee = resolve(in.callee);
        if (callee < 0)
          break;
        const Function &cf = program.functions[callee];
        if (cf.params.size() != in.args.size())
          break;
        for (size_t i = 0; i < in.args.size(); ++i)
          constraints_.push_back({Rule::Filtered, cf.params[i].type,
                                  varBase_[callee] + cf.params[i].var, base + in.args[i], 0});
        if (dst != kNoNode)
          constraints_.push_back(
              {Rule::Filtered, in.type, dst, returnBase_ + uint32_t(callee), 0});
        break;
      }
      default:
        break;
      }
    }
  }
}

bool RuntimeTypes::addFiltered(TypeSet &dst, const TypeSet &src, Type filter) {
  bool grew = false;
  for (Type v : src.types)
    if (valueMatches(tagOf(v), filter))
      grew |= dst.add(v);
  if (src.undefValue && filter.base() == BaseType::Any && !filter.isPtr() && !dst.undefValue)
    grew = dst.undefValue = true;
  return grew;
}

bool RuntimeTypes::sweep() {
  bool changed = false;
  for (const Constraint &c : constraints_) {
    switch (c.rule) {
    case Rule::Copy:
      if (c.dst != c.src)
        changed |= nodes_[c.dst].addAll(nodes_[c.src]);
      break;
    case Rule::Filtered:
      if (c.dst != c.src)
        changed |= addFiltered(nodes_[c.dst], nodes_[c.src], c.type);
      break;
    case Rule::PtrAdd:
      if (c.dst != c.src) // p = ptradd p i adds nothing new
        for (Type t : nodes_[c.src].types)
          if (t.isPtr())
            changed |= nodes_[c.dst].add(t);
      break;
    case Rule::Load: {
      TypeSet loaded;
      for (Type t : nodes_[c.src].types)
        if (t.isPtr())
          loaded.addAll(memory(t.pointee()));
      changed |= nodes_[c.dst].addAll(loaded);
      break;
    }
    case Rule::Store:
      for (Type t : nodes_[c.src].types)
        if (t.isPtr())
          changed |= addFiltered(memory(t.pointee()), nodes_[c.src2], t.pointee());
      break;
    }
  }
  return changed;
}

namespace {

// The successors the fixpoint below flows along: the fall-through of a
// block without terminator, a jmp's or br's labels (a guard's abort edge is
// not one; functions with guards track every variable).
std::vector<std::vector<BlockId>> flowSuccessors(const Function &fn) {
  std::vector<std::vector<BlockId>> succs(fn.blocks.size());
  for (size_t i = 0; i < fn.layout.size(); ++i) {
    BlockId b = fn.layout[i];
    const Instr *term = fn.block(b).terminator();
    if (!term) {
      if (i + 1 < fn.layout.size())
        succs[b].push_back(fn.layout[i + 1]);
    } else if (term->op == Opcode::Jmp || term->op == Opcode::Br) {
      succs[b].assign(term->labels.begin(), term->labels.end());
    }
  }
  return succs;
}

// VarId -> bit index, or kUntracked for a variable every read of which is
// dominated by an assignment of it (see definedAtBlockEntry in the header).
// Dominators by Cooper, Harvey and Kennedy's iteration over the reverse
// post-order of the graph the fixpoint uses, then one walk of the dominator
// tree counting the assignments in scope.
std::vector<uint32_t> trackedVariables(const Function &fn, const llvm::BitVector &entryDefined,
                                       size_t denseUpTo) {
  const size_t nv = fn.numVars(), nb = fn.blocks.size();
  std::vector<uint32_t> all(nv);
  for (uint32_t v = 0; v < nv; ++v)
    all[v] = v;
  if (fn.layout.empty() || nv <= denseUpTo)
    return all;
  for (BlockId b : fn.layout)
    for (const Instr &ins : fn.block(b).instrs)
      if (ins.op == Opcode::Guard)
        return all;
  std::vector<std::vector<BlockId>> succs = flowSuccessors(fn);
  BlockId entry = fn.entry();
  constexpr uint32_t kUnseen = UINT32_MAX;
  std::vector<uint32_t> order(nb, kUnseen); // reverse post-order number
  std::vector<BlockId> rpo;
  {
    std::vector<uint8_t> seen(nb, 0);
    std::vector<std::pair<BlockId, size_t>> stack{{entry, 0}};
    seen[entry] = 1;
    while (!stack.empty()) {
      auto &[b, next] = stack.back();
      if (next < succs[b].size()) {
        BlockId s = succs[b][next++];
        if (s < nb && !seen[s]) {
          seen[s] = 1;
          stack.push_back({s, 0});
        }
      } else {
        rpo.push_back(b);
        stack.pop_back();
      }
    }
    std::reverse(rpo.begin(), rpo.end());
    for (size_t i = 0; i < rpo.size(); ++i)
      order[rpo[i]] = uint32_t(i);
  }
  std::vector<std::vector<BlockId>> preds(nb);
  for (BlockId b : rpo)
    for (BlockId s : succs[b])
      if (s < nb)
        preds[s].push_back(b);
  std::vector<BlockId> idom(nb, kNoBlock);
  idom[entry] = entry;
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 1; i < rpo.size(); ++i) {
      BlockId b = rpo[i], d = kNoBlock;
      for (BlockId p : preds[b]) {
        if (idom[p] == kNoBlock)
          continue;
        if (d == kNoBlock) {
          d = p;
          continue;
        }
        BlockId x = p;
        while (x != d) {
          while (order[x] > order[d])
            x = idom[x];
          while (order[d] > order[x])
            d = idom[d];
        }
      }
      if (d != idom[b]) {
        idom[b] = d;
        changed = true;
      }
    }
  }
  std::vector<std::vector<BlockId>> children(nb);
  for (size_t i = 1; i < rpo.size(); ++i)
    children[idom[rpo[i]]].push_back(rpo[i]);

  std::vector<uint8_t> needsBit(nv, 0);
  std::vector<unsigned> inScope(nv, 0); // assignments dominating the current point
  std::vector<std::vector<VarId>> assignedIn(nb);
  auto enter = [&](BlockId b) {
    std::vector<VarId> &defs = assignedIn[b];
    if (b == entry)
      for (int v = entryDefined.find_first(); v >= 0; v = entryDefined.find_next(v))
        defs.push_back(VarId(v));
    for (VarId v : defs)
      ++inScope[v];
    for (const Instr &ins : fn.block(b).instrs) {
      for (size_t a = ins.op == Opcode::Set ? 1 : 0; a < ins.args.size(); ++a)
        if (VarId v = ins.args[a]; v < nv && inScope[v] == 0)
          needsBit[v] = 1;
      if (ins.hasDest() && arityOk(ins) && ins.dest < nv) {
        ++inScope[ins.dest];
        defs.push_back(ins.dest);
      }
    }
  };
  std::vector<std::pair<BlockId, size_t>> stack{{entry, 0}};
  enter(entry);
  while (!stack.empty()) {
    auto &[b, next] = stack.back();
    if (next < children[b].size()) {
      BlockId c = children[b][next++];
      stack.push_back({c, 0});
      enter(c);
    } else {
      for (VarId v : assignedIn[b])
        --inScope[v];
      stack.pop_back();
    }
  }
  std::vector<uint32_t> index(nv, DefinedSet::kUntracked);
  uint32_t n = 0;
  for (VarId v = 0; v < nv; ++v)
    if (needsBit[v])
      index[v] = n++;
  return index;
}

} // namespace

DefinedAtEntry definedAtBlockEntry(const Function &fn, const llvm::BitVector &entryDefined,
                                   size_t denseUpTo) {
  DefinedAtEntry result;
  result.index = trackedVariables(fn, entryDefined, denseUpTo);
  const std::vector<uint32_t> &index = result.index;
  size_t nv = 0;
  for (uint32_t i : index)
    if (i != DefinedSet::kUntracked)
      nv = std::max<size_t>(nv, i + 1);
  std::vector<llvm::BitVector> &in = result.bits;
  in.assign(fn.blocks.size(), llvm::BitVector(nv, true));
  if (fn.layout.empty())
    return result;
  auto setTracked = [&](llvm::BitVector &bits, VarId v) {
    if (v < index.size() && index[v] != DefinedSet::kUntracked)
      bits.set(index[v]);
  };
  llvm::BitVector &entryIn = in[fn.entry()];
  entryIn.reset();
  for (int v = entryDefined.find_first(); v >= 0; v = entryDefined.find_next(v))
    setTracked(entryIn, VarId(v));

  // One walk over the instructions summarises each block: the variables it
  // assigns, and in order its speculates (with what the block assigned
  // before each) and guards. The fixpoint then only combines bit vectors.
  struct Event {
    bool speculate;       // else a guard
    BlockId abortTarget;  // guard
    uint32_t assignedBefore; // speculate: index into `prefixes`
  };
  std::vector<llvm::BitVector> gen(fn.blocks.size());
  std::vector<std::vector<Event>> events(fn.blocks.size());
  std::vector<llvm::BitVector> prefixes;
  std::vector<std::vector<BlockId>> succs = flowSuccessors(fn);
  for (BlockId b : fn.layout) {
    llvm::BitVector &assigned = gen[b];
    assigned.resize(nv);
    for (const Instr &ins : fn.block(b).instrs) {
      if (ins.op == Opcode::Speculate) {
        events[b].push_back({true, kNoBlock, uint32_t(prefixes.size())});
        prefixes.push_back(assigned);
      }
      if (ins.op == Opcode::Guard && !ins.labels.empty())
        events[b].push_back({false, ins.labels[0], 0});
      if (ins.hasDest() && arityOk(ins))
        setTracked(assigned, ins.dest);
    }
  }

  llvm::BitVector specMeet(nv, true), newMeet(nv), start(nv), cur(nv);
  bool changed = true;
  auto flowTo = [&](BlockId target, const llvm::BitVector &state) {
    if (in[target].test(state)) { // some bit set in target but not in state
      in[target] &= state;
      changed = true;
    }
  };
  while (changed) {
    changed = false;
    newMeet.set();
    for (BlockId b : fn.layout) {
      start = in[b];
      for (const Event &e : events[b]) {
        if (e.speculate) {
          cur = start;
          cur |= prefixes[e.assignedBefore];
          newMeet &= cur;
        } else {
          flowTo(e.abortTarget, specMeet);
        }
      }
      cur = start;
      cur |= gen[b];
      for (BlockId t : succs[b])
        flowTo(t, cur);
    }
    if (newMeet != specMeet) {
      specMeet = newMeet;
      changed = true;
    }
  }
  return result;
}

} // namespace brisk::interp
