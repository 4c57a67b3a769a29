// What brisk does with the file named by -o and --remarks (tools/DriverSupport.h
// writeOutput) and with an output stream that fails.
#include "test/tools/DriverHarness.h"

#include <sys/stat.h>
#include <thread>

namespace brisk::test {
namespace {

using OutputFiles = DriverFixture;

TEST_F(OutputFiles, RegularFileIsReplacedWholeAndKeepsItsMode) {
  write("out.bril", "old contents\n");
  ::chmod(path("out.bril").c_str(), 0640);
  Outcome o = brisk("txt -o out.bril p.bril");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(read("out.bril"), read("p.bril"));
  struct stat st;
  ASSERT_EQ(::stat(path("out.bril").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  // No temporary file is left beside it.
  int files = 0;
  for (auto &e : std::filesystem::directory_iterator(dir_))
    files += e.path().filename().string().find(".tmp") != std::string::npos;
  EXPECT_EQ(files, 0);
}

TEST_F(OutputFiles, SymlinkStaysALinkAndItsTargetGetsTheOutput) {
  write("target.bril", "old contents\n");
  std::filesystem::create_symlink("target.bril", path("link.bril"));
  Outcome o = brisk("txt -o link.bril p.bril");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_TRUE(std::filesystem::is_symlink(path("link.bril")));
  EXPECT_EQ(read("target.bril"), read("p.bril"));
}

TEST_F(OutputFiles, DanglingSymlinkCreatesItsTarget) {
  std::filesystem::create_directories(path("sub"));
  std::filesystem::create_symlink("sub/new.bril", path("link.bril"));
  Outcome o = brisk("txt -o link.bril p.bril");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_TRUE(std::filesystem::is_symlink(path("link.bril")));
  EXPECT_EQ(read("sub/new.bril"), read("p.bril"));
}

TEST_F(OutputFiles, FifoIsWrittenNotReplaced) {
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  std::string received;
  // The reader opens the FIFO as a user's `cat fifo` would; it would block
  // forever if brisk replaced the FIFO by a file.
  std::thread reader([&] { received = readFile(path("fifo")); });
  Outcome o = brisk("txt -o fifo p.bril");
  reader.join();
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(received, read("p.bril"));
  struct stat st;
  ASSERT_EQ(::lstat(path("fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST_F(OutputFiles, RemarksToAFifoAndProgramToAFile) {
  ASSERT_EQ(::mkfifo(path("remarks").c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = readFile(path("remarks")); });
  Outcome o = brisk("pgo 7 --remarks=remarks -o out.json < p.bril");
  reader.join();
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(read("out.json").find("\"functions\""), std::string::npos);
  struct stat st;
  ASSERT_EQ(::lstat(path("remarks").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST_F(OutputFiles, CharacterDevicesAndStdoutAreWrittenDirectly) {
  Outcome o = brisk("txt -o /dev/null p.bril");
  EXPECT_EQ(o.status, 0) << o.err;
  o = brisk("txt -o /dev/stdout p.bril");
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, read("p.bril"));
  o = brisk("txt -o - p.bril");
  EXPECT_EQ(o.out, read("p.bril"));
}

TEST_F(OutputFiles, FullDeviceIsAnError) {
  Outcome o = brisk("run 7 < p.bril > /dev/full");
  EXPECT_EQ(o.status, 2);
  EXPECT_EQ(o.err.rfind("error: ", 0), 0u) << o.err;
  for (const char *cmd : {"txt p.bril > /dev/full", "json -o /dev/full p.bril",
                          "pgo 7 < p.bril > /dev/full", "ssa p.bril > /dev/full",
                          "dot p.bril > /dev/full", "check p.bril -o /dev/full",
                          "gen --seed=1 > /dev/full"}) {
    Outcome c = brisk(cmd);
    if (std::string(cmd).rfind("check", 0) == 0) {
      EXPECT_EQ(c.status, 2) << cmd; // check has no -o: a usage error
      continue;
    }
    EXPECT_EQ(c.status, 2) << cmd;
    EXPECT_NE(c.err.find("error: "), std::string::npos) << cmd << ": " << c.err;
  }
}

TEST_F(OutputFiles, MissingFolderIsAnErrorAndLeavesNothing) {
  Outcome o = brisk("txt -o no/such/dir/out.bril p.bril");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("error: cannot write no/such/dir/out.bril"), std::string::npos) << o.err;
}

TEST_F(OutputFiles, ProgramIsWrittenEvenWhenTheRemarksCannotBe) {
  Outcome o = brisk("pgo 7 --remarks=no/such/dir/r.jsonl -o out.json < p.bril");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("error: cannot write no/such/dir/r.jsonl"), std::string::npos) << o.err;
  EXPECT_NE(read("out.json").find("\"functions\""), std::string::npos);
  // The same with the program on stdout.
  o = brisk("pgo 7 --format=text --remarks=no/such/dir/r.jsonl < p.bril");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.out.find("@main"), std::string::npos);
}

// `pgo` hands its JSON to the file in chunks: a write that fails after the
// first chunks went out must still leave the old file whole and no temporary.
TEST_F(OutputFiles, WriteFailingMidwayKeepsTheOldFile) {
  // 60,000 instructions: a few megabytes of JSON, many chunks.
  std::string prog = "@main(n: int) {\n";
  for (int i = 0; i < 30000; ++i) {
    std::string x = std::to_string(i);
    prog.append("  x").append(x).append(": int = add n n;\n  print x").append(x).append(";\n");
  }
  prog += "}\n";
  write("big.bril", prog);
  Outcome whole = brisk("pgo 7 -o whole.json < big.bril");
  ASSERT_EQ(whole.status, 0) << whole.err;
  ASSERT_GT(read("whole.json").size(), 2u << 20);
  write("out.json", "old contents\n");
  // Files may grow to 1 MiB; a larger write fails with EFBIG (SIGXFSZ
  // ignored) once the first chunks are in the temporary file.
  std::string cmd = "cd '" + dir_.string() + "' && (trap '' XFSZ; ulimit -f 1024; '" +
                    briskBinary().string() + "' pgo 7 -o out.json < big.bril) > .out 2> .err";
  int st = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 2);
  EXPECT_NE(read(".err").find("error: cannot write out.json"), std::string::npos) << read(".err");
  EXPECT_EQ(read("out.json"), "old contents\n");
  int files = 0;
  for (auto &e : std::filesystem::directory_iterator(dir_))
    files += e.path().filename().string().find(".tmp") != std::string::npos;
  EXPECT_EQ(files, 0);
  // Written whole, the chunks make the same file as stdout does.
  Outcome out = brisk("pgo 7 < big.bril");
  ASSERT_EQ(out.status, 0) << out.err;
  EXPECT_EQ(out.out, read("whole.json"));
}

TEST_F(OutputFiles, DirectoryIsRefused) {
  std::filesystem::create_directories(path("d"));
  Outcome o = brisk("txt -o d p.bril");
  EXPECT_EQ(o.status, 2);
  EXPECT_TRUE(std::filesystem::is_directory(path("d")));
}

} // namespace
} // namespace brisk::test
