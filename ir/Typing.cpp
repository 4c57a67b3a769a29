#include "ir/Typing.h"

namespace brisk {

bool typesCompatible(Type a, Type b) {
  while (a.isPtr() && b.isPtr()) {
    a = a.pointee();
    b = b.pointee();
  }
  return a == b || a.isAny() || b.isAny();
}

namespace {

// A type a pointer operation may be applied to: a pointer, or `any`.
bool pointerLike(Type t) { return t.isPtr() || t.isAny(); }
Type pointeeOf(Type t) { return t.isPtr() ? t.pointee() : Type(BaseType::Any); }

class InstrTyping {
public:
  InstrTyping(const Instr &in, const TypingContext &ctx,
              llvm::function_ref<void(std::string)> report)
      : in_(in), ctx_(ctx), fn_(ctx.function), report_(report) {}

  void run() {
    const Type I = Type::intTy(), B = Type::boolTy(), F = Type::floatTy(), C = Type::charTy();
    switch (in_.info().typing) {
    case TypingRule::ConstLiteral:
      if (in_.type.isPtr())
        report_("a constant cannot have pointer type " + in_.type.toString());
      break;
    case TypingRule::NoOperands:
    case TypingRule::AnyArgs: break;
    case TypingRule::IntIntToInt: binary(I, I); break;
    case TypingRule::IntIntToBool: binary(I, B); break;
    case TypingRule::BoolBoolToBool: binary(B, B); break;
    case TypingRule::FloatFloatToFloat: binary(F, F); break;
    case TypingRule::FloatFloatToBool: binary(F, B); break;
    case TypingRule::CharCharToBool: binary(C, B); break;
    case TypingRule::BoolToBool: unary(B, B); break;
    case TypingRule::CharToInt: unary(C, I); break;
    case TypingRule::IntToChar: unary(I, C); break;
    case TypingRule::FloatToInt: unary(F, I); break;
    case TypingRule::IntToFloat: unary(I, F); break;
    case TypingRule::BoolCondition: expectArg(0, B); break;
    case TypingRule::SameAsArg:
      if (std::optional<Type> t = arg(0))
        expectResult(*t);
      break;
    case TypingRule::CallSignature: call(); break;
    case TypingRule::ReturnValue: ret(); break;
    case TypingRule::AllocRule:
      expectArg(0, I);
      if (in_.hasDest() && !pointerLike(in_.type))
        report_("alloc produces a pointer, but " + name(in_.dest) + " is declared " +
                in_.type.toString());
      break;
    case TypingRule::FreeRule: expectPointer(0); break;
    case TypingRule::StoreRule:
      if (std::optional<Type> p = expectPointer(0))
        expectArg(1, pointeeOf(*p));
      break;
    case TypingRule::LoadRule:
      if (std::optional<Type> p = expectPointer(0))
        expectResult(pointeeOf(*p));
      break;
    case TypingRule::PtrAddRule:
      if (std::optional<Type> p = expectPointer(0))
        expectResult(*p);
      expectArg(1, I);
      break;
    case TypingRule::SetRule: set(); break;
    case TypingRule::PhiRule:
      for (size_t i = 0; i < in_.args.size(); ++i)
        expectArg(i, in_.type);
      break;
    }
  }

private:
  const Instr &in_;
  const TypingContext &ctx_;
  const Function &fn_;
  llvm::function_ref<void(std::string)> report_;

  std::string name(VarId v) const {
    return v < fn_.numVars() ? fn_.varName(v) : "<var #" + std::to_string(v) + ">";
  }

  std::optional<Type> arg(size_t i) const {
    if (i >= in_.args.size())
      return std::nullopt;
    return ctx_.typeOf(in_.args[i]);
  }

  void expectArg(size_t i, Type expected) {
    std::optional<Type> t = arg(i);
    if (t && !typesCompatible(expected, *t))
      report_("argument " + std::to_string(i) + " (" + name(in_.args[i]) + ") is " +
              t->toString() + ", expected " + expected.toString());
  }

  void expectResult(Type produced) {
    // A destination without a type is a shape error its callers report.
    if (in_.hasDest() && !in_.type.isNone() && !typesCompatible(in_.type, produced))
      report_("destination " + name(in_.dest) + " is declared " + in_.type.toString() +
              ", but " + std::string(spelling(in_.op)) + " produces " + produced.toString());
  }

  void binary(Type operand, Type result) {
    expectArg(0, operand);
    expectArg(1, operand);
    expectResult(result);
  }
  void unary(Type operand, Type result) {
    expectArg(0, operand);
    expectResult(result);
  }

  std::optional<Type> expectPointer(size_t i) {
    std::optional<Type> t = arg(i);
    if (!t)
      return std::nullopt;
    if (!pointerLike(*t)) {
      report_("argument " + std::to_string(i) + " (" + name(in_.args[i]) + ") is " +
              t->toString() + ", expected a pointer");
      return std::nullopt;
    }
    return t;
  }

  void call() {
    if (!ctx_.findFunction)
      return;
    const Function *callee = ctx_.findFunction(in_.callee);
    if (!callee) {
      report_("undefined function @" + in_.callee);
      return;
    }
    if (in_.args.size() != callee->params.size()) {
      report_("@" + callee->name + " takes " + std::to_string(callee->params.size()) +
              " argument(s), got " + std::to_string(in_.args.size()));
    } else {
      for (size_t i = 0; i < in_.args.size(); ++i)
        expectArg(i, callee->params[i].type);
    }
    if (in_.hasDest()) {
      if (callee->returnType.isNone())
        report_("@" + callee->name + " returns nothing, but its result is assigned to " +
                name(in_.dest));
      else
        expectResult(callee->returnType);
    } else if (!callee->returnType.isNone()) {
      // The reference interpreter rejects this at run time ("unexpected
      // value returned without destination").
      report_("the " + callee->returnType.toString() + " result of @" + callee->name +
              " must be assigned to a variable");
    }
  }

  void ret() {
    if (fn_.returnType.isNone()) {
      if (!in_.args.empty())
        report_("@" + fn_.name + " returns nothing, but ret has a value");
      return;
    }
    if (in_.args.size() != 1) {
      report_("@" + fn_.name + " returns " + fn_.returnType.toString() +
              ", so ret needs one value");
      return;
    }
    expectArg(0, fn_.returnType);
  }

  void set() {
    if (in_.args.size() != 2)
      return;
    VarId shadow = in_.args[0];
    if (!ctx_.isShadow(shadow)) {
      report_("set writes " + name(shadow) + ", which no get in @" + fn_.name + " reads");
      return;
    }
    if (std::optional<Type> t = ctx_.typeOf(shadow))
      expectArg(1, *t);
  }
};

} // namespace

void checkInstrTyping(const Instr &in, const TypingContext &ctx,
                      llvm::function_ref<void(std::string)> report) {
  InstrTyping(in, ctx, report).run();
}

} // namespace brisk
