#include "backend/TextPrinter.h"

#include "ir/BlockNames.h"
#include "backend/Utf8.h"

#include <charconv>
#include <cmath>
#include <ostream>

namespace brisk {

std::string formatFloatLiteral(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value > 0 ? "inf" : "-inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  std::string s(buf, end);
  // A bare integer spelling would read back as an int literal.
  if (s.find_first_of(".eE") == std::string::npos)
    s += ".0";
  return s;
}

// bril2json's CHAR token is /'.'/ | /'\\[0abtnvfr]'/: the eight control
// escapes, or any one character but a newline written as itself. So a
// backslash is '\' and a quote is ''' (no escape for either; bril2json would
// read '\'' as the char '\' followed by a stray quote).
std::string formatCharLiteral(uint32_t cp) {
  std::string s = "'";
  switch (cp) {
  case 0: s += "\\0"; break;
  case 7: s += "\\a"; break;
  case 8: s += "\\b"; break;
  case 9: s += "\\t"; break;
  case 10: s += "\\n"; break;
  case 11: s += "\\v"; break;
  case 12: s += "\\f"; break;
  case 13: s += "\\r"; break;
  default: appendUtf8(s, cp); break;
  }
  return s + "'";
}

namespace {

void appendType(std::string &out, Type t) {
  for (unsigned i = 0; i < t.ptrDepth(); ++i)
    out += "ptr<";
  out += baseTypeName(t.base());
  out.append(t.ptrDepth(), '>');
}

void appendLiteral(std::string &out, Type type, Literal value) {
  if (type.isBool()) {
    out += value.asBool() ? "true" : "false";
  } else if (type.isFloat()) {
    out += formatFloatLiteral(value.asFloat());
  } else if (type.isChar()) {
    out += formatCharLiteral(value.asChar());
  } else {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value.asInt());
    out.append(digits, end);
  }
}

} // namespace

// The printer appends to a string: an ostream insertion per token cost more
// than the formatting itself on programs of a million instructions.
void appendInstr(const Function &f, const Instr &in, const std::vector<std::string> &names,
                 std::string &out) {
  if (in.hasDest()) {
    out += f.varName(in.dest);
    out += ": ";
    appendType(out, in.type);
    out += " = ";
  }
  out += spelling(in.op);
  if (in.op == Opcode::Const) {
    out += ' ';
    appendLiteral(out, in.type, in.value);
  }
  if (!in.callee.empty()) {
    out += " @";
    out += in.callee;
  }
  for (VarId a : in.args) {
    out += ' ';
    out += f.varName(a);
  }
  for (BlockId b : in.labels) {
    out += " .";
    if (b < names.size() && !names[b].empty()) {
      out += names[b];
    } else {
      out += '?';
      out += std::to_string(b);
    }
  }
  out += ';';
}

void appendSignature(const Function &f, std::string &out) {
  out += '@';
  out += f.name;
  if (!f.params.empty()) {
    out += '(';
    for (size_t i = 0; i < f.params.size(); ++i) {
      if (i)
        out += ", ";
      out += f.varName(f.params[i].var);
      out += ": ";
      appendType(out, f.params[i].type);
    }
    out += ')';
  }
  if (!f.returnType.isNone()) {
    out += ": ";
    appendType(out, f.returnType);
  }
}

namespace {

void appendFunction(ChunkedText &chunks, const Function &f) {
  std::string &out = chunks.out;
  appendSignature(f, out);
  out += " {\n";
  std::vector<std::string> names = blockNames(f);
  for (BlockId b : f.layout) {
    if (!names[b].empty()) {
      out += '.';
      out += names[b];
      out += ":\n";
    }
    for (const Instr &in : f.block(b).instrs) {
      out += "  ";
      appendInstr(f, in, names, out);
      out += '\n';
      chunks.handOverIfFull();
    }
    if (!chunks.ok())
      return; // nothing more is handed over
  }
  out += "}\n";
}

// The functions one after another, a blank line between two.
bool appendProgram(ChunkedText &chunks, const Program &program) {
  for (size_t i = 0; i < program.functions.size() && chunks.ok(); ++i) {
    if (i)
      chunks.out += '\n';
    appendFunction(chunks, program.functions[i]);
  }
  return chunks.finish();
}

} // namespace

void printInstr(const Function &f, const Instr &in, std::ostream &os) {
  // Only label operands need the names, and building them is linear in the
  // function: skip it for every other instruction.
  std::string text;
  appendInstr(f, in, in.labels.empty() ? std::vector<std::string>{} : blockNames(f), text);
  os << text;
}

void printInstr(const Function &f, const Instr &in, const std::vector<std::string> &names,
                std::ostream &os) {
  std::string text;
  appendInstr(f, in, names, text);
  os << text;
}

void printSignature(const Function &f, std::ostream &os) {
  std::string text;
  appendSignature(f, text);
  os << text;
}

void printFunction(const Function &f, std::ostream &os) {
  std::string text;
  ChunkedText whole(text);
  appendFunction(whole, f);
  os << text;
}

void printText(const Program &program, std::ostream &os) { os << toText(program); }

std::string toText(const Program &program) {
  std::string out;
  ChunkedText whole(out);
  appendProgram(whole, program);
  return out;
}

bool writeTextChunks(const Program &program, const TextSink &sink) {
  std::string buffer;
  ChunkedText chunks(buffer, &sink);
  return appendProgram(chunks, program);
}

} // namespace brisk
