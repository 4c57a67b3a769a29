// Round trips over every shared program (bench and conformance):
//   text -> JSON equals the shipped .json (as JSON values);
//   JSON -> IR -> JSON is the identity;
//   JSON -> text -> JSON is the identity.
#include "backend/JsonWriter.h"
#include "backend/TextPrinter.h"
#include "frontend/JsonReader.h"
#include "frontend/TextParser.h"
#include "test/SharedData.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace brisk {
namespace {

using nlohmann::json;

std::vector<std::filesystem::path> sharedJsonPrograms() {
  auto shared = test::sharedDir();
  auto files = test::filesBelow(shared / "bench", ".json");
  auto conf = test::filesBelow(shared / "conformance", ".json");
  files.insert(files.end(), conf.begin(), conf.end());
  return files;
}

TEST(RoundTrip, TextToJsonMatchesShippedJson) {
  auto files = sharedJsonPrograms();
  if (files.empty())
    GTEST_SKIP() << "shared data not present";
  for (const auto &jsonPath : files) {
    auto textPath = std::filesystem::path(jsonPath).replace_extension(".bril");
    if (!std::filesystem::exists(textPath))
      continue;
    SCOPED_TRACE(textPath.string());
    Diagnostics diags(textPath.string());
    auto program = parseTextProgram(test::readFile(textPath), diags);
    ASSERT_TRUE(program.has_value()) << diags.format(diags.all().front());
    EXPECT_EQ(programToJson(*program), json::parse(test::readFile(jsonPath)));
  }
}

TEST(RoundTrip, JsonIdentityAndThroughText) {
  auto files = sharedJsonPrograms();
  if (files.empty())
    GTEST_SKIP() << "shared data not present";
  for (const auto &jsonPath : files) {
    SCOPED_TRACE(jsonPath.string());
    json original = json::parse(test::readFile(jsonPath));
    Diagnostics diags(jsonPath.string());
    auto program = readJsonProgram(test::readFile(jsonPath), diags);
    ASSERT_TRUE(program.has_value()) << diags.format(diags.all().front());
    EXPECT_EQ(programToJson(*program), original);
    // The streaming writer spells exactly what the DOM writer would.
    EXPECT_EQ(toJsonString(*program),
              programToJson(*program).dump(2, ' ', false, json::error_handler_t::replace) + "\n");

    std::string text = toText(*program);
    Diagnostics textDiags("<printed>");
    auto reparsed = parseTextProgram(text, textDiags);
    ASSERT_TRUE(reparsed.has_value()) << textDiags.format(textDiags.all().front()) << "\n"
                                      << text;
    EXPECT_EQ(programToJson(*reparsed), original) << text;
  }
}

} // namespace
} // namespace brisk
