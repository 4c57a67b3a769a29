// DriverSupport: what every subcommand does the same way: read the input
// program (a file or stdin, either format), report its problems, and write
// output without ever leaving a partial file behind.
#pragma once

#include "ir/IR.h"

#include <optional>
#include <string>

namespace brisk {

struct InputText {
  std::string name;  // file name as given, or "<stdin>"
  std::string text;
};

// The largest input brisk reads; larger inputs are refused with an error
// instead of exhausting memory.
inline constexpr size_t kMaxInputBytes = size_t(1) << 30;

// Reads `path` ("-" or empty for stdin). On failure prints an error and
// returns nullopt.
std::optional<InputText> readInput(const std::string &path);

// Reads and parses a program; prints every diagnostic on failure. With
// `typeCheck`, also runs the type checker and fails on type errors.
std::optional<Program> loadInputProgram(const std::string &path, bool typeCheck);

// Writes `content` to `path` ("-" or empty for stdout). A file is written to a
// temporary name and renamed into place, so a failure never leaves a partial
// output. Prints an error and returns false on failure.
bool writeOutput(const std::string &path, const std::string &content);

} // namespace brisk
