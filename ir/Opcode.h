// Opcode: the enumeration generated from Opcodes.def and the static facts about
// each opcode (spelling, shape, typing rule, effect class, operand counts).
//
// Everything that needs to know "what kind of instruction is this" asks here
// rather than switching on spellings.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace brisk {

enum class Opcode : uint8_t {
#define BRISK_OPCODE(Id, Spelling, Shape, Typing, Effect, NumArgs, NumLabels, NumFuncs, Flags) Id,
#include "ir/Opcodes.def"
};

inline constexpr unsigned kNumOpcodes = 0
#define BRISK_OPCODE(Id, Spelling, Shape, Typing, Effect, NumArgs, NumLabels, NumFuncs, Flags) +1
#include "ir/Opcodes.def"
    ;

// What fields an instruction of this opcode carries.
enum class OpShape : uint8_t { Const, Value, Effect, Call };

// How the type checker types an instruction. Each rule names the argument
// types it requires and the result type it produces.
enum class TypingRule : uint8_t {
  ConstLiteral,      // literal must fit the declared type
  IntIntToInt,       // (int, int) -> int
  IntIntToBool,      // (int, int) -> bool
  BoolToBool,        // (bool) -> bool
  BoolBoolToBool,    // (bool, bool) -> bool
  FloatFloatToFloat, // (float, float) -> float
  FloatFloatToBool,  // (float, float) -> bool
  CharCharToBool,    // (char, char) -> bool
  CharToInt,         // (char) -> int
  IntToChar,         // (int) -> char
  FloatToInt,        // (float) -> int   (bit cast)
  IntToFloat,        // (int) -> float   (bit cast)
  NoOperands,        // no arguments; result (if any) is the declared type
  BoolCondition,     // one bool argument, no result (br, guard)
  CallSignature,     // arguments and result match the callee's signature
  ReturnValue,       // zero or one argument matching the function's return type
  SameAsArg,         // (T) -> T
  AnyArgs,           // any number of arguments of any type, no result
  AllocRule,         // (int) -> ptr<T>
  FreeRule,          // (ptr<T>)
  StoreRule,         // (ptr<T>, T)
  LoadRule,          // (ptr<T>) -> T
  PtrAddRule,        // (ptr<T>, int) -> ptr<T>
  SetRule,           // (shadow T, T): shadow must be the dest of a `get` of type T
  PhiRule,           // (T, T, ...) -> T, one argument per incoming label
};

enum class EffectClass : uint8_t { Pure, MayTrap, SideEffect, Terminator, Guard };

enum OpcodeFlags : uint8_t {
  OPF_None = 0,
  OPF_Commutative = 1 << 0,
  OPF_Internal = 1 << 1,
  OPF_Extension = 1 << 2,
};

struct OpcodeInfo {
  std::string_view spelling;
  OpShape shape;
  TypingRule typing;
  EffectClass effect;
  int8_t numArgs;   // -1: variadic
  int8_t numLabels; // -1: variadic
  int8_t numFuncs;
  uint8_t flags;
};

const OpcodeInfo &opcodeInfo(Opcode op);

inline std::string_view spelling(Opcode op) { return opcodeInfo(op).spelling; }
inline bool isTerminator(Opcode op) {
  return opcodeInfo(op).effect == EffectClass::Terminator;
}
inline bool isCommutative(Opcode op) {
  return (opcodeInfo(op).flags & OPF_Commutative) != 0;
}
inline bool isInternal(Opcode op) {
  return (opcodeInfo(op).flags & OPF_Internal) != 0;
}
// True when the instruction may be deleted if its result is unused.
inline bool isPure(Opcode op) { return opcodeInfo(op).effect == EffectClass::Pure; }
// An observable effect: print, store, alloc, free, call (and set, which
// writes a shadow variable).
inline bool isSideEffect(Opcode op) {
  return opcodeInfo(op).effect == EffectClass::SideEffect;
}
// No effect, but may stop the program with an error: div by zero, int2char
// out of range, load out of bounds or of uninitialized memory.
inline bool mayTrap(Opcode op) { return opcodeInfo(op).effect == EffectClass::MayTrap; }

// The ordering rule every pass keeps. Instructions for which keepsOrder()
// holds never change places with one another, in either direction, on any
// path: an effect sunk below an instruction that traps loses the output the
// original showed before its error; a trap hoisted above an effect shows
// the error without that output; two traps swapped change which error is
// shown. (Effects trap too: a store out of bounds, a free of a bad pointer, a
// call that fails.) Pure instructions commute with everything, as long as
// what they read is defined where they land. A pass may still delete a trap
// that an identical earlier instruction on the same operands proves safe, or
// one whose constant operands prove it cannot fail.
inline bool keepsOrder(Opcode op) { return isSideEffect(op) || mayTrap(op); }

// Looks an opcode up by its Bril spelling; nullopt for unknown names.
std::optional<Opcode> opcodeFromSpelling(std::string_view name);

// The comparison that holds exactly when `op` fails on the same operands:
// lt/ge, gt/le, clt/cge, cgt/cle. nullopt for every other opcode: eq and ceq
// have no single-opcode negation, and float order has NaN (flt and fge are
// both false on it).
std::optional<Opcode> invertedComparison(Opcode op);

} // namespace brisk
