// DriverSupport: what every subcommand does the same way: read the input
// program (a file or stdin, either format), report its problems, and write
// output without ever leaving a partial file behind.
#pragma once

#include "backend/ChunkedText.h"
#include "ir/IR.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

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

// An input of only white space: prints "no program on stdin" (or that the
// file is empty) and returns true.
bool refuseBlankInput(const InputText &in);

// Reads and parses a program; prints every diagnostic on failure. With
// `typeCheck`, also runs the type checker and fails on type errors. An input
// of only white space is refused ("no program on stdin": most likely the
// program argument was forgotten) unless `allowEmpty`.
std::optional<Program> loadInputProgram(const std::string &path, bool typeCheck,
                                        bool allowEmpty = false);

// Leaves `program` to be freed by the process's exit rather than one
// allocation at a time: a subcommand ends right after its last use, and
// freeing a program of a million instructions took a fifth of `brisk ssa`'s
// time. A static pointer keeps it reachable, so leak checkers see no leak.
void keepUntilExit(std::optional<Program> &program);

// Writes `content` to `path` ("-" or empty for stdout). What `path` names
// decides how:
//   - a regular file, or a name that does not exist yet, is written
//     atomically: to a temporary file beside it, then renamed over it, so a
//     failure never leaves a partial output. A symlink is resolved first and
//     its target replaced, so the link stays a link;
//   - anything else (a FIFO, a terminal, /dev/null, /dev/stdout, /dev/fd/N)
//     is opened and written directly: replacing it would break whoever reads
//     it;
//   - "-", "/dev/stdout" and "/dev/stderr" are the streams brisk already has.
// Prints `error: cannot write PATH: REASON` and returns false on failure.
bool writeOutput(const std::string &path, const std::string &content);

// Takes the text of an output a chunk at a time; false means stop (the
// output failed). The writers in backend/ take the same sink (ChunkedText).
using OutputSink = TextSink;
// Hands an output's text to the sink it is given, in order; returns false
// when the sink did (it may stop there).
using OutputProducer = std::function<bool(const OutputSink &)>;
// writeOutput for text made piece by piece: the same destinations, the same
// atomic replacement of a regular file (a failure midway leaves the file as
// it was and no temporary behind), the same errors; the whole text is never
// held in memory. Every large output goes this way (opt, pgo, json, txt,
// ssa, dot): a program of a million instructions is 25 MB of text and
// 165 MB of JSON.
bool writeOutputInChunks(const std::string &path, const OutputProducer &produce);

// Flushes stdout (both the C++ stream and C stdio, which the interpreter
// writes to). On a write error prints `error: cannot write to stdout: REASON`
// and returns false. Every subcommand ends with it (main.cpp), so
// `brisk run < prog > /dev/full` fails as brili does.
bool flushStdout();

} // namespace brisk
