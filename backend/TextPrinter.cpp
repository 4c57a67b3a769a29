#include "backend/TextPrinter.h"

#include "ir/BlockNames.h"
#include "backend/Utf8.h"

#include <charconv>
#include <cmath>
#include <ostream>
#include <sstream>

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

std::string formatLiteral(Type type, Literal value) {
  if (type.isBool())
    return value.asBool() ? "true" : "false";
  if (type.isFloat())
    return formatFloatLiteral(value.asFloat());
  if (type.isChar())
    return formatCharLiteral(value.asChar());
  return std::to_string(value.asInt());
}

void printInstrNamed(const Function &f, const Instr &in, const std::vector<std::string> &names,
                     std::ostream &os) {
  if (in.hasDest())
    os << f.varName(in.dest) << ": " << in.type.toString() << " = ";
  os << spelling(in.op);
  if (in.op == Opcode::Const)
    os << ' ' << formatLiteral(in.type, in.value);
  if (!in.callee.empty())
    os << " @" << in.callee;
  for (VarId a : in.args)
    os << ' ' << f.varName(a);
  for (BlockId b : in.labels) {
    os << " .";
    if (b < names.size() && !names[b].empty())
      os << names[b];
    else
      os << '?' << b;
  }
  os << ';';
}

} // namespace

void printInstr(const Function &f, const Instr &in, std::ostream &os) {
  // Only label operands need the names, and building them is linear in the
  // function: skip it for every other instruction.
  printInstrNamed(f, in, in.labels.empty() ? std::vector<std::string>{} : blockNames(f), os);
}

void printInstr(const Function &f, const Instr &in, const std::vector<std::string> &names,
                std::ostream &os) {
  printInstrNamed(f, in, names, os);
}

void printSignature(const Function &f, std::ostream &os) {
  os << '@' << f.name;
  if (!f.params.empty()) {
    os << '(';
    for (size_t i = 0; i < f.params.size(); ++i)
      os << (i ? ", " : "") << f.varName(f.params[i].var) << ": " << f.params[i].type.toString();
    os << ')';
  }
  if (!f.returnType.isNone())
    os << ": " << f.returnType.toString();
}

void printFunction(const Function &f, std::ostream &os) {
  printSignature(f, os);
  os << " {\n";
  std::vector<std::string> names = blockNames(f);
  for (BlockId b : f.layout) {
    if (!names[b].empty())
      os << '.' << names[b] << ":\n";
    for (const Instr &in : f.block(b).instrs) {
      os << "  ";
      printInstrNamed(f, in, names, os);
      os << '\n';
    }
  }
  os << "}\n";
}

void printText(const Program &program, std::ostream &os) {
  for (size_t i = 0; i < program.functions.size(); ++i) {
    if (i)
      os << '\n';
    printFunction(program.functions[i], os);
  }
}

std::string toText(const Program &program) {
  std::ostringstream os;
  printText(program, os);
  return os.str();
}

} // namespace brisk
