// `brisk ssa`: SSA construction and destruction from the command line.
//
//   brisk ssa < prog                 readable SSA dump (phis, predecessors)
//   brisk ssa --annotate=dom,loops,live < prog
//   brisk ssa --set-get < prog       the dump with Bril set/get instead of phis
//   brisk ssa --format=json < prog   SSA-form Bril JSON (set/get), which the
//                                    reference interpreter runs directly
//   brisk ssa --round-trip < prog    the program after to-SSA and back
//   brisk ssa --passes=a,b < prog    any registered passes instead of to-ssa
//
// --verify runs the verifier on the input and after every pass; --dump-after=NAME prints the
// IR after the named pass (or "all") to stderr.
#include "analysis/AnalysisCache.h"
#include "analysis/Liveness.h"
#include "ir/BlockNames.h"
#include "backend/JsonWriter.h"
#include "backend/TextPrinter.h"
#include "tools/DriverSupport.h"
#include "tools/DumpAfter.h"
#include "tools/Options.h"
#include "tools/Subcommand.h"
#include "transforms/PassRegistry.h"
#include "transforms/ssa/PhisToSetGet.h"
#include "transforms/Pipeline.h"

#include <iostream>
#include <optional>
#include <sstream>

namespace brisk {
namespace {

struct Annotations {
  bool dom = false, loops = false, live = false;
};

// Appends to a ChunkedText, handed over an instruction at a time: an ostream
// insertion per token cost more than the dump's content on programs of a
// million instructions, and the whole dump is never held.
void dumpFunction(const Function &f, const Annotations &ann, ChunkedText &chunks) {
  std::string &out = chunks.out;
  bool guards = false;
  std::vector<std::string> names = blockNames(f, &guards);
  AnalysisCache cache(f, guards ? CFG::Guards::Scan : CFG::Guards::Absent);
  const CFG &cfg = cache.cfg();
  std::optional<SparseLiveness> live; // built at the first block that asks
  // A named block is written straight into `out` (no string built per
  // reference: a big function has a million of them).
  auto ref = [&](BlockId b) {
    out += ' ';
    if (b < names.size() && !names[b].empty()) {
      out += '.';
      out += names[b];
    } else {
      out += blockRef(f, names, b);
    }
  };
  appendSignature(f, out);
  out += " {\n";
  for (BlockId b : f.layout) {
    if (!names[b].empty()) {
      out += '.';
      out += names[b];
      out += ':';
    }
    out += "  # ";
    if (names[b].empty())
      out += "(unlabeled) ";
    out += "preds:";
    if (cfg.preds(b).empty())
      out += " none";
    for (BlockId p : cfg.preds(b))
      ref(p);
    if (!cfg.reachable(b))
      out += "; unreachable";
    if (ann.dom && cfg.reachable(b)) {
      const DominatorTree &dom = cache.domTree();
      out += "; idom:";
      if (dom.idom(b) == kNoBlock)
        out += " none";
      else
        ref(dom.idom(b));
      out += "; df:";
      if (cache.frontier().frontier(b).empty())
        out += " none";
      for (BlockId d : cache.frontier().frontier(b))
        ref(d);
    }
    if (ann.loops && cfg.reachable(b)) {
      const LoopInfo &li = cache.loops();
      if (li.isHeader(b)) {
        const Loop &l = li.loop(li.loopOf(b));
        out += "; loop header, depth ";
        out += std::to_string(l.depth);
        out += ", latches:";
        for (BlockId t : l.latches)
          ref(t);
      } else if (li.depth(b) > 0) {
        out += "; in loop";
        ref(li.loop(li.loopOf(b)).header);
        out += ", depth ";
        out += std::to_string(li.depth(b));
      }
      for (auto [from, to] : li.irreducibleEdges())
        if (from == b) {
          out += "; irreducible edge to";
          ref(to);
        }
    }
    if (ann.live && cfg.reachable(b)) {
      // The sparse sets (the same as Liveness's): bit vectors of every
      // variable per block would take blocks x variables bits, 1.2 GB at
      // 100k instructions.
      if (!live)
        live.emplace(f, cfg);
      auto set = [&](llvm::ArrayRef<VarId> vars) {
        if (vars.empty())
          out += " none";
        for (VarId v : vars) {
          out += ' ';
          out += f.varName(v);
        }
      };
      out += "; live-in:";
      set(live->liveIn(b));
      out += "; live-out:";
      set(live->liveOut(b));
    }
    out += '\n';
    for (const Instr &in : f.block(b).instrs) {
      out += "  ";
      appendInstr(f, in, names, out);
      out += '\n';
      chunks.handOverIfFull();
    }
    if (!chunks.ok())
      return; // nothing more is handed over
  }
  out += "}\n";
}

} // namespace

int runSsaCommand(const std::vector<std::string> &args) {
  Options opts("ssa", "[options] [INPUT]",
               "Puts a Bril program into SSA form and prints it: by default as a readable\n"
               "dump with phis and predecessors; --format=json writes SSA Bril with set/get\n"
               "(runnable by the reference interpreter); --round-trip converts to SSA and\n"
               "back and writes ordinary Bril.");
  opts.value("format", "FORMAT", "text (default) or json");
  opts.flag("round-trip", "to SSA and back; writes ordinary Bril");
  opts.flag("set-get", "text dump with set/get instead of phis");
  opts.value("annotate", "LIST", "dump annotations, comma-separated: dom, loops, live");
  opts.value("passes", "LIST", "run these passes (comma-separated) instead of to-ssa");
  opts.value("dump-after", "PASS", "print the IR after PASS (or 'all') to stderr", true);
  opts.flag("verify", "run the verifier on the input and after every pass");
  opts.flag("verify-effects",
            "with --verify: also reject side effects inside speculation that a later\n"
            "                            guard could still abort (the superblock emitter's rule)");
  opts.flag("list-passes", "list the registered passes and exit");
  opts.value("o", "FILE", "write to FILE instead of stdout");
  if (!opts.parse(args))
    return opts.helpRequested() ? kExitOk : kExitError;
  if (opts.has("list-passes")) {
    for (const PassInfo *p : registeredPasses())
      std::cout << p->name << "  " << p->summary << "\n";
    return 0;
  }
  if (!checkDumpAfterNames(opts))
    return kExitError;
  std::string format = opts.get("format", "text");
  if (format != "text" && format != "json") {
    std::cerr << "error: brisk ssa: --format must be text or json\n";
    return kExitError;
  }
  Annotations ann;
  {
    std::string list = opts.get("annotate", "");
    std::istringstream in(list);
    for (std::string item; std::getline(in, item, ',');) {
      if (item == "dom")
        ann.dom = true;
      else if (item == "loops")
        ann.loops = true;
      else if (item == "live")
        ann.live = true;
      else if (!item.empty()) {
        std::cerr << "error: brisk ssa: unknown annotation '" << item
                  << "' (expected dom, loops, live)\n";
        return kExitError;
      }
    }
  }
  if (opts.positionals().size() > 1) {
    std::cerr << "error: brisk ssa: expected at most one input file\n";
    return kExitError;
  }
  std::string input = opts.positionals().empty() ? "-" : opts.positionals()[0];
  std::optional<Program> program = loadInputProgram(input, /*typeCheck=*/true);
  if (!program)
    return 2;

  PassOptions po;
  po.validate = opts.has("verify");
  po.dumpAfter = opts.getAll("dump-after");
  po.speculationEffects = opts.has("verify-effects");
  PassContext ctx(po);
  if (po.validate && !verifyInContext(*program, ctx, input == "-" ? "<stdin>" : input))
    return 2;
  if (auto list = opts.get("passes")) {
    std::string error;
    if (!runPassList(*program, ctx, *list, error)) {
      std::cerr << "error: brisk ssa: " << error << "\n";
      return kExitError;
    }
  } else if (opts.has("round-trip")) {
    runSSARoundTrip(*program, ctx);
  } else {
    runPass(*program, ctx, kToSSAPass);
  }
  if (ctx.failed())
    return 2;

  OutputProducer produce;
  if (format == "json") {
    // Bril has no phi: SSA leaves as set/get.
    for (Function &f : program->functions)
      phisToSetGet(f);
    produce = [&](const OutputSink &sink) { return writeJsonChunks(*program, sink); };
  } else if (opts.has("round-trip")) {
    produce = [&](const OutputSink &sink) { return writeTextChunks(*program, sink); };
  } else {
    if (opts.has("set-get"))
      for (Function &f : program->functions)
        phisToSetGet(f);
    produce = [&](const OutputSink &sink) {
      std::string buffer;
      ChunkedText chunks(buffer, &sink);
      for (size_t i = 0; i < program->functions.size() && chunks.ok(); ++i) {
        if (i)
          buffer += '\n';
        dumpFunction(program->functions[i], ann, chunks);
      }
      return chunks.finish();
    };
  }
  bool written = writeOutputInChunks(opts.get("o", "-"), produce);
  keepUntilExit(program);
  return written ? 0 : 2;
}

} // namespace brisk
