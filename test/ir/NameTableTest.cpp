// NameTable: dense ids in insertion order, lookups that agree with interning
// through growth, and copies that are independent of the original.
#include "ir/IR.h"
#include "ir/NameTable.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace brisk {
namespace {

TEST(NameTable, IdsAreDenseInFirstInsertionOrder) {
  NameTable t;
  EXPECT_EQ(t.intern("x"), 0u);
  EXPECT_EQ(t.intern("y"), 1u);
  EXPECT_EQ(t.intern("x"), 0u);
  EXPECT_EQ(t.intern(""), 2u);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.name(1), "y");
  EXPECT_EQ(t.find(""), 2u);
  EXPECT_FALSE(t.find("z").has_value());
  EXPECT_FALSE(NameTable().find("x").has_value());
}

TEST(NameTable, FindsEveryNameAcrossManyGrowths) {
  NameTable t;
  const unsigned n = 20000;
  for (unsigned i = 0; i < n; ++i)
    // Long names too: they live outside std::string's inline buffer.
    ASSERT_EQ(t.intern((i % 2 ? "a_rather_long_variable_name." : "v.") + std::to_string(i)), i);
  for (unsigned i = 0; i < n; ++i) {
    std::string name = (i % 2 ? "a_rather_long_variable_name." : "v.") + std::to_string(i);
    ASSERT_EQ(t.find(name), i);
    ASSERT_EQ(t.name(i), name);
  }
  EXPECT_FALSE(t.contains("v.1")); // 1 is odd: only the long spelling exists
  EXPECT_TRUE(t.contains("a_rather_long_variable_name.1"));
}

TEST(NameTable, CopiesAreIndependent) {
  NameTable a;
  a.intern("p");
  NameTable b = a;
  EXPECT_EQ(b.intern("q"), 1u);
  EXPECT_FALSE(a.contains("q"));
  EXPECT_EQ(a.intern("r"), 1u);
  EXPECT_EQ(b.find("q"), 1u);
  EXPECT_FALSE(b.contains("r"));
}

TEST(NameTable, FunctionCopiesKeepVariablesAndFreshNamesApart) {
  Function f;
  VarId x = f.var("x");
  Function g = f;
  VarId fresh = g.freshVar("x");
  EXPECT_EQ(g.varName(fresh), "x.1");
  EXPECT_EQ(g.lookupVar("x"), x);
  EXPECT_FALSE(f.lookupVar("x.1").has_value());
  EXPECT_EQ(f.freshVar("x"), fresh); // same counter state, same next name
  EXPECT_EQ(f.varName(fresh), "x.1");
}

TEST(NameTable, AppendedNamesAreFoundOnceLookedUp) {
  NameTable t;
  EXPECT_EQ(t.intern("a"), 0u);
  // Enough names to grow the index while they wait for it.
  for (unsigned i = 1; i < 5000; ++i)
    ASSERT_EQ(t.appendNew("f." + std::to_string(i)), i);
  EXPECT_EQ(t.find("f.4999"), 4999u);
  EXPECT_EQ(t.intern("f.1"), 1u);
  EXPECT_EQ(t.insert("f.5000"), std::make_pair(5000u, true));
  EXPECT_EQ(t.appendNew("g.1"), 5001u);
  NameTable copy = t; // copied with its backlog
  EXPECT_EQ(copy.find("g.1"), 5001u);
  EXPECT_EQ(t.find("g.1"), 5001u);
  EXPECT_FALSE(t.contains("g.2"));
}

TEST(NameTable, LargestSuffixCountsNamesGivenByName) {
  NameTable t;
  t.intern("x");
  t.intern("y.");
  t.intern("z.a1");
  EXPECT_EQ(t.largestSuffix(), 0u);
  t.intern("v.12");
  t.intern("w.3");
  t.intern("u.07");
  EXPECT_EQ(t.largestSuffix(), 12u);
  t.appendNew("f.900"); // the caller's counter vouches for it
  EXPECT_EQ(t.largestSuffix(), 12u);
  t.intern("huge.123456789012345678901234567890");
  EXPECT_EQ(t.largestSuffix(), std::numeric_limits<uint64_t>::max());
}

// freshVar looks a candidate up only while some name given by name could
// equal it; past that it appends. Either way the names are those of trying
// hint.1, hint.2, ... in turn.
TEST(NameTable, FreshNamesSkipNamesGivenByName) {
  Function f;
  VarId x5 = f.var("x.5");
  std::vector<std::string> names;
  for (int i = 0; i < 6; ++i)
    names.push_back(f.varName(f.freshVar("x")));
  EXPECT_EQ(names, (std::vector<std::string>{"x.1", "x.2", "x.3", "x.4", "x.6", "x.7"}));
  EXPECT_EQ(f.lookupVar("x.5"), x5);
  VarId x7 = *f.lookupVar("x.7");
  EXPECT_EQ(f.var("x.7"), x7);
  VarId x9 = f.var("x.9"); // given by name: fresh names are looked up again
  EXPECT_EQ(x9, f.numVars() - 1);
  EXPECT_EQ(f.varName(f.freshVar("x")), "x.8");
  EXPECT_EQ(f.varName(f.freshVar("x")), "x.10");
  EXPECT_EQ(f.lookupVar("x.10"), f.numVars() - 1);
}

// A variable added by name without a lookup (toSSA's versions) still counts
// for the fresh names after it: freshVar skips it like one given by var().
TEST(NameTable, NewVariablesAddedWithoutLookupAreSkippedByFreshNames) {
  Function f;
  VarId x = f.var("x");
  VarId x2 = f.addNewVar("x.2");
  EXPECT_EQ(f.varName(x2), "x.2");
  EXPECT_EQ(f.lookupVar("x.2"), x2);
  EXPECT_EQ(f.lookupVar("x"), x);
  EXPECT_EQ(f.varName(f.freshVar("x")), "x.1");
  EXPECT_EQ(f.varName(f.freshVar("x")), "x.3");
}

// Reserving changes no id or lookup: variables added as new after
// reserveVars (the region scratch's way) are found and interned as before.
TEST(NameTable, ReservedVariablesGetTheSameIdsAndLookups) {
  Function f;
  f.reserveVars(3);
  EXPECT_EQ(f.numVars(), 0u);
  EXPECT_EQ(f.addNewVar("i"), 0u);
  EXPECT_EQ(f.addNewVar("n.1"), 1u);
  EXPECT_EQ(f.addNewVar("sum"), 2u);
  EXPECT_EQ(f.var("n.1"), 1u);
  EXPECT_EQ(f.var("x"), 3u); // past the reserve: grows as ever
  EXPECT_EQ(f.lookupVar("sum"), 2u);
  EXPECT_EQ(f.varName(0), "i");
}

// A variable added as known new (as out of SSA's versions are) is found by
// the next lookup, and its ending keeps fresh names from repeating it.
TEST(NameTable, NamesAddedAsNewAreFoundAndNotMadeAgain) {
  Function f;
  VarId a = f.var("a");
  std::vector<VarId> added;
  for (int i = 1; i <= 3000; ++i)
    added.push_back(f.addNewVar("x." + std::to_string(i)));
  EXPECT_EQ(added.front(), a + 1);
  EXPECT_EQ(f.lookupVar("x.3000"), added.back());
  EXPECT_EQ(f.var("x.17"), added[16]);
  // x.1 to x.3000 are taken: the first fresh x is x.3001.
  EXPECT_EQ(f.varName(f.freshVar("x")), "x.3001");
}

// A label given as new (as the reader gives each label) is as taken as one
// given through addBlock: fresh labels go around it.
TEST(NameTable, LabelsGivenAsNewAreNotMadeAgain) {
  Function f;
  f.addBlockWithNewLabel("x.1");
  f.addBlockWithNewLabel("x.3");
  EXPECT_EQ(f.labelOf(f.addFreshBlock("x")), "x.2");
  EXPECT_EQ(f.labelOf(f.addFreshBlock("x")), "x.4");
  EXPECT_EQ(f.labelOf(f.addBlockWithNewLabel("")), "");
}

} // namespace
} // namespace brisk
