#include "ir/Opcode.h"

#include <array>

namespace brisk {
namespace {

constexpr std::array<OpcodeInfo, kNumOpcodes> kOpcodeTable = {{
#define BRISK_OPCODE(Id, Spelling, Shape, Typing, Effect, NumArgs, NumLabels, NumFuncs, Flags) \
  {Spelling, OpShape::Shape, TypingRule::Typing, EffectClass::Effect, NumArgs, NumLabels,     \
   NumFuncs, Flags},
#include "ir/Opcodes.def"
}};

} // namespace

const OpcodeInfo &opcodeInfo(Opcode op) { return kOpcodeTable[static_cast<unsigned>(op)]; }

std::optional<Opcode> opcodeFromSpelling(std::string_view name) {
  for (unsigned i = 0; i < kNumOpcodes; ++i)
    if (kOpcodeTable[i].spelling == name)
      return static_cast<Opcode>(i);
  return std::nullopt;
}

std::optional<Opcode> invertedComparison(Opcode op) {
  switch (op) {
  case Opcode::Lt: return Opcode::Ge;
  case Opcode::Ge: return Opcode::Lt;
  case Opcode::Gt: return Opcode::Le;
  case Opcode::Le: return Opcode::Gt;
  case Opcode::CLt: return Opcode::CGe;
  case Opcode::CGe: return Opcode::CLt;
  case Opcode::CGt: return Opcode::CLe;
  case Opcode::CLe: return Opcode::CGt;
  default: return std::nullopt;
  }
}

} // namespace brisk
