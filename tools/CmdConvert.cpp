// `brisk json` and `brisk txt`: format conversion, drop-in for bril2json and
// bril2txt. Input in either format; no type check, so any program the
// reference tools convert converts here too.
#include "backend/JsonWriter.h"
#include "backend/TextPrinter.h"
#include "tools/DriverSupport.h"
#include "tools/Options.h"

#include <iostream>

namespace brisk {
namespace {

int convert(const std::vector<std::string> &args, const char *name, const char *what,
            std::string (*emit)(const Program &)) {
  Options opts(name, "[-o OUT] [INPUT]",
               std::string("Reads a Bril program (text or JSON) and writes it as ") + what + ".");
  opts.value("o", "FILE", "write to FILE instead of stdout");
  if (!opts.parse(args))
    return opts.helpRequested() ? 0 : 1;
  if (opts.positionals().size() > 1) {
    std::cerr << "error: brisk " << name << ": expected at most one input file\n";
    return 1;
  }
  std::string input = opts.positionals().empty() ? "-" : opts.positionals()[0];
  std::optional<Program> program = loadInputProgram(input, /*typeCheck=*/false);
  if (!program)
    return 2;
  return writeOutput(opts.get("o", "-"), emit(*program)) ? 0 : 2;
}

} // namespace

int runJsonCommand(const std::vector<std::string> &args) {
  return convert(args, "json", "Bril JSON", toJsonString);
}

int runTxtCommand(const std::vector<std::string> &args) {
  return convert(args, "txt", "Bril text", toText);
}

} // namespace brisk
