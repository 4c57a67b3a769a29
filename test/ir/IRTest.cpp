// IR units: the opcode table, types, variable interning, fresh names and
// the instruction's size and copies.
#include "ir/BlockNames.h"
#include "ir/IR.h"

#include <gtest/gtest.h>

#include <cmath>
#include <type_traits>
#include <utility>
#include <vector>

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

// A block whose label is spelled late gets the label addFreshBlock would
// have given it, and the shared counter moves the same either way; while a
// label given by name could collide, the block is labeled at once.
TEST(Function, UnlabeledFreshBlocksGetTheLabelAddFreshBlockWouldGive) {
  Function eager, late;
  for (Function *f : {&eager, &late})
    f->addBlock("head");
  BlockId e1 = eager.addFreshBlock("head.edge");
  BlockId e2 = eager.addFreshBlock("head.edge");
  unsigned n1 = 0, n2 = 0;
  BlockId l1 = late.addFreshBlockUnlabeled("head.edge", n1);
  BlockId l2 = late.addFreshBlockUnlabeled("head.edge", n2);
  EXPECT_FALSE(late.block(l1).hasLabel());
  late.labelFreshBlock(l2, "head.edge", n2); // l1 is never named
  EXPECT_EQ(late.block(l2).label, eager.block(e2).label);
  EXPECT_FALSE(late.block(l1).hasLabel());
  EXPECT_EQ(late.varName(late.freshVar("x")), eager.varName(eager.freshVar("x")));
  (void)e1;

  Function named; // a label given by name ends in a number the counter reaches
  named.addBlock("b.edge.1");
  unsigned n = 7;
  BlockId b = named.addFreshBlockUnlabeled("b.edge", n);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(named.block(b).label, "b.edge.2");
  named.labelFreshBlock(b, "b.edge", n); // nothing left to do
  EXPECT_EQ(named.block(b).label, "b.edge.2");
}

// A pass may hold a Block& while it adds blocks (an unroller copying a loop
// body, a former adding stubs): the arena must not move the block.
TEST(Function, BlockReferencesSurviveAddingBlocks) {
  Function f;
  BlockId a = f.addBlock("head");
  f.layout = {a};
  Block &head = f.block(a);
  const Block *before = &head;
  for (int i = 0; i < 1000; ++i)
    f.layout.push_back(f.addFreshBlock("body"));
  EXPECT_EQ(&f.block(a), before);
  head.instrs.push_back(makeJump(f.layout.back()));
  ASSERT_EQ(f.block(a).instrs.size(), 1u);
  EXPECT_EQ(f.block(a).instrs[0].labels[0], f.layout.back());
  EXPECT_EQ(head.label, "head");
}

// A growing Program::functions moves its functions only if moving cannot
// throw; otherwise it copies every one (a parse of many functions did).
static_assert(std::is_nothrow_move_constructible_v<Function>);

TEST(Opcode, InvertedComparisonIsAnInvolutionOnIntAndCharOrder) {
  for (Opcode op : {Opcode::Lt, Opcode::Le, Opcode::Gt, Opcode::Ge, Opcode::CLt, Opcode::CLe,
                    Opcode::CGt, Opcode::CGe}) {
    std::optional<Opcode> inv = invertedComparison(op);
    ASSERT_TRUE(inv.has_value()) << spelling(op);
    EXPECT_NE(*inv, op);
    EXPECT_EQ(invertedComparison(*inv), op);
  }
  EXPECT_EQ(invertedComparison(Opcode::Lt), Opcode::Ge);
  EXPECT_EQ(invertedComparison(Opcode::CLe), Opcode::CGt);
  // eq has no one-opcode negation; float order is not total (NaN).
  for (Opcode op : {Opcode::Eq, Opcode::CEq, Opcode::FLt, Opcode::FGe, Opcode::Add, Opcode::Jmp})
    EXPECT_FALSE(invertedComparison(op).has_value()) << spelling(op);
}

// One name per block for printers and messages alike: its label, the "b.N"
// the printer gives a targeted unlabeled block, or where the printed program
// shows an unnamed one.
TEST(BlockNames, MessagesNameBlocksAsThePrinterDoes) {
  Function f;
  BlockId entry = f.addBlock();
  BlockId loop = f.addBlock("loop");
  BlockId afterLoop = f.addBlock();
  BlockId target = f.addBlock();
  f.layout = {entry, loop, afterLoop, target};
  f.block(loop).instrs.push_back(makeJump(target));
  std::vector<std::string> names = blockNames(f);
  EXPECT_EQ(names[loop], "loop");
  EXPECT_EQ(names[target], "b.0");
  EXPECT_TRUE(names[entry].empty());
  EXPECT_TRUE(names[afterLoop].empty());
  EXPECT_EQ(blockRef(f, entry), "(entry)");
  EXPECT_EQ(blockRef(f, loop), ".loop");
  EXPECT_EQ(blockRef(f, afterLoop), "(after .loop)");
  EXPECT_EQ(blockRef(f, target), ".b.0");
  EXPECT_EQ(blockRef(f, names, target), ".b.0");
}

// The walk that names blocks also says whether a guard is there (printers
// then build their CFG from the terminators alone, or look for guard edges).
TEST(BlockNames, TellWhetherTheFunctionHasAGuard) {
  Function f;
  BlockId entry = f.addBlock();
  BlockId slow = f.addBlock("slow");
  f.layout = {entry, slow};
  bool sawGuard = true;
  blockNames(f, &sawGuard);
  EXPECT_FALSE(sawGuard);
  Instr guard;
  guard.op = Opcode::Guard;
  guard.args = {f.var("c")};
  guard.labels = {slow};
  f.block(entry).instrs.push_back(guard);
  std::vector<std::string> names = blockNames(f, &sawGuard);
  EXPECT_TRUE(sawGuard);
  EXPECT_EQ(names[slow], "slow");
}

TEST(Literal, BitsReadBackPerType) {
  EXPECT_EQ(Literal::ofFloat(-0.0).asFloat(), 0.0);
  EXPECT_TRUE(std::signbit(Literal::ofFloat(-0.0).asFloat()));
  EXPECT_EQ(Literal::ofInt(INT64_MIN).asInt(), INT64_MIN);
  EXPECT_EQ(Literal::ofChar(0x1F431).asChar(), 0x1F431u);
  EXPECT_TRUE(Literal::ofBool(true).asBool());
}

TEST(Instr, CopiesAndMovesKeepOperandsInBothStorageStates) {
  static_assert(sizeof(Instr) == 64);
  static_assert(std::is_nothrow_move_constructible_v<Instr>);
  Instr in;
  in.args = {1, 2, 3}; // past the two inline ids
  in.labels = {4};     // inline
  Instr copy = in;
  copy.args[0] = 9;
  copy.labels.push_back(5);
  EXPECT_EQ(std::vector<VarId>(in.args.begin(), in.args.end()), (std::vector<VarId>{1, 2, 3}));
  EXPECT_EQ(in.labels.size(), 1u);
  Instr moved = std::move(in);
  EXPECT_EQ(std::vector<VarId>(moved.args.begin(), moved.args.end()), (std::vector<VarId>{1, 2, 3}));
  EXPECT_EQ(std::vector<BlockId>(moved.labels.begin(), moved.labels.end()), std::vector<BlockId>{4});
  // A growing vector of instructions moves them (the move is noexcept).
  std::vector<Instr> instrs(1, moved);
  const VarId *heapArgs = instrs[0].args.data();
  instrs.resize(instrs.capacity() + 1);
  EXPECT_EQ(instrs[0].args.data(), heapArgs);
}

} // namespace
} // namespace brisk
