// RoundTripOracle: what brisk_fuzz_frontend asserts about every input, as a
// function, so that ordinary unit tests can replay the fuzzer's findings and
// the golden programs through the same checks without clang or libFuzzer.
//
// Every input goes through loadProgram (JSON or text, detected from the
// content) and, when it loads, through typeCheck. Then:
//
//   1. JSON: J1 = toJsonString(P) must load and print back as exactly J1.
//   2. Text: T1 = toText(P) must parse, print back as exactly T1, and its
//      JSON must be J1 (the two readers and two printers agree).
//   3. Printing does not change validity: the re-read programs type-check
//      exactly when P does.
//
// Two honest exceptions, both limits of the formats rather than of brisk:
// Bril JSON has no spelling for NaN or infinity (nlohmann writes null), so
// step 1 and the text/JSON comparison are skipped for programs holding a
// non-finite float constant; and names that the text grammar cannot spell (a
// JSON function named "a b", a label "1") make step 2 impossible, so it is
// skipped unless every name is a text identifier. A text input always has
// such names, so every text input gets the full check.
#pragma once

#include "backend/JsonWriter.h"
#include "backend/TextPrinter.h"
#include "frontend/JsonReader.h"
#include "frontend/Loader.h"
#include "frontend/TextParser.h"
#include "frontend/TypeChecker.h"
#include "ir/Diagnostics.h"

#include <cmath>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace brisk::fuzz {

// The text grammar's IDENT: ("_"|"%"|letter)("_"|"%"|"."|letter|digit)*.
inline bool isTextIdentifier(std::string_view s) {
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

inline bool textCanSpell(const Program &p) {
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

inline bool jsonCanSpell(const Program &p) {
  for (const Function &f : p.functions)
    for (BlockId b : f.layout)
      for (const Instr &in : f.block(b).instrs)
        if (in.op == Opcode::Const && in.type.isFloat() && !std::isfinite(in.value.asFloat()))
          return false;
  return true;
}

// Empty when `input` passes (including when it does not load at all);
// otherwise what failed, with both printed versions.
inline std::string checkRoundTrip(std::string_view input) {
  auto failure = [](const char *what, const std::string &first, const std::string &second,
                    const Diagnostics *diags = nullptr) {
    std::ostringstream os;
    os << "round-trip failure: " << what << "\n--- first ---\n"
       << first << "\n--- second ---\n"
       << second << "\n";
    if (diags)
      diags->print(os);
    return os.str();
  };

  Diagnostics diags;
  std::optional<Program> program = loadProgram(input, diags);
  if (!program)
    return {};
  bool wellTyped = typeCheck(*program, diags);
  auto verdictDiffers = [&](const Program &again, Diagnostics &checkDiags) {
    return typeCheck(again, checkDiags) != wellTyped;
  };
  const char *verdict = wellTyped ? "(the original type-checks)" : "(the original has type errors)";

  std::string json1 = toJsonString(*program);
  bool checkJson = jsonCanSpell(*program);
  if (checkJson) {
    Diagnostics again("<json1>");
    std::optional<Program> reread = readJsonProgram(json1, again);
    if (!reread)
      return failure("printed JSON does not load", json1, "", &again);
    std::string json2 = toJsonString(*reread);
    if (json2 != json1)
      return failure("JSON -> IR -> JSON changed the program", json1, json2);
    Diagnostics checkDiags("<json1>");
    if (verdictDiffers(*reread, checkDiags))
      return failure("the printed JSON type-checks differently", json1, verdict, &checkDiags);
  }

  if (detectFormat(input) == InputFormat::Text || textCanSpell(*program)) {
    std::string text1 = toText(*program);
    Diagnostics again("<text1>");
    std::optional<Program> reparsed = parseTextProgram(text1, again);
    if (!reparsed)
      return failure("printed text does not parse", text1, "", &again);
    std::string text2 = toText(*reparsed);
    if (text2 != text1)
      return failure("text -> IR -> text changed the program", text1, text2);
    Diagnostics checkDiags("<text1>");
    if (verdictDiffers(*reparsed, checkDiags))
      return failure("the printed text type-checks differently", text1, verdict, &checkDiags);
    if (checkJson) {
      std::string json3 = toJsonString(*reparsed);
      if (json3 != json1)
        return failure("the printed text and the printed JSON describe different programs",
                       json1, json3);
    }
  }
  return {};
}

} // namespace brisk::fuzz
