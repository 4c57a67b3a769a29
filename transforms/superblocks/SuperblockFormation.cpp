#include "transforms/superblocks/SuperblockFormation.h"

#include "ir/BlockNames.h"
#include "transforms/superblocks/RegionEmitter.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>

namespace brisk {
namespace {

bool traceStillValid(const Function &f, const Trace &t) {
  for (BlockId b : t.blocks)
    if (b >= f.blocks.size() || f.block(b).dead)
      return false;
  return true;
}

std::string fixed1(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", x);
  return buf;
}

// Search: every form tried for a trace. Loop traces try each unroll factor
// (speculative forms also the larger speculative factors, with and without a
// counted range guard); a straight trace has one form of each kind.
std::vector<Candidate> candidatesFor(const Trace &t, const SuperblockOptions &options) {
  std::vector<Candidate> cands;
  for (bool spec : {true, false}) {
    if (spec && !options.speculation)
      continue;
    if (!t.isLoop) {
      cands.push_back({spec, 1, false});
      continue;
    }
    std::vector<unsigned> factors = options.unrollFactors;
    if (spec)
      factors.insert(factors.end(), options.speculativeUnrollFactors.begin(),
                     options.speculativeUnrollFactors.end());
    for (unsigned k : factors) {
      cands.push_back({spec, k, false});
      if (spec && k >= 2)
        cands.push_back({spec, k, true});
    }
  }
  return cands;
}

// A candidate emitted on a scratch copy of the function.
struct Tried {
  Candidate c;
  Outcome o;
  Function f;
  FunctionWeights w;
};

// The best form of each kind that fits the growth budget, and why the others
// did not count.
struct SearchResult {
  std::optional<Tried> spec, plain;
  std::string lastFailure;
  long long overBudget = 0; // the smallest growth refused for the budget (0: none)
};

SearchResult searchForms(const Function &f, const FunctionWeights &weights, const Trace &t,
                         const SuperblockOptions &options, double budget, bool debug) {
  SearchResult r;
  for (Candidate c : candidatesFor(t, options)) {
    Function scratch = f;
    FunctionWeights sw = weights;
    Outcome o = emitRegion(scratch, sw, t, options, c);
    if (debug)
      std::fprintf(stderr, "[sb] %s head=%s spec=%d K=%u counted=%d ok=%d (%s) saving=%.1f "
                           "growth=%lld used=%d\n",
                   f.name.c_str(), blockRef(f, t.blocks[0]).c_str(), c.speculative,
                   c.unroll, c.counted, o.ok, o.failure.c_str(), o.saving(), o.growth,
                   o.usedSpeculation);
    if (!o.ok) {
      r.lastFailure = o.failure;
      continue;
    }
    double allowed = budget + (o.usedSpeculation && t.isLoop ? options.speculativeGrowth : 0);
    if (double(scratch.instrCount()) > allowed) {
      if (!r.overBudget || o.growth < r.overBudget)
        r.overBudget = o.growth;
      continue;
    }
    std::optional<Tried> &slot = o.usedSpeculation ? r.spec : r.plain;
    if (!slot || o.saving() > slot->o.saving() + 1e-9)
      slot.emplace(Tried{c, o, std::move(scratch), std::move(sw)});
  }
  return r;
}

// Decision: the speculative form when its price (what it costs more than the
// better of the branch form and the original code) is at most
// maxSpeculationPrice of the trace's work; else the branch form when it
// saves; else nothing. --force-speculation takes any speculative form,
// --best-form (preferSpeculation off) only one that costs nothing more.
Tried *chooseForm(SearchResult &r, const SuperblockOptions &options) {
  if (r.spec && options.forceSpeculation)
    return &*r.spec;
  double plainSaving = r.plain && r.plain->o.saving() >= options.minSaving ? r.plain->o.saving() : 0;
  if (r.spec) {
    double price = plainSaving - r.spec->o.saving();
    double allowed = options.preferSpeculation ? options.maxSpeculationPrice * r.spec->o.before : 0;
    if (price <= allowed)
      return &*r.spec;
  }
  if (r.plain && r.plain->o.saving() >= options.minSaving)
    return &*r.plain;
  return nullptr;
}

// Remarks: the decision, the form's figures, and the real reason.
void describe(RegionRemark &rm, const Trace &t, const SearchResult &r, const Tried *chosen,
              const SuperblockOptions &options) {
  rm.savingSpeculative = r.spec ? r.spec->o.saving() : 0;
  rm.savingBranches = r.plain ? r.plain->o.saving() : 0;
  const Tried *shown = chosen ? chosen : (r.spec ? &*r.spec : (r.plain ? &*r.plain : nullptr));
  if (shown) {
    rm.unroll = t.isLoop ? shown->c.unroll : 1;
    rm.guards = shown->o.guards;
    rm.sideExits = shown->o.sideExits;
    rm.commitsForEffects = shown->o.commitsForEffects;
    rm.sunkEffects = shown->o.sunkEffects;
    rm.expectedSaving = shown->o.saving();
    rm.growth = shown->o.growth;
    if (shown->o.usedSpeculation) {
      rm.commitInterval = t.isLoop ? shown->c.unroll : 1;
      rm.expectedOverhead = shown->o.overhead;
      rm.expectedRedo = shown->o.redo;
    }
  }
  std::string budgetNote =
      r.overBudget ? " (forms growing the function by " + std::to_string(r.overBudget) +
                         " or more instructions exceed the growth budget)"
                   : "";
  if (chosen && chosen->o.usedSpeculation) {
    rm.decision = "speculative";
    rm.reason = "speculation: saves " + fixed1(chosen->o.saving()) + " against the original, " +
                fixed1(chosen->o.saving() - rm.savingBranches) + " against the branch form" +
                (options.forceSpeculation ? " (forced)" : "");
    return;
  }
  if (chosen) {
    rm.decision = "branches";
    if (!options.speculation)
      rm.reason = "speculation disabled";
    else if (!r.spec)
      rm.reason = "no speculative form: nothing to guard (no rare branch or loop exit)" + budgetNote;
    else
      rm.reason = "the speculative form costs " + fixed1(rm.savingBranches - rm.savingSpeculative) +
                  " more than the branch form, over the price limit of " +
                  fixed1(options.maxSpeculationPrice * r.spec->o.before);
    return;
  }
  rm.decision = "rejected";
  if (!r.spec && !r.plain)
    rm.reason = r.overBudget ? "code growth budget: the smallest form adds " +
                                   std::to_string(r.overBudget) + " instructions"
                : r.lastFailure.empty() ? "no candidate"
                                        : r.lastFailure;
  else
    rm.reason = "no form saves: best speculative " + fixed1(rm.savingSpeculative) +
                ", best branch form " + fixed1(rm.savingBranches) + budgetNote;
}

} // namespace

bool formSuperblocks(Function &f, FunctionWeights &weights, const FunctionProfile *paths,
                     size_t sizeBefore, const SuperblockOptions &options,
                     std::vector<RegionRemark> *remarks) {
  std::vector<Trace> traces = selectTraces(f, weights, paths, options.trace);
  bool changed = false;
  double budget = options.growthLimit * double(std::max<size_t>(sizeBefore, 1));
  // BRISK_SB_DEBUG=1 lists every candidate the cost model measured.
  const bool debug = std::getenv("BRISK_SB_DEBUG") != nullptr;
  for (const Trace &t : traces) {
    if (!traceStillValid(f, t))
      continue;
    RegionRemark rm;
    rm.function = f.name;
    for (BlockId b : t.blocks)
      rm.trace.push_back(blockRef(f, b));
    rm.loop = t.isLoop;
    rm.headCount = t.headCount;
    SearchResult found = searchForms(f, weights, t, options, budget, debug);
    Tried *chosen = chooseForm(found, options);
    describe(rm, t, found, chosen, options);
    if (chosen) {
      f = std::move(chosen->f);
      weights = std::move(chosen->w);
      changed = true;
    }
    if (remarks)
      remarks->push_back(std::move(rm));
  }
  if (changed)
    f.ensureLabels();
  return changed;
}

} // namespace brisk
