// Test helper: a Program from Bril text, failing the test on parse errors.
#pragma once

#include "frontend/TextParser.h"
#include "ir/Diagnostics.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace brisk::test {

inline Program parseOrDie(const std::string &text) {
  Diagnostics diags("<test>");
  std::optional<Program> p = parseTextProgram(text, diags);
  std::ostringstream os;
  diags.print(os);
  EXPECT_TRUE(p.has_value()) << os.str();
  EXPECT_FALSE(diags.hasErrors()) << os.str();
  return p ? std::move(*p) : Program{};
}

inline BlockId blockNamed(const Function &f, const std::string &label) {
  std::optional<BlockId> b = f.findBlock(label);
  EXPECT_TRUE(b.has_value()) << "no block ." << label;
  return b.value_or(0);
}

} // namespace brisk::test
