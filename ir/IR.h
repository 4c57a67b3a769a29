// The brisk IR: a typed, block-structured form of a Bril program.
//
// A Program owns Functions; a Function owns an arena of Blocks (indexed by
// BlockId; a block never moves, so a Block& stays valid while blocks are
// added) and a layout (the program order of the live blocks); a Block owns
// its Instrs. Variables are interned per function and named by VarId; side
// tables over variables or blocks are plain vectors indexed by those ids.
//
// The same structures hold ordinary Bril and SSA form. In SSA form every VarId
// has at most one defining instruction and joins are either `phi` instructions
// (brisk-internal, at the top of a block, one argument per predecessor) or
// Bril's `set`/`get` pairs.
//
// Mapping from Bril's linear instruction list: a block starts at every label
// and after every terminator (jmp, br, ret). A block without a terminator falls
// through to the next block in the layout. Printing the layout in order, each
// block's label (if any) followed by its instructions, gives back the original
// list exactly: that is what makes text/JSON round trips lossless.
#pragma once

#include "ir/IdVector.h"
#include "ir/NameTable.h"
#include "ir/Opcode.h"
#include "ir/Symbol.h"
#include "ir/Type.h"


#include <bit>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace brisk {

using VarId = uint32_t;
using BlockId = uint32_t;
inline constexpr VarId kNoVar = std::numeric_limits<VarId>::max();
inline constexpr BlockId kNoBlock = std::numeric_limits<BlockId>::max();

// A source position from the text format or a JSON "pos" field. Row and column
// are 1-based; row 0 means "unknown".
struct SourcePos {
  int32_t row = 0;
  int32_t col = 0;
  bool known() const { return row > 0; }
  friend bool operator==(SourcePos, SourcePos) = default;
};

// The literal of a `const`, stored as raw bits and read according to the
// instruction's type. Chars are Unicode code points.
class Literal {
public:
  constexpr Literal() = default;
  static Literal ofInt(int64_t v) { return Literal(v); }
  static Literal ofBool(bool v) { return Literal(v ? 1 : 0); }
  static Literal ofFloat(double v) { return Literal(std::bit_cast<int64_t>(v)); }
  static Literal ofChar(uint32_t codePoint) { return Literal(int64_t(codePoint)); }

  int64_t asInt() const { return bits_; }
  bool asBool() const { return bits_ != 0; }
  double asFloat() const { return std::bit_cast<double>(bits_); }
  uint32_t asChar() const { return uint32_t(bits_); }
  int64_t bits() const { return bits_; }

  friend bool operator==(Literal, Literal) = default;

private:
  constexpr explicit Literal(int64_t bits) : bits_(bits) {}
  int64_t bits_ = 0;
};

struct Instr {
  Opcode op = Opcode::Nop;
  Type type;                              // result type; none() when there is no dest
  VarId dest = kNoVar;                    // kNoVar for effect instructions
  IdVector args;                          // variable operands, in Bril order
  IdVector labels;                        // jmp/br/guard targets; phi incoming blocks
  Symbol callee;                          // function name of a call; empty otherwise
  Literal value;                          // the literal of a const
  SourcePos pos;

  bool hasDest() const { return dest != kNoVar; }
  const OpcodeInfo &info() const { return opcodeInfo(op); }
  bool isTerminator() const { return brisk::isTerminator(op); }
};

// One cache line. `brisk opt` on a function of a million instructions is bound
// by memory traffic: dozens of passes stream every instruction, and the
// function no longer fits the last-level cache, so bytes per instruction are
// time in every pass at once (IdVector took it from 80 bytes).
static_assert(sizeof(Instr) == 64, "keep Instr one cache line: every whole-function walk streams it");
// A growing std::vector<Instr> moves its instructions only if this holds.
static_assert(std::is_nothrow_move_constructible_v<Instr>);

// `jmp .target`: the one way passes build a jump.
Instr makeJump(BlockId target, SourcePos pos = {});

struct Block {
  // Without the leading '.'; empty when unlabeled. Give labels through
  // Function::addBlock / addFreshBlock / ensureLabels, which keep them unique.
  std::string label;
  std::vector<Instr> instrs;
  SourcePos pos;              // position of the label, when known
  bool dead = false;          // removed from the layout; its id is not reused

  bool hasLabel() const { return !label.empty(); }
  // The terminator, or nullptr when the block falls through.
  const Instr *terminator() const {
    return !instrs.empty() && instrs.back().isTerminator() ? &instrs.back() : nullptr;
  }
  Instr *terminator() {
    return !instrs.empty() && instrs.back().isTerminator() ? &instrs.back() : nullptr;
  }
};

struct Param {
  VarId var;
  Type type;
};

class Function {
public:
  Function() = default;
  Function(const Function &) = default;
  Function &operator=(const Function &) = default;
  // noexcept so that a growing std::vector<Function> moves its functions
  // rather than copying them.
  Function(Function &&) noexcept = default;
  Function &operator=(Function &&) noexcept = default;

  std::string name;              // without the leading '@'
  std::vector<Param> params;
  Type returnType;               // none() for a function that returns nothing
  // The arena; BlockId indexes it. A deque: blocks are only ever appended,
  // and appending moves no block, so references into it survive addBlock (a
  // std::vector here once let a pass write through a reference that
  // addBlock had moved). Blocks sit in contiguous chunks, not one node each.
  std::deque<Block> blocks;
  std::vector<BlockId> layout;   // program order of live blocks; layout[0] is the entry
  SourcePos pos;

  // --- variables ---------------------------------------------------------
  // Returns the id of `name`, interning it on first use.
  VarId var(std::string_view name);
  // Adds a variable named `name`, which the caller knows no variable has
  // yet, without looking the name up (on a function of a million
  // instructions each lookup is a cache miss).
  VarId addNewVar(std::string_view name) { return vars_.insertNew(name); }
  // Room for `n` variables in all without regrowing the name table (for a
  // builder that knows how many it adds).
  void reserveVars(size_t n) { vars_.reserve(n); }
  std::optional<VarId> lookupVar(std::string_view name) const;
  const std::string &varName(VarId v) const { return vars_.name(v); }
  size_t numVars() const { return vars_.size(); }
  // A new variable whose name starts with `hint` and is not yet used.
  VarId freshVar(std::string_view hint);

  // --- blocks ------------------------------------------------------------
  // Appends a block to the arena (not to the layout) and returns its id.
  BlockId addBlock(std::string label = {});
  // addBlock for a label that the caller knows no block has had, without
  // looking it up (a reader gives each label once).
  BlockId addBlockWithNewLabel(std::string label);
  // Like addBlock, with a label derived from `hint` that no block has yet.
  BlockId addFreshBlock(std::string_view hint);
  // addFreshBlock for a block that may die before anything names it: the
  // label is only spelled by labelFreshBlock(b, hint, number), with the same
  // hint and the `number` this call returns, and is then the label
  // addFreshBlock would have given (the counter moves the same either way).
  // Returns 0 in `number` when the block got its label at once.
  BlockId addFreshBlockUnlabeled(std::string_view hint, unsigned &number);
  void labelFreshBlock(BlockId b, std::string_view hint, unsigned number);
  std::optional<BlockId> findBlock(std::string_view label) const;
  BlockId entry() const { return layout.front(); }
  Block &block(BlockId b) { return blocks[b]; }
  const Block &block(BlockId b) const { return blocks[b]; }
  // The block's own label; empty when it has none. The name a printed
  // program gives `b` is blockNames(f)[b] (ir/BlockNames.h).
  const std::string &labelOf(BlockId b) const { return blocks[b].label; }
  // Names every unlabeled live block that some instruction targets (a
  // "b.N" that no block has had), so that passes can refer to it by label.
  // Idempotent.
  void ensureLabels();
  // Number of instructions in live blocks.
  size_t instrCount() const;

private:
  // Appends a block labeled `label` (already recorded in usedLabels_, or
  // empty) to the arena and returns its id.
  BlockId appendBlock(std::string label);

  NameTable vars_;       // VarId -> name, and back
  NameTable usedLabels_; // every label ever given to a block
  unsigned freshCounter_ = 0;
};

// True when `f` holds no phi, set or get (it is not in SSA form) and no
// speculate, guard or commit: the plain Bril that most transforms take.
bool isPlainNonSpeculative(const Function &f);
// The opcodes isPlainNonSpeculative refuses: phi, set, get, speculate,
// guard and commit (for a walk that asks more than it in one go).
bool isSSAOrSpeculation(Opcode op);

// True when some live block of `f` holds a phi (brisk-internal SSA joins;
// set/get do not count).
bool containsPhi(const Function &f);

class Program {
public:
  std::vector<Function> functions;

  // The first function named `name`, or nullptr. Duplicate names are kept (the
  // reference interpreter reports them only at run time); `brisk check`
  // reports them.
  Function *findFunction(std::string_view name);
  const Function *findFunction(std::string_view name) const;
  // Number of instructions in live blocks of every function.
  size_t instrCount() const;
};

} // namespace brisk
