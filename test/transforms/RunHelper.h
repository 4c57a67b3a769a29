// Test helper: runs a program under `brisk run -p` (BRISK_BINARY) and returns
// its stdout, exit status and total_dyn_inst, so semantic tests compare a
// program before and after a pass instead of hard-coding outputs; converts a
// program with `brisk ssa` into a temporary JSON file.
#pragma once

#include "backend/JsonWriter.h"
#include "test/SharedData.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace brisk::test {

struct RunResult {
  std::string out;
  int status = -1;
  long long dyn = -1;
};

inline std::string briskPath() { return briskBinary().string(); }

inline std::string tempPath(const std::string &tag) {
  static int n = 0;
  return (std::filesystem::temp_directory_path() /
          ("brisk-test-" + std::to_string(::getpid()) + "-" + tag + std::to_string(n++)))
      .string();
}

inline std::string slurp(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs a shell command with stdin from `inputFile`; stdout is returned and
// stderr saved to `errFile`.
inline int shell(const std::string &cmd, const std::string &inputFile, std::string &out,
                 const std::string &errFile) {
  std::string full = cmd + " < '" + inputFile + "' 2> '" + errFile + "'";
  FILE *p = ::popen(full.c_str(), "r");
  if (!p)
    return -1;
  std::array<char, 4096> buf;
  size_t k;
  while ((k = std::fread(buf.data(), 1, buf.size(), p)) > 0)
    out.append(buf.data(), k);
  int st = ::pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

inline RunResult runFile(const std::string &file, const std::string &args) {
  RunResult r;
  std::string err = tempPath("err");
  // (Built with append: GCC 12 warns falsely, -Wrestrict, on "literal" +
  // std::string temporaries at -O3.)
  r.status = shell(std::string("'").append(briskPath()).append("' run -p ").append(args), file,
                   r.out, err);
  std::string e = slurp(err);
  std::filesystem::remove(err);
  if (auto at = e.find("total_dyn_inst: "); at != std::string::npos)
    r.dyn = std::atoll(e.c_str() + at + 16);
  return r;
}

// What `brisk ssa --verify --format=json FLAGS` wrote for the program in
// `src`: the temporary JSON file (the caller removes it), the driver's exit
// status and its stderr.
struct SsaJson {
  std::string file;
  int status = -1;
  std::string errors;
};

inline SsaJson ssaJsonOf(const std::string &src, const std::string &flags) {
  SsaJson r;
  r.file = tempPath("ssa") + ".json";
  std::string out, err = tempPath("err");
  r.status = shell(std::string("'")
                       .append(briskPath())
                       .append("' ssa --verify --format=json ")
                       .append(flags)
                       .append(" -o '")
                       .append(r.file)
                       .append("'"),
                   src, out, err);
  r.errors = slurp(err);
  std::filesystem::remove(err);
  return r;
}

inline RunResult runProgram(const Program &p, const std::string &args) {
  std::string file = tempPath("prog") + ".json";
  {
    std::ofstream o(file);
    o << toJsonString(p);
  }
  RunResult r = runFile(file, args);
  std::filesystem::remove(file);
  return r;
}

} // namespace brisk::test
