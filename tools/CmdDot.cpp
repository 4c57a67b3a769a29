// `brisk dot`: the CFG of every function as Graphviz dot, one cluster per
// function, one box per block holding its instructions.
//
// Edges: solid for jumps and branches, dashed for fall-through, dotted for a
// guard's abort edge. With --profile=FILE (a profile of this very program,
// see docs/profile-format.md), edges carry their counts and a width that
// grows with the log of the count, and blocks are shaded by their share of
// the hottest block's count; blocks at half of it or more are "hot" and
// drawn bold.
#include "analysis/CFG.h"
#include "backend/BlockNames.h"
#include "backend/TextPrinter.h"
#include "interp/Profile.h"
#include "tools/DriverSupport.h"
#include "tools/Options.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace brisk {
namespace {

std::string escape(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

void writeFunction(const Function &f, const FunctionProfile *prof, bool instrs,
                   std::ostream &os) {
  std::vector<std::string> names = blockNames(f);
  CFG cfg(f);
  std::string fn = escape(f.name);
  auto node = [&](BlockId b) { return "\"" + fn + "." + std::to_string(b) + "\""; };
  uint64_t hottest = 0;
  if (prof)
    for (BlockId b : f.layout)
      hottest = std::max(hottest, prof->blockCount(b));
  os << "  subgraph \"cluster_" << fn << "\" {\n    label=\"@" << fn << "\";\n";
  for (BlockId b : f.layout) {
    std::ostringstream label;
    label << (names[b].empty() ? (b == f.entry() ? std::string("<entry>") : "<block " + std::to_string(b) + ">")
                               : "." + names[b]);
    if (prof)
      label << "  (" << prof->blockCount(b) << ")";
    label << "\\l";
    if (instrs)
      for (const Instr &in : f.block(b).instrs) {
        std::ostringstream text;
        printInstr(f, in, text);
        label << "  " << escape(text.str()) << "\\l";
      }
    os << "    " << node(b) << " [label=\"" << label.str() << "\"";
    if (prof && hottest > 0) {
      double share = double(prof->blockCount(b)) / double(hottest);
      char color[32];
      std::snprintf(color, sizeof color, "0.000 %.3f 1.000", share * 0.8);
      os << ", style=\"filled" << (share >= 0.5 ? ",bold" : "") << "\", fillcolor=\"" << color
         << "\"";
    }
    os << "];\n";
  }
  for (BlockId b : f.layout) {
    const Block &blk = f.block(b);
    const Instr *term = blk.terminator();
    for (BlockId s : cfg.succs(b)) {
      bool viaTerm = term && std::find(term->labels.begin(), term->labels.end(), s) != term->labels.end();
      bool fall = !term && s == fallthroughOf(f, b);
      os << "    " << node(b) << " -> " << node(s) << " [";
      std::string sep;
      if (!viaTerm && !fall) {
        os << "style=dotted";
        sep = ", ";
      } else if (fall) {
        os << "style=dashed";
        sep = ", ";
      }
      if (prof) {
        uint64_t n = prof->edgeCount(b, s);
        os << sep << "label=\"" << n << "\", penwidth=" << 1.0 + std::log10(1.0 + double(n));
      }
      os << "];\n";
    }
  }
  os << "  }\n";
}

} // namespace

int runDotCommand(const std::vector<std::string> &args) {
  Options opts("dot", "[--profile=FILE] [-o OUT] [INPUT]",
               "Writes the control-flow graph of every function as Graphviz dot\n"
               "(render with `dot -Tsvg`). With --profile, edges are weighted by their\n"
               "counts and hot blocks are highlighted.");
  opts.value("profile", "FILE", "a profile of this program (brisk run --profile-out)");
  opts.value("function", "NAME", "only this function");
  opts.flag("no-instrs", "blocks show only their label");
  opts.value("o", "FILE", "write to FILE instead of stdout");
  if (!opts.parse(args))
    return opts.helpRequested() ? 0 : 1;
  if (opts.positionals().size() > 1) {
    std::cerr << "error: brisk dot: expected at most one input file\n";
    return 1;
  }
  std::string input = opts.positionals().empty() ? "-" : opts.positionals()[0];
  std::optional<Program> program = loadInputProgram(input, /*typeCheck=*/false);
  if (!program)
    return 2;
  std::optional<Profile> profile;
  if (auto path = opts.get("profile")) {
    auto text = readInput(*path);
    if (!text)
      return 2;
    std::string error;
    profile = Profile::fromJson(text->text, error);
    if (!profile || !profile->matches(*program, error)) {
      std::cerr << "error: " << *path << ": " << error << "\n";
      return 2;
    }
  }
  std::string only = opts.get("function", "");
  std::ostringstream out;
  out << "digraph \"brisk\" {\n  node [shape=box, fontname=\"monospace\"];\n";
  bool found = only.empty();
  for (const Function &f : program->functions) {
    if (!only.empty() && f.name != only)
      continue;
    found = true;
    writeFunction(f, profile ? profile->function(f.name) : nullptr, !opts.has("no-instrs"), out);
  }
  out << "}\n";
  if (!found) {
    std::cerr << "error: brisk dot: no function @" << only << "\n";
    return 1;
  }
  return writeOutput(opts.get("o", "-"), out.str()) ? 0 : 2;
}

} // namespace brisk
