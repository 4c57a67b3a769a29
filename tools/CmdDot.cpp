// `brisk dot`: the CFG of every function as Graphviz dot, one cluster per
// function, one box per block holding its instructions.
//
// Edges: solid for jumps and branches, dashed for fall-through, and, for a
// guard, a red dotted edge to its recovery label (the guard fails: variables
// go back to their `speculate` values and control goes there). A speculative
// region, the blocks control passes through from a `speculate` until its
// `commit` (guard failure edges leave it), is drawn as a cluster of its own
// inside the function's; a block reached from two speculates sits in the
// first one's. A legend cluster names the edge styles. With --profile=FILE
// (a profile of this very program, see docs/profile-format.md), edges carry
// their counts and a width that grows with the log of the count, and blocks
// are shaded by their share of the hottest block's count; blocks at half of
// it or more are "hot" and drawn bold.
#include "analysis/CFG.h"
#include "ir/BlockNames.h"
#include "backend/TextPrinter.h"
#include "interp/Profile.h"
#include "tools/DriverSupport.h"
#include "tools/Options.h"
#include "tools/Subcommand.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace brisk {
namespace {

// Appends `s` with '"' and '\\' escaped, as a dot string needs.
void appendEscaped(std::string &out, std::string_view s) {
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
}

std::string escape(std::string_view s) {
  std::string out;
  appendEscaped(out, s);
  return out;
}

void appendNumber(std::string &out, uint64_t v) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
  out.append(digits, end);
}

// Speculative regions: for every `speculate`, in layout order, the blocks
// control passes through from it along jumps, branches and fall-through until
// a `commit`, without following guard failure edges (they leave the region).
// Returns, per block, the index of the first region it belongs to, or -1; and
// per region, the block of its `speculate`.
struct Regions {
  std::vector<int> regionOf;
  std::vector<BlockId> start;
};

Regions findRegions(const Function &f) {
  Regions r;
  r.regionOf.assign(f.blocks.size(), -1);
  std::vector<BlockId> fallsTo = fallthroughs(f);
  // The last region each block was reached in: one vector for every
  // speculate, not one per speculate (which was quadratic in an optimized
  // function full of them).
  std::vector<int> seenIn(f.blocks.size(), -1);
  std::vector<std::pair<BlockId, size_t>> work;
  for (BlockId b : f.layout) {
    const std::vector<Instr> &instrs = f.block(b).instrs;
    for (size_t i = 0; i < instrs.size(); ++i) {
      if (instrs[i].op != Opcode::Speculate)
        continue;
      int region = int(r.start.size());
      r.start.push_back(b);
      work.assign(1, {b, i + 1});
      seenIn[b] = region;
      while (!work.empty()) {
        auto [block, from] = work.back();
        work.pop_back();
        if (r.regionOf[block] < 0)
          r.regionOf[block] = region;
        const std::vector<Instr> &body = f.block(block).instrs;
        bool committed = false;
        for (size_t k = from; k < body.size() && !committed; ++k)
          committed = body[k].op == Opcode::Commit;
        if (committed)
          continue;
        const Instr *term = f.block(block).terminator();
        BlockList next;
        if (term)
          next.append(term->labels.begin(), term->labels.end());
        else if (BlockId fall = fallsTo[block]; fall != kNoBlock)
          next.push_back(fall);
        for (BlockId s : next)
          if (seenIn[s] != region) {
            seenIn[s] = region;
            work.push_back({s, 0});
          }
      }
    }
  }
  return r;
}

// Appends to a ChunkedText, handed over a block at a time: an ostringstream
// per block and per instruction cost more than the graph's content on
// programs of a million instructions, and the whole graph is never held.
void writeFunction(const Function &f, const FunctionProfile *prof, bool instrs,
                   ChunkedText &chunks) {
  std::string &out = chunks.out;
  bool guards = false;
  std::vector<std::string> names = blockNames(f, &guards);
  CFG cfg(f, guards ? CFG::Guards::Scan : CFG::Guards::Absent);
  std::string fn = escape(f.name);
  auto node = [&](BlockId b) {
    out += '"';
    out += fn;
    out += '.';
    appendNumber(out, b);
    out += '"';
  };
  auto title = [&](BlockId b) { return blockRef(f, names, b); };
  uint64_t hottest = 0;
  if (prof)
    for (BlockId b : f.layout)
      hottest = std::max(hottest, prof->blockCount(b));
  Regions regions = findRegions(f);
  out += "  subgraph \"cluster_";
  out += fn;
  out += "\" {\n    label=\"@";
  out += fn;
  out += "\";\n";
  std::string text;
  auto writeNode = [&](BlockId b, const char *indent) {
    out += indent;
    node(b);
    out += " [label=\"";
    out += title(b);
    if (prof) {
      out += "  (";
      appendNumber(out, prof->blockCount(b));
      out += ')';
    }
    out += "\\l";
    if (instrs)
      for (const Instr &in : f.block(b).instrs) {
        text.clear();
        appendInstr(f, in, names, text);
        out += "  ";
        appendEscaped(out, text);
        out += "\\l";
      }
    out += '"';
    if (prof && hottest > 0) {
      double share = double(prof->blockCount(b)) / double(hottest);
      char color[32];
      std::snprintf(color, sizeof color, "0.000 %.3f 1.000", share * 0.8);
      out += ", style=\"filled";
      out += share >= 0.5 ? ",bold" : "";
      out += "\", fillcolor=\"";
      out += color;
      out += '"';
    }
    out += "];\n";
    chunks.handOverIfFull();
  };
  for (BlockId b : f.layout)
    if (regions.regionOf[b] < 0)
      writeNode(b, "    ");
  // The blocks of each region, in layout order.
  std::vector<std::vector<BlockId>> members(regions.start.size());
  for (BlockId b : f.layout)
    if (regions.regionOf[b] >= 0)
      members[size_t(regions.regionOf[b])].push_back(b);
  for (size_t r = 0; r < regions.start.size(); ++r) {
    if (members[r].empty())
      continue;
    out += "    subgraph \"cluster_";
    out += fn;
    out += ".speculation";
    appendNumber(out, r);
    out += "\" {\n      label=\"speculation from ";
    appendEscaped(out, title(regions.start[r]));
    out += "\";\n      style=\"rounded,filled\";\n      color=\"darkorange\";\n"
           "      fillcolor=\"#fff7e6\";\n";
    for (BlockId b : members[r])
      writeNode(b, "      ");
    out += "    }\n";
  }
  std::vector<BlockId> guardTargets;
  for (BlockId b : f.layout) {
    const Block &blk = f.block(b);
    const Instr *term = blk.terminator();
    BlockId fallTo = term ? kNoBlock : cfg.fallthrough(b);
    guardTargets.clear();
    for (const Instr &in : blk.instrs)
      if (in.op == Opcode::Guard && !in.labels.empty())
        guardTargets.push_back(in.labels[0]);
    for (BlockId s : cfg.succs(b)) {
      bool viaTerm = term && std::find(term->labels.begin(), term->labels.end(), s) != term->labels.end();
      bool fall = s == fallTo;
      bool viaGuard = std::find(guardTargets.begin(), guardTargets.end(), s) != guardTargets.end();
      auto count = [&](const char *sep) {
        if (!prof)
          return;
        uint64_t n = prof->edgeCount(b, s);
        out += sep;
        out += "label=\"";
        appendNumber(out, n);
        out += "\", penwidth=";
        // What an ostream prints by default: %g, six significant digits.
        char width[32];
        std::snprintf(width, sizeof width, "%g", 1.0 + std::log10(1.0 + double(n)));
        out += width;
      };
      if (viaTerm || fall) {
        out += "    ";
        node(b);
        out += " -> ";
        node(s);
        out += " [";
        if (fall)
          out += "style=dashed";
        count(fall ? ", " : "");
        out += "];\n";
      }
      if (viaGuard || (!viaTerm && !fall)) {
        // A guard edge that shares its target with a jump carries no count of
        // its own: the profile counts the pair as one edge.
        out += "    ";
        node(b);
        out += " -> ";
        node(s);
        out += " [style=dotted, color=\"red\", fontcolor=\"red\", arrowhead=empty";
        if (!viaTerm && !fall)
          count(", ");
        out += "];\n";
      }
    }
    chunks.handOverIfFull();
    if (!chunks.ok())
      return; // nothing more is handed over
  }
  out += "  }\n";
}

// The legend: one sample edge per style, and a sample region cluster.
void writeLegend(std::string &out) {
  out += "  subgraph \"cluster_legend\" {\n"
        "    label=\"legend\";\n"
        "    style=dashed;\n"
        "    node [shape=point, width=0.05];\n"
        "    subgraph \"cluster_legend.region\" {\n"
        "      label=\"speculative region: speculate ... commit\";\n"
        "      style=\"rounded,filled\";\n"
        "      color=\"darkorange\";\n"
        "      fillcolor=\"#fff7e6\";\n"
        "      \"legend/guard/from\";\n"
        "    }\n"
        "    \"legend/jump/from\" -> \"legend/jump/to\" [label=\"jmp, br\"];\n"
        "    \"legend/fall/from\" -> \"legend/fall/to\" [style=dashed, label=\"fall-through\"];\n"
        "    \"legend/guard/from\" -> \"legend/guard/to\" [style=dotted, color=\"red\", "
        "fontcolor=\"red\", arrowhead=empty, label=\"guard fails: to recovery label\"];\n"
        "  }\n";
}

} // namespace

int runDotCommand(const std::vector<std::string> &args) {
  Options opts("dot", "[--profile=FILE] [-o OUT] [INPUT]",
               "Writes the control-flow graph of every function as Graphviz dot\n"
               "(render with `dot -Tsvg`). Speculative regions (speculate to commit) are\n"
               "clusters; a guard's failure edge to its recovery label is red and dotted;\n"
               "a legend names the edge styles. With --profile, edges are weighted by\n"
               "their counts and hot blocks are highlighted.");
  opts.value("profile", "FILE", "a profile of this program (brisk run --profile-out)");
  opts.value("function", "NAME", "only this function (NAME or @NAME)");
  opts.flag("no-instrs", "blocks show only their label");
  opts.value("o", "FILE", "write to FILE instead of stdout");
  if (!opts.parse(args))
    return opts.helpRequested() ? kExitOk : kExitError;
  if (opts.positionals().size() > 1) {
    std::cerr << "error: brisk dot: expected at most one input file\n";
    return kExitError;
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
  if (!only.empty() && only[0] == '@')
    only.erase(0, 1);
  // Checked before anything is written: the error must not follow a graph.
  if (!only.empty() && std::none_of(program->functions.begin(), program->functions.end(),
                                    [&](const Function &f) { return f.name == only; })) {
    std::cerr << "error: brisk dot: no function @" << only << "\n";
    return kExitError;
  }
  bool written = writeOutputInChunks(opts.get("o", "-"), [&](const OutputSink &sink) {
    std::string buffer = "digraph \"brisk\" {\n  node [shape=box, fontname=\"monospace\"];\n";
    ChunkedText chunks(buffer, &sink);
    for (const Function &f : program->functions) {
      if (!only.empty() && f.name != only)
        continue;
      writeFunction(f, profile ? profile->function(f.name) : nullptr, !opts.has("no-instrs"),
                    chunks);
      if (!chunks.ok())
        break;
    }
    writeLegend(buffer);
    buffer += "}\n";
    return chunks.finish();
  });
  keepUntilExit(program);
  return written ? 0 : 2;
}

} // namespace brisk
