#include "frontend/FunctionBuilder.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace brisk {
namespace {

// The result type an opcode fixes regardless of its operands, so that a
// destination written without a type annotation (the text format allows
// `x = add a b;`) still gets one. None when the type depends on operands.
Type fixedResultType(TypingRule rule) {
  switch (rule) {
  case TypingRule::IntIntToInt:
  case TypingRule::CharToInt:
  case TypingRule::FloatToInt:
    return Type::intTy();
  case TypingRule::IntIntToBool:
  case TypingRule::BoolToBool:
  case TypingRule::BoolBoolToBool:
  case TypingRule::FloatFloatToBool:
  case TypingRule::CharCharToBool:
    return Type::boolTy();
  case TypingRule::FloatFloatToFloat:
  case TypingRule::IntToFloat:
    return Type::floatTy();
  case TypingRule::IntToChar:
    return Type::charTy();
  default:
    return Type::none();
  }
}

Type literalKindType(RawLiteral::Kind kind) {
  switch (kind) {
  case RawLiteral::Int: return Type::intTy();
  case RawLiteral::Float: return Type::floatTy();
  case RawLiteral::Bool: return Type::boolTy();
  case RawLiteral::Char: return Type::charTy();
  }
  return Type::none();
}

// brili turns a JSON number into an int with BigInt(Math.floor(v)).
std::optional<int64_t> floorToInt(double v) {
  if (!std::isfinite(v))
    return std::nullopt;
  double f = std::floor(v);
  // [-2^63, 2^63): both bounds are exact doubles.
  if (f < -9223372036854775808.0 || f >= 9223372036854775808.0)
    return std::nullopt;
  return int64_t(f);
}

} // namespace

std::optional<Literal> literalForType(const RawLiteral &lit, Type type, std::string &why) {
  if (lit.kind == RawLiteral::Int && lit.intOverflow) {
    why = "integer literal does not fit in 64 bits";
    return std::nullopt;
  }
  if (type.isPtr()) {
    why = "a constant cannot have pointer type " + type.toString();
    return std::nullopt;
  }
  auto mismatch = [&](const char *what) {
    why = std::string(what) + " literal for a constant of type " + type.toString();
    return std::nullopt;
  };
  switch (type.base()) {
  case BaseType::Int:
  case BaseType::Any:
    // An `any` constant is what brili makes of a number: an int.
    if (lit.kind == RawLiteral::Int)
      return Literal::ofInt(lit.intValue);
    if (lit.kind == RawLiteral::Float) {
      if (auto v = floorToInt(lit.floatValue))
        return Literal::ofInt(*v);
      why = "number literal does not fit in a 64-bit int";
      return std::nullopt;
    }
    return mismatch(lit.kind == RawLiteral::Bool ? "bool" : "char");
  case BaseType::Bool:
    if (lit.kind == RawLiteral::Bool)
      return Literal::ofBool(lit.boolValue);
    return mismatch(lit.kind == RawLiteral::Char ? "char" : "number");
  case BaseType::Float:
    if (lit.kind == RawLiteral::Float)
      return Literal::ofFloat(lit.floatValue);
    if (lit.kind == RawLiteral::Int)
      return Literal::ofFloat(double(lit.intValue));
    return mismatch(lit.kind == RawLiteral::Bool ? "bool" : "char");
  case BaseType::Char:
    if (lit.kind == RawLiteral::Char)
      return Literal::ofChar(lit.charValue);
    return mismatch(lit.kind == RawLiteral::Bool ? "bool" : "number");
  case BaseType::None:
    break;
  }
  why = "constant has no type";
  return std::nullopt;
}

FunctionBuilder::FunctionBuilder(Function &fn, Diagnostics &diags) : fn_(fn), diags_(diags) {}

void FunctionBuilder::addLabel(std::string_view name, SourcePos pos) {
  flush();
  auto [id, inserted] = labels_.insert(name);
  if (inserted)
    labelInfo_.emplace_back();
  LabelInfo &info = labelInfo_[id];
  if (info.defined) {
    Location where;
    where.function = fn_.name;
    where.pos = pos;
    SourcePos first = fn_.block(info.block).pos;
    diags_.error(where, "duplicate label ." + std::string(name) +
                            (first.known() ? " (first defined at line " +
                                                 std::to_string(first.row) + ")"
                                           : ""));
    // Keep building into the first definition's block so later errors still
    // make sense; the program is rejected anyway.
    current_ = info.block;
    return;
  }
  if (info.block == kNoBlock)
    info.block = fn_.addBlockWithNewLabel(std::string(name)); // first time: new to fn_ too
  info.defined = true;
  fn_.block(info.block).pos = pos;
  fn_.layout.push_back(info.block);
  current_ = info.block;
}

BlockId FunctionBuilder::labelRef(std::string_view name, Opcode op, SourcePos pos) {
  auto [id, inserted] = labels_.insert(name);
  if (inserted) {
    LabelInfo &info = labelInfo_.emplace_back();
    info.firstUseIndex = count_;
    info.firstUseOp = op;
    info.firstUsePos = pos;
  }
  LabelInfo &info = labelInfo_[id];
  if (info.block == kNoBlock)
    info.block = fn_.addBlockWithNewLabel(std::string(name)); // first time: new to fn_ too
  return info.block;
}

void FunctionBuilder::addInstr(Instr instr) {
  if (current_ == kNoBlock) {
    current_ = fn_.addBlock();
    fn_.layout.push_back(current_);
  }
  bool ends = instr.isTerminator();
  pending_.push_back(std::move(instr));
  ++count_;
  if (ends)
    flush();
}

void FunctionBuilder::flush() {
  if (current_ != kNoBlock && !pending_.empty()) {
    std::vector<Instr> &instrs = fn_.block(current_).instrs;
    instrs.reserve(instrs.size() + pending_.size());
    std::move(pending_.begin(), pending_.end(), std::back_inserter(instrs));
    pending_.clear();
  }
  current_ = kNoBlock;
}

bool FunctionBuilder::addRaw(const RawInstr &raw) {
  // Built only when needed (an error, or a label's first use): copying the
  // function name and opcode for every instruction showed in profiles.
  auto where = [&] {
    Location w;
    w.function = fn_.name;
    w.instrIndex = count_;
    w.opcode = std::string(raw.op);
    w.pos = raw.pos;
    return w;
  };
  auto fail = [&](std::string message) {
    diags_.error(where(), std::move(message));
    ++count_;
    return false;
  };

  std::optional<Opcode> op = opcodeFromSpelling(raw.op);
  if (!op)
    return fail("unknown opcode '" + std::string(raw.op) + "'");
  const OpcodeInfo &info = opcodeInfo(*op);

  Instr in;
  in.op = *op;
  in.pos = raw.pos;

  // Destination and type, by shape.
  switch (info.shape) {
  case OpShape::Const:
  case OpShape::Value:
    if (!raw.dest)
      return fail(std::string(raw.op) + " needs a destination");
    break;
  case OpShape::Effect:
    if (raw.dest)
      return fail(std::string(raw.op) + " does not produce a value");
    break;
  case OpShape::Call:
    break;
  }
  if (raw.type && !raw.dest)
    return fail("type given without a destination");
  if (raw.dest) {
    in.dest = fn_.var(*raw.dest);
    if (raw.type)
      in.type = *raw.type;
    else if (info.shape == OpShape::Const && raw.value)
      in.type = literalKindType(raw.value->kind);
    else
      in.type = fixedResultType(info.typing);
    if (in.type.isNone())
      return fail("destination " + std::string(*raw.dest) + " needs a type");
  }

  // The literal.
  if (info.shape == OpShape::Const) {
    if (!raw.value)
      return fail("const needs a value");
    // The text format has no way to write operands after a literal, so a
    // JSON const carrying them could not be printed back; brili would just
    // ignore them, which hides a bug in whatever wrote the program.
    if (!raw.args.empty() || !raw.labels.empty())
      return fail("const takes only a value, not \"args\" or \"labels\"");
    std::string why;
    std::optional<Literal> lit = literalForType(*raw.value, in.type, why);
    if (!lit)
      return fail(why);
    in.value = *lit;
  } else if (raw.value) {
    return fail("only const takes a value");
  }

  // Function references: the IR holds at most one, the callee of a call.
  if (info.numFuncs != int(raw.funcs.size())) {
    if (info.numFuncs == 0)
      return fail(std::string(raw.op) + " takes no function reference");
    return fail(std::string(raw.op) + " takes " + std::to_string(info.numFuncs) +
                " function reference(s), got " + std::to_string(raw.funcs.size()));
  }
  if (!raw.funcs.empty())
    in.callee = std::string(raw.funcs.front());

  for (std::string_view a : raw.args)
    in.args.push_back(fn_.var(a));
  for (std::string_view l : raw.labels)
    in.labels.push_back(labelRef(l, in.op, raw.pos));
  addInstr(std::move(in));
  return true;
}

bool FunctionBuilder::finish() {
  flush();
  bool ok = true;
  for (uint32_t id = 0; id < labelInfo_.size(); ++id) {
    const LabelInfo &info = labelInfo_[id];
    if (info.defined)
      continue;
    Location where;
    where.function = fn_.name;
    where.instrIndex = info.firstUseIndex;
    where.opcode = std::string(spelling(info.firstUseOp));
    where.pos = info.firstUsePos;
    diags_.error(where, "undefined label ." + labels_.name(id));
    ok = false;
  }
  if (fn_.layout.empty())
    fn_.layout.push_back(fn_.addBlock());
  return ok;
}

} // namespace brisk
