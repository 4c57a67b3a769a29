#include "transforms/interprocedural/TailRecursion.h"

#include "analysis/CFG.h"
#include "analysis/Liveness.h"
#include "transforms/superblocks/DeadCode.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace brisk {
namespace {

// Blocks followed from a call to its `ret`; jump chains there are short.
constexpr size_t kMaxPathBlocks = 16;

bool mentionsAny(Type t) { return t.base() == BaseType::Any; }

// Plain form without speculation, and no `any` (whose values' run-time types
// an accumulator could not rely on).
bool eligible(const Function &f) {
  if (f.layout.empty() || mentionsAny(f.returnType))
    return false;
  for (const Param &p : f.params)
    if (mentionsAny(p.type))
      return false;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs) {
      switch (in.op) {
      case Opcode::Phi:
      case Opcode::Set:
      case Opcode::Get:
      case Opcode::Speculate:
      case Opcode::Commit:
      case Opcode::Guard: return false;
      default: break;
      }
      if (mentionsAny(in.type))
        return false;
    }
  return true;
}

// True when every path from the entry writes a variable before reading it
// (parameters excepted): then an iteration of the new loop never sees a value
// the previous one left.
bool writesBeforeReads(const Function &f) {
  CFG cfg(f);
  std::vector<bool> isParam(f.numVars(), false);
  for (const Param &p : f.params)
    isParam[p.var] = true;
  bool readFirst = false;
  ChosenLiveness(f, cfg, SparseLiveness::Sets::InOnly).forEachLiveIn(cfg.entry(), [&](VarId v) {
    readFirst |= !isParam[v];
  });
  return !readFirst;
}

struct Site {
  BlockId block = kNoBlock;
  size_t index = 0;            // of the call in `block`
  std::vector<BlockId> path;   // the blocks after `block` up to the `ret`, in order
  bool accumulates = false;    // returns f(args) OP operand
  Opcode op = Opcode::Nop;
  VarId operand = kNoVar;
  unsigned saved = 0;          // dynamic instructions the rewrite removes per execution
  unsigned cost = 0;           //   ... and those it adds that are likely to stay
};

// One copy of the parallel assignment of a call's arguments to f's
// parameters: params[param] = id source, through a temporary (made before any
// copy) when source is a parameter that an earlier copy overwrites.
struct Move {
  size_t param;
  VarId source;
  bool viaTemp;
};

std::vector<Move> planMoves(const Function &f, const Instr &call) {
  std::vector<Move> moves;
  auto assigned = [&](size_t k) { return call.args[k] != f.params[k].var; };
  for (size_t k = 0; k < f.params.size(); ++k) {
    if (!assigned(k))
      continue;
    bool viaTemp = false;
    for (size_t j = 0; j < k; ++j)
      viaTemp |= assigned(j) && call.args[k] == f.params[j].var;
    moves.push_back({k, call.args[k], viaTemp});
  }
  return moves;
}

// The copies a loop is likely to keep: a parameter copied from another one
// (both live around the loop, so out of SSA they cannot share a variable),
// and the temporaries. A copy from any other value usually coalesces away,
// and loop rotation turns the `jmp` into the loop's own branch.
// A source is followed back through the `id` copies before the call in its
// block (`v19 = id b; ...; call @gcd v19 r` copies parameter b).
unsigned moveCost(const Function &f, BlockId b, size_t callIndex, const std::vector<Move> &moves) {
  const std::vector<Instr> &instrs = f.block(b).instrs;
  auto copiedFrom = [&](VarId v) {
    for (size_t i = callIndex; i-- > 0;)
      if (instrs[i].dest == v) {
        if (instrs[i].op != Opcode::Id)
          break;
        v = instrs[i].args[0];
      }
    return v;
  };
  unsigned cost = 0;
  for (const Move &m : moves) {
    cost += m.viaTemp;
    VarId source = copiedFrom(m.source);
    for (size_t k = 0; k < f.params.size(); ++k)
      cost += source == f.params[k].var && k != m.param;
  }
  return cost;
}

bool holds(const std::vector<VarId> &set, VarId v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

// The call at (b, index), a call of f itself, as a tail call (see the header),
// or nullopt.
std::optional<Site> matchTailCall(const Function &f, BlockId b, size_t index, bool accumulators) {
  const Instr &call = f.block(b).instrs[index];
  if (call.args.size() != f.params.size())
    return std::nullopt;
  Site site;
  site.block = b;
  site.index = index;
  const bool isVoid = f.returnType.isNone();
  const bool mayAccumulate = accumulators && f.returnType.isInt();
  std::vector<VarId> result;  // variables holding what f would return
  std::vector<VarId> written; // variables written since the call
  // Copies made since the call of variables not written since: (copy, source).
  std::vector<std::pair<VarId, VarId>> copies;
  // `v` as a variable holding the same value it had at the call, or kNoVar.
  auto valueAtCall = [&](VarId v) {
    if (!holds(written, v))
      return v;
    for (auto [copy, source] : copies)
      if (copy == v && !holds(written, source))
        return source;
    return kNoVar;
  };
  if (call.hasDest())
    result.push_back(call.dest);
  std::vector<bool> seen(f.blocks.size(), false);
  seen[b] = true;
  BlockId cur = b;
  size_t i = index + 1;
  for (;;) {
    const std::vector<Instr> &instrs = f.block(cur).instrs;
    BlockId next = kNoBlock;
    for (; i < instrs.size(); ++i) {
      const Instr &in = instrs[i];
      if (in.op == Opcode::Ret) {
        if (isVoid ? in.args.empty() : in.args.size() == 1 && holds(result, in.args[0]))
          return site;
        return std::nullopt;
      }
      if (in.op == Opcode::Jmp) {
        next = in.labels[0];
        break;
      }
      if (in.isTerminator() || !isPure(in.op))
        return std::nullopt;
      if (!in.hasDest())
        continue;
      if (mayAccumulate && !site.accumulates &&
          (in.op == Opcode::Add || in.op == Opcode::Mul) && in.args.size() == 2) {
        bool left = holds(result, in.args[0]), right = holds(result, in.args[1]);
        VarId operand = valueAtCall(left ? in.args[1] : in.args[0]);
        if (left != right && operand != kNoVar) {
          site.accumulates = true;
          site.op = in.op;
          site.operand = operand;
          result.assign(1, in.dest);
          written.push_back(in.dest);
          continue;
        }
      }
      bool copiesResult = in.op == Opcode::Id && holds(result, in.args[0]);
      VarId source = in.op == Opcode::Id && !copiesResult ? valueAtCall(in.args[0]) : kNoVar;
      std::erase(result, in.dest);
      std::erase_if(copies, [&](auto c) { return c.first == in.dest; });
      if (copiesResult)
        result.push_back(in.dest);
      if (source != kNoVar && source != in.dest)
        copies.push_back({in.dest, source});
      written.push_back(in.dest);
    }
    if (next == kNoBlock) {
      next = fallthroughOf(f, cur);
      if (next == kNoBlock) // falls off the end: returns nothing
        return isVoid ? std::optional<Site>(site) : std::nullopt;
    }
    if (seen[next] || site.path.size() >= kMaxPathBlocks)
      return std::nullopt;
    seen[next] = true;
    site.path.push_back(next);
    cur = next;
    i = 0;
  }
}

class TailRecursionEliminator {
public:
  TailRecursionEliminator(Function &f, FunctionWeights *weights,
                          const TailRecursionOptions &options)
      : f_(f), weights_(weights), options_(options) {}

  bool run();

private:
  std::vector<Site> findSites() const;
  bool accumulationPays(const std::vector<Site> &sites) const;
  void rewriteSite(const Site &site, BlockId header, VarId acc, Opcode op);
  void rewriteReturns(VarId acc, Opcode op);
  void updateWeights(const std::vector<Site> &sites, BlockId entry, BlockId header);
  void hoistHeaderConstants(BlockId header, BlockId entry);
  Instr makeInstr(Opcode op, Type type, VarId dest, std::initializer_list<VarId> args,
                  SourcePos pos) const;

  Function &f_;
  FunctionWeights *weights_;
  const TailRecursionOptions &options_;
};

// What rewriting `site` saves and costs per execution (see the header). Of
// what follows the call, copies and dead pure code would go anyway (copy
// propagation, dead-code elimination); the `jmp`s and the `ret` would not.
void estimate(const Function &f, Site &site) {
  const std::vector<Instr> &instrs = f.block(site.block).instrs;
  auto terminators = [](const std::vector<Instr> &list, size_t from) {
    unsigned n = 0;
    for (size_t i = from; i < list.size(); ++i)
      n += list[i].op == Opcode::Jmp || list[i].op == Opcode::Ret;
    return n;
  };
  site.saved = 1 + terminators(instrs, site.index + 1) + (site.accumulates ? 1 : 0);
  for (BlockId p : site.path)
    site.saved += terminators(f.block(p).instrs, 0);
  site.cost = moveCost(f, site.block, site.index, planMoves(f, instrs[site.index])) +
              (site.accumulates ? 1 : 0);
}

std::vector<Site> TailRecursionEliminator::findSites() const {
  std::vector<Site> sites;
  for (BlockId b : f_.layout) {
    const std::vector<Instr> &instrs = f_.block(b).instrs;
    // Only a block's last call can be in tail position: a call is not pure.
    for (size_t i = instrs.size(); i-- > 0;) {
      if (instrs[i].op != Opcode::Call)
        continue;
      if (instrs[i].callee == f_.name)
        if (std::optional<Site> s = matchTailCall(f_, b, i, options_.accumulators)) {
          estimate(f_, *s);
          // With copies expected to stay, one more for what the estimate
          // misses: a call that saves only itself and its `ret` is worth a
          // loop only without such copies.
          unsigned margin = s->cost > 0 ? 1 : 0;
          if (!options_.onlyWhenItPays || s->saved > s->cost + margin)
            sites.push_back(std::move(*s));
        }
      break;
    }
  }
  return sites;
}

// Each accumulated call saves its call and its ret (its OP stays, on the
// accumulator). Each entry from outside pays the identity, and the OP at its
// return unless that folds (a base case returning the identity, say); counted
// as one instruction per entry, which the measurements bear out (fib gains
// with one accumulated call per outside entry). Without counts: always.
bool TailRecursionEliminator::accumulationPays(const std::vector<Site> &sites) const {
  if (!weights_ || !weights_->hasData())
    return true;
  double accumulated = 0, tails = 0;
  for (const Site &s : sites) {
    tails += weights_->block(s.block);
    if (s.accumulates)
      accumulated += weights_->block(s.block);
  }
  double external = std::max(0.0, weights_->entryCount - tails);
  return 2 * accumulated > external;
}

Instr TailRecursionEliminator::makeInstr(Opcode op, Type type, VarId dest,
                                         std::initializer_list<VarId> args, SourcePos pos) const {
  Instr in;
  in.op = op;
  in.type = type;
  in.dest = dest;
  in.args.assign(args.begin(), args.end());
  in.pos = pos;
  return in;
}

void TailRecursionEliminator::rewriteSite(const Site &site, BlockId header, VarId acc,
                                          Opcode op) {
  std::vector<Instr> &instrs = f_.block(site.block).instrs;
  const Instr call = instrs[site.index];
  instrs.erase(instrs.begin() + long(site.index), instrs.end());
  if (site.accumulates)
    instrs.push_back(makeInstr(op, Type::intTy(), acc, {acc, site.operand}, call.pos));
  std::vector<Move> moves = planMoves(f_, call);
  std::vector<VarId> source(moves.size());
  for (size_t m = 0; m < moves.size(); ++m) {
    source[m] = moves[m].source;
    if (moves[m].viaTemp) {
      source[m] = f_.freshVar("tre.tmp");
      instrs.push_back(makeInstr(Opcode::Id, f_.params[moves[m].param].type, source[m],
                                 {moves[m].source}, call.pos));
    }
  }
  for (size_t m = 0; m < moves.size(); ++m) {
    const Param &p = f_.params[moves[m].param];
    instrs.push_back(makeInstr(Opcode::Id, p.type, p.var, {source[m]}, call.pos));
  }
  instrs.push_back(makeJump(header, call.pos));
}

void TailRecursionEliminator::rewriteReturns(VarId acc, Opcode op) {
  for (BlockId b : f_.layout) {
    Instr *term = f_.block(b).terminator();
    if (!term || term->op != Opcode::Ret || term->args.size() != 1)
      continue;
    SourcePos pos = term->pos;
    VarId value = term->args[0];
    VarId total = f_.freshVar("tre.ret");
    term->args[0] = total;
    std::vector<Instr> &instrs = f_.block(b).instrs;
    instrs.insert(instrs.end() - 1, makeInstr(op, Type::intTy(), total, {acc, value}, pos));
  }
}

void TailRecursionEliminator::updateWeights(const std::vector<Site> &sites, BlockId entry,
                                            BlockId header) {
  FunctionWeights &w = *weights_;
  double tails = 0;
  for (const Site &s : sites) {
    double c = w.block(s.block);
    tails += c;
    BlockId prev = s.block;
    for (BlockId p : s.path) {
      if (prev != s.block)
        w.setEdge(prev, p, std::max(0.0, w.edge(prev, p) - c));
      w.setBlock(p, std::max(0.0, w.block(p) - c));
      prev = p;
    }
    w.clearEdgesFrom(s.block);
    w.setEdge(s.block, header, c);
  }
  double external = std::max(0.0, w.entryCount - tails);
  w.entryCount = external;
  w.setBlock(entry, external);
  w.setEdge(entry, header, external);
}

// The old entry, now the loop header, runs once per iteration; its constants
// run once per entry from the new entry instead, when the function writes
// their variable nowhere else (so every read sees that constant either way;
// no read comes before it, see writesBeforeReads). The SSA loop passes would
// hoist them too, but loop rotation first copies the header, constants
// included, and later passes fold the copies' phis back into the loop.
void TailRecursionEliminator::hoistHeaderConstants(BlockId header, BlockId entry) {
  std::vector<unsigned> defs(f_.numVars(), 0);
  for (const Param &p : f_.params)
    defs[p.var]++;
  for (BlockId b : f_.layout)
    for (const Instr &in : f_.block(b).instrs)
      if (in.hasDest())
        defs[in.dest]++;
  std::vector<Instr> &from = f_.block(header).instrs;
  std::vector<Instr> &to = f_.block(entry).instrs;
  std::vector<Instr> kept;
  for (Instr &in : from) {
    if (in.op == Opcode::Const && defs[in.dest] == 1)
      to.push_back(std::move(in));
    else
      kept.push_back(std::move(in));
  }
  from = std::move(kept);
}

bool TailRecursionEliminator::run() {
  // Every site calls f itself: without such a call, no liveness analysis.
  bool callsItself = false;
  for (BlockId b : f_.layout)
    for (const Instr &in : f_.block(b).instrs)
      callsItself |= in.op == Opcode::Call && in.callee == f_.name;
  if (!callsItself)
    return false;
  if (!eligible(f_) || !writesBeforeReads(f_))
    return false;
  std::vector<Site> sites = findSites();
  Opcode op = Opcode::Nop;
  for (const Site &s : sites)
    if (s.accumulates) {
      op = s.op;
      break;
    }
  if (op != Opcode::Nop && !accumulationPays(sites))
    op = Opcode::Nop;
  std::erase_if(sites, [&](const Site &s) { return s.accumulates && s.op != op; });
  if (sites.empty())
    return false;

  BlockId header = f_.entry();
  BlockId entry = f_.addBlock();
  f_.layout.insert(f_.layout.begin(), entry);
  VarId acc = kNoVar;
  if (op != Opcode::Nop) {
    acc = f_.freshVar("tre.acc");
    Instr init = makeInstr(Opcode::Const, Type::intTy(), acc, {}, f_.pos);
    init.value = Literal::ofInt(op == Opcode::Add ? 0 : 1);
    f_.block(entry).instrs.push_back(std::move(init));
  }
  for (const Site &s : sites)
    rewriteSite(s, header, acc, op);
  hoistHeaderConstants(header, entry);
  if (op != Opcode::Nop)
    rewriteReturns(acc, op); // the sites' own returns are gone by now
  if (weights_)
    updateWeights(sites, entry, header);
  removeUnreachableBlocks(f_);
  f_.ensureLabels();
  return true;
}

} // namespace

bool eliminateTailRecursion(Function &f, FunctionWeights *weights,
                            const TailRecursionOptions &options) {
  return TailRecursionEliminator(f, weights, options).run();
}

bool eliminateTailRecursion(Program &program, ProgramWeights *weights,
                            const TailRecursionOptions &options) {
  std::vector<std::string> names;
  for (const Function &f : program.functions)
    names.push_back(f.name);
  std::sort(names.begin(), names.end());
  if (std::adjacent_find(names.begin(), names.end()) != names.end())
    return false; // calls would be ambiguous; brili rejects such programs when run
  bool changed = false;
  for (Function &f : program.functions)
    changed |= eliminateTailRecursion(f, weights ? &weights->of(f) : nullptr, options);
  return changed;
}

} // namespace brisk
