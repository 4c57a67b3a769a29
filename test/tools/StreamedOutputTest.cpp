// Every large output goes to its file in chunks (tools/DriverSupport.h
// writeOutputInChunks, backend/ChunkedText.h): opt's JSON and text, the
// conversions, ssa's dump, JSON and round trip, dot's graph. Each must keep
// writeOutput's promise: a write that fails after the first chunks went out
// leaves the old file whole and no temporary, and written whole, the chunks
// make exactly what stdout gets.
#include "test/tools/DriverHarness.h"

namespace brisk::test {
namespace {

class StreamedOutput : public DriverFixture,
                       public ::testing::WithParamInterface<const char *> {
protected:
  // 120,000 instructions: a few megabytes in every format, many chunks.
  void SetUp() override {
    DriverFixture::SetUp();
    // A chain of sums, each printed: nothing folds or merges, so the
    // optimized program is as large as this one.
    std::string prog = "@main(n: int) {\n  x0: int = id n;\n";
    for (int i = 1; i <= 60000; ++i) {
      std::string x = std::to_string(i), prev = std::to_string(i - 1);
      prog.append("  x").append(x).append(": int = add n x").append(prev).append(";\n");
      prog.append("  print x").append(x).append(";\n");
    }
    prog += "}\n";
    write("big.bril", prog);
  }

  int countTemporaries() const {
    int files = 0;
    for (auto &e : std::filesystem::directory_iterator(dir_))
      files += e.path().filename().string().find(".tmp") != std::string::npos;
    return files;
  }
};

TEST_P(StreamedOutput, WriteFailingMidwayKeepsTheOldFile) {
  std::string command = GetParam();
  Outcome whole = brisk(command + " -o whole.out < big.bril");
  ASSERT_EQ(whole.status, 0) << whole.err;
  // Larger than the file size limit below by more than a chunk (256 KiB), so
  // the limit is hit after chunks were written, not at the first one.
  ASSERT_GT(read("whole.out").size(), 2u << 20);

  write("out", "old contents\n");
  // Files may grow to 1 MiB; a larger write fails with EFBIG (SIGXFSZ
  // ignored) once the first chunks are in the temporary file.
  std::string cmd = "cd '" + dir_.string() + "' && (trap '' XFSZ; ulimit -f 1024; '" +
                    briskBinary().string() + "' " + command +
                    " -o out < big.bril) > .out 2> .err";
  int st = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 2);
  EXPECT_NE(read(".err").find("error: cannot write out"), std::string::npos) << read(".err");
  EXPECT_EQ(read("out"), "old contents\n");
  EXPECT_EQ(countTemporaries(), 0);

  // Written whole, the chunks make the same text as stdout gets.
  Outcome out = brisk(command + " < big.bril");
  ASSERT_EQ(out.status, 0) << out.err;
  EXPECT_EQ(out.out, read("whole.out"));
}

INSTANTIATE_TEST_SUITE_P(EveryStreamedOutput, StreamedOutput,
                         ::testing::Values("pgo 7 --format=text", "txt", "json", "ssa",
                                           "ssa --format=json", "ssa --round-trip", "dot"),
                         [](const ::testing::TestParamInfo<const char *> &info) {
                           std::string name;
                           for (const char *c = info.param; *c; ++c)
                             if (std::isalnum(static_cast<unsigned char>(*c)))
                               name += *c;
                           return name;
                         });

} // namespace
} // namespace brisk::test
