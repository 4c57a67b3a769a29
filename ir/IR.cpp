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

// Gives `table` the first of `hint`.N for the next values N of `counter` that
// it lacks; returns its id, and the name in `candidate`. Past every ".N"
// ending of a name the table was given by name, a candidate is new: the
// names earlier calls made end in smaller numbers, for the counter only
// grows. It is appended then without a lookup, which on a large function is
// a cache miss per name.
uint32_t addFreshName(NameTable &table, std::string_view hint, unsigned &counter,
                      std::string &candidate) {
  candidate.assign(hint);
  candidate += '.';
  size_t stem = candidate.size();
  for (;;) {
    nextCandidate(candidate, stem, counter);
    if (counter > table.largestSuffix())
      return table.appendNew(candidate);
    auto [id, added] = table.insert(candidate); // one probe, not a lookup then an insert
    if (added)
      return id;
  }
}

} // namespace

VarId Function::freshVar(std::string_view hint) {
  std::string name;
  return addFreshName(vars_, hint, freshCounter_, name);
}

BlockId Function::appendBlock(std::string label) {
  blocks.push_back(Block{std::move(label), {}, {}, false});
  return BlockId(blocks.size() - 1);
}

BlockId Function::addBlock(std::string label) {
  if (!label.empty())
    usedLabels_.intern(label);
  return appendBlock(std::move(label));
}

BlockId Function::addBlockWithNewLabel(std::string label) {
  if (!label.empty())
    usedLabels_.insertNew(label);
  return appendBlock(std::move(label));
}

std::optional<BlockId> Function::findBlock(std::string_view label) const {
  for (BlockId b : layout)
    if (blocks[b].label == label)
      return b;
  return std::nullopt;
}

BlockId Function::addFreshBlock(std::string_view hint) {
  std::string label;
  addFreshName(usedLabels_, hint, freshCounter_, label);
  return appendBlock(std::move(label));
}

BlockId Function::addFreshBlockUnlabeled(std::string_view hint, unsigned &number) {
  // The label would be hint.N for the next N, new without a lookup (see
  // addFreshName): a label that stays unspelled is in no table, and no later
  // fresh name can be it, for the counter only grows.
  if (uint64_t(freshCounter_) + 1 > usedLabels_.largestSuffix()) {
    number = ++freshCounter_;
    return appendBlock({});
  }
  number = 0;
  return addFreshBlock(hint);
}

void Function::labelFreshBlock(BlockId b, std::string_view hint, unsigned number) {
  if (number == 0)
    return;
  std::string label(hint);
  label += '.';
  label += std::to_string(number);
  usedLabels_.appendNew(label);
  blocks[b].label = std::move(label);
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
    addFreshName(usedLabels_, "b", freshCounter_, blocks[b].label);
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

bool isSSAOrSpeculation(Opcode op) {
  switch (op) {
  case Opcode::Phi:
  case Opcode::Set:
  case Opcode::Get:
  case Opcode::Speculate:
  case Opcode::Commit:
  case Opcode::Guard:
    return true;
  default:
    return false;
  }
}

bool isPlainNonSpeculative(const Function &f) {
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (isSSAOrSpeculation(in.op))
        return false;
  return true;
}

} // namespace brisk
