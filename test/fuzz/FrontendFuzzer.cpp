// libFuzzer target for the frontend, with a round-trip oracle.
//
// Every input goes through loadProgram (JSON or text, detected from the
// content) and, when it loads, through typeCheck. Crashes, sanitizer reports
// and hangs are findings, but so is a program the printers cannot reproduce:
//
//   1. JSON: P = load(input); J1 = toJsonString(P); J1 must load, and print
//      back as exactly J1.
//   2. Text: T1 = toText(P); T1 must parse, print back as exactly T1, and its
//      JSON must be J1 (the two readers and two printers agree).
//   3. Printing does not change validity: the re-read programs type-check
//      exactly when P does.
//
// Two honest exceptions, both limits of the formats rather than of brisk:
// Bril JSON has no spelling for NaN or infinity (nlohmann writes null), so
// step 1 and the cross-check are skipped for programs holding a non-finite
// float constant; and names that the text grammar cannot spell (a JSON
// function named "a b", a label "1") make step 2 impossible, so it is skipped
// unless every name is a text identifier. A text input always has such names,
// so every text input gets the full check.
//
// A failure prints both versions and aborts, so libFuzzer saves the input.
#include "backend/JsonWriter.h"
#include "backend/TextPrinter.h"
#include "frontend/JsonReader.h"
#include "frontend/Loader.h"
#include "frontend/TextParser.h"
#include "frontend/TypeChecker.h"
#include "ir/Diagnostics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

using namespace brisk;

namespace {

// The text grammar's IDENT: ("_"|"%"|letter)("_"|"%"|"."|letter|digit)*.
bool isTextIdentifier(std::string_view s) {
  auto start = [](char c) {
    return c == '_' || c == '%' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  };
  if (s.empty() || !start(s[0]))
    return false;
  for (char c : s.substr(1))
    if (!start(c) && c != '.' && !(c >= '0' && c <= '9'))
      return false;
  return true;
}

bool textCanSpell(const Program &p) {
  for (const Function &f : p.functions) {
    if (!isTextIdentifier(f.name))
      return false;
    for (size_t v = 0; v < f.numVars(); ++v)
      if (!isTextIdentifier(f.varName(VarId(v))))
        return false;
    for (BlockId b : f.layout) {
      const Block &block = f.block(b);
      if (block.hasLabel() && !isTextIdentifier(block.label))
        return false;
      for (const Instr &in : block.instrs)
        if (!in.callee.empty() && !isTextIdentifier(in.callee))
          return false;
    }
  }
  return true;
}

bool jsonCanSpell(const Program &p) {
  for (const Function &f : p.functions)
    for (BlockId b : f.layout)
      for (const Instr &in : f.block(b).instrs)
        if (in.op == Opcode::Const && in.type.isFloat() && !std::isfinite(in.value.asFloat()))
          return false;
  return true;
}

[[noreturn]] void fail(const char *what, const std::string &first, const std::string &second,
                       const Diagnostics *diags = nullptr) {
  std::cerr << "round-trip failure: " << what << "\n--- first ---\n"
            << first << "\n--- second ---\n"
            << second << "\n";
  if (diags)
    diags->print(std::cerr);
  std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view input(reinterpret_cast<const char *>(data), size);
  Diagnostics diags;
  std::optional<Program> program = loadProgram(input, diags);
  if (!program)
    return 0;
  bool wellTyped = typeCheck(*program, diags);
  auto sameVerdict = [&](const Program &again, const char *what, const std::string &printed) {
    Diagnostics checkDiags("<printed>");
    if (typeCheck(again, checkDiags) != wellTyped)
      fail(what, printed, wellTyped ? "(original type-checks)" : "(original has type errors)",
           &checkDiags);
  };

  std::string json1 = toJsonString(*program);
  bool checkJson = jsonCanSpell(*program);
  if (checkJson) {
    Diagnostics again("<json1>");
    std::optional<Program> reread = readJsonProgram(json1, again);
    if (!reread)
      fail("printed JSON does not load", json1, "", &again);
    std::string json2 = toJsonString(*reread);
    if (json2 != json1)
      fail("JSON -> IR -> JSON changed the program", json1, json2);
    sameVerdict(*reread, "the printed JSON type-checks differently", json1);
  }

  if (detectFormat(input) == InputFormat::Text || textCanSpell(*program)) {
    std::string text1 = toText(*program);
    Diagnostics again("<text1>");
    std::optional<Program> reparsed = parseTextProgram(text1, again);
    if (!reparsed)
      fail("printed text does not parse", text1, "", &again);
    std::string text2 = toText(*reparsed);
    if (text2 != text1)
      fail("text -> IR -> text changed the program", text1, text2);
    sameVerdict(*reparsed, "the printed text type-checks differently", text1);
    if (checkJson) {
      std::string json3 = toJsonString(*reparsed);
      if (json3 != json1)
        fail("the printed text and the printed JSON describe different programs", json1, json3);
    }
  }
  return 0;
}
