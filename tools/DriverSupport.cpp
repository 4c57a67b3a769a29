#include "tools/DriverSupport.h"

#include "frontend/Loader.h"
#include "frontend/TypeChecker.h"
#include "ir/Diagnostics.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace brisk {

std::optional<InputText> readInput(const std::string &path) {
  bool fromStdin = path.empty() || path == "-";
  InputText in{fromStdin ? "<stdin>" : path, {}};
  FILE *f = fromStdin ? stdin : std::fopen(path.c_str(), "rb");
  if (!f) {
    std::cerr << "error: cannot open " << path << ": " << std::strerror(errno) << "\n";
    return std::nullopt;
  }
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    if (in.text.size() + n > kMaxInputBytes) {
      std::cerr << "error: " << in.name << ": input larger than " << (kMaxInputBytes >> 20)
                << " MiB\n";
      if (!fromStdin)
        std::fclose(f);
      return std::nullopt;
    }
    in.text.append(buf, n);
  }
  bool failed = std::ferror(f);
  if (!fromStdin)
    std::fclose(f);
  if (failed) {
    std::cerr << "error: cannot read " << in.name << "\n";
    return std::nullopt;
  }
  return in;
}

std::optional<Program> loadInputProgram(const std::string &path, bool check) {
  auto in = readInput(path);
  if (!in)
    return std::nullopt;
  Diagnostics diags(in->name);
  std::optional<Program> program = loadProgram(in->text, diags);
  if (program && check)
    typeCheck(*program, diags);
  if (diags.hasErrors()) {
    diags.print(std::cerr);
    return std::nullopt;
  }
  return program;
}

bool writeOutput(const std::string &path, const std::string &content) {
  if (path.empty() || path == "-") {
    std::cout.write(content.data(), std::streamsize(content.size()));
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "error: cannot write to stdout\n";
      return false;
    }
    return true;
  }
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(content.data(), std::streamsize(content.size()));
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      std::cerr << "error: cannot write " << path << "\n";
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    std::cerr << "error: cannot write " << path << ": " << std::strerror(errno) << "\n";
    return false;
  }
  return true;
}

} // namespace brisk
