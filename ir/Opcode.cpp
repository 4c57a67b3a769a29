#include "ir/Opcode.h"

#include <algorithm>
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
  // Sorted by spelling once, then a binary search: both readers look up
  // every instruction's opcode. Equal spellings keep table order, so the
  // first one wins as a scan would have it.
  static const std::array<Opcode, kNumOpcodes> bySpelling = [] {
    std::array<Opcode, kNumOpcodes> order;
    for (unsigned i = 0; i < kNumOpcodes; ++i)
      order[i] = static_cast<Opcode>(i);
    std::stable_sort(order.begin(), order.end(), [](Opcode a, Opcode b) {
      return opcodeInfo(a).spelling < opcodeInfo(b).spelling;
    });
    return order;
  }();
  auto it = std::lower_bound(bySpelling.begin(), bySpelling.end(), name,
                             [](Opcode op, std::string_view n) { return opcodeInfo(op).spelling < n; });
  if (it != bySpelling.end() && opcodeInfo(*it).spelling == name)
    return *it;
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
