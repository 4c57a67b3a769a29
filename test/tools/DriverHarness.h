// DriverHarness: runs the `brisk` driver (BRISK_BINARY) as a shell command in
// a fresh temporary folder and returns its stdout, stderr and exit status.
#pragma once

#include "test/SharedData.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace brisk::test {

struct Outcome {
  int status = -1;
  std::string out, err;
};

// A temporary folder removed at the end of the test, holding the programs
// and outputs of one test.
class DriverFixture : public ::testing::Test {
protected:
  void SetUp() override {
    static int n = 0;
    dir_ = std::filesystem::temp_directory_path() /
           ("brisk-tools-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::create_directories(dir_);
    // main(n) prints n + 1: its output shows which arguments reached main.
    write("p.bril", "@main(n: int) {\n  one: int = const 1;\n  x: int = add n one;\n"
                    "  print x;\n}\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string &name) const { return (dir_ / name).string(); }
  void write(const std::string &name, const std::string &text) const {
    std::ofstream(path(name), std::ios::binary) << text;
  }
  std::string read(const std::string &name) const { return readFile(path(name)); }

  // Runs `brisk ARGS` in the folder through the shell (so ARGS may redirect).
  Outcome brisk(const std::string &args) const {
    // Redirections inside ARGS (`> /dev/full`) come after ours and win.
    std::string cmd = "cd '" + dir_.string() + "' && '" + briskBinary().string() +
                      "' > .out 2> .err " + args;
    Outcome o;
    int st = std::system(cmd.c_str());
    o.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    o.out = read(".out");
    o.err = read(".err");
    return o;
  }

  std::filesystem::path dir_;
};

} // namespace brisk::test
