// PhiValue (transforms/scalar/PhiValue.h): the value a phi stands for, as
// copy propagation and GVN both ask it, through the caller's resolver.
#include "transforms/scalar/PhiValue.h"

#include <gtest/gtest.h>

#include <vector>

namespace brisk {
namespace {

TEST(PhiValueTest, OneValueBesidesItselfIsThePhisValue) {
  auto same = [](VarId a) { return a; };
  const VarId self = 9;
  EXPECT_EQ(phiValue(self, std::vector<VarId>{3, 3}, same), 3u);
  EXPECT_EQ(phiValue(self, std::vector<VarId>{self, 3, self}, same), 3u); // carried around a loop
  EXPECT_EQ(phiValue(self, std::vector<VarId>{3, 4}, same), kNoVar);
  EXPECT_EQ(phiValue(self, std::vector<VarId>{self, self}, same), kNoVar); // nothing but itself
  EXPECT_EQ(phiValue(self, std::vector<VarId>{}, same), kNoVar);
}

TEST(PhiValueTest, ArgumentsAreComparedThroughTheResolver) {
  // 1 and 2 are copies of 5; 7 resolves to the phi itself.
  auto leader = [](VarId a) -> VarId { return a == 1 || a == 2 ? 5 : a == 7 ? 9 : a; };
  EXPECT_EQ(phiValue(9, std::vector<VarId>{1, 2, 7}, leader), 5u);
  EXPECT_EQ(phiValue(9, std::vector<VarId>{1, 3}, leader), kNoVar);
  EXPECT_EQ(phiValue(9, std::vector<VarId>{7, 5}, leader), 5u);
}

} // namespace
} // namespace brisk
