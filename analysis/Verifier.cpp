#include "analysis/Verifier.h"

#include "analysis/CFG.h"
#include "analysis/DefiniteAssignment.h"
#include "analysis/Dominators.h"
#include "analysis/Uses.h"
#include "ir/BlockNames.h"
#include "ir/Typing.h"

#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/StringMap.h>

#include <string>
#include <vector>

namespace brisk {
namespace {

std::string typeName(Type t) { return t.toString(); }

class FunctionVerifier {
public:
  FunctionVerifier(const Function &f, const Program *program, Diagnostics &diags,
                   VerifyOptions options)
      : f_(f), program_(program), diags_(diags), options_(options) {}

  bool run() {
    size_t before = diags_.count();
    if (!checkLayout())
      return false; // nothing else is meaningful without a sane layout
    computeIndices();
    checkShapes();
    if (structureBroken_)
      return diags_.count() == before; // labels or var ids are invalid: stop here
    CFG cfg(f_);
    collectTypes();
    checkTypes();
    checkPhis(cfg);
    checkSpeculation(cfg);
    if (options_.ssa) {
      checkSSA(cfg);
      if (diags_.count() == before) // D4 restates what D1-D3 found
        checkDefinitelyAssigned(cfg);
    } else
      checkDefinedSomewhere();
    return diags_.count() == before;
  }

private:
  const Function &f_;
  const Program *program_;
  Diagnostics &diags_;
  VerifyOptions options_;
  bool structureBroken_ = false;
  std::vector<int> firstIndex_;       // per block: linear index of its first instruction
  std::vector<uint8_t> inLayout_;
  std::vector<Type> varType_;         // per variable; none() when never defined
  std::vector<uint8_t> isShadow_;     // defined by a get

  // As the printed program names it (ir/BlockNames.h); the names are
  // computed on the first message only.
  std::string blockName(BlockId b) const {
    if (printedNames_.empty())
      printedNames_ = blockNames(f_);
    return blockRef(f_, printedNames_, b);
  }
  mutable std::vector<std::string> printedNames_;
  Location at(BlockId b, size_t i) const {
    Location loc;
    loc.function = f_.name;
    loc.block = blockName(b);
    const Instr &in = f_.block(b).instrs[i];
    loc.instrIndex = firstIndex_.empty() ? int(i) : firstIndex_[b] + int(i);
    loc.opcode = std::string(spelling(in.op));
    loc.pos = in.pos;
    return loc;
  }
  Location atBlock(BlockId b) const {
    Location loc;
    loc.function = f_.name;
    loc.block = blockName(b);
    loc.pos = f_.block(b).pos;
    return loc;
  }
  Location atFunction() const {
    Location loc;
    loc.function = f_.name;
    loc.pos = f_.pos;
    return loc;
  }
  std::string var(VarId v) const {
    return v < f_.numVars() ? f_.varName(v) : "<var #" + std::to_string(v) + ">";
  }

  // S1, S4.
  bool checkLayout() {
    if (f_.layout.empty()) {
      diags_.error(atFunction(), "[S1] the layout is empty (a function needs an entry block)");
      return false;
    }
    bool ok = true;
    inLayout_.assign(f_.blocks.size(), 0);
    llvm::StringMap<BlockId> labels;
    for (BlockId b : f_.layout) {
      if (b >= f_.blocks.size()) {
        diags_.error(atFunction(), "[S1] layout names block #" + std::to_string(b) +
                                       ", which does not exist");
        ok = false;
        continue;
      }
      if (inLayout_[b]) {
        diags_.error(atBlock(b), "[S1] block appears twice in the layout");
        ok = false;
        continue;
      }
      inLayout_[b] = 1;
      if (f_.block(b).dead) {
        diags_.error(atBlock(b), "[S1] a dead block is in the layout");
        ok = false;
      }
      if (f_.block(b).hasLabel()) {
        auto [it, inserted] = labels.try_emplace(f_.block(b).label, b);
        if (!inserted)
          diags_.error(atBlock(b), "[S4] label is used by two blocks");
      }
    }
    return ok;
  }

  void computeIndices() {
    firstIndex_.assign(f_.blocks.size(), 0);
    int n = 0;
    for (BlockId b : f_.layout) {
      firstIndex_[b] = n;
      n += int(f_.block(b).instrs.size());
    }
  }

  // S2, S3, S5.
  void checkShapes() {
    for (BlockId b : f_.layout) {
      const Block &blk = f_.block(b);
      for (size_t i = 0; i < blk.instrs.size(); ++i) {
        const Instr &in = blk.instrs[i];
        const OpcodeInfo &info = in.info();
        if (in.isTerminator() && i + 1 != blk.instrs.size())
          diags_.error(at(b, i), "[S2] terminator is not the last instruction of its block");
        if (in.op != Opcode::Phi && info.numArgs >= 0 && in.args.size() != size_t(info.numArgs))
          diags_.error(at(b, i), "[S5] has " + std::to_string(in.args.size()) +
                                     " arguments, expected " + std::to_string(info.numArgs));
        if (in.op == Opcode::Ret && in.args.size() > 1)
          diags_.error(at(b, i), "[S5] ret takes at most one argument");
        if (in.op == Opcode::Phi) {
          if (in.args.size() != in.labels.size())
            diags_.error(at(b, i), "[S5] phi has " + std::to_string(in.args.size()) +
                                       " arguments but " + std::to_string(in.labels.size()) +
                                       " labels");
        } else if (info.numLabels >= 0 && in.labels.size() != size_t(info.numLabels)) {
          diags_.error(at(b, i), "[S5] has " + std::to_string(in.labels.size()) +
                                     " labels, expected " + std::to_string(info.numLabels));
        }
        bool wantsCallee = info.numFuncs > 0;
        if (wantsCallee != !in.callee.empty())
          diags_.error(at(b, i), wantsCallee ? "[S5] call names no function"
                                             : "[S5] only call may name a function");
        bool destRequired = info.shape == OpShape::Const || info.shape == OpShape::Value;
        bool destForbidden = info.shape == OpShape::Effect;
        if (destRequired && !in.hasDest())
          diags_.error(at(b, i), "[S5] value instruction has no destination");
        if (destForbidden && in.hasDest())
          diags_.error(at(b, i), "[S5] effect instruction has a destination");
        if (in.hasDest() && in.type.isNone())
          diags_.error(at(b, i), "[S5] destination has no type");
        if (!in.hasDest() && !in.type.isNone())
          diags_.error(at(b, i), "[S5] has a type but no destination");
        if (in.hasDest() && in.dest >= f_.numVars()) {
          diags_.error(at(b, i), "[S5] destination is not a variable of the function");
          structureBroken_ = true;
        }
        for (VarId a : in.args)
          if (a >= f_.numVars()) {
            diags_.error(at(b, i), "[S5] argument is not a variable of the function");
            structureBroken_ = true;
          }
        for (BlockId t : in.labels)
          if (t >= f_.blocks.size() || !inLayout_[t]) {
            diags_.error(at(b, i), "[S3] label operand names a block that is not in the "
                                   "function's layout");
            structureBroken_ = true;
          }
      }
    }
    for (const Param &p : f_.params)
      if (p.var >= f_.numVars()) {
        diags_.error(atFunction(), "[S5] parameter is not a variable of the function");
        structureBroken_ = true;
      }
  }

  // T1: one type per variable. The first definition in layout order decides.
  void collectTypes() {
    varType_.assign(f_.numVars(), Type::none());
    isShadow_.assign(f_.numVars(), 0);
    for (const Param &p : f_.params) {
      if (!varType_[p.var].isNone() && varType_[p.var] != p.type)
        diags_.error(atFunction(), "[T1] parameter " + var(p.var) + " is declared twice with "
                                   "different types");
      varType_[p.var] = p.type;
    }
    for (BlockId b : f_.layout) {
      const Block &blk = f_.block(b);
      for (size_t i = 0; i < blk.instrs.size(); ++i) {
        const Instr &in = blk.instrs[i];
        if (!in.hasDest() || in.type.isNone())
          continue;
        if (in.op == Opcode::Get)
          isShadow_[in.dest] = 1;
        Type &t = varType_[in.dest];
        if (t.isNone())
          t = in.type;
        else if (t != in.type && !t.isAny() && !in.type.isAny())
          diags_.error(at(b, i), "[T1] " + var(in.dest) + " is defined as " + typeName(in.type) +
                                     " here but as " + typeName(t) + " elsewhere");
      }
    }
  }

  // T2.
  void checkTypes() {
    for (BlockId b : f_.layout) {
      const Block &blk = f_.block(b);
      for (size_t i = 0; i < blk.instrs.size(); ++i)
        checkInstrType(b, i);
    }
  }

  // The rules of ir/Typing.h; variables never defined are left to U1/D2.
  void checkInstrType(BlockId b, size_t i) {
    const Instr &in = f_.block(b).instrs[i];
    // Named: TypingContext holds function_refs, which do not own them.
    auto typeOf = [&](VarId v) -> std::optional<Type> {
      return varType_[v].isNone() ? std::nullopt : std::optional<Type>(varType_[v]);
    };
    auto isShadow = [&](VarId v) { return isShadow_[v] != 0; };
    auto findFunction = [&](std::string_view name) { return program_->findFunction(name); };
    TypingContext ctx{f_, typeOf, isShadow, {}};
    if (program_)
      ctx.findFunction = findFunction;
    checkInstrTyping(in, ctx, [&](std::string message) {
      diags_.error(at(b, i), "[T2] " + std::move(message));
    });
  }

  // P1, P2.
  void checkPhis(const CFG &cfg) {
    for (BlockId b : f_.layout) {
      const Block &blk = f_.block(b);
      bool seenOther = false;
      for (size_t i = 0; i < blk.instrs.size(); ++i) {
        const Instr &in = blk.instrs[i];
        if (in.op != Opcode::Phi) {
          seenOther = true;
          continue;
        }
        if (seenOther)
          diags_.error(at(b, i), "[P1] phi after a non-phi instruction");
        if (!cfg.reachable(b))
          continue;
        BlockRange preds = cfg.preds(b);
        for (BlockId p : preds) {
          int count = 0;
          for (BlockId l : in.labels)
            count += l == p;
          if (count != 1)
            diags_.error(at(b, i), "[P2] has " + std::to_string(count) +
                                       " entries for predecessor " + blockName(p) +
                                       ", expected 1");
        }
        for (BlockId l : in.labels)
          if (std::find(preds.begin(), preds.end(), l) == preds.end())
            diags_.error(at(b, i), "[P2] names " + blockName(l) +
                                       ", which is not a predecessor of its block");
      }
    }
  }

  // G1-G4, and E1 when asked. Depth is tracked per block entry by a forward
  // worklist; a block reached with two different depths is reported once and
  // not propagated further, so unbounded nesting in a loop terminates.
  void checkSpeculation(const CFG &cfg) {
    bool any = false;
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        any |= in.info().effect == EffectClass::Guard;
    if (!any)
      return;
    constexpr int kUnknown = -1;
    std::vector<int> entryDepth(f_.blocks.size(), kUnknown);
    std::vector<uint8_t> conflict(f_.blocks.size(), 0), reported(f_.blocks.size(), 0);
    std::vector<std::vector<int>> depthAt(f_.blocks.size()); // per instr, before it
    std::vector<BlockId> work{cfg.entry()};
    entryDepth[cfg.entry()] = 0;
    auto reach = [&](BlockId t, int d, BlockId from, size_t fromInstr, bool viaGuard) {
      if (entryDepth[t] == kUnknown) {
        entryDepth[t] = d;
        work.push_back(t);
      } else if (entryDepth[t] != d && !conflict[t]) {
        conflict[t] = 1;
        Location loc = fromInstr == size_t(-1) ? atBlock(from) : at(from, fromInstr);
        diags_.error(loc, "[G1] speculation is not well nested: " + blockName(t) +
                              " is reached at depth " + std::to_string(entryDepth[t]) +
                              " and, from here" + (viaGuard ? " (guard failure)" : "") +
                              ", at depth " + std::to_string(d));
      }
    };
    while (!work.empty()) {
      BlockId b = work.back();
      work.pop_back();
      const Block &blk = f_.block(b);
      int d = entryDepth[b];
      std::vector<int> &at_ = depthAt[b];
      at_.assign(blk.instrs.size(), 0);
      bool first = !reported[b];
      reported[b] = 1;
      for (size_t i = 0; i < blk.instrs.size(); ++i) {
        const Instr &in = blk.instrs[i];
        at_[i] = d;
        switch (in.op) {
        case Opcode::Speculate: ++d; break;
        case Opcode::Commit:
          if (d == 0 && first)
            diags_.error(at(b, i), "[G2] commit outside speculation");
          d = 0;
          break;
        case Opcode::Guard:
          if (d == 0) {
            if (first)
              diags_.error(at(b, i), "[G2] guard outside speculation");
          } else {
            for (BlockId t : in.labels)
              reach(t, d - 1, b, i, true);
          }
          break;
        case Opcode::Call:
        case Opcode::Ret:
          if (d > 0 && first)
            diags_.error(at(b, i), "[G3] " + std::string(spelling(in.op)) +
                                       " inside speculation");
          break;
        default: break;
        }
      }
      const Instr *term = blk.terminator();
      if (term) {
        if (term->op != Opcode::Ret)
          for (BlockId t : term->labels)
            reach(t, d, b, blk.instrs.size() - 1, false);
      } else if (BlockId next = cfg.fallthrough(b); next != kNoBlock) {
        reach(next, d, b, size_t(-1), false);
      } else if (d > 0 && first) {
        diags_.error(atBlock(b), "[G4] falls off the end of the function while speculating");
      }
    }
    if (options_.speculationEffects)
      checkSpeculationEffects(cfg, depthAt);
  }

  // E1: backwards, "a guard of the current speculation may still run" is true
  // after a guard and false after commit or speculate; it flows from normal
  // successors only (a guard's abort target is outside that speculation).
  void checkSpeculationEffects(const CFG &cfg, const std::vector<std::vector<int>> &depthAt) {
    std::vector<uint8_t> guardAhead(f_.blocks.size(), 0);
    auto normalSuccs = [&](BlockId b) {
      BlockList out;
      if (const Instr *t = f_.block(b).terminator())
        out.append(t->labels.begin(), t->labels.end());
      else if (BlockId n = cfg.fallthrough(b); n != kNoBlock)
        out.push_back(n);
      return out;
    };
    auto scan = [&](BlockId b, bool report) {
      bool g = false;
      for (BlockId s : normalSuccs(b))
        g |= guardAhead[s] != 0;
      const Block &blk = f_.block(b);
      for (size_t i = blk.instrs.size(); i-- > 0;) {
        const Instr &in = blk.instrs[i];
        switch (in.op) {
        case Opcode::Guard: g = true; break;
        case Opcode::Commit:
        case Opcode::Speculate: g = false; break;
        case Opcode::Print:
        case Opcode::Store:
        case Opcode::Alloc:
        case Opcode::Free:
        case Opcode::Call:
          if (report && g && !depthAt[b].empty() && depthAt[b][i] > 0)
            diags_.error(at(b, i), "[E1] side effect inside speculation before a guard that "
                                   "can still fail (a failed guard does not undo it)");
          break;
        default: break;
        }
      }
      return g;
    };
    for (bool changed = true; changed;) {
      changed = false;
      for (auto it = cfg.rpo().rbegin(); it != cfg.rpo().rend(); ++it) {
        bool g = scan(*it, false);
        if (g != bool(guardAhead[*it])) {
          guardAhead[*it] = g;
          changed = true;
        }
      }
    }
    for (BlockId b : cfg.rpo())
      scan(b, true);
  }

  // U1.
  void checkDefinedSomewhere() {
    std::vector<uint8_t> defined(f_.numVars(), 0);
    for (const Param &p : f_.params)
      defined[p.var] = 1;
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.hasDest())
          defined[in.dest] = 1;
    for (BlockId b : f_.layout) {
      const Block &blk = f_.block(b);
      for (size_t i = 0; i < blk.instrs.size(); ++i)
        forEachUse(blk.instrs[i], [&](VarId v) {
          if (!defined[v])
            diags_.error(at(b, i), "[U1] reads " + var(v) + ", which is never defined");
        });
    }
  }

  // D1-D3.
  void checkSSA(const CFG &cfg) {
    DominatorTree dom(cfg);
    struct Def {
      BlockId block = kNoBlock;
      int index = -1; // -1: parameter, defined before the entry's first instruction
    };
    std::vector<Def> def(f_.numVars());
    std::vector<uint8_t> hasDef(f_.numVars(), 0);
    for (const Param &p : f_.params) {
      if (hasDef[p.var])
        diags_.error(atFunction(), "[D1] parameter " + var(p.var) + " is declared twice");
      hasDef[p.var] = 1;
      def[p.var] = {cfg.entry(), -1};
    }
    for (BlockId b : f_.layout) {
      const Block &blk = f_.block(b);
      for (size_t i = 0; i < blk.instrs.size(); ++i) {
        const Instr &in = blk.instrs[i];
        if (!in.hasDest())
          continue;
        if (hasDef[in.dest]) {
          diags_.error(at(b, i), std::string(in.op == Opcode::Get ? "[D3] second get of "
                                                                  : "[D1] second definition of ") +
                                     var(in.dest));
          continue;
        }
        hasDef[in.dest] = 1;
        def[in.dest] = {b, int(i)};
      }
    }
    auto dominatesUse = [&](VarId v, BlockId ub, int ui) {
      const Def &d = def[v];
      if (d.block == ub)
        return d.index < ui;
      return dom.dominates(d.block, ub);
    };
    for (BlockId b : f_.layout) {
      if (!cfg.reachable(b))
        continue; // dominance says nothing about code that never runs
      const Block &blk = f_.block(b);
      for (size_t i = 0; i < blk.instrs.size(); ++i) {
        const Instr &in = blk.instrs[i];
        if (in.op == Opcode::Phi) {
          for (size_t k = 0; k < in.args.size() && k < in.labels.size(); ++k) {
            VarId v = in.args[k];
            BlockId from = in.labels[k];
            if (!hasDef[v])
              diags_.error(at(b, i), "[D2] reads " + var(v) + ", which is never defined");
            else if (cfg.reachable(from) && !dominatesUse(v, from, int(f_.block(from).instrs.size())))
              diags_.error(at(b, i), "[D2] the definition of " + var(v) +
                                         " does not dominate the end of " + blockName(from));
          }
          continue;
        }
        forEachUse(in, [&](VarId v) {
          if (!hasDef[v])
            diags_.error(at(b, i), "[D2] reads " + var(v) + ", which is never defined");
          else if (!dominatesUse(v, b, int(i)))
            diags_.error(at(b, i), "[D2] the definition of " + var(v) +
                                       " does not dominate this use");
        });
      }
    }
  }

  // D4. toSSA converts only functions whose every read is definitely
  // assigned, and no pass may make a read depend on an `undef`.
  void checkDefinitelyAssigned(const CFG &cfg) {
    DefiniteAssignment assigned(f_, cfg);
    for (const PossiblyUndefinedRead &r : assigned.possiblyUndefinedReads())
      diags_.error(at(r.block, r.instr), "[D4] reads " + var(r.var) +
                                             ", which may be unassigned here (an undef, or a "
                                             "phi of one)");
  }
};

} // namespace

bool verifyFunction(const Function &f, const Program *program, Diagnostics &diags,
                    VerifyOptions options) {
  return FunctionVerifier(f, program, diags, options).run();
}

bool verifyProgram(const Program &program, Diagnostics &diags, VerifyOptions options) {
  bool ok = true;
  for (const Function &f : program.functions)
    ok &= verifyFunction(f, &program, diags, options);
  return ok;
}

} // namespace brisk
