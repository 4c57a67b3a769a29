#include "interp/Lower.h"

#include "interp/JsNumbers.h"
#include "interp/PathNumbering.h"
#include "interp/TypeFacts.h"

#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/StringSet.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>
#include <optional>
#include <string>

namespace brisk::interp {
namespace {

// brili reads JSON numbers as doubles, so an int literal beyond 2^53 is
// rounded before it becomes a BigInt.
int64_t jsIntLiteral(int64_t v) {
  constexpr int64_t kExact = int64_t(1) << 53;
  if (v >= -kExact && v <= kExact)
    return v;
  double d = double(v);
  if (d >= 9223372036854775808.0)
    return INT64_MIN; // 2^63: wraps like every other int result
  return int64_t(d);
}

Op opFor(Opcode op) {
  switch (op) {
#define M(a, b) case Opcode::a: return Op::b;
    M(Const, Const) M(Id, Id) M(Add, Add) M(Mul, Mul) M(Sub, Sub) M(Div, Div) M(Eq, Eq)
    M(Lt, Lt) M(Gt, Gt) M(Le, Le) M(Ge, Ge) M(Not, Not) M(And, And) M(Or, Or)
    M(FAdd, FAdd) M(FMul, FMul) M(FSub, FSub) M(FDiv, FDiv) M(FEq, FEq) M(FLt, FLt)
    M(FLe, FLe) M(FGt, FGt) M(FGe, FGe) M(Float2Bits, Float2Bits) M(Bits2Float, Bits2Float)
    M(CEq, CEq) M(CLt, CLt) M(CLe, CLe) M(CGt, CGt) M(CGe, CGe) M(Char2Int, Char2Int)
    M(Int2Char, Int2Char) M(Jmp, Jmp) M(Br, Br) M(Print, Print) M(Nop, Nop) M(Alloc, Alloc)
    M(Free, Free) M(Store, Store) M(Load, Load) M(PtrAdd, PtrAdd) M(Set, Set) M(Get, Get)
    M(Undef, Undef) M(Speculate, Speculate) M(Commit, Commit) M(Guard, Guard) M(Ret, Ret)
#undef M
  default:
    return Op::Trap;
  }
}

// The tag each operand must carry; Unset means "any defined value".
// Pointer operands use Tag::Ptr.
llvm::SmallVector<Tag, 2> operandTags(Opcode op) {
  switch (op) {
  case Opcode::Add: case Opcode::Mul: case Opcode::Sub: case Opcode::Div:
  case Opcode::Eq: case Opcode::Lt: case Opcode::Gt: case Opcode::Le: case Opcode::Ge:
    return {Tag::Int, Tag::Int};
  case Opcode::Not: return {Tag::Bool};
  case Opcode::And: case Opcode::Or: return {Tag::Bool, Tag::Bool};
  case Opcode::FAdd: case Opcode::FMul: case Opcode::FSub: case Opcode::FDiv:
  case Opcode::FEq: case Opcode::FLt: case Opcode::FLe: case Opcode::FGt: case Opcode::FGe:
    return {Tag::Float, Tag::Float};
  case Opcode::Float2Bits: return {Tag::Float};
  case Opcode::Bits2Float: return {Tag::Int};
  case Opcode::CEq: case Opcode::CLt: case Opcode::CLe: case Opcode::CGt: case Opcode::CGe:
    return {Tag::Char, Tag::Char};
  case Opcode::Char2Int: return {Tag::Char};
  case Opcode::Int2Char: return {Tag::Int};
  case Opcode::Id: return {Tag::Unset};
  case Opcode::Br: case Opcode::Guard: return {Tag::Bool};
  case Opcode::Alloc: return {Tag::Int};
  case Opcode::Free: case Opcode::Load: return {Tag::Ptr};
  case Opcode::PtrAdd: return {Tag::Ptr, Tag::Int};
  case Opcode::Store: return {Tag::Ptr};    // the value is checked by StoreChecked
  case Opcode::Ret: return {Tag::Unset};
  default: return {};
  }
}

Type typeForTag(Tag t) {
  switch (t) {
  case Tag::Int: return Type::intTy();
  case Tag::Bool: return Type::boolTy();
  case Tag::Float: return Type::floatTy();
  case Tag::Char: return Type::charTy();
  default: return Type::none();
  }
}

class Lowering {
public:
  Lowering(const Program &p, bool profiling, bool typeFacts, const llvm::StringSet<> *profiled)
      : prog_(p), types_(p, typeFacts), facts_(typeFacts), profiled_(profiled) {
    code_.profiling = profiling;
    if (profiling)
      code_.edges.push_back({UINT32_MAX, kNoBlock, kNoBlock}); // the scratch counter
  }

  Code run() {
    size_t nf = prog_.functions.size();
    code_.funcs.resize(nf);
    code_.paths.resize(nf);
    int mainIdx = types_.resolve("main");
    if (mainIdx >= 0)
      code_.mainFunc = uint32_t(mainIdx);
    else
      code_.mainError = calleeError("main");
    blockBase_.resize(nf);
    size_t numBlocks = 0, numInstrs = 0;
    for (size_t f = 0; f < nf; ++f) {
      const Function &fn = prog_.functions[f];
      blockBase_[f] = uint32_t(numBlocks);
      numBlocks += fn.blocks.size();
      // The layout's blocks only: those are lowered. (The arena also holds
      // the blocks passes removed, two in three of big 100k's at its
      // training run, and on a large function each header read is a
      // cache miss.)
      numInstrs += fn.instrCount();
    }
    blockPc_.assign(numBlocks, 0);
    // Room for every instruction, the implicit returns and, when profiling,
    // about one probe per block, so the big arrays grow once. Without the
    // facts every operand is checked by a CheckArg of its own, at most two
    // per instruction but for an arity trap's: room for those too (else
    // the array outgrew its room and was copied whole, tens of megabytes
    // on a large function; room reserved and not used is never touched).
    code_.insts.reserve(numInstrs * (facts_ ? 1 : 3) + nf +
                        (code_.profiling ? 2 * numBlocks + nf : 0));
    if (code_.profiling)
      code_.edges.reserve(2 * numBlocks + 1);
    for (size_t f = 0; f < nf; ++f)
      lowerFunction(uint32_t(f));
    for (const Fixup &fix : blockFixups_)
      *fieldAt(fix.pc, fix.field) = blockPc_[blockBase_[fix.func] + fix.block];
    return std::move(code_);
  }

private:
  // A jump operand to patch once every block's pc is known.
  uint32_t *fieldAt(uint32_t pc, int field) {
    Inst &in = code_.insts[pc];
    return field == 0 ? &in.b : &in.c;
  }

  std::string calleeError(const std::string &name) {
    int count = 0;
    for (const Function &f : prog_.functions)
      count += f.name == name;
    return count == 0 ? "no function of name " + name + " found"
                      : "multiple functions of name " + name + " found";
  }

  uint32_t emit(Inst in) {
    code_.insts.push_back(in);
    return uint32_t(code_.insts.size() - 1);
  }

  uint32_t message(std::string m) {
    code_.messages.push_back(std::move(m));
    return uint32_t(code_.messages.size() - 1);
  }

  // specFirst: the trapping instruction is a call (Tag::Int) or ret
  // (Tag::Bool), which brili refuses during speculation before anything else.
  void trap(std::string msg, Tag specFirst = Tag::Unset) {
    Inst in;
    in.op = Op::Trap;
    in.tag = specFirst;
    in.imm = message(std::move(msg));
    emit(in);
  }

  void checkArg(const Function &, uint32_t f, const Instr &in, size_t i, Tag want,
                const DefinedSet &defined) {
    VarId v = in.args[i];
    bool isDefined = facts_ && defined.test(v);
    bool typeOk;
    if (!facts_)
      typeOk = false;
    else if (want == Tag::Unset)
      typeOk = true;
    else if (const TypeSet &ts = types_.var(f, v); want == Tag::Ptr)
      typeOk = !ts.empty() && !ts.undefValue &&
               std::all_of(ts.types.begin(), ts.types.end(), [](Type t) { return t.isPtr(); });
    else
      typeOk = !ts.empty() && ts.allMatch(typeForTag(want));
    if (isDefined && typeOk)
      return;
    Inst ci;
    ci.op = Op::CheckArg;
    ci.a = v;
    ci.tag = want;
    ci.imm = checkFor(in.op, uint32_t(i));
    emit(ci);
    zeroInit_ = zeroInit_ || !isDefined;
  }

  // The index in Code::checks of (op, operand i), added at its first use:
  // a check says only which instruction and operand, so every CheckArg of
  // the same kind shares one (a lowering without the facts checks every
  // operand, and an entry each was a table as long as the program's
  // operands, written once and read only when a check fails). Operands
  // past the second, checked only before an arity trap, get one each.
  int64_t checkFor(Opcode op, uint32_t i) {
    if (i < 2) {
      uint32_t &id = checkIds_[size_t(op)][i];
      if (id == UINT32_MAX) {
        id = uint32_t(code_.checks.size());
        code_.checks.push_back({op, i});
      }
      return id;
    }
    code_.checks.push_back({op, i});
    return int64_t(code_.checks.size() - 1);
  }

  // Target pc operand for an edge u->t: the block itself, or the edge's
  // probe stub (emitted after the function body) when the edge must be
  // counted on the way.
  void jumpTo(uint32_t pc, int field, uint32_t f, BlockId u, BlockId t, bool viaStub) {
    if (!viaStub)
      blockFixups_.push_back({pc, field, f, t});
    else
      pendingStubs_.push_back({pc, field, u, t});
  }

  bool isBackEdge(BlockId u, BlockId t) const {
    return paths_ && paths_->ok() && paths_->isBackEdge(u, t);
  }
  int64_t increment(BlockId u, BlockId t) const {
    return paths_ && paths_->ok() ? paths_->increment(u, t) : 0;
  }
  uint32_t backEdgeProbe(uint32_t f, BlockId u, BlockId t) {
    code_.backEdges.push_back({f, paths_->backEdgeEnd(u, t), paths_->backEdgeRestart(t)});
    return uint32_t(code_.backEdges.size() - 1);
  }

  uint32_t edgeCounter(uint32_t f, BlockId u, BlockId t) {
    code_.edges.push_back({f, u, t});
    return uint32_t(code_.edges.size() - 1);
  }

  // The probe for taking u->t, at the current end of the code; it continues
  // at block t.
  void emitEdgeProbe(uint32_t f, BlockId u, BlockId t) {
    Inst p;
    p.a = edgeCounter(f, u, t);
    if (isBackEdge(u, t)) {
      p.op = Op::ProfBackEdge;
      p.imm = backEdgeProbe(f, u, t);
    } else {
      p.op = Op::ProfEdge;
      p.imm = increment(u, t);
    }
    uint32_t pc = emit(p);
    blockFixups_.push_back({pc, 0, f, t});
  }

  void emitExitProbe(uint32_t f, BlockId u) {
    if (!probes_)
      return;
    Inst p;
    p.op = Op::ProfExit;
    p.a = f;
    p.imm = paths_ && paths_->ok() ? paths_->exitIncrement(u) : 0;
    emit(p);
  }

  void lowerFunction(uint32_t f) {
    const Function &fn = prog_.functions[f];
    FuncCode &fc = code_.funcs[f];
    fc.fn = &fn;
    fc.entry = uint32_t(code_.insts.size());
    fc.numVars = uint32_t(fn.numVars());
    // Whether fn runs a set or get (it then needs shadow slots): the facts
    // say; without them the walk below finds out (a walk of its own was a
    // cache miss per instruction on a large function). Nothing before the
    // end of the walk reads numSlots, and without the facts the frame is
    // cleared on entry anyway.
    bool usesShadows = facts_ && types_.usesShadows(f);
    zeroInit_ = usesShadows;
    for (const Param &p : fn.params) {
      fc.paramSlots.push_back(p.var);
      fc.paramTypes.push_back(p.type);
    }

    llvm::BitVector entryDefined(fn.numVars(), false);
    bool isMain = f == code_.mainFunc;
    for (const Param &p : fn.params)
      if (!isMain || (!p.type.isPtr() && p.type.base() != BaseType::Any))
        entryDefined.set(p.var);
    if ((isMain && entryDefined.count() != fn.params.size()) || !facts_)
      zeroInit_ = true;
    // Without the facts every read is checked: no definedness needed, and
    // no set per block (an empty set per block of a large function was
    // megabytes allocated and read for nothing); its index tracks no
    // variable, so every block's set says every variable is assigned.
    DefinedAtEntry defined;
    if (facts_)
      defined = definedAtBlockEntry(fn, entryDefined);

    fc.callBegin = uint32_t(code_.calls.size());
    fc.edgeBegin = uint32_t(code_.edges.size());
    probes_ = code_.profiling && (!profiled_ || profiled_->contains(fn.name));
    fc.profiled = probes_;
    if (probes_) {
      PathInfo &info = code_.paths[f];
      const PathNumbering &paths = info.numbering.emplace(fn, buildInterpCfg(fn));
      info.enabled = paths.ok();
      info.numPaths = paths.numPaths();
      paths_ = &paths;
      Inst e;
      e.op = Op::ProfEntry;
      e.a = f;
      emit(e);
    } else {
      paths_ = nullptr;
    }

    for (size_t li = 0; li < fn.layout.size(); ++li) {
      BlockId b = fn.layout[li];
      blockPc_[blockBase_[f] + b] = uint32_t(code_.insts.size());
      DefinedSet cur = facts_ ? defined.at(b) : DefinedSet(defined.index, llvm::BitVector());
      const Block &blk = fn.block(b);
      for (size_t ii = 0; ii < blk.instrs.size(); ++ii) {
        const Instr &in = blk.instrs[ii];
        lowerInstr(f, fn, b, uint32_t(ii), in, cur);
        if (!facts_ && (in.op == Opcode::Set || in.op == Opcode::Get))
          usesShadows = true;
        if (in.hasDest() && arityOk(in))
          cur.set(in.dest);
      }
      if (!blk.terminator()) {
        if (li + 1 < fn.layout.size()) {
          if (probes_)
            emitEdgeProbe(f, b, fn.layout[li + 1]);
        } else {
          emitExitProbe(f, b);
          Inst r;
          r.op = Op::ImplicitRet;
          emit(r);
        }
      }
    }
    if (fn.layout.empty()) {
      Inst r;
      r.op = Op::ImplicitRet;
      emit(r);
    }
    // Profiling stubs: one per distinct edge.
    // A map, not a scan of the stubs so far: a function with a loop per few
    // dozen instructions has tens of thousands of back edges.
    llvm::DenseMap<std::pair<BlockId, BlockId>, uint32_t> stubs;
    for (auto &[pc, field, u, t] : pendingStubs_) {
      auto [it, fresh] = stubs.try_emplace({u, t}, uint32_t(code_.insts.size()));
      if (fresh)
        emitEdgeProbe(f, u, t);
      *fieldAt(pc, field) = it->second;
    }
    pendingStubs_.clear();
    fc.numSlots = fc.numVars * (usesShadows ? 2 : 1);
    fc.zeroInit = zeroInit_;
    fc.callEnd = uint32_t(code_.calls.size());
    fc.edgeEnd = uint32_t(code_.edges.size());
  }

  // By checkFor: per opcode, operands 0 and 1 (UINT32_MAX: none yet).
  using CheckIds = std::array<std::array<uint32_t, 2>, kNumOpcodes>;
  static CheckIds makeNoChecks() {
    CheckIds ids;
    for (auto &row : ids)
      row = {UINT32_MAX, UINT32_MAX};
    return ids;
  }

  static bool arityOk(const Instr &in) {
    int n = in.info().numArgs;
    return n < 0 || size_t(n) == in.args.size();
  }

  void lowerInstr(uint32_t f, const Function &fn, BlockId b, uint32_t index, const Instr &in,
                  const DefinedSet &defined) {
    int n = in.info().numArgs;
    if (in.op != Opcode::Const && n >= 0 && size_t(n) != in.args.size()) {
      trap(std::string(spelling(in.op)) + " takes " + std::to_string(n) + " argument(s); got " +
               std::to_string(in.args.size()));
      return;
    }
    if (in.op == Opcode::Float2Bits || in.op == Opcode::Bits2Float) {
      // Extensions brisk runs as brilirs does (the reference lacks them).
    }
    int wantLabels = in.info().numLabels;
    if (wantLabels >= 0 && in.labels.size() < size_t(wantLabels)) {
      for (size_t i = 0; i < in.args.size(); ++i)
        checkArg(fn, f, in, i, Tag::Bool, defined);
      trap(in.labels.empty() ? "missing labels; expected at least " + std::to_string(wantLabels)
                             : "expecting " + std::to_string(wantLabels) + " labels; found " +
                                   std::to_string(in.labels.size()));
      return;
    }
    switch (in.op) {
    case Opcode::Call:
      lowerCall(f, fn, b, index, in, defined);
      return;
    case Opcode::Ret:
      if (in.args.size() > 1) {
        trap("ret takes 0 or 1 argument(s); got " + std::to_string(in.args.size()), Tag::Bool);
        return;
      }
      break;
    case Opcode::Phi:
      trap("unknown opcode phi");
      return;
    default:
      break;
    }

    auto tags = operandTags(in.op);
    for (size_t i = 0; i < tags.size() && i < in.args.size(); ++i)
      checkArg(fn, f, in, i, tags[i], defined);
    if (in.op == Opcode::Set)
      checkArg(fn, f, in, 1, Tag::Unset, defined);

    Inst out;
    out.op = opFor(in.op);
    if (in.hasDest())
      out.c = in.dest;
    if (in.args.size() >= 1)
      out.a = in.args[0];
    if (in.args.size() >= 2)
      out.b = in.args[1];
    switch (in.op) {
    case Opcode::Const: {
      Type t = in.type.base() == BaseType::Any ? Type::intTy() : in.type;
      out.tag = tagOf(t);
      out.imm = t.isInt() ? jsIntLiteral(in.value.asInt()) : in.value.bits();
      break;
    }
    case Opcode::Jmp: {
      BlockId t = in.labels[0];
      if (probes_) {
        out.a = edgeCounter(f, b, t);
        if (isBackEdge(b, t)) {
          out.op = Op::ProfJmpBack;
          out.imm = backEdgeProbe(f, b, t);
        } else {
          out.op = Op::ProfJmp;
          out.imm = increment(b, t);
        }
      }
      jumpTo(emit(out), 0, f, b, t, false);
      return;
    }
    case Opcode::Br: {
      if (probes_) {
        // The branch counts its forward edges itself; a back edge goes
        // through a stub that counts it and records the finished path.
        BranchProbe probe{};
        for (int k = 0; k < 2; ++k) {
          BlockId t = in.labels[k];
          bool back = isBackEdge(b, t);
          probe.edge[k] = back ? 0 : edgeCounter(f, b, t);
          probe.increment[k] = back ? 0 : increment(b, t);
        }
        code_.branches.push_back(probe);
        out.op = Op::ProfBr;
        out.imm = int64_t(code_.branches.size() - 1);
      }
      uint32_t pc = emit(out);
      for (int k = 0; k < 2; ++k)
        jumpTo(pc, k, f, b, in.labels[k], probes_ && isBackEdge(b, in.labels[k]));
      return;
    }
    case Opcode::Guard: {
      uint32_t pc = emit(out);
      jumpTo(pc, 0, f, b, in.labels[0], probes_);
      return;
    }
    case Opcode::Ret:
      emitExitProbe(f, b);
      if (in.args.empty())
        out.op = Op::RetVoid;
      break;
    case Opcode::Print:
      out.b = uint32_t(code_.argSlots.size());
      out.c = uint32_t(in.args.size());
      for (VarId v : in.args)
        code_.argSlots.push_back(v);
      zeroInit_ = zeroInit_ || !std::all_of(in.args.begin(), in.args.end(),
                                            [&](VarId v) { return defined.test(v); });
      break;
    case Opcode::Alloc:
      if (!in.type.isPtr()) {
        // getInt(0) is checked above; then brili rejects the type.
        trap("cannot allocate non-pointer type " + jsTypeName(in.type));
        return;
      }
      out.elem = in.type.pointee();
      break;
    case Opcode::Store: {
      if (!facts_) {
        out.op = Op::StoreChecked;
        break;
      }
      const TypeSet &ptrs = types_.var(f, in.args[0]);
      const TypeSet &vals = types_.var(f, in.args[1]);
      bool safe = defined.test(in.args[1]) && !ptrs.empty();
      for (Type p : ptrs.types)
        safe = safe && p.isPtr() && !vals.empty() && vals.allMatch(p.pointee());
      if (!safe) {
        out.op = Op::StoreChecked;
        zeroInit_ = zeroInit_ || !defined.test(in.args[1]);
      }
      break;
    }
    case Opcode::Set:
      out.a = in.args[1];
      out.c = fn.numVars() + in.args[0];
      break;
    case Opcode::Get:
      out.a = fn.numVars() + in.dest;
      break;
    default:
      break;
    }
    emit(out);
  }

  void lowerCall(uint32_t f, const Function &fn, BlockId b, uint32_t index, const Instr &in,
                 const DefinedSet &defined) {
    int callee = types_.resolve(in.callee);
    if (callee < 0) {
      trap(calleeError(in.callee), Tag::Int);
      return;
    }
    const Function &cf = prog_.functions[callee];
    if (cf.params.size() != in.args.size()) {
      trap("function expected " + std::to_string(cf.params.size()) + " arguments, got " +
               std::to_string(in.args.size()),
           Tag::Int);
      return;
    }
    CallSite cs;
    cs.callee = uint32_t(callee);
    cs.argBegin = uint32_t(code_.argSlots.size());
    cs.numArgs = uint32_t(in.args.size());
    cs.caller = f;
    cs.block = b;
    cs.instrIndex = index;
    for (size_t i = 0; i < in.args.size(); ++i) {
      VarId v = in.args[i];
      code_.argSlots.push_back(v);
      if (!facts_) {
        cs.checkArgs = true;
        continue;
      }
      const TypeSet &ts = types_.var(f, v);
      if (!defined.test(v) || ts.empty() || !ts.allMatch(cf.params[i].type)) {
        cs.checkArgs = true;
        zeroInit_ = zeroInit_ || !defined.test(v);
      }
    }
    if (in.hasDest()) {
      cs.dest = in.dest;
      cs.destType = in.type;
    }
    cs.checkReturn = !returnIsSafe(uint32_t(callee), in);
    code_.calls.push_back(cs);
    Inst out;
    out.op = Op::Call;
    out.imm = int64_t(code_.calls.size() - 1);
    emit(out);
  }

  // True when every way `callee` can return passes brili's checks for this
  // call, so the return needs no checks.
  bool returnIsSafe(uint32_t callee, const Instr &call) {
    if (!facts_)
      return false;
    const Function &cf = prog_.functions[callee];
    bool wantValue = call.hasDest();
    if (wantValue != !cf.returnType.isNone())
      return false;
    if (wantValue && !(call.type == cf.returnType))
      return false;
    const RuntimeTypes::ReturnShape &shape = types_.returnShape(callee);
    if (wantValue)
      return !shape.mayFallOff && !shape.anyRetVoid &&
             types_.returns(callee).allMatch(call.type);
    return !shape.anyRetValue;
  }

  const Program &prog_;
  RuntimeTypes types_;
  bool facts_; // else every operand, argument, store and return is checked
  const llvm::StringSet<> *profiled_; // with profiling: only these get probes (null: all)
  bool probes_ = false;               // the function being lowered gets probes
  Code code_;
  bool zeroInit_ = false;
  const PathNumbering *paths_ = nullptr;
  CheckIds checkIds_ = makeNoChecks();
  std::vector<uint32_t> blockBase_; // per function: its blocks' first index in blockPc_
  std::vector<uint32_t> blockPc_;   // per block of every function: its first pc
  // A jump operand to patch once every block's pc is known.
  struct Fixup {
    uint32_t pc;
    int field;
    uint32_t func;
    BlockId block;
  };
  std::vector<Fixup> blockFixups_;
  struct PendingStub {
    uint32_t pc;
    int field;
    BlockId from, to;
  };
  std::vector<PendingStub> pendingStubs_;
};

} // namespace

std::string argCheckMessage(const ArgCheck &check, Tag want) {
  std::string message(spelling(check.op));
  message += " argument ";
  message += std::to_string(check.index);
  message += " must be a ";
  message += want == Tag::Ptr ? std::string("Pointer") : jsTypeName(typeForTag(want));
  return message;
}

Code lowerProgram(const Program &program, bool profiling, bool typeFacts,
                  const llvm::StringSet<> *profiled) {
  return Lowering(program, profiling, typeFacts, profiled).run();
}

} // namespace brisk::interp
