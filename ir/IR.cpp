#include "ir/IR.h"

#include <string>

namespace brisk {

Instr makeJump(BlockId target, SourcePos pos) {
  Instr j;
  j.op = Opcode::Jmp;
  j.labels.push_back(target);
  j.pos = pos;
  return j;
}

VarId Function::var(std::string_view name) {
  auto [it, inserted] = varIndex_.try_emplace(name, VarId(varNames_.size()));
  if (inserted)
    varNames_.emplace_back(name);
  return it->second;
}

std::optional<VarId> Function::lookupVar(std::string_view name) const {
  auto it = varIndex_.find(name);
  if (it == varIndex_.end())
    return std::nullopt;
  return it->second;
}

VarId Function::freshVar(std::string_view hint) {
  std::string candidate;
  do {
    candidate = std::string(hint) + "." + std::to_string(++freshCounter_);
  } while (varIndex_.count(candidate));
  return var(candidate);
}

BlockId Function::addBlock(std::string label) {
  if (!label.empty())
    usedLabels_.insert(label);
  blocks.push_back(Block{std::move(label), {}, {}, false});
  return BlockId(blocks.size() - 1);
}

std::optional<BlockId> Function::findBlock(std::string_view label) const {
  for (BlockId b : layout)
    if (blocks[b].label == label)
      return b;
  return std::nullopt;
}

BlockId Function::addFreshBlock(std::string_view hint) {
  std::string candidate;
  do {
    candidate = std::string(hint) + "." + std::to_string(++freshCounter_);
  } while (usedLabels_.count(candidate));
  return addBlock(std::move(candidate));
}

void Function::ensureLabels() {
  std::vector<bool> targeted(blocks.size(), false);
  for (BlockId b : layout)
    for (const Instr &in : blocks[b].instrs)
      for (BlockId t : in.labels)
        targeted[t] = true;
  for (BlockId b : layout) {
    if (!targeted[b] || blocks[b].hasLabel())
      continue;
    std::string candidate;
    do {
      candidate = "b." + std::to_string(++freshCounter_);
    } while (usedLabels_.count(candidate));
    usedLabels_.insert(candidate);
    blocks[b].label = std::move(candidate);
  }
}

size_t Function::instrCount() const {
  size_t n = 0;
  for (BlockId b : layout)
    n += blocks[b].instrs.size();
  return n;
}

size_t Program::instrCount() const {
  size_t n = 0;
  for (const Function &f : functions)
    n += f.instrCount();
  return n;
}

Function *Program::findFunction(std::string_view name) {
  for (Function &f : functions)
    if (f.name == name)
      return &f;
  return nullptr;
}

const Function *Program::findFunction(std::string_view name) const {
  for (const Function &f : functions)
    if (f.name == name)
      return &f;
  return nullptr;
}

bool containsPhi(const Function &f) {
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.op == Opcode::Phi)
        return true;
  return false;
}

bool isPlainNonSpeculative(const Function &f) {
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      switch (in.op) {
      case Opcode::Phi:
      case Opcode::Set:
      case Opcode::Get:
      case Opcode::Speculate:
      case Opcode::Commit:
      case Opcode::Guard:
        return false;
      default:
        break;
      }
  return true;
}

} // namespace brisk
