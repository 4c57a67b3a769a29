// TextPrinter: the brisk IR to the Bril text format, laid out like the Bril
// examples (labels in column 0, instructions indented two spaces). Its output
// parses back to the same program (JSON -> text -> JSON is the identity).
// Internal phi instructions print in the classic form
// `x: int = phi a b .l1 .l2;` so SSA dumps stay readable.
#pragma once

#include "backend/ChunkedText.h"
#include "ir/IR.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace brisk {

void printText(const Program &program, std::ostream &os);
void printFunction(const Function &function, std::ostream &os);
// `@name(a: int, p: ptr<int>): int` without the opening brace, for dumps
// that print blocks their own way.
void printSignature(const Function &function, std::ostream &os);
// One instruction. This form works out the block names of `function` when
// the instruction has label operands, which is linear in the function: a
// caller printing many instructions passes the names of blockNames() once.
void printInstr(const Function &function, const Instr &instr, std::ostream &os);
void printInstr(const Function &function, const Instr &instr,
                const std::vector<std::string> &blockNames, std::ostream &os);
// The same, appended to `out` (what a caller printing many instructions
// into one buffer wants).
void appendSignature(const Function &function, std::string &out);
void appendInstr(const Function &function, const Instr &instr,
                 const std::vector<std::string> &blockNames, std::string &out);
std::string toText(const Program &program);
// Hands toText's text to `sink` in chunks (ChunkedText), never holding the
// whole; returns false, having stopped, when the sink returned false.
bool writeTextChunks(const Program &program, const TextSink &sink);

// Float literal spelling that parses back to the same double: shortest
// round-trip digits, always with a '.', or "nan", "inf", "-inf".
std::string formatFloatLiteral(double value);
// Char literal spelling, quoted, as bril2json reads it: 'a', the escapes
// '\0' '\a' '\b' '\t' '\n' '\v' '\f' '\r', and every other character as
// itself, so a backslash is '\' and a quote is '''.
std::string formatCharLiteral(uint32_t codePoint);

} // namespace brisk
