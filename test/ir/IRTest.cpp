// IR units: the opcode table, types, variable interning and fresh names.
#include "ir/IR.h"

#include <gtest/gtest.h>

#include <cmath>

namespace brisk {
namespace {

TEST(Opcode, TableRoundTripsEverySpelling) {
  for (unsigned i = 0; i < kNumOpcodes; ++i) {
    Opcode op = static_cast<Opcode>(i);
    auto back = opcodeFromSpelling(spelling(op));
    ASSERT_TRUE(back.has_value()) << spelling(op);
    EXPECT_EQ(*back, op);
  }
  EXPECT_FALSE(opcodeFromSpelling("frobnicate").has_value());
}

TEST(Opcode, FactsFromTheTable) {
  EXPECT_TRUE(isTerminator(Opcode::Br));
  EXPECT_TRUE(isTerminator(Opcode::Ret));
  EXPECT_FALSE(isTerminator(Opcode::Guard));
  EXPECT_TRUE(isCommutative(Opcode::Add));
  EXPECT_FALSE(isCommutative(Opcode::Sub));
  EXPECT_TRUE(isInternal(Opcode::Phi));
  EXPECT_EQ(opcodeInfo(Opcode::Br).numLabels, 2);
  EXPECT_EQ(opcodeInfo(Opcode::Print).numArgs, -1);
  EXPECT_EQ(opcodeInfo(Opcode::Div).effect, EffectClass::MayTrap);
  EXPECT_FALSE(isPure(Opcode::Print));
}

TEST(Type, SpellingAndPointers) {
  Type p2 = Type::floatTy().pointerTo().pointerTo();
  EXPECT_EQ(p2.toString(), "ptr<ptr<float>>");
  EXPECT_EQ(p2.pointee().pointee(), Type::floatTy());
  EXPECT_TRUE(p2.isPtr());
  EXPECT_FALSE(p2.isFloat());
  EXPECT_NE(Type::intTy(), Type::intTy().pointerTo());
  EXPECT_EQ(baseTypeFromName("char"), BaseType::Char);
  EXPECT_EQ(baseTypeFromName("string"), BaseType::None);
}

TEST(Function, InterningAndFreshNames) {
  Function f;
  VarId x = f.var("x");
  EXPECT_EQ(f.var("x"), x);
  EXPECT_EQ(f.varName(x), "x");
  f.var("x.1");
  VarId fresh = f.freshVar("x");
  EXPECT_NE(f.varName(fresh), "x.1");
  EXPECT_NE(fresh, x);
  EXPECT_FALSE(f.lookupVar("nope").has_value());
}

TEST(Function, FreshBlocksAndLabelsAreUnique) {
  Function f;
  BlockId a = f.addBlock("loop.1");
  BlockId b = f.addFreshBlock("loop");
  EXPECT_NE(f.block(b).label, f.block(a).label);
  BlockId c = f.addBlock();
  f.layout = {a, b, c};
  Instr jmp;
  jmp.op = Opcode::Jmp;
  jmp.labels = {c};
  f.block(a).instrs.push_back(jmp);
  f.ensureLabels();
  EXPECT_TRUE(f.block(c).hasLabel());
  EXPECT_EQ(f.findBlock(f.block(c).label), c);
  EXPECT_EQ(f.instrCount(), 1u);
}

TEST(Literal, BitsReadBackPerType) {
  EXPECT_EQ(Literal::ofFloat(-0.0).asFloat(), 0.0);
  EXPECT_TRUE(std::signbit(Literal::ofFloat(-0.0).asFloat()));
  EXPECT_EQ(Literal::ofInt(INT64_MIN).asInt(), INT64_MIN);
  EXPECT_EQ(Literal::ofChar(0x1F431).asChar(), 0x1F431u);
  EXPECT_TRUE(Literal::ofBool(true).asBool());
}

} // namespace
} // namespace brisk
