// brili's JavaScript number conventions: float printing and main arguments.
#include "interp/JsNumbers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace brisk::interp {
namespace {

TEST(JsNumbers, FormatsFloatsAsToFixedOrToExponential) {
  EXPECT_EQ(formatFloat(0.0), "0.00000000000000000");
  EXPECT_EQ(formatFloat(-0.0), "-0.00000000000000000");
  EXPECT_EQ(formatFloat(1e6), "1000000.00000000000000000");
  EXPECT_EQ(formatFloat(-0.3), "-0.29999999999999999");
  EXPECT_EQ(formatFloat(1e10), "1.00000000000000000e+10");
  EXPECT_EQ(formatFloat(9999999999.0), "9999999999.00000000000000000");
  EXPECT_EQ(formatFloat(1e-10), "1.00000000000000004e-10");
  EXPECT_EQ(formatFloat(1e-21), "9.99999999999999908e-22");
  EXPECT_EQ(formatFloat(1.1e11), "1.10000000000000000e+11");
  EXPECT_EQ(formatFloat(std::numeric_limits<double>::denorm_min()), "4.94065645841246544e-324");
  EXPECT_EQ(formatFloat(std::nan("")), "NaN");
  EXPECT_EQ(formatFloat(-std::numeric_limits<double>::infinity()), "-Infinity");
}

TEST(JsNumbers, RoundsExactTiesAwayFromZero) {
  // 2^-18 = 0.000003814697265625: the digit after the 17th decimal is a
  // final 5; JavaScript rounds up where printf would round to even.
  EXPECT_EQ(formatFloat(std::ldexp(1.0, -18)), "0.00000381469726563");
  EXPECT_EQ(formatFloat(-std::ldexp(1.0, -18)), "-0.00000381469726563");
  EXPECT_EQ(formatFloat(0.99999999999999999999), "1.00000000000000000");
}

TEST(JsNumbers, ParsesIntArgumentsLikeNumberThenBigInt) {
  std::string error;
  auto i = [&](const char *s) {
    auto v = parseMainArgument(s, Type::intTy(), error);
    return v ? v->i : INT64_MIN;
  };
  EXPECT_EQ(i("42"), 42);
  EXPECT_EQ(i(" -7 "), -7);
  EXPECT_EQ(i("0x1f"), 31);
  EXPECT_EQ(i("0b101"), 5);
  EXPECT_EQ(i("1e3"), 1000);
  EXPECT_EQ(i(""), 0);
  EXPECT_EQ(i("9007199254740993"), 9007199254740992); // through a double
  EXPECT_FALSE(parseMainArgument("1.5", Type::intTy(), error));
  EXPECT_FALSE(parseMainArgument("abc", Type::intTy(), error));
}

TEST(JsNumbers, ParsesFloatArgumentsWhenParseFloatAndNumberAgree) {
  std::string error;
  auto f = [&](const char *s) { return parseMainArgument(s, Type::floatTy(), error); };
  EXPECT_EQ(f("-0.3")->f, -0.3);
  EXPECT_TRUE(std::signbit(f("-0")->f));
  EXPECT_EQ(f("Infinity")->f, std::numeric_limits<double>::infinity());
  EXPECT_EQ(f(".5")->f, 0.5);
  EXPECT_FALSE(f("1.5abc")); // parseFloat stops, Number fails
  EXPECT_FALSE(f("NaN"));
  EXPECT_EQ(error, "float argument to main must not be 'NaN'; got NaN");
}

} // namespace
} // namespace brisk::interp
