// SharedData: finding test inputs. The repo's own test programs are always
// there; ../shared (benchmarks, conformance programs) may not be, and tests
// over it skip cleanly when it is absent.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace brisk::test {

// An environment variable, or the value compiled in by test/CMakeLists.txt.
inline std::string setting(const char *envName, const char *compiledIn) {
  const char *v = std::getenv(envName);
  return v && *v ? v : compiledIn;
}

#ifndef BRISK_TEST_SOURCE_DIR
#define BRISK_TEST_SOURCE_DIR "."
#endif
#ifndef BRISK_TEST_SHARED_DIR
#define BRISK_TEST_SHARED_DIR ""
#endif
#ifndef BRISK_TEST_BINARY
#define BRISK_TEST_BINARY "brisk"
#endif

inline std::filesystem::path sourceDir() {
  return setting("BRISK_SOURCE_DIR", BRISK_TEST_SOURCE_DIR);
}

// The `brisk` driver under test.
inline std::filesystem::path briskBinary() { return setting("BRISK_BINARY", BRISK_TEST_BINARY); }

// Empty when the shared data is not present.
inline std::filesystem::path sharedDir() {
  std::string d = setting("BRISK_SHARED_DIR", BRISK_TEST_SHARED_DIR);
  if (d.empty() || !std::filesystem::is_directory(d))
    return {};
  return d;
}

inline std::string readFile(const std::filesystem::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every file with extension `ext` below `root`, sorted.
inline std::vector<std::filesystem::path> filesBelow(const std::filesystem::path &root,
                                                     const std::string &ext) {
  std::vector<std::filesystem::path> out;
  if (root.empty() || !std::filesystem::is_directory(root))
    return out;
  for (auto &e : std::filesystem::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().extension() == ext)
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace brisk::test
