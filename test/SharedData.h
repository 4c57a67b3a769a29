// SharedData: finding test inputs. The repo's own test programs are always
// there; ../shared (benchmarks, conformance programs) may not be, and tests
// over it skip cleanly when it is absent.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace brisk::test {

inline std::filesystem::path sourceDir() {
  const char *d = std::getenv("BRISK_SOURCE_DIR");
  return d ? d : ".";
}

// Empty when the shared data is not present.
inline std::filesystem::path sharedDir() {
  const char *d = std::getenv("BRISK_SHARED_DIR");
  if (!d || !std::filesystem::is_directory(d))
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
