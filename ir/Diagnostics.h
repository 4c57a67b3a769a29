// Diagnostics: the one way brisk reports problems in a program. Every
// producer (frontend, type checker, verifier, driver) adds errors with as much
// location as it knows; the driver prints them one per line:
//
//   error: prog.bril:12:3: in @main, instruction 7 (add): argument 1 is a bool, expected int
//
// Parts that are unknown are left out, so a problem found before any function
// is known reads "error: prog.json: ...".
#pragma once

#include "ir/IR.h"

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace brisk {

struct Location {
  std::string function;  // without '@'; empty when not inside a function
  std::string block;     // the block as blockRef (ir/BlockNames.h) spells it: ".L", "(entry)"
  int instrIndex = -1;   // 0-based index in the function's instruction list, -1 if none
  std::string opcode;    // spelling of the instruction's op, when known
  SourcePos pos;         // source position, when known
};

struct Diagnostic {
  Location where;
  std::string message;
};

class Diagnostics {
public:
  explicit Diagnostics(std::string fileName = "<stdin>") : fileName_(std::move(fileName)) {}

  void error(Location where, std::string message);
  void error(std::string message) { error(Location{}, std::move(message)); }

  bool hasErrors() const { return !errors_.empty(); }
  size_t count() const { return errors_.size(); }
  const std::vector<Diagnostic> &all() const { return errors_; }
  const std::string &fileName() const { return fileName_; }

  // "error: FILE[:ROW[:COL]]: [in @f[, block .b][, instruction N (op)]: ]message"
  std::string format(const Diagnostic &d) const;
  // Writes every error, one per line.
  void print(std::ostream &os) const;

  // After this many errors further ones are counted but not stored, so that a
  // huge garbage input cannot make brisk use unbounded memory.
  static constexpr size_t kMaxStored = 1000;

private:
  std::string fileName_;
  std::vector<Diagnostic> errors_;
  size_t dropped_ = 0;
};

} // namespace brisk
