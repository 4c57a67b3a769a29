#include "ir/IR.h"

#include <charconv>
#include <string>

namespace brisk {

Instr makeJump(BlockId target, SourcePos pos) {
  Instr j;
  j.op = Opcode::Jmp;
  j.labels.push_back(target);
  j.pos = pos;
  return j;
}

VarId Function::var(std::string_view name) { return vars_.intern(name); }

std::optional<VarId> Function::lookupVar(std::string_view name) const {
  return vars_.find(name);
}

namespace {

// Appends "." and the next value of `counter` to `stem` (which holds the
// hint), replacing what a previous call appended. Built in one buffer: fresh
// names are made by the hundred thousand.
void nextCandidate(std::string &candidate, size_t stem, unsigned &counter) {
  candidate.resize(stem);
  char digits[16];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, ++counter);
  candidate.append(digits, end);
}

// `hint` + "." + the next value of `counter`, until `taken` says the name is
// free.
template <typename Taken>
std::string freshName(std::string_view hint, unsigned &counter, Taken taken) {
  std::string candidate(hint);
  candidate += '.';
  size_t stem = candidate.size();
  do
    nextCandidate(candidate, stem, counter);
  while (taken(candidate));
  return candidate;
}

} // namespace

VarId Function::freshVar(std::string_view hint) {
  std::string candidate(hint);
  candidate += '.';
  size_t stem = candidate.size();
  for (;;) {
    nextCandidate(candidate, stem, freshCounter_);
    auto [id, added] = vars_.insert(candidate); // one probe, not a lookup then an insert
    if (added)
      return id;
  }
}

BlockId Function::addBlock(std::string label) {
  if (!label.empty())
    usedLabels_.intern(label);
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
  return addBlock(freshName(hint, freshCounter_,
                            [&](std::string_view c) { return usedLabels_.contains(c); }));
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
    std::string candidate = freshName(
        "b", freshCounter_, [&](std::string_view c) { return usedLabels_.contains(c); });
    usedLabels_.intern(candidate);
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
