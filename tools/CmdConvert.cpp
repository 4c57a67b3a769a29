// `brisk json` and `brisk txt`: format conversion, drop-in for bril2json and
// bril2txt. Input in either format; no type check, so any program the
// reference tools convert converts here too.
#include "backend/JsonWriter.h"
#include "backend/TextPrinter.h"
#include "tools/DriverSupport.h"
#include "tools/Options.h"
#include "tools/Subcommand.h"

#include <iostream>

namespace brisk {
namespace {

int convert(const std::vector<std::string> &args, const char *name, const char *what,
            bool (*writeChunks)(const Program &, const TextSink &),
            std::string (*emitWithPositions)(const Program &) = nullptr) {
  Options opts(name, "[-o OUT] [INPUT]",
               std::string("Reads a Bril program (text or JSON) and writes it as ") + what + ".");
  opts.value("o", "FILE", "write to FILE instead of stdout");
  if (emitWithPositions)
    opts.flag("p", "keep source positions: a \"pos\" on every function, label and\n"
                   "                            instruction (bril2json -p)");
  if (!opts.parse(args))
    return opts.helpRequested() ? kExitOk : kExitError;
  if (opts.positionals().size() > 1) {
    std::cerr << "error: brisk " << name << ": expected at most one input file\n";
    return kExitError;
  }
  std::string input = opts.positionals().empty() ? "-" : opts.positionals()[0];
  // An empty input converts to an empty program, as with bril2json.
  std::optional<Program> program =
      loadInputProgram(input, /*typeCheck=*/false, /*allowEmpty=*/true);
  if (!program)
    return kExitError;
  if (opts.has("p"))
    return writeOutput(opts.get("o", "-"), emitWithPositions(*program)) ? kExitOk : kExitError;
  bool written = writeOutputInChunks(opts.get("o", "-"), [&](const OutputSink &sink) {
    return writeChunks(*program, sink);
  });
  return written ? kExitOk : kExitError;
}

} // namespace

int runJsonCommand(const std::vector<std::string> &args) {
  return convert(args, "json", "Bril JSON", writeJsonChunks, toJsonStringWithPositions);
}

int runTxtCommand(const std::vector<std::string> &args) {
  return convert(args, "txt", "Bril text", writeTextChunks);
}

} // namespace brisk
