// Helpers shared by the frontend tests: parse from a string and describe a
// program's structure in a format-independent way, so the JSON reader and
// the text parser can be compared without going through the backend.
#pragma once

#include "test/SharedData.h"

#include "frontend/JsonReader.h"
#include "frontend/TextParser.h"
#include "ir/Diagnostics.h"
#include "ir/IR.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace brisk::test {

// Every diagnostic, formatted, one per line.
inline std::string messages(const Diagnostics &diags) {
  std::ostringstream os;
  diags.print(os);
  return os.str();
}

inline Program parseTextOk(std::string_view text) {
  Diagnostics diags("t.bril");
  std::optional<Program> p = parseTextProgram(text, diags);
  EXPECT_TRUE(p.has_value()) << messages(diags);
  EXPECT_FALSE(diags.hasErrors()) << messages(diags);
  return p ? std::move(*p) : Program{};
}

inline Program readJsonOk(std::string_view text) {
  Diagnostics diags("t.json");
  std::optional<Program> p = readJsonProgram(text, diags);
  EXPECT_TRUE(p.has_value()) << messages(diags);
  EXPECT_FALSE(diags.hasErrors()) << messages(diags);
  return p ? std::move(*p) : Program{};
}

// The diagnostics of a text program that must fail to parse.
inline std::string textErrors(std::string_view text) {
  Diagnostics diags("t.bril");
  std::optional<Program> p = parseTextProgram(text, diags);
  EXPECT_FALSE(p.has_value());
  EXPECT_TRUE(diags.hasErrors());
  return messages(diags);
}

inline std::string jsonErrors(std::string_view text) {
  Diagnostics diags("t.json");
  std::optional<Program> p = readJsonProgram(text, diags);
  EXPECT_FALSE(p.has_value());
  EXPECT_TRUE(diags.hasErrors());
  return messages(diags);
}

// A structural dump independent of source positions and of VarId/BlockId
// numbering: names stand for variables, layout labels for blocks (an
// unlabeled block is "<n>" by its layout index). Literals print as raw bits so
// float -0.0 and NaN compare exactly.
inline std::string structure(const Program &program) {
  std::ostringstream os;
  for (const Function &f : program.functions) {
    os << "@" << f.name << "(";
    for (const Param &p : f.params)
      os << f.varName(p.var) << ":" << p.type.toString() << ",";
    os << "):" << f.returnType.toString() << "\n";
    std::vector<std::string> names(f.blocks.size());
    for (size_t i = 0; i < f.layout.size(); ++i) {
      const Block &b = f.block(f.layout[i]);
      std::string &name = names[f.layout[i]];
      if (b.hasLabel()) {
        name = b.label;
      } else {
        name = '<';
        name += std::to_string(i);
        name += '>';
      }
    }
    for (BlockId id : f.layout) {
      const Block &b = f.block(id);
      os << " block " << names[id] << "\n";
      for (const Instr &in : b.instrs) {
        os << "  ";
        if (in.hasDest())
          os << f.varName(in.dest) << ":" << in.type.toString() << " = ";
        os << spelling(in.op);
        if (in.op == Opcode::Const)
          os << " #" << in.value.bits();
        if (!in.callee.empty())
          os << " @" << in.callee;
        for (VarId a : in.args)
          os << " " << f.varName(a);
        for (BlockId l : in.labels)
          os << " ." << (l < names.size() ? names[l] : "?");
        os << "\n";
      }
    }
  }
  return os.str();
}

// The shared data folder, or nullopt (tests then skip). Found through
// test/SharedData.h, which every test area uses.
inline std::optional<std::filesystem::path> sharedDirIfPresent() {
  std::filesystem::path dir = sharedDir();
  if (dir.empty())
    return std::nullopt;
  return dir;
}

} // namespace brisk::test
