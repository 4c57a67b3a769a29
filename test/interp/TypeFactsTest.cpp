// definedAtBlockEntry tracks only the variables some read may find
// unassigned (here on every function, whatever its size); what it answers at every read must be what the plain dense
// analysis (every block x every variable) answers there.
#include "interp/TypeFacts.h"

#include "InterpTestSupport.h"

#include <gtest/gtest.h>

namespace brisk::interp {
namespace {

bool arityOk(const Instr &in) {
  int n = in.info().numArgs;
  return n < 0 || size_t(n) == in.args.size();
}

// The reference: forward must-analysis over dense bit vectors, a failed
// guard's edge carrying the meet over every speculate, unreachable blocks
// all ones; iterated over the instructions until nothing changes.
std::vector<llvm::BitVector> denseDefined(const Function &fn, const llvm::BitVector &entryDefined) {
  size_t nv = fn.numVars();
  std::vector<llvm::BitVector> in(fn.blocks.size(), llvm::BitVector(nv, true));
  if (fn.layout.empty())
    return in;
  in[fn.entry()] = entryDefined;
  llvm::BitVector specMeet(nv, true);
  for (bool changed = true; changed;) {
    changed = false;
    llvm::BitVector newMeet(nv, true);
    auto flowTo = [&](BlockId t, const llvm::BitVector &state) {
      llvm::BitVector met = in[t];
      met &= state;
      if (met != in[t]) {
        in[t] = met;
        changed = true;
      }
    };
    for (size_t i = 0; i < fn.layout.size(); ++i) {
      BlockId b = fn.layout[i];
      llvm::BitVector cur = in[b];
      for (const Instr &ins : fn.block(b).instrs) {
        if (ins.op == Opcode::Speculate)
          newMeet &= cur;
        if (ins.op == Opcode::Guard && !ins.labels.empty())
          flowTo(ins.labels[0], specMeet);
        if (ins.hasDest() && arityOk(ins))
          cur.set(ins.dest);
      }
      const Instr *term = fn.block(b).terminator();
      if (!term && i + 1 < fn.layout.size())
        flowTo(fn.layout[i + 1], cur);
      else if (term && (term->op == Opcode::Jmp || term->op == Opcode::Br))
        for (BlockId t : term->labels)
          flowTo(t, cur);
    }
    if (newMeet != specMeet) {
      specMeet = newMeet;
      changed = true;
    }
  }
  return in;
}

// Compares the two at every read of every block (a set's first operand
// names a shadow slot and is not read); returns how many reads may find
// their variable unassigned, and how many variables got bits.
std::pair<int, size_t> compare(const Function &fn, const llvm::BitVector &entryDefined) {
  std::vector<llvm::BitVector> dense = denseDefined(fn, entryDefined);
  DefinedAtEntry sparse = definedAtBlockEntry(fn, entryDefined, /*denseUpTo=*/0);
  size_t tracked = 0;
  for (uint32_t i : sparse.index)
    tracked += i != DefinedSet::kUntracked;
  int undefinedReads = 0;
  for (BlockId b = 0; b < fn.blocks.size(); ++b) {
    llvm::BitVector cur = dense[b];
    DefinedSet set = sparse.at(b);
    for (VarId v = 0; v < fn.numVars(); ++v)
      if (sparse.index[v] != DefinedSet::kUntracked) {
        EXPECT_EQ(set.test(v), cur.test(v)) << fn.name << " block " << b << " var " << v;
      }
    for (const Instr &ins : fn.block(b).instrs) {
      for (size_t a = ins.op == Opcode::Set ? 1 : 0; a < ins.args.size(); ++a) {
        EXPECT_EQ(set.test(ins.args[a]), cur.test(ins.args[a]))
            << fn.name << " block " << b << " reads " << fn.varName(ins.args[a]);
        undefinedReads += !cur.test(ins.args[a]);
      }
      if (ins.hasDest() && arityOk(ins)) {
        cur.set(ins.dest);
        set.set(ins.dest);
      }
    }
  }
  return {undefinedReads, tracked};
}

llvm::BitVector params(const Function &fn) {
  llvm::BitVector bits(fn.numVars());
  for (const Param &p : fn.params)
    bits.set(p.var);
  return bits;
}

TEST(DefinedAtBlockEntry, UndefinedOnSomePathsIsTrackedAndExact) {
  Program p = test::parse(R"(
@main(c: bool) {
  br c .a .b;
.a:
  x: int = const 1;
  jmp .join;
.b:
  y: int = const 2;
  jmp .join;
.join:
  z: int = const 3;
  print z;
  print x;
  print c;
}
)");
  auto [undefinedReads, tracked] = compare(p.functions[0], params(p.functions[0]));
  EXPECT_EQ(undefinedReads, 1); // print x
  EXPECT_EQ(tracked, 1u);       // x: c and z are assigned above their reads
}

TEST(DefinedAtBlockEntry, LoopsAndRedefinitions) {
  Program p = test::parse(R"(
@main(n: int) {
  one: int = const 1;
  i: int = const 0;
.head:
  done: bool = ge i n;
  br done .exit .body;
.body:
  print t;
  t: int = add i one;
  i: int = id t;
  jmp .head;
.exit:
  print t;
  t: int = const 5;
.again:
  print t;
  i: int = sub i one;
  more: bool = gt i one;
  br more .again .out;
.out:
  print i;
}
)");
  auto [undefinedReads, tracked] = compare(p.functions[0], params(p.functions[0]));
  EXPECT_EQ(undefinedReads, 2); // t in .body and in .exit, before the loop assigns it
  EXPECT_EQ(tracked, 1u);
}

TEST(DefinedAtBlockEntry, UnreachableBlocksAnswerAssigned) {
  Program p = test::parse(R"(
@f(a: int): int {
  jmp .live;
.dead:
  print ghost;
  w: int = add a ghost;
  jmp .dead2;
.dead2:
  print w;
  jmp .live;
.live:
  r: int = add a a;
  ret r;
}
@main {
  x: int = const 2;
  y: int = call @f x;
  print y;
}
)");
  for (const Function &fn : p.functions) {
    auto [undefinedReads, tracked] = compare(fn, params(fn));
    EXPECT_EQ(undefinedReads, 0) << fn.name;
  }
}

TEST(DefinedAtBlockEntry, MainPointerParametersAreUnassigned) {
  Program p = test::parse(R"(
@main(n: int, q: ptr<int>) {
  v: int = load q;
  print v;
  print n;
}
)");
  const Function &fn = p.functions[0];
  llvm::BitVector entry(fn.numVars());
  entry.set(fn.params[0].var); // brili leaves main's pointer parameters unset
  auto [undefinedReads, tracked] = compare(fn, entry);
  EXPECT_EQ(undefinedReads, 1);
  EXPECT_EQ(tracked, 1u);
}

TEST(DefinedAtBlockEntry, SetGetShadowsAreNotReads) {
  Program p = test::parse(R"(
@main(n: int) {
  zero: int = const 0;
  one: int = const 1;
  set i zero;
  jmp .head;
.head:
  i: int = get;
  more: bool = lt i n;
  br more .body .exit;
.body:
  next: int = add i one;
  set i next;
  jmp .head;
.exit:
  print i;
}
)");
  auto [undefinedReads, tracked] = compare(p.functions[0], params(p.functions[0]));
  EXPECT_EQ(undefinedReads, 0);
  EXPECT_EQ(tracked, 0u);
}

TEST(DefinedAtBlockEntry, AFailedGuardUnassignsWhatItsSpeculateHadNot) {
  Program p = test::parse(R"(
@main(c: bool) {
  speculate;
  x: int = const 1;
  guard c .recover;
  commit;
  print x;
  ret;
.recover:
  print x;
}
)");
  auto [undefinedReads, tracked] = compare(p.functions[0], params(p.functions[0]));
  EXPECT_EQ(undefinedReads, 1); // x in .recover, although x = 1 dominates it
}

} // namespace
} // namespace brisk::interp
