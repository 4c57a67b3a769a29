// Printer and writer units: literal spellings, generated labels, pointer
// types, and that built IR prints the way the text format spells it.
#include "backend/JsonWriter.h"
#include "backend/TextPrinter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

namespace brisk {
namespace {

TEST(Printer, FloatLiteralsReadBackAsFloats) {
  EXPECT_EQ(formatFloatLiteral(1.0), "1.0");
  EXPECT_EQ(formatFloatLiteral(-0.0), "-0.0");
  EXPECT_EQ(formatFloatLiteral(0.1), "0.1");
  EXPECT_EQ(formatFloatLiteral(1e21), "1e+21");
  EXPECT_EQ(formatFloatLiteral(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(formatFloatLiteral(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(formatFloatLiteral(std::nan("")), "nan");
}

TEST(Printer, CharLiteralsEscapeControlCharacters) {
  EXPECT_EQ(formatCharLiteral('a'), "'a'");
  EXPECT_EQ(formatCharLiteral('\n'), "'\\n'");
  EXPECT_EQ(formatCharLiteral(0), "'\\0'");
  // bril2json has no escape for these two: its CHAR token reads them raw.
  EXPECT_EQ(formatCharLiteral('\''), "'''");
  EXPECT_EQ(formatCharLiteral('\\'), "'\\'");
  EXPECT_EQ(formatCharLiteral(0x1F431), "'\xF0\x9F\x90\xB1'");
}

// @main { x: ptr<int> = alloc n; br c .L .(unlabeled) } built by hand.
Program smallProgram() {
  Program p;
  Function &f = p.functions.emplace_back();
  f.name = "main";
  BlockId entry = f.addBlock();
  BlockId target = f.addBlock(); // unlabeled but branched to
  f.layout = {entry, target};
  Instr n;
  n.op = Opcode::Const;
  n.type = Type::intTy();
  n.dest = f.var("n");
  n.value = Literal::ofInt(-3);
  Instr alloc;
  alloc.op = Opcode::Alloc;
  alloc.type = Type(BaseType::Int, 1);
  alloc.dest = f.var("p");
  alloc.args = {f.var("n")};
  Instr jmp;
  jmp.op = Opcode::Jmp;
  jmp.labels = {target};
  f.block(entry).instrs = {n, alloc, jmp};
  Instr free;
  free.op = Opcode::Free;
  free.args = {f.var("p")};
  f.block(target).instrs = {free};
  return p;
}

TEST(Printer, TextSpellsTypesLiteralsAndGeneratedLabels) {
  EXPECT_EQ(toText(smallProgram()), "@main {\n"
                                    "  n: int = const -3;\n"
                                    "  p: ptr<int> = alloc n;\n"
                                    "  jmp .b.0;\n"
                                    ".b.0:\n"
                                    "  free p;\n"
                                    "}\n");
}

TEST(Writer, JsonOmitsEmptyFieldsAndNestsPointerTypes) {
  nlohmann::json j = programToJson(smallProgram());
  const auto &instrs = j["functions"][0]["instrs"];
  EXPECT_FALSE(j["functions"][0].contains("args"));
  EXPECT_FALSE(j["functions"][0].contains("type"));
  EXPECT_EQ(instrs[0], nlohmann::json::parse(
                           R"({"op":"const","dest":"n","type":"int","value":-3})"));
  EXPECT_EQ(instrs[1]["type"], nlohmann::json::parse(R"({"ptr":"int"})"));
  EXPECT_EQ(instrs[2], nlohmann::json::parse(R"({"op":"jmp","labels":["b.0"]})"));
  EXPECT_EQ(instrs[3], nlohmann::json::parse(R"({"label":"b.0"})"));
  EXPECT_EQ(typeToJson(Type(BaseType::Float, 2)),
            nlohmann::json::parse(R"({"ptr":{"ptr":"float"}})"));
}

TEST(Writer, StreamedTextEqualsTheDomDump) {
  Program p = smallProgram();
  Function &f = p.functions.front();
  f.params.push_back(Param{f.var("q"), Type(BaseType::Char, 3)});
  f.returnType = Type::floatTy().pointerTo();
  Instr c;
  c.op = Opcode::Const;
  c.dest = f.var("weird \"name\"\n");
  c.type = Type::floatTy();
  c.value = Literal::ofFloat(1e21);
  Instr ch = c;
  ch.type = Type::charTy();
  ch.value = Literal::ofChar(0x1F431);
  f.block(f.entry()).instrs.insert(f.block(f.entry()).instrs.begin(), {c, ch});
  Function &empty = p.functions.emplace_back();
  empty.name = "empty";
  empty.layout = {empty.addBlock()};
  EXPECT_EQ(toJsonString(p), programToJson(p).dump(2) + "\n");
  EXPECT_EQ(toJsonString(Program{}), programToJson(Program{}).dump(2) + "\n");
}

// writeJsonChunks hands over toJsonString's text in pieces: the same bytes,
// no piece much larger than a chunk, and nothing more once the sink refuses.
TEST(Printer, JsonChunksAddUpToTheWholeText) {
  Program p;
  for (int k = 0; k < 2; ++k) {
    Function &f = p.functions.emplace_back();
    f.name = k ? "helper" : "main";
    BlockId b = f.addBlock();
    f.layout.push_back(b);
    VarId x = f.var("x");
    for (int i = 0; i < 20000; ++i) {
      Instr in;
      in.op = Opcode::Add;
      in.type = Type::intTy();
      in.dest = x;
      in.args = {x, x};
      f.block(b).instrs.push_back(in);
    }
  }
  std::string whole = toJsonString(p);
  std::string joined;
  size_t pieces = 0, largest = 0;
  EXPECT_TRUE(writeJsonChunks(p, [&](std::string_view piece) {
    joined += piece;
    ++pieces;
    largest = std::max(largest, piece.size());
    return true;
  }));
  EXPECT_EQ(joined, whole);
  EXPECT_GT(pieces, 4u);
  EXPECT_LT(largest, whole.size() / 4);

  size_t calls = 0;
  EXPECT_FALSE(writeJsonChunks(p, [&](std::string_view) { return ++calls < 2; }));
  EXPECT_EQ(calls, 2u);
}

} // namespace
} // namespace brisk
