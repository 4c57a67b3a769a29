// FunctionBuilder: turns Bril's linear list of labels and instructions into a
// Function's blocks. Both readers (JSON and text) feed it in source order, so
// the two formats cannot disagree about block structure.
//
// Block rule (the one ir/IR.h states): a block starts at every label and after
// every terminator. An empty function still gets one empty entry block, so
// Function::entry() is always valid.
//
// Labels may be referenced before they are defined; a reference to an unseen
// label reserves a block that the later definition fills. finish() reports a
// label that is referenced but never defined, at its first reference; a label
// defined twice is reported at its second definition.
//
// addRaw() is the one place that turns an instruction as written (opcode
// name, optional dest and type, operand names, literal) into an Instr, so the
// JSON and text readers accept and reject exactly the same things. It checks
// shape, not types: the opcode exists; const has a dest and a literal that
// fits its type; value ops have a dest; effect ops have none; call names one
// function and nothing else names any. Operand and label counts are left to
// the type checker, so programs the reference interpreter rejects only at run
// time still load.
#pragma once

#include "ir/Diagnostics.h"
#include "ir/IR.h"

#include "ir/NameTable.h"

#include <llvm/ADT/SmallVector.h>

#include <optional>

#include <string>
#include <string_view>
#include <vector>

namespace brisk {

// A constant's literal as written, before it is read at the declared type.
struct RawLiteral {
  enum Kind : uint8_t { Int, Float, Bool, Char } kind = Int;
  int64_t intValue = 0;
  double floatValue = 0;
  bool boolValue = false;
  uint32_t charValue = 0;
  bool intOverflow = false; // an integer literal outside the 64-bit range

  static RawLiteral ofInt(int64_t v) { RawLiteral l; l.kind = Int; l.intValue = v; return l; }
  static RawLiteral ofFloat(double v) { RawLiteral l; l.kind = Float; l.floatValue = v; return l; }
  static RawLiteral ofBool(bool v) { RawLiteral l; l.kind = Bool; l.boolValue = v; return l; }
  static RawLiteral ofChar(uint32_t v) { RawLiteral l; l.kind = Char; l.charValue = v; return l; }
};

// An instruction as written in either format. Names are views into the
// caller's input, which must outlive the addRaw() call.
struct RawInstr {
  std::string_view op;
  std::optional<std::string_view> dest;
  std::optional<Type> type;
  std::optional<RawLiteral> value;
  llvm::SmallVector<std::string_view, 4> args;
  llvm::SmallVector<std::string_view, 1> funcs;
  llvm::SmallVector<std::string_view, 2> labels;
  SourcePos pos;
};

// Reads `lit` at type `type` the way the reference interpreter does (a
// number for an int is floored; an int literal for a float converts). On
// failure returns nullopt and sets `why`.
std::optional<Literal> literalForType(const RawLiteral &lit, Type type, std::string &why);

class FunctionBuilder {
public:
  // `fn` must be freshly constructed (no blocks); its name should be set so
  // diagnostics can name it.
  FunctionBuilder(Function &fn, Diagnostics &diags);

  void addLabel(std::string_view name, SourcePos pos);

  // Checks and appends an instruction as written (see the file comment).
  // Returns false, after reporting, when it is malformed; the instruction
  // still takes up its index so later diagnostics count the same way.
  bool addRaw(const RawInstr &raw);

  // Number of instructions added so far: the index the next one will get in
  // diagnostics ("instruction N" counts instructions, not labels).
  int nextIndex() const { return count_; }

  // Completes the layout; returns false when some label was left undefined.
  bool finish();

private:
  // Per label, by its id in labels_ (first-mention order).
  struct LabelInfo {
    BlockId block = kNoBlock;
    bool defined = false;
    // The first reference, for "undefined label": the instruction's index,
    // opcode and position.
    int firstUseIndex = -1;
    Opcode firstUseOp = Opcode::Nop;
    SourcePos firstUsePos;
  };

  // The block a reference to `name` from the instruction being added
  // resolves to.
  BlockId labelRef(std::string_view name, Opcode op, SourcePos pos);
  // Appends `instr` (its labels resolved) to the current block, opening a
  // new unlabeled block first if needed.
  void addInstr(Instr instr);
  // Moves the current block's instructions from pending_ into the block.
  void flush();

  Function &fn_;
  Diagnostics &diags_;
  NameTable labels_;
  std::vector<LabelInfo> labelInfo_;
  BlockId current_ = kNoBlock; // kNoBlock: the next instruction opens a block
  // The current block's instructions, collected here and moved into the
  // block in one allocation when it ends: growing each block's vector
  // instruction by instruction made several allocations per block.
  std::vector<Instr> pending_;
  int count_ = 0;
};

} // namespace brisk
