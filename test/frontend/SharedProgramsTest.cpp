// The frontend on every shared benchmark and conformance program: the text
// parser must build exactly the program the reference bril2json built (the
// .json next to each .bril), and every program the reference interpreter runs
// to completion must type-check. Skips when the shared data is absent.
#include "FrontendTestSupport.h"

#include "frontend/TypeChecker.h"

#include <algorithm>

namespace brisk::test {
namespace {

namespace fs = std::filesystem;

// Every .bril under bench/ and conformance/ that has a .json twin.
std::vector<fs::path> sharedPrograms(const fs::path &shared) {
  std::vector<fs::path> out;
  for (const char *sub : {"bench", "conformance"}) {
    if (!fs::is_directory(shared / sub))
      continue;
    for (const auto &e : fs::recursive_directory_iterator(shared / sub))
      if (e.path().extension() == ".bril" && fs::exists(fs::path(e.path()).replace_extension(".json")))
        out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SharedPrograms, TextParsesToTheReferenceJson) {
  auto shared = sharedDirIfPresent();
  if (!shared)
    GTEST_SKIP() << "BRISK_SHARED_DIR not available";
  std::vector<fs::path> programs = sharedPrograms(*shared);
  ASSERT_GT(programs.size(), 100u) << "expected the shared benchmarks and conformance programs";
  for (const fs::path &bril : programs) {
    SCOPED_TRACE(bril.string());
    Diagnostics textDiags(bril.string()), jsonDiags(bril.string());
    std::optional<Program> fromText = parseTextProgram(readFile(bril), textDiags);
    std::optional<Program> fromJson =
        readJsonProgram(readFile(fs::path(bril).replace_extension(".json")), jsonDiags);
    ASSERT_TRUE(fromText) << messages(textDiags);
    ASSERT_TRUE(fromJson) << messages(jsonDiags);
    EXPECT_EQ(structure(*fromText), structure(*fromJson));
  }
}

// Conformance programs whose reference run fails for a reason the type
// checker sees statically; every other program must be well typed.
bool expectedTypeError(const std::string &rel) {
  static const char *const kStatic[] = {
      "core-error/call-nonvoid-return-nothing-error", "core-error/call-return-nothing-error",
      "core-error/call-return-wrong-type",            "core-error/call-void-return-error",
      "core-error/call-wrong-argument-types",         "core-error/call-wrong-arity",
      "core-error/call-wrong-declared-type",          "core-error/duplicate_function",
      "core-error/duplicate_main",                    "core-error/undefined-func",
      "mem-error/wrong_write",
  };
  for (const char *s : kStatic)
    if (rel.find(s) != std::string::npos)
      return true;
  return false;
}

TEST(SharedPrograms, RunnableProgramsTypeCheckAndStaticErrorsAreCaught) {
  auto shared = sharedDirIfPresent();
  if (!shared)
    GTEST_SKIP() << "BRISK_SHARED_DIR not available";
  int rejected = 0;
  for (const fs::path &bril : sharedPrograms(*shared)) {
    std::string rel = fs::relative(bril, *shared).string();
    SCOPED_TRACE(rel);
    Diagnostics diags(rel);
    std::optional<Program> p = parseTextProgram(readFile(bril), diags);
    ASSERT_TRUE(p) << messages(diags);
    bool ok = typeCheck(*p, diags);
    if (expectedTypeError(rel)) {
      EXPECT_FALSE(ok) << "expected a static type error";
      rejected += !ok;
    } else {
      EXPECT_TRUE(ok) << messages(diags);
    }
  }
  EXPECT_EQ(rejected, 11);
}

} // namespace
} // namespace brisk::test
