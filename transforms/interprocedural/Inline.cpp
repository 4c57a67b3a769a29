#include "transforms/interprocedural/Inline.h"

#include "analysis/CFG.h"
#include "analysis/DefiniteAssignment.h"
#include "analysis/Dominators.h"
#include "analysis/Loops.h"
#include "analysis/Liveness.h"
#include "analysis/MaySpeculate.h"
#include "analysis/Uses.h"

#include <llvm/ADT/StringMap.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <queue>
#include <utility>
#include <cmath>
#include <string>
#include <vector>

namespace brisk {
namespace {

// A safety net only: budgets end the pass long before this.
constexpr unsigned kMaxInlinesPerRun = 100000;

// The type each variable is defined with (parameters included); none() when
// it is never defined. A type-correct function has one per variable.
std::vector<Type> variableTypes(const Function &f) {
  std::vector<Type> types(f.numVars(), Type::none());
  for (const Param &p : f.params)
    types[p.var] = p.type;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.hasDest())
        types[in.dest] = in.type;
  return types;
}

// How one call site would be inlined, and what it would cost.
struct Plan {
  std::vector<BlockId> order;        // callee blocks to copy, in their new layout order
  std::vector<bool> substitute;      // per parameter: use the argument variable itself
  std::vector<bool> toDest;          // per callee variable: renamed to the call's destination
  std::vector<BlockId> exits;        // blocks that return (ret, or fall off the end)
  double savedPerCall = 0;           // estimated dynamic instructions saved per call
  long long growth = 0;              // static instructions added to the caller
  bool sole = false;                 // the callee's sole call site (see the header)
};

// Which returned variables of `g` can be renamed to the call's destination x,
// so that their `ret` needs no copy. Several can share x when their live
// ranges do not interfere: no one of them is live where another is defined
// (then every read still sees its own variable's last write). The copy reads
// nothing else under x's name (x is not an argument; the caller checks).
// Chosen greedily, the variable returned by the hottest exits first.
// Parameters: one that is copied in may be copied straight into x, alone.
void chooseResults(const Function &g, const ChosenLiveness &live, const Instr &call,
                   const std::vector<std::pair<VarId, double>> &returned, Plan &out) {
  std::vector<double> weight(g.numVars(), 0.0);
  std::vector<bool> candidate(g.numVars(), false);
  for (auto [v, w] : returned) {
    weight[v] += w;
    candidate[v] = true;
  }
  std::vector<bool> isParam(g.numVars(), false);
  for (size_t i = 0; i < g.params.size(); ++i) {
    VarId p = g.params[i].var;
    isParam[p] = true;
    if (out.substitute[i] || g.params[i].type != call.type)
      candidate[p] = false; // read in place: it is the caller's argument
  }
  for (BlockId b : out.order)
    for (const Instr &in : g.block(b).instrs) {
      if (in.hasDest() && in.dest < candidate.size() && in.type != call.type)
        candidate[in.dest] = false;
      if (in.op == Opcode::Set && !in.args.empty())
        candidate[in.args[0]] = false;
    }

  // The candidates numbered 0..k-1: only whether one candidate is live at
  // another's definition is asked, so the sets below hold candidates only
  // (k bits, not the callee's variables, per block walked).
  std::vector<uint32_t> index(g.numVars(), ~0u);
  uint32_t k = 0;
  for (VarId v = 0; v < g.numVars(); ++v)
    if (candidate[v])
      index[v] = k++;
  // Which candidates are live just after each definition of a candidate.
  std::vector<llvm::BitVector> liveAtDef(k);
  llvm::BitVector now(k);
  auto add = [&](VarId v) {
    if (index[v] != ~0u)
      now.set(index[v]);
  };
  for (BlockId b : out.order) {
    now.reset();
    live.forEachLiveOut(b, add);
    const std::vector<Instr> &instrs = g.block(b).instrs;
    for (size_t i = instrs.size(); i-- > 0;) {
      const Instr &in = instrs[i];
      if (in.hasDest() && index[in.dest] != ~0u) {
        llvm::BitVector &at = liveAtDef[index[in.dest]];
        if (at.empty())
          at.resize(k);
        at |= now;
        now.reset(index[in.dest]);
      }
      forEachUse(in, add);
    }
  }
  // A parameter is defined on entry, with whatever is live there.
  now.reset();
  live.forEachLiveIn(g.entry(), add);
  for (const Param &p : g.params)
    if (candidate[p.var]) {
      llvm::BitVector &at = liveAtDef[index[p.var]];
      if (at.empty())
        at.resize(k);
      at |= now;
    }
  auto liveAt = [&](VarId def, VarId v) {
    const llvm::BitVector &at = liveAtDef[index[def]];
    return !at.empty() && at.test(index[v]);
  };

  std::vector<VarId> order;
  for (VarId v = 0; v < g.numVars(); ++v)
    if (candidate[v])
      order.push_back(v);
  std::stable_sort(order.begin(), order.end(),
                   [&](VarId a, VarId b) { return weight[a] > weight[b]; });
  std::vector<VarId> chosen;
  for (VarId v : order) {
    bool fits = std::none_of(chosen.begin(), chosen.end(), [&](VarId c) {
      return liveAt(v, c) || liveAt(c, v) || isParam[v] || isParam[c];
    });
    if (fits) {
      chosen.push_back(v);
      out.toDest[v] = true;
    }
  }
}

// What a function does with each parameter that a known argument could
// fold: `branched`, a `br` condition or an `alloc` size is computed from it
// by pure instructions; `loaded`, a load reads through it (a pointer derived
// from it by `ptradd` or `id`). Passing it on to a call counts as what the
// callee does with it there. Nothing for a function that calls itself: one
// level inlined folds nothing that the next level would not need again.
struct ParamUses {
  std::vector<bool> branched, loaded;
};

class Inliner {
public:
  Inliner(Program &program, ProgramWeights &weights, const InlineOptions &options,
          InlineStats &stats)
      : program_(program), weights_(weights), options_(options), stats_(stats) {}

  bool run();

private:
  struct Site {
    size_t caller;
    BlockId block;
    uint32_t index;
    size_t callee;
    double count;
    bool folds = false; // passes a constant the callee branches on
  };

  // A site in the queue: hottest first, ties in program order (function,
  // layout position, instruction); valid while its caller's version is.
  struct Queued {
    Site site;
    size_t position;
    unsigned version;
    bool operator<(const Queued &o) const { // std::priority_queue pops the largest
      if (site.count != o.site.count)
        return site.count < o.site.count;
      if (site.caller != o.site.caller)
        return site.caller > o.site.caller;
      if (position != o.position)
        return position > o.position;
      return site.index > o.site.index;
    }
  };

  // What plan() asks of a caller, kept while its instructions stay as they
  // are (codeVersion_): a caller with many call sites would otherwise pay for
  // its whole CFG, definite assignment and liveness once per site. The same
  // facts serve a function as a callee (its CFG, liveness, and whether it may
  // read an undefined variable), also after one of its sites was inlined.
  struct CallerFacts {
    unsigned version = 0;
    std::unique_ptr<CFG> cfg;
    std::optional<bool> undefinedRead;
    std::unique_ptr<DefiniteAssignment> assigned;
    std::optional<ChosenLiveness> live;
    std::optional<std::vector<Type>> types;
    std::vector<int8_t> onCycle; // per block: -1 not asked yet, else 0 or 1
  };
  CallerFacts &factsOf(size_t fi);
  bool onCycle(size_t fi, BlockId b);

  void queueSitesOf(size_t fi);
  // containsPhi and usesSpeculation of a function, found by run()'s first
  // walk over the program: inlining never changes them (only a callee with
  // neither is taken in, and the glue has neither), so neither a caller
  // taking in many sites nor any function is walked for them again.
  bool hasPhi(size_t fi) const { return phi_[fi] != 0; }
  bool speculates(size_t fi) const { return speculates_[fi] != 0; }
  bool calleeHasLoop(size_t gi);
  bool recursionAllows(const Site &site) const;
  bool plan(const Site &site, Plan &out);
  void inlineSite(const Site &site, const Plan &plan);
  const std::vector<size_t> &chainOf(size_t fn, BlockId b) const;
  bool isOrdinarySite(const Site &site);
  bool isSoleSite(const Site &site);
  double maxTripsPerEntry(size_t fn);
  double costPerCall(size_t fn) const;
  ParamUses paramUses(size_t gi);
  long long limitOf(size_t fn) const;

  Program &program_;
  ProgramWeights &weights_;
  const InlineOptions &options_;
  InlineStats &stats_;
  std::vector<size_t> originalSize_, size_;
  std::vector<long long> callSites_;               // per function: calls naming it
  std::vector<long long> inherited_;               // per function: limits of sole callees taken in
  std::vector<bool> dead_;                         // inlined at its sole site: no caller left
  std::vector<uint8_t> phi_, speculates_;          // hasPhi, speculates
  std::vector<bool> hasSites_;                     // calls a function of the program but main
                                                   // (on entry; a caller inlined into had one)
  llvm::StringMap<size_t> index_;                  // function name -> index
  std::vector<unsigned> version_;                  // bumped when a function changes
  std::vector<unsigned> codeVersion_;              // bumped when its instructions do
  std::vector<std::optional<bool>> hasLoop_;       // per function, until it changes
  std::vector<std::optional<ParamUses>> paramUses_; // per function, likewise
  std::vector<std::optional<double>> maxTrips_;    // per function, likewise
  std::vector<CallerFacts> callerFacts_;            // per function, likewise
  std::priority_queue<Queued> queue_;
  std::vector<std::vector<Queued>> failedByCallee_; // retried when the callee changes
  long long programSize_ = 0, programLimit_ = 0;
  // chains_[fn][block]: the callees (function indices) the block was copied
  // through, outermost first; empty for the function's own blocks.
  std::vector<std::vector<std::vector<size_t>>> chains_;
};

const std::vector<size_t> &Inliner::chainOf(size_t fn, BlockId b) const {
  static const std::vector<size_t> kEmpty;
  return b < chains_[fn].size() ? chains_[fn][b] : kEmpty;
}

bool Inliner::run() {
  std::vector<std::string> names;
  for (const Function &f : program_.functions)
    names.push_back(f.name);
  std::sort(names.begin(), names.end());
  if (std::adjacent_find(names.begin(), names.end()) != names.end())
    return false; // calls would be ambiguous; brili rejects such programs when run

  // The hottest eligible site first. Inlining changes the caller (its blocks
  // and sizes) and the callee's weights (scaled down), so only their sites are
  // queued again; a site that could not be inlined waits until its callee
  // changes (budgets only shrink, so nothing else can make it fit).
  for (size_t i = 0; i < program_.functions.size(); ++i)
    index_[program_.functions[i].name] = i;
  callSites_.assign(program_.functions.size(), 0);
  inherited_.assign(program_.functions.size(), 0);
  dead_.assign(program_.functions.size(), false);
  hasSites_.assign(program_.functions.size(), false);
  phi_.assign(program_.functions.size(), 0);
  speculates_.assign(program_.functions.size(), 0);
  // One walk over the program gives the sizes, the call counts, which
  // functions call into the program at all (a large function without such
  // a call then costs no further walk), and hasPhi and speculates.
  for (size_t fi = 0; fi < program_.functions.size(); ++fi) {
    const Function &f = program_.functions[fi];
    size_t size = 0;
    bool phi = false, speculation = false;
    for (BlockId b : f.layout) {
      const std::vector<Instr> &instrs = f.block(b).instrs;
      size += instrs.size();
      for (const Instr &in : instrs) {
        phi |= in.op == Opcode::Phi;                              // as containsPhi
        speculation |= in.info().effect == EffectClass::Guard;    // as usesSpeculation
        if (in.op == Opcode::Call)
          if (auto it = index_.find(in.callee); it != index_.end()) {
            ++callSites_[it->second];
            if (in.callee != "main")
              hasSites_[fi] = true;
          }
      }
    }
    phi_[fi] = phi;
    speculates_[fi] = speculation;
    originalSize_.push_back(size);
    programSize_ += (long long)size;
  }
  size_ = originalSize_;
  chains_.resize(program_.functions.size());
  programLimit_ = programSize_ + (long long)(options_.programGrowthFactor * double(programSize_)) +
                  (long long)options_.programGrowthConstant;
  version_.assign(program_.functions.size(), 0);
  codeVersion_.assign(program_.functions.size(), 0);
  hasLoop_.assign(program_.functions.size(), std::nullopt);
  paramUses_.assign(program_.functions.size(), std::nullopt);
  maxTrips_.assign(program_.functions.size(), std::nullopt);
  callerFacts_.resize(program_.functions.size());
  failedByCallee_.resize(program_.functions.size());
  for (size_t fi = 0; fi < program_.functions.size(); ++fi)
    queueSitesOf(fi);
  bool changed = false;
  unsigned inlinedCount = 0;
  while (!queue_.empty() && inlinedCount < kMaxInlinesPerRun) {
    Queued q = queue_.top();
    queue_.pop();
    if (q.version != version_[q.site.caller] || dead_[q.site.caller])
      continue; // its caller changed (the site was queued again) or is dead
    const Site &site = q.site;
    Plan p;
    if (!recursionAllows(site) || !plan(site, p)) {
      failedByCallee_[site.callee].push_back(q);
      continue;
    }
    inlineSite(site, p);
    if (p.sole) {
      // The callee is dead: its calls now live in the caller's copy only.
      dead_[site.callee] = true;
      for (BlockId b : program_.functions[site.callee].layout)
        for (const Instr &in : program_.functions[site.callee].block(b).instrs)
          if (in.op == Opcode::Call)
            if (auto it = index_.find(in.callee); it != index_.end())
              --callSites_[it->second];
      inherited_[site.caller] += limitOf(site.callee) + inherited_[site.callee];
      stats_.soleSites.push_back({program_.functions[site.callee].name,
                                  program_.functions[site.caller].name});
      // The callee is dead now: the pipeline deletes it.
      programSize_ -= (long long)size_[site.callee];
    }
    stats_.sitesInlined++;
    stats_.instructionsAdded += p.growth;
    stats_.estimatedSaved += p.savedPerCall * site.count;
    changed = true;
    ++inlinedCount;
    // Only the caller's instructions changed (the callee's weights did):
    // the facts of its code (CallerFacts) stay valid for the callee.
    ++codeVersion_[site.caller];
    for (size_t changedFn : {site.caller, site.callee}) {
      ++version_[changedFn];
      hasLoop_[changedFn].reset();
      paramUses_[changedFn].reset();
      maxTrips_[changedFn].reset();
      queueSitesOf(changedFn);
      for (const Queued &retry : std::exchange(failedByCallee_[changedFn], {}))
        if (retry.version == version_[retry.site.caller])
          queue_.push(retry);
    }
  }
  return changed;
}

// Whether `f` has a cycle: some edge goes to a block at or before its source
// in reverse post-order (a retreating edge).
static bool hasLoop(const CFG &cfg) {
  for (BlockId b : cfg.rpo())
    for (BlockId s : cfg.succs(b))
      if (cfg.rpoIndex(s) <= cfg.rpoIndex(b))
        return true;
  return false;
}

bool Inliner::calleeHasLoop(size_t gi) {
  if (!hasLoop_[gi])
    hasLoop_[gi] = hasLoop(*factsOf(gi).cfg);
  return *hasLoop_[gi];
}

ParamUses Inliner::paramUses(size_t gi) {
  if (paramUses_[gi])
    return *paramUses_[gi];
  const Function &g = program_.functions[gi];
  ParamUses out{std::vector<bool>(g.params.size(), false),
                std::vector<bool>(g.params.size(), false)};
  // A call cycle reads as "folds nothing" while it is being summarized.
  paramUses_[gi] = out;
  bool recursive = false;
  for (BlockId b : g.layout)
    for (const Instr &in : g.block(b).instrs)
      recursive |= in.op == Opcode::Call && in.callee == g.name;
  for (size_t p = 0; p < g.params.size() && !recursive; ++p) {
    std::vector<bool> derived(g.numVars(), false);
    derived[g.params[p].var] = true;
    for (bool grew = true; grew;) {
      grew = false;
      for (BlockId b : g.layout)
        for (const Instr &in : g.block(b).instrs) {
          bool reads = false;
          forEachUse(in, [&](VarId v) { reads |= derived[v]; });
          if (!reads)
            continue;
          if (in.op == Opcode::Br || in.op == Opcode::Alloc)
            out.branched[p] = true;
          else if (in.op == Opcode::Load)
            out.loaded[p] = true;
          else if (in.op == Opcode::Call) {
            auto it = index_.find(in.callee);
            if (it == index_.end() || program_.functions[it->second].params.size() != in.args.size())
              continue;
            ParamUses inner = paramUses(it->second);
            for (size_t a = 0; a < in.args.size(); ++a)
              if (derived[in.args[a]]) {
                out.branched[p] = out.branched[p] || inner.branched[a];
                out.loaded[p] = out.loaded[p] || inner.loaded[a];
              }
          }
          if (in.hasDest() && isPure(in.op) && !derived[in.dest])
            derived[in.dest] = grew = true;
        }
    }
  }
  paramUses_[gi] = out;
  return out;
}

// What the caller knows of a variable at every call that passes it: a
// constant (every definition is a `const` of one value, or an `id` of such
// a variable) or a pointer from an `alloc` of the caller (every definition
// is an `alloc`, or an `id` or a `ptradd` of such a pointer).
struct KnownArguments {
  std::vector<bool> constant, local;
};

static KnownArguments knownArguments(const Function &f) {
  size_t n = f.numVars();
  KnownArguments k{std::vector<bool>(n, true), std::vector<bool>(n, true)};
  std::vector<std::optional<Literal>> value(n);
  std::vector<bool> defined(n, false);
  for (const Param &p : f.params)
    k.constant[p.var] = k.local[p.var] = false;
  // Optimistic, then anything that depends on a variable found unknown goes
  // (a few rounds: chains of ids are short; past that nothing counts as
  // known, which only keeps calls).
  bool changed = true;
  for (int round = 0; changed && round < 8; ++round) {
    changed = false;
    auto drop = [&](std::vector<bool> &set, VarId v) {
      if (set[v]) {
        set[v] = false;
        changed = true;
      }
    };
    for (BlockId b : f.layout)
      for (const Instr &in : f.block(b).instrs) {
        if (!in.hasDest())
          continue;
        VarId d = in.dest;
        defined[d] = true;
        if (in.op == Opcode::Const) {
          if (value[d] && *value[d] != in.value)
            drop(k.constant, d);
          value[d] = in.value;
        } else if (in.op != Opcode::Id || !k.constant[in.args[0]]) {
          drop(k.constant, d);
        }
        bool pointer = in.op == Opcode::Alloc ||
                       ((in.op == Opcode::Id || in.op == Opcode::PtrAdd) && k.local[in.args[0]]);
        if (!pointer)
          drop(k.local, d);
      }
  }
  for (VarId v = 0; v < n; ++v)
    if (!defined[v] || changed)
      k.constant[v] = k.local[v] = false;
  return k;
}

// Queues the eligible call sites of function `fi` at its current version.
void Inliner::queueSitesOf(size_t fi) {
  const Function &f = program_.functions[fi];
  const FunctionWeights *w = weights_.find(f);
  if (!hasSites_[fi] || !w || !w->hasData() || hasPhi(fi) || dead_[fi])
    return;
  // A call that may run under the caller's own speculation is an error under
  // brili; its inlined body would run and succeed.
  std::optional<MaySpeculate> speculating;
  if (speculates(fi))
    speculating.emplace(f);
  std::optional<KnownArguments> known; // computed on the first folding candidate
  for (size_t pos = 0; pos < f.layout.size(); ++pos) {
    BlockId b = f.layout[pos];
    double count = w->block(b);
    if (count < std::min({options_.minSiteCount, options_.minSoleSiteCount,
                          options_.minFoldingSiteCount}))
      continue;
    const std::vector<Instr> &instrs = f.block(b).instrs;
    for (uint32_t i = 0; i < instrs.size(); ++i) {
      if (instrs[i].op != Opcode::Call || instrs[i].callee == "main" ||
          (speculating && speculating->at(b, i)))
        continue;
      auto it = index_.find(instrs[i].callee);
      if (it == index_.end())
        continue;
      size_t gi = it->second;
      Site site{fi, b, i, gi, count};
      bool ordinary = isOrdinarySite(site);
      if (!ordinary && count >= options_.minFoldingSiteCount && gi != fi &&
          size_[gi] <= std::max(options_.maxCalleeSize, options_.maxSoleCalleeSize) &&
          instrs[i].args.size() == program_.functions[gi].params.size() &&
          maxTripsPerEntry(gi) <= options_.maxFoldingTrips) {
        if (!known)
          known = knownArguments(f);
        ParamUses uses = paramUses(gi);
        bool allConstant = !instrs[i].args.empty();
        for (size_t a = 0; a < instrs[i].args.size(); ++a) {
          VarId v = instrs[i].args[a];
          site.folds |= (uses.branched[a] && known->constant[v]) || (uses.loaded[a] && known->local[v]);
          allConstant = allConstant && known->constant[v];
        }
        // Every argument known: what the callee computes from them folds.
        site.folds |= allConstant && instrs[i].hasDest();
      }
      if (ordinary || isSoleSite(site) || site.folds)
        queue_.push(Queued{site, pos, version_[fi]});
    }
  }
}

// A site the profile alone makes eligible (see "Which sites" in the header).
bool Inliner::isOrdinarySite(const Site &site) {
  return site.count >= options_.minSiteCount &&
         (site.count >= options_.minSiteCountWithLoops || !calleeHasLoop(site.callee)) &&
         size_[site.callee] <= options_.maxCalleeSize;
}

bool Inliner::isSoleSite(const Site &site) {
  return !isOrdinarySite(site) && site.count >= options_.minSoleSiteCount &&
         site.callee != site.caller && callSites_[site.callee] == 1 &&
         (site.folds || costPerCall(site.callee) <= options_.maxSoleCallCost);
}

// The most iterations per entry that a loop of `fn` ran, by its profile
// (header count over entries from outside the loop); 0 without loops.
double Inliner::maxTripsPerEntry(size_t fn) {
  if (maxTrips_[fn])
    return *maxTrips_[fn];
  const Function &g = program_.functions[fn];
  const FunctionWeights *w = weights_.find(g);
  double most = 0;
  const CFG &cfg = *factsOf(fn).cfg;
  DominatorTree dom(cfg);
  LoopInfo loops(cfg, dom);
  for (const Loop &l : loops.loops()) {
    if (!w) {
      most = std::numeric_limits<double>::infinity();
      break;
    }
    double header = w->block(l.header), back = 0;
    for (BlockId latch : l.latches)
      back += w->edge(latch, l.header);
    double entries = header - back;
    if (header > 0)
      most = std::max(most, entries > 0 ? header / entries : header);
  }
  maxTrips_[fn] = most;
  return most;
}

// The dynamic instructions one call of `fn` runs, by its profile.
double Inliner::costPerCall(size_t fn) const {
  const Function &g = program_.functions[fn];
  const FunctionWeights *w = weights_.find(g);
  if (!w || w->entryCount <= 0)
    return 0;
  double total = 0;
  for (BlockId b : g.layout)
    total += w->block(b) * double(g.block(b).instrs.size());
  return total / w->entryCount;
}

// The size the callee may reach by itself: what it hands to a caller that
// takes it in at its sole site.
long long Inliner::limitOf(size_t fn) const {
  if (options_.callerSizeLimit) {
    auto it = options_.callerSizeLimit->find(program_.functions[fn].name);
    return it == options_.callerSizeLimit->end() ? (long long)originalSize_[fn]
                                                 : (long long)it->second;
  }
  return (long long)originalSize_[fn] +
         (long long)(options_.callerGrowthFactor * double(originalSize_[fn])) +
         (long long)options_.callerGrowthConstant;
}

bool Inliner::recursionAllows(const Site &site) const {
  const std::vector<size_t> &chain = chainOf(site.caller, site.block);
  size_t depth = std::count(chain.begin(), chain.end(), site.callee) +
                 (site.caller == site.callee ? 1 : 0);
  return depth <= options_.maxRecursiveDepth;
}

Inliner::CallerFacts &Inliner::factsOf(size_t fi) {
  CallerFacts &facts = callerFacts_[fi];
  if (!facts.cfg || facts.version != codeVersion_[fi]) {
    facts = CallerFacts{};
    facts.version = codeVersion_[fi];
    facts.cfg = std::make_unique<CFG>(program_.functions[fi]);
  }
  return facts;
}

// Whether block `b` of function `fi` lies on a cycle (it reaches itself).
bool Inliner::onCycle(size_t fi, BlockId b) {
  const Function &f = program_.functions[fi];
  CallerFacts &facts = factsOf(fi);
  if (facts.onCycle.empty())
    facts.onCycle.assign(f.blocks.size(), -1);
  if (facts.onCycle[b] >= 0)
    return facts.onCycle[b] != 0;
  const CFG &cfg = *facts.cfg;
  std::vector<bool> seen(f.blocks.size(), false);
  // (Pushed one by one: the range constructor made GCC 12 warn, falsely,
  // of a bad delete once plan() inlines this.)
  std::vector<BlockId> work;
  for (BlockId s : cfg.succs(b))
    work.push_back(s);
  bool found = false;
  while (!work.empty() && !found) {
    BlockId x = work.back();
    work.pop_back();
    if (x == b)
      found = true;
    else if (!seen[x]) {
      seen[x] = true;
      for (BlockId s : cfg.succs(x))
        work.push_back(s);
    }
  }
  facts.onCycle[b] = found ? 1 : 0;
  return found;
}

static bool callsAnything(const Function &g) {
  for (BlockId b : g.layout)
    for (const Instr &in : g.block(b).instrs)
      if (in.op == Opcode::Call)
        return true;
  return false;
}


bool Inliner::plan(const Site &site, Plan &out) {
  const Function &f = program_.functions[site.caller];
  const Function &g = program_.functions[site.callee];
  const Instr &call = f.block(site.block).instrs[site.index];
  const FunctionWeights *gw = weights_.find(g);
  if (!gw || !gw->hasData() || hasPhi(site.callee) || speculates(site.callee) ||
      g.layout.empty())
    return false;
  // Renamed into the caller, a read that fails under brili could read what an
  // earlier execution of the copy left there: such a callee stays a call.
  {
    CallerFacts &calleeFacts = factsOf(site.callee);
    if (!calleeFacts.undefinedRead)
      calleeFacts.undefinedRead = hasPossiblyUndefinedRead(g);
    if (*calleeFacts.undefinedRead)
      return false;
  }
  // The call reads its arguments before the callee runs; inlined, a parameter
  // replaced by its argument is read where the callee reads it, maybe after
  // an effect or never. An argument that may be unassigned keeps the call.
  // An argument written (not by undef) before the call in its block, or in
  // the blocks that alone lead to it (each the only predecessor of the next,
  // none the entry), is assigned on every path: when all are, the caller's
  // definite assignment (a walk of all of it, again after each site inlined
  // into it) need not be asked. Without speculation only: a guard's edge
  // carries the state of its speculate.
  {
    CallerFacts &facts = factsOf(site.caller);
    const CFG &callerCFG = *facts.cfg;
    auto writtenOnTheWay = [&](VarId v) {
      BlockId b = site.block;
      size_t end = site.index;
      for (int steps = 0; steps < 64; ++steps) {
        const std::vector<Instr> &instrs = f.block(b).instrs;
        for (size_t i = end; i-- > 0;)
          if (instrs[i].hasDest() && instrs[i].dest == v)
            return instrs[i].op != Opcode::Undef;
        if (b == callerCFG.entry() || callerCFG.preds(b).size() != 1)
          return false;
        b = callerCFG.preds(b)[0];
        end = f.block(b).instrs.size();
      }
      return false;
    };
    bool allWritten = !speculates(site.caller) &&
                      std::all_of(call.args.begin(), call.args.end(), writtenOnTheWay);
    if (!allWritten) {
      if (!facts.assigned)
        facts.assigned = std::make_unique<DefiniteAssignment>(f, callerCFG);
      if (facts.assigned->mayReadUndefined(site.block, unsigned(site.index)))
        return false;
    }
  }
  out.sole = isSoleSite(site);
  if (!isOrdinarySite(site) && !out.sole && !site.folds)
    return false;
  if (size_[site.callee] > (out.sole ? options_.maxSoleCalleeSize : options_.maxCalleeSize) ||
      call.args.size() != g.params.size())
    return false;
  if (call.hasDest() && (g.returnType.isNone() || call.type != g.returnType))
    return false;

  // Blocks to copy: the reachable ones. An unreachable block is never fallen
  // into by a reachable one, so dropping it changes no fall-through.
  const CFG &cfg = *factsOf(site.callee).cfg;
  for (BlockId b : g.layout)
    if (cfg.reachable(b))
      out.order.push_back(b);

  // Exits, and what each returns.
  std::vector<std::pair<VarId, double>> returned; // with the exit's count
  for (BlockId b : out.order) {
    const Instr *t = g.block(b).terminator();
    if (t && t->op == Opcode::Ret) {
      out.exits.push_back(b);
      if (call.hasDest()) {
        if (t->args.size() != 1)
          return false; // a value call of a function that returns nothing
        returned.push_back({t->args[0], gw->block(b)});
      }
    } else if (!t && b == out.order.back()) {
      if (call.hasDest())
        return false; // falls off the end of a value function: an error under brili
      out.exits.push_back(b);
    }
  }

  // A parameter reads the argument variable directly when the copy never
  // writes it, or when the argument is dead after the call (and passed once,
  // and is not the destination): then the copy may overwrite it.
  std::vector<bool> written(g.numVars(), false), shadow(g.numVars(), false);
  for (BlockId b : out.order)
    for (const Instr &in : g.block(b).instrs) {
      if (in.hasDest())
        written[in.dest] = true;
      if (in.op == Opcode::Set && !in.args.empty())
        shadow[in.args[0]] = true; // names a shadow variable
    }
  CallerFacts &facts = factsOf(site.caller);
  // What is live after the call decides only for a parameter the copy
  // writes: the caller's liveness (a walk of all of it, again after each
  // site inlined into it) is built for such a callee alone. Whether `v` is
  // live just after the call: the first later instruction of the block
  // that mentions it reads it (live) or writes it (dead); if none does,
  // whether it is live out of the block.
  auto liveAfter = [&](VarId v) {
    const std::vector<Instr> &instrs = f.block(site.block).instrs;
    for (size_t i = site.index + 1; i < instrs.size(); ++i) {
      bool reads = false;
      forEachUse(instrs[i], [&](VarId u) { reads |= u == v; });
      if (reads)
        return true;
      if (instrs[i].hasDest() && instrs[i].dest == v)
        return false;
    }
    if (!facts.live)
      facts.live.emplace(f, *facts.cfg);
    return facts.live->isLiveOut(v, site.block);
  };
  if (!facts.types)
    facts.types = variableTypes(f);
  const std::vector<Type> &callerTypes = *facts.types;
  unsigned copies = 0;
  for (size_t i = 0; i < g.params.size(); ++i) {
    VarId a = call.args[i], p = g.params[i].var;
    bool same = a < callerTypes.size() && callerTypes[a] == g.params[i].type;
    auto mayClobber = [&] {
      return a != call.dest && std::count(call.args.begin(), call.args.end(), a) == 1 &&
             !liveAfter(a);
    };
    out.substitute.push_back(same && !shadow[p] && (!written[p] || mayClobber()));
    copies += out.substitute.back() ? 0 : 1;
  }

  out.toDest.assign(g.numVars(), false);
  if (call.hasDest() &&
      std::find(call.args.begin(), call.args.end(), call.dest) == call.args.end())
  {
    CallerFacts &calleeFacts = factsOf(site.callee);
    if (!calleeFacts.live)
      calleeFacts.live.emplace(g, *calleeFacts.cfg);
    chooseResults(g, *calleeFacts.live, call, returned, out);
  }

  // Lay the hottest returning block out last when nothing falls into it and
  // the current last block falls into nothing.
  auto endsWithTerminator = [&](BlockId b) { return g.block(b).terminator() != nullptr; };
  BlockId hottest = kNoBlock;
  for (BlockId e : out.exits)
    if (endsWithTerminator(e) && (hottest == kNoBlock || gw->block(e) > gw->block(hottest)))
      hottest = e;
  if (hottest != kNoBlock && hottest != out.order.back() && hottest != out.order.front() &&
      endsWithTerminator(out.order.back())) {
    auto at = std::find(out.order.begin(), out.order.end(), hottest);
    if (endsWithTerminator(*(at - 1))) {
      out.order.erase(at);
      out.order.push_back(hottest);
    }
  }

  // Cost model: what the call and its rets cost against what the glue costs.
  double exitTotal = 0;
  for (BlockId e : out.exits)
    exitTotal += gw->block(e);
  double saved = 1.0 - double(copies);
  long long growth = (long long)copies - 1;
  for (BlockId b : out.order)
    growth += (long long)g.block(b).instrs.size();
  for (BlockId e : out.exits) {
    double p = exitTotal > 0 ? gw->block(e) / exitTotal : 1.0 / double(out.exits.size());
    bool isRet = endsWithTerminator(e);
    bool needsCopy = isRet && call.hasDest() && !out.toDest[g.block(e).terminator()->args[0]];
    bool needsJmp = e != out.order.back();
    int glue = (needsCopy ? 1 : 0) + (needsJmp ? 1 : 0);
    saved += p * ((isRet ? 1.0 : 0.0) - double(glue));
    growth += glue - (isRet ? 1 : 0);
  }
  // A call in a loop of its caller to a function that calls nothing: inlined,
  // the loop may lose its last call and run under speculation (a call there
  // is an error under brili), which the glue above does not see.
  if (options_.callFreeLoopCredit > 0 && !callsAnything(g) && onCycle(site.caller, site.block))
    saved += options_.callFreeLoopCredit;
  out.savedPerCall = saved;
  out.growth = growth;
  if (saved < options_.minSavedPerCall)
    return false;

  long long callerLimit =
      (long long)originalSize_[site.caller] +
      (long long)(options_.callerGrowthFactor * double(originalSize_[site.caller])) +
      (long long)options_.callerGrowthConstant;
  if (options_.callerSizeLimit) {
    auto it = options_.callerSizeLimit->find(f.name);
    callerLimit = it == options_.callerSizeLimit->end() ? 0 : (long long)it->second;
  }
  callerLimit += inherited_[site.caller];
  if (out.sole)
    callerLimit += limitOf(site.callee) + inherited_[site.callee];
  long long programGrowth = growth - (out.sole ? (long long)size_[site.callee] : 0);
  if ((long long)size_[site.caller] + growth > callerLimit ||
      programSize_ + programGrowth > programLimit_)
    return false;
  return true;
}

void Inliner::inlineSite(const Site &site, const Plan &plan) {
  Function &f = program_.functions[site.caller];
  // A snapshot when the callee is the caller itself (its blocks are read
  // while the caller grows); any other callee stays as it is meanwhile.
  std::optional<Function> snapshot;
  if (site.callee == site.caller)
    snapshot = program_.functions[site.callee];
  const Function &g = snapshot ? *snapshot : program_.functions[site.callee];
  const FunctionWeights gw = weights_.of(g);
  std::vector<std::vector<size_t>> calleeChains = chains_[site.callee];
  const Instr call = f.block(site.block).instrs[site.index];
  const BlockId B = site.block;

  // The callee now runs from here for this site's share of its entries.
  {
    FunctionWeights &live = weights_.of(program_.functions[site.callee]);
    double share = gw.entryCount > 0 ? std::min(1.0, site.count / gw.entryCount) : 0.0;
    for (BlockId b : g.layout) {
      live.setBlock(b, gw.block(b) * (1.0 - share));
      for (auto [to, c] : gw.edgesFrom(b))
        live.setEdge(b, to, c * (1.0 - share));
    }
    live.entryCount = std::max(0.0, gw.entryCount - site.count);
  }
  FunctionWeights &fw = weights_.of(f);
  double siteNow = fw.block(B); // lower than site.count when the callee is f
  double ratio = gw.entryCount > 0 ? siteNow / gw.entryCount : 0.0;

  // Variables.
  std::vector<VarId> varMap(g.numVars(), kNoVar);
  std::vector<Instr> paramCopies;
  for (size_t i = 0; i < g.params.size(); ++i) {
    const Param &p = g.params[i];
    if (plan.substitute[i]) {
      varMap[p.var] = call.args[i];
      continue;
    }
    varMap[p.var] = plan.toDest[p.var] ? call.dest : f.freshVar(g.varName(p.var));
    Instr copy;
    copy.op = Opcode::Id;
    copy.type = p.type;
    copy.dest = varMap[p.var];
    copy.args.push_back(call.args[i]);
    copy.pos = call.pos;
    paramCopies.push_back(std::move(copy));
  }
  for (VarId v = 0; v < g.numVars(); ++v)
    if (plan.toDest[v])
      varMap[v] = call.dest; // (again, for a parameter)
  auto mapVar = [&](VarId v) {
    if (varMap[v] == kNoVar)
      varMap[v] = f.freshVar(g.varName(v));
    return varMap[v];
  };

  // Blocks: the copies, then the continuation.
  std::vector<BlockId> blockMap(g.blocks.size(), kNoBlock);
  for (BlockId b : plan.order) {
    const std::string &label = g.block(b).label;
    blockMap[b] = f.addFreshBlock(g.name + "." + (label.empty() ? std::string("b") : label));
  }
  const std::string &siteLabel = f.block(B).label;
  BlockId C = f.addFreshBlock((siteLabel.empty() ? f.name : siteLabel) + ".after");

  // Split B after the call.
  {
    std::vector<Instr> &instrs = f.block(B).instrs;
    f.block(C).instrs.assign(std::make_move_iterator(instrs.begin() + site.index + 1),
                             std::make_move_iterator(instrs.end()));
    instrs.resize(site.index);
    for (Instr &copy : paramCopies)
      instrs.push_back(std::move(copy));
  }

  // Copy the callee's blocks.
  for (BlockId b : plan.order) {
    BlockId nb = blockMap[b];
    std::vector<Instr> body;
    body.reserve(g.block(b).instrs.size() + 1);
    for (const Instr &in : g.block(b).instrs) {
      if (in.op == Opcode::Ret) {
        if (call.hasDest() && mapVar(in.args[0]) != call.dest) {
          Instr copy;
          copy.op = Opcode::Id;
          copy.type = call.type;
          copy.dest = call.dest;
          copy.args.push_back(mapVar(in.args[0]));
          copy.pos = in.pos;
          body.push_back(std::move(copy));
        }
        if (b != plan.order.back()) {
          body.push_back(makeJump(C, in.pos));
        }
        continue;
      }
      Instr copy = in;
      if (copy.hasDest())
        copy.dest = mapVar(copy.dest);
      for (VarId &a : copy.args)
        a = mapVar(a);
      for (BlockId &l : copy.labels)
        l = blockMap[l];
      body.push_back(std::move(copy));
    }
    f.block(nb).instrs = std::move(body);
    f.block(nb).pos = g.block(b).pos;
  }

  // Layout: B, the copy, C, then whatever followed B.
  auto at = std::find(f.layout.begin(), f.layout.end(), B);
  std::vector<BlockId> inserted;
  for (BlockId b : plan.order)
    inserted.push_back(blockMap[b]);
  inserted.push_back(C);
  f.layout.insert(at + 1, inserted.begin(), inserted.end());

  // Weights.
  fw.setBlock(C, siteNow);
  for (auto [to, c] : fw.edgesFrom(B))
    fw.setEdge(C, to, c);
  fw.clearEdgesFrom(B);
  fw.setEdge(B, blockMap[g.entry()], siteNow);
  for (BlockId b : plan.order) {
    fw.setBlock(blockMap[b], gw.block(b) * ratio);
    for (auto [to, c] : gw.edgesFrom(b))
      if (blockMap[to] != kNoBlock)
        fw.setEdge(blockMap[b], blockMap[to], c * ratio);
  }
  for (BlockId e : plan.exits)
    fw.setEdge(blockMap[e], C, gw.block(e) * ratio);

  // Bookkeeping.
  --callSites_[site.callee];
  for (BlockId b : plan.order)
    for (const Instr &in : g.block(b).instrs)
      if (in.op == Opcode::Call)
        if (auto it = index_.find(in.callee); it != index_.end())
          ++callSites_[it->second];
  std::vector<size_t> chain = chainOf(site.caller, B);
  std::vector<std::vector<size_t>> &chains = chains_[site.caller];
  chains.resize(f.blocks.size());
  chains[C] = chain;
  chain.push_back(site.callee);
  // A copied block came through the callee and whatever it came through there.
  for (BlockId b : plan.order) {
    std::vector<size_t> &c = chains[blockMap[b]];
    c = chain;
    if (b < calleeChains.size())
      c.insert(c.end(), calleeChains[b].begin(), calleeChains[b].end());
  }
  size_t newSize = f.instrCount();
  programSize_ += (long long)newSize - (long long)size_[site.caller];
  size_[site.caller] = newSize;
}

} // namespace

bool inlineHotCalls(Program &program, ProgramWeights &weights, const InlineOptions &options,
                    InlineStats *stats) {
  InlineStats local;
  Inliner inliner(program, weights, options, stats ? *stats : local);
  return inliner.run();
}

} // namespace brisk
