#include "frontend/TypeChecker.h"

#include <llvm/ADT/StringMap.h>

#include <optional>
#include <vector>

namespace brisk {
namespace {

// `any` (see ir/Type.h) matches every type at its nesting level and below:
// ptr<any> accepts ptr<int> and ptr<ptr<bool>>, any accepts everything.
bool compatible(Type a, Type b) {
  while (a.isPtr() && b.isPtr()) {
    a = a.pointee();
    b = b.pointee();
  }
  return a == b || a.isAny() || b.isAny();
}

// A type a pointer operation may be applied to: a pointer, or `any`.
bool pointerLike(Type t) { return t.isPtr() || t.isAny(); }
Type pointeeOf(Type t) { return t.isPtr() ? t.pointee() : Type(BaseType::Any); }

std::string quoted(Type t) { return t.toString(); }

// Each function's first definition by name (later duplicates are reported),
// so a call resolves in constant time: Program::findFunction is a linear scan,
// which made checking a program with many functions and calls quadratic.
using FunctionTable = llvm::StringMap<const Function *>;

class FunctionChecker {
public:
  FunctionChecker(const FunctionTable &functions, const Function &fn, Diagnostics &diags)
      : functions_(functions), fn_(fn), diags_(diags), varType_(fn.numVars()),
        isShadow_(fn.numVars(), false) {}

  void run() {
    collectDeclarations();
    int index = 0;
    for (BlockId b : fn_.layout) {
      const Block &block = fn_.block(b);
      for (const Instr &in : block.instrs)
        checkInstr(block, in, index++);
    }
  }

private:
  const FunctionTable &functions_;
  const Function &fn_;
  Diagnostics &diags_;
  std::vector<std::optional<Type>> varType_; // by VarId; nullopt: never defined
  std::vector<bool> isShadow_;               // by VarId: the dest of some `get`
  Location where_;

  void error(std::string message) { diags_.error(where_, std::move(message)); }

  Location locate(const Block &block, const Instr &in, int index) const {
    Location where;
    where.function = fn_.name;
    where.block = block.hasLabel() ? "." + block.label : "";
    where.instrIndex = index;
    where.opcode = std::string(spelling(in.op));
    where.pos = in.pos;
    return where;
  }

  // Every variable gets one type per function: the parameters' and the
  // destinations' declarations must agree.
  void collectDeclarations() {
    for (const Param &p : fn_.params) {
      if (varType_[p.var]) {
        Location where;
        where.function = fn_.name;
        where.pos = fn_.pos;
        diags_.error(where, "duplicate parameter " + fn_.varName(p.var));
        continue;
      }
      varType_[p.var] = p.type;
    }
    int index = 0;
    for (BlockId b : fn_.layout) {
      const Block &block = fn_.block(b);
      for (const Instr &in : block.instrs) {
        int here = index++;
        if (!in.hasDest())
          continue;
        if (in.op == Opcode::Get)
          isShadow_[in.dest] = true;
        std::optional<Type> &known = varType_[in.dest];
        if (!known) {
          known = in.type;
        } else if (*known != in.type) {
          diags_.error(locate(block, in, here),
                       "variable " + fn_.varName(in.dest) + " is declared " + quoted(in.type) +
                           " here but " + quoted(*known) + " elsewhere in @" + fn_.name);
        }
      }
    }
  }

  // The type of argument `i`, or nullopt (after reporting) when the variable
  // is never defined in this function.
  std::optional<Type> arg(const Instr &in, size_t i) {
    if (i >= in.args.size())
      return std::nullopt;
    VarId v = in.args[i];
    if (!varType_[v])
      return std::nullopt; // reported once per instruction by checkDefined
    return *varType_[v];
  }

  void expectArg(const Instr &in, size_t i, Type expected) {
    std::optional<Type> t = arg(in, i);
    if (t && !compatible(expected, *t))
      error("argument " + std::to_string(i) + " (" + fn_.varName(in.args[i]) + ") is " +
            quoted(*t) + ", expected " + quoted(expected));
  }

  void expectResult(const Instr &in, Type produced) {
    if (in.hasDest() && !compatible(in.type, produced))
      error("destination " + fn_.varName(in.dest) + " is declared " + quoted(in.type) + ", but " +
            std::string(spelling(in.op)) + " produces " + quoted(produced));
  }

  void checkDefined(const Instr &in) {
    for (size_t i = 0; i < in.args.size(); ++i) {
      if (in.op == Opcode::Set && i == 0)
        continue; // the shadow variable; SetRule reports it
      if (!varType_[in.args[i]])
        error("undefined variable " + fn_.varName(in.args[i]));
    }
  }

  bool checkCounts(const Instr &in) {
    const OpcodeInfo &info = in.info();
    bool ok = true;
    if (info.numArgs >= 0 && int(in.args.size()) != info.numArgs) {
      error(std::string(info.spelling) + " takes " + std::to_string(info.numArgs) +
            " argument(s), got " + std::to_string(in.args.size()));
      ok = false;
    }
    if (info.numLabels >= 0 && int(in.labels.size()) != info.numLabels) {
      error(std::string(info.spelling) + " takes " + std::to_string(info.numLabels) +
            " label(s), got " + std::to_string(in.labels.size()));
      ok = false;
    }
    return ok;
  }

  void checkInstr(const Block &block, const Instr &in, int index) {
    where_ = locate(block, in, index);
    checkDefined(in);
    if (!checkCounts(in))
      return;
    const Type I = Type::intTy(), B = Type::boolTy(), F = Type::floatTy(), C = Type::charTy();
    switch (in.info().typing) {
    case TypingRule::ConstLiteral: // the reader already fitted the literal
    case TypingRule::NoOperands:
    case TypingRule::AnyArgs:
      break;
    case TypingRule::IntIntToInt: binary(in, I, I); break;
    case TypingRule::IntIntToBool: binary(in, I, B); break;
    case TypingRule::BoolBoolToBool: binary(in, B, B); break;
    case TypingRule::FloatFloatToFloat: binary(in, F, F); break;
    case TypingRule::FloatFloatToBool: binary(in, F, B); break;
    case TypingRule::CharCharToBool: binary(in, C, B); break;
    case TypingRule::BoolToBool: unary(in, B, B); break;
    case TypingRule::CharToInt: unary(in, C, I); break;
    case TypingRule::IntToChar: unary(in, I, C); break;
    case TypingRule::FloatToInt: unary(in, F, I); break;
    case TypingRule::IntToFloat: unary(in, I, F); break;
    case TypingRule::BoolCondition: expectArg(in, 0, B); break;
    case TypingRule::SameAsArg:
      if (std::optional<Type> t = arg(in, 0))
        expectResult(in, *t);
      break;
    case TypingRule::CallSignature: checkCall(in); break;
    case TypingRule::ReturnValue: checkReturn(in); break;
    case TypingRule::AllocRule:
      expectArg(in, 0, I);
      if (!pointerLike(in.type))
        error("alloc produces a pointer, but " + fn_.varName(in.dest) + " is declared " +
              quoted(in.type));
      break;
    case TypingRule::FreeRule: expectPointer(in, 0); break;
    case TypingRule::StoreRule:
      if (std::optional<Type> p = expectPointer(in, 0))
        expectArg(in, 1, pointeeOf(*p));
      break;
    case TypingRule::LoadRule:
      if (std::optional<Type> p = expectPointer(in, 0))
        expectResult(in, pointeeOf(*p));
      break;
    case TypingRule::PtrAddRule:
      if (std::optional<Type> p = expectPointer(in, 0))
        expectResult(in, *p);
      expectArg(in, 1, I);
      break;
    case TypingRule::SetRule: checkSet(in); break;
    case TypingRule::PhiRule:
      if (in.args.size() != in.labels.size())
        error("phi has " + std::to_string(in.args.size()) + " argument(s) but " +
              std::to_string(in.labels.size()) + " label(s)");
      for (size_t i = 0; i < in.args.size(); ++i)
        expectArg(in, i, in.type);
      break;
    }
  }

  void binary(const Instr &in, Type operand, Type result) {
    expectArg(in, 0, operand);
    expectArg(in, 1, operand);
    expectResult(in, result);
  }
  void unary(const Instr &in, Type operand, Type result) {
    expectArg(in, 0, operand);
    expectResult(in, result);
  }

  std::optional<Type> expectPointer(const Instr &in, size_t i) {
    std::optional<Type> t = arg(in, i);
    if (!t)
      return std::nullopt;
    if (!pointerLike(*t)) {
      error("argument " + std::to_string(i) + " (" + fn_.varName(in.args[i]) + ") is " +
            quoted(*t) + ", expected a pointer");
      return std::nullopt;
    }
    return t;
  }

  void checkCall(const Instr &in) {
    auto found = functions_.find(in.callee);
    const Function *callee = found == functions_.end() ? nullptr : found->second;
    if (!callee) {
      error("undefined function @" + in.callee);
      return;
    }
    if (in.args.size() != callee->params.size()) {
      error("@" + callee->name + " takes " + std::to_string(callee->params.size()) +
            " argument(s), got " + std::to_string(in.args.size()));
    } else {
      for (size_t i = 0; i < in.args.size(); ++i)
        expectArg(in, i, callee->params[i].type);
    }
    if (in.hasDest()) {
      if (callee->returnType.isNone())
        error("@" + callee->name + " returns nothing, but its result is assigned to " +
              fn_.varName(in.dest));
      else
        expectResult(in, callee->returnType);
    } else if (!callee->returnType.isNone()) {
      // The reference interpreter rejects this at run time ("unexpected
      // value returned without destination").
      error("the " + quoted(callee->returnType) + " result of @" + callee->name +
            " must be assigned to a variable");
    }
  }

  void checkReturn(const Instr &in) {
    if (fn_.returnType.isNone()) {
      if (!in.args.empty())
        error("@" + fn_.name + " returns nothing, but ret has a value");
      return;
    }
    if (in.args.size() != 1) {
      error("@" + fn_.name + " returns " + quoted(fn_.returnType) + ", so ret needs one value");
      return;
    }
    expectArg(in, 0, fn_.returnType);
  }

  void checkSet(const Instr &in) {
    if (in.args.size() != 2)
      return;
    VarId shadow = in.args[0];
    if (!isShadow_[shadow]) {
      error("set writes " + fn_.varName(shadow) + ", which no get in @" + fn_.name + " reads");
      return;
    }
    expectArg(in, 1, *varType_[shadow]);
  }
};

} // namespace

bool typeCheck(const Program &program, Diagnostics &diags) {
  size_t before = diags.count();
  FunctionTable functions;
  for (const Function &fn : program.functions)
    functions.try_emplace(fn.name, &fn);
  for (const Function &fn : program.functions) {
    Location where;
    where.function = fn.name;
    where.pos = fn.pos;
    if (const Function *firstDef = functions.find(fn.name)->second; firstDef != &fn) {
      SourcePos first = firstDef->pos;
      diags.error(where, "duplicate function @" + fn.name +
                             (first.known() ? " (first defined at line " +
                                                  std::to_string(first.row) + ")"
                                            : ""));
    }
    if (fn.name == "main" && !fn.returnType.isNone())
      diags.error(where, "@main must not have a return type (it has " +
                             fn.returnType.toString() + ")");
    FunctionChecker(functions, fn, diags).run();
  }
  // At the storage cap new errors are only counted, so treat a full log as failure.
  return diags.count() == before && before < Diagnostics::kMaxStored;
}

} // namespace brisk
