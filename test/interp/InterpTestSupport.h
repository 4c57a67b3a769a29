// Helpers for the interpreter tests: run a program given as Bril text in
// process and capture what it prints; find the shared data and the driver.
#pragma once

#include "frontend/Loader.h"
#include "interp/Interpreter.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace brisk::test {

inline Program parse(const std::string &text) {
  Diagnostics diags("<test>");
  std::optional<Program> p = loadProgram(text, diags);
  if (!p || diags.hasErrors()) {
    std::ostringstream os;
    diags.print(os);
    ADD_FAILURE() << "test program does not load:\n" << os.str();
    return Program{};
  }
  return std::move(*p);
}

struct Outcome {
  interp::RunResult result;
  std::string out;
};

inline Outcome run(const Program &program, std::vector<std::string> args = {},
                   bool profile = false) {
  std::FILE *f = std::tmpfile();
  interp::RunOptions options;
  options.args = std::move(args);
  options.profile = profile;
  options.out = f;
  Outcome o{interp::runProgram(program, options), {}};
  std::rewind(f);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
    o.out.append(buf, n);
  std::fclose(f);
  return o;
}

inline Outcome runText(const std::string &text, std::vector<std::string> args = {},
                       bool profile = false) {
  return run(parse(text), std::move(args), profile);
}

// The shared data: $BRISK_SHARED_DIR, else the folder configured at build
// time (test discovery runs without CTest's environment, and the one-test-
// per-program list must be known then).
inline std::optional<std::filesystem::path> sharedDir() {
  const char *env = std::getenv("BRISK_SHARED_DIR");
  if (env && std::filesystem::is_directory(env))
    return std::filesystem::path(env);
#ifdef BRISK_CONFIGURED_SHARED_DIR
  if (std::filesystem::is_directory(BRISK_CONFIGURED_SHARED_DIR))
    return std::filesystem::path(BRISK_CONFIGURED_SHARED_DIR);
#endif
  return std::nullopt;
}

inline std::string readFile(const std::filesystem::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

} // namespace brisk::test
