// Typing: the typing rules of Opcodes.def's Typing column, written once. The
// type checker (frontend/TypeChecker) and the verifier (analysis/Verifier)
// both call checkInstrTyping and differ only in where they find a variable's
// type and how they locate and prefix a message.
//
// The rules (per TypingRule in Opcode.h):
//   - fixed signatures ((int, int) -> int, (char) -> int, br/guard's bool,
//     ...): each argument and the result must be compatible with the rule;
//   - `any` (ir/Type.h) is compatible with every type at its nesting level
//     and below, so ptr<any> accepts ptr<int>;
//   - id: the result has the argument's type; phi: every argument has the
//     result's type;
//   - const: never of pointer type (the literal itself is fitted by the
//     reader);
//   - call: the callee exists, takes as many arguments as given, of the
//     parameters' types; a value result is assigned to a variable of the
//     return type, and a call of a void function assigns nothing;
//   - ret: a value of the function's return type exactly when it has one;
//   - alloc: (int) -> pointer; free: (pointer); store: (ptr<T>, T);
//     load: (ptr<T>) -> T; ptradd: (ptr<T>, int) -> ptr<T>;
//   - set: its first argument is the destination of some `get`, its second
//     has that get's type.
// An argument whose variable is never defined has no type: its rules are not
// checked (the callers report the undefined variable on their own). Operand
// counts are not checked here either: both callers check them from the
// table's NumArgs and NumLabels columns first.
#pragma once

#include "ir/IR.h"

#include <llvm/ADT/STLFunctionalExtras.h>

#include <optional>
#include <string>
#include <string_view>

namespace brisk {

// Where the rules look things up.
struct TypingContext {
  const Function &function;
  // The type a variable is declared with in `function`; nullopt when it is
  // never defined.
  llvm::function_ref<std::optional<Type>(VarId)> typeOf;
  // Whether a variable is the destination of a `get` (the shadow a `set`
  // writes).
  llvm::function_ref<bool(VarId)> isShadow;
  // The function a call names, or nullptr when it does not exist. Calls are
  // not checked at all when this is empty (a function verified on its own).
  llvm::function_ref<const Function *(std::string_view)> findFunction;
};

// Whether a value of type `b` may be used where `a` is expected (and back):
// equal, or `any` at some nesting level.
bool typesCompatible(Type a, Type b);

// Checks `in` against its opcode's typing rule and calls `report` once per
// problem with a sentence such as "argument 0 (b) is bool, expected int".
void checkInstrTyping(const Instr &in, const TypingContext &ctx,
                      llvm::function_ref<void(std::string)> report);

} // namespace brisk
