// NameTable: dense ids in insertion order, lookups that agree with interning
// through growth, and copies that are independent of the original.
#include "ir/IR.h"
#include "ir/NameTable.h"

#include <gtest/gtest.h>

#include <string>

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

} // namespace
} // namespace brisk
