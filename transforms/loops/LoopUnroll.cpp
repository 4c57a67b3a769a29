#include "transforms/loops/LoopUnroll.h"

#include "analysis/LayoutWalk.h"
#include "analysis/DefiniteAssignment.h"
#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "transforms/superblocks/DeadCode.h"

#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/SmallVector.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <optional>
#include <vector>

// Rules (see the header for the shapes and the proof of the chunk test):
//  1. Only loops whose K iterations are proven to pass their exit tests before
//     the chunk starts are unrolled: the chunk test is exact, with wrap-around
//     of m excluded by `ok` (or at compile time for a constant bound).
//  2. Every instruction of the body is copied in order, branches inside the
//     body included; only the comparison (read by nothing but the latch's
//     branch) and, when i has no other reader but offsets `ptradd b i`, the
//     induction update are left out of the copies (the offsets then advance
//     from copy to copy: see IndexUse). No side effect is moved.
//  3. Constants emitted stay within +-2^53 (the reference interpreter reads
//     JSON numbers as doubles); otherwise the loop is left alone.

namespace brisk {
namespace {

constexpr int64_t kMaxExactLiteral = int64_t(1) << 53;
constexpr int64_t kMaxStep = int64_t(1) << 20;

// Where an instruction of the loop sits.
struct Position {
  BlockId block = kNoBlock;
  size_t index = 0;
};

// "Continue while i REL n" for an up-counting i (step > 0); for a
// down-counting i (step < 0) the mirror: i > n, i >= n, i != n.
enum class Relation { Less, LessEq, NotEqual };

// `d = ptradd b i` in the body, with b not written in the body, d written
// only here, in a block that runs on every iteration. In copy j of a chunk,
// i there is i0 + (j + [afterUpdate]) x v, i0 its value at the chunk's start:
// copy 0 computes d from i0 (plus one step when the update comes first),
// copy j > 0 advances copy j-1's d by one step. So the chunk needs no copy of
// the update: i advances once, by K x v, at its end.
struct IndexUse {
  Position at;
  bool afterUpdate; // the update runs before it in an iteration
};

struct CountedLoop {
  std::vector<BlockId> body; // header first, latch last, in a topological order
  BlockId header, latch, exit;
  // The block that tests the count (the latch, or, speculative only, a
  // block that dominates it: runs once per iteration) and its successor in
  // the loop.
  BlockId test, stay;
  bool continueOnTrue;       // br c S X (true) or br c X S (false)
  Position cmp;              // in the test block
  // Speculative only: the loop's other exits (edges from a body block to a
  // block outside it), which a chunk's copies leave through `commit; jmp X`.
  std::vector<std::pair<BlockId, BlockId>> sideExits;
  Position update;           // `i = add i s` / `i = sub i s`
  VarId iv, bound, cond;
  int64_t step;              // nonzero, |step| <= kMaxStep
  Relation relation;
  bool updateFirst;          // the update runs before the comparison
  bool ivOnlyCounts;         // i read in the loop only by its update and the comparison
  // i read in the loop only by its update, the comparison and these offsets
  // (see IndexUse); empty otherwise.
  std::vector<IndexUse> indexUses;
  size_t size;               // instructions of the body
  bool nest = false;         // the body holds inner loops (body in layout order)

  // The offsets read after the update (copy 0 computes each with one more
  // ptradd).
  size_t offsetsAfterUpdate() const {
    size_t n = 0;
    for (const IndexUse &use : indexUses)
      n += use.afterUpdate ? 1 : 0;
    return n;
  }

  bool up() const { return step > 0; }
  bool contains(BlockId b) const { return std::find(body.begin(), body.end(), b) != body.end(); }
};

class LoopUnroller {
public:
  LoopUnroller(Function &f, const FunctionWeights *w, const LoopUnrollOptions &o,
               std::vector<UnrolledLoop> *report)
      : f_(f), weights_(w), options_(o), report_(report) {}

  bool run() {
    // Innermost loops first; then, with speculation, the loops whose body
    // holds inner loops that took no speculative chunk (nests), as rounds
    // of one copy of the whole body.
    bool changed = runPhase(/*nests=*/false);
    if (readsUndefined_)
      return false;
    addEntryConstants();
    if (options_.speculative && options_.nests) {
      changed |= runPhase(/*nests=*/true);
      addEntryConstants();
    }
    if (changed)
      eliminateDeadCode(f_);
    return changed;
  }

private:
  // The constants unrolled chunks asked for once per call (entryConstants_),
  // at the end of the entry block.
  void addEntryConstants() {
    if (entryConstants_.empty())
      return;
    sizeChanged();
    std::vector<Instr> &instrs = f_.block(f_.entry()).instrs;
    size_t at = instrs.size() - (f_.block(f_.entry()).terminator() ? 1 : 0);
    instrs.insert(instrs.begin() + at, entryConstants_.begin(), entryConstants_.end());
    entryConstants_.clear();
  }

  bool runPhase(bool nests) {
    // The facts of the function as it is: the first phase's serve the
    // second when the first changed nothing.
    if (!analyzed_) {
      // (countDefinitions walks every instruction: the CFG then needs no
      // walk of its own for guards when it saw none.)
      bool guards = countDefinitions();
      cfg_.emplace(f_, guards ? CFG::Guards::Scan : CFG::Guards::Absent);
      dom_.emplace(*cfg_);
      layoutPos_.assign(f_.blocks.size(), 0);
      latches_.clear();
      otherSources_.clear();
      insertedBefore_.clear();
      for (size_t i = 0; i < f_.layout.size(); ++i) {
        BlockId b = f_.layout[i];
        layoutPos_[b] = unsigned(i);
        if (mayBeLatch(b, *cfg_, *dom_))
          latches_.push_back(b);
        if (!cfg_->reachable(b))
          for (BlockId s : cfg_->succs(b))
            otherSources_[s].push_back(b);
      }
      analyzed_ = true;
    }
    std::vector<CountedLoop> loops;
    {
      const CFG &cfg = *cfg_;
      const DominatorTree &dom = *dom_;
      planNests(nests, cfg, dom);
      std::vector<bool> taken(f_.blocks.size(), false);
      // The nest phase on a function the first changed nothing takes the
      // nest matches planNests found.
      std::optional<std::vector<CountedLoop>> found;
      if (nests && nestMatches_) {
        found = std::move(nestMatches_);
        nestMatches_.reset();
      }
      auto matchAt = [&](size_t i) -> std::optional<CountedLoop> {
        if (found)
          return std::move((*found)[i]);
        return match(latches_[i], cfg, dom, nests);
      };
      for (size_t i = 0, n = found ? found->size() : latches_.size(); i < n; ++i)
        if (std::optional<CountedLoop> l = matchAt(i)) {
          if (l->nest != nests)
            continue;
          if (std::any_of(l->body.begin(), l->body.end(), [&](BlockId x) { return taken[x]; }))
            continue;
          for (BlockId x : l->body)
            taken[x] = true;
          loops.push_back(std::move(*l));
        }
    }
    // The chunk test reads i before the body does: a function that may read
    // an unassigned variable (which fails under brili) keeps its loops. Asked
    // once, when a loop first qualifies (nothing has changed before that):
    // the definite-assignment analysis costs more than finding no loop.
    if (!loops.empty() && !checkedReads_) {
      checkedReads_ = true;
      readsUndefined_ = hasPossiblyUndefinedRead(f_);
    }
    if (readsUndefined_)
      return false;
    // Outermost nests first: an inner nest inside a chosen outer one is
    // left (its blocks are taken above only when it comes first in layout).
    // Innermost loops (disjoint) hottest first: they share the function's
    // growth budget, and the loop that runs the most work should have it.
    if (!nests && weights_)
      std::stable_sort(loops.begin(), loops.end(), [&](const CountedLoop &a, const CountedLoop &b) {
        return loopWork(a) > loopWork(b);
      });
    bool changed = false;
    for (const CountedLoop &l : loops) {
      UnrolledLoop r;
      if (weights_) {
        r.header = "." + f_.labelOf(l.header);
        r.headCount = weights_->block(l.header);
      }
      size_t sizeBefore = functionSize();
      PlannedNest *around = nests ? nullptr : nestAround(l);
      bool speculable = options_.speculative && canSpeculate(l) && !around;
      // A loop that leaves through its other exits and (almost) never
      // through its count: its range guard guards nothing the loop needs
      // (a search), and an input that finds sooner pays the chunk's entry
      // for nothing.
      if (speculable && weights_ && !l.sideExits.empty()) {
        double count = weights_->block(l.header);
        double entries = count - weights_->edge(l.latch, l.header);
        if (entries > 0 && exitWeight(l) < options_.minCountExitShare * entries) {
          r.reason = "the loop leaves through its other exits, not its count: no chunk";
          if (report_)
            report_->push_back(std::move(r));
          continue;
        }
      }
      if (speculable) {
        SpeculativeForm sf = chooseSpeculativeForm(l);
        if (weights_)
          describe(l, sf, r);
        if (sf.copies && unroll(l, sf.copies, /*speculative=*/true, sf.groups, sf.entryTest)) {
          changed = true;
          r.factor = sf.copies;
          r.commitInterval = sf.copies * sf.groups;
          r.speculative = true;
          r.growth = (long long)functionSize() - (long long)sizeBefore;
          r.reason = sf.groups == 1
                         ? "speculative chunks of " + std::to_string(sf.copies) +
                               " iterations under one range guard"
                         : "speculative chunks of " + std::to_string(sf.copies * sf.groups) +
                               " iterations (" + std::to_string(sf.groups) + " rounds of " +
                               std::to_string(sf.copies) +
                               " body copies) under one range guard";
          if (!l.sideExits.empty())
            r.reason += ", its other exits leaving through a commit";
          if (sf.cost >= sf.original)
            r.reason += ", at a price within the limit";
          if (report_ && weights_)
            report_->push_back(std::move(r));
          continue;
        }
      }
      if (speculativeOnly(l) && !l.nest) {
        r.reason = speculable ? "count tested before the latch or other exits: no speculative "
                                "chunk within the price limit and the growth budget, and no "
                                "branch form"
                              : "count tested before the latch or other exits, and the body "
                                "calls or sits in a loop nest region: no branch form";
        if (report_ && weights_)
          report_->push_back(std::move(r));
        continue;
      }
      if (l.nest) {
        // A nest is only ever a speculative region (one copy of its body
        // per round): it is not unrolled otherwise.
        r.reason = speculable ? "loop nest: no speculative chunk within the price limit and "
                                "the growth budget"
                              : "loop nest: the body calls (no call under speculation)";
        if (report_ && weights_)
          report_->push_back(std::move(r));
        continue;
      }
      unsigned k = chooseFactor(l, around ? options_.speculativeSizeLimit : options_.sizeLimit);
      // Inside a planned nest region the chunk must leave the nest within
      // its size.
      while (around && k >= 2 && addedSize(l, k) > around->room)
        k /= 2;
      if (k >= 2 && unroll(l, k, /*speculative=*/false)) {
        changed = true;
        r.factor = k;
        r.growth = (long long)functionSize() - (long long)sizeBefore;
        if (around)
          around->room -= std::min(around->room, size_t(std::max(0LL, r.growth)));
        r.reason = !options_.speculative ? "speculation disabled: branch-form chunks"
                   : around ? "inside a loop nest that runs as one speculative region: "
                              "branch-form chunks"
                   : !speculable ? "the body calls (no call under speculation): branch-form chunks"
                                 : "no speculative chunk within the price limit and "
                                   "the growth budget: branch-form chunks";
      } else {
        r.reason = around ? "inside a loop nest that runs as one speculative region; no "
                            "branch-form chunk pays within the nest's size"
                   : speculable ? "no speculative chunk within the price limit and the growth "
                                  "budget, nor a branch-form chunk"
                                : "no branch-form chunk pays within the growth budget";
      }
      if (report_ && weights_)
        report_->push_back(std::move(r));
    }
    layOutChunks();
    return changed;
  }

  // The dynamic instructions the profile says the loop's body ran.
  double loopWork(const CountedLoop &l) const {
    double work = 0;
    for (BlockId b : l.body)
      work += weights_->block(b) * double(f_.block(b).instrs.size());
    return work;
  }

  // A loop nest that phase 2 would run as one speculative region (rounds
  // of one copy of its whole body), found before the innermost loops
  // change. An innermost loop inside one takes no speculative chunk of its
  // own (its commit would end the region's speculation too: a commit drops
  // every level), so that the region covers it, and every iteration of the
  // nest, whole; a branch-form chunk of it may still fit in the nest's size
  // (room: the instructions left under maxNestSize).
  struct PlannedNest {
    std::vector<BlockId> body;
    size_t room;
  };
  std::vector<PlannedNest> plannedNests_;

  void planNests(bool nests, const CFG &cfg, const DominatorTree &dom) {
    plannedNests_.clear();
    if (nests || !options_.speculative || !options_.nests || !weights_)
      return;
    nestMatches_.emplace();
    for (BlockId b : latches_)
      if (std::optional<CountedLoop> n = match(b, cfg, dom, /*nests=*/true)) {
        if (n->nest && n->size <= options_.maxNestSize && canSpeculate(*n) &&
            chooseSpeculativeForm(*n).copies)
          plannedNests_.push_back({n->body, options_.maxNestSize - n->size});
        nestMatches_->push_back(std::move(*n));
      }
  }

  PlannedNest *nestAround(const CountedLoop &l) {
    for (PlannedNest &n : plannedNests_)
      if (std::find(n.body.begin(), n.body.end(), l.header) != n.body.end())
        return &n;
    return nullptr;
  }

  // Returns whether the function has a `guard`.
  bool countDefinitions() {
    defs_.assign(f_.numVars(), 0);
    constValue_.clear();
    auto count = [&](VarId v) { defs_[v] = uint8_t(std::min(defs_[v] + 1, 2)); };
    for (const Param &p : f_.params)
      count(p.var);
    bool guards = false;
    walkBlocks(f_, [&](BlockId, const Block &blk) {
      for (const Instr &in : blk.instrs) {
        guards |= in.op == Opcode::Guard;
        if (in.hasDest()) {
          count(in.dest);
          if (in.op == Opcode::Const && in.type == Type::intTy())
            constValue_[in.dest] = in.value.asInt();
        }
      }
    });
    return guards;
  }

  // The value of a variable the function defines once, by an int const.
  std::optional<int64_t> knownConstant(VarId v) const {
    if (v < defs_.size() && defs_[v] == 1)
      if (auto it = constValue_.find(v); it != constValue_.end())
        return it->second;
    return std::nullopt;
  }

  // The body of the natural loop of the back edge latch -> header, ordered
  // header first, latch last, every other block after its in-body
  // predecessors (layout order among the ready ones). Empty when the body has
  // a cycle other than through this back edge, or exits anywhere but from
  // the latch to `exit`.
  // With `exits`, every edge out of the body is listed there instead (the
  // caller decides which of them it allows).
  //
  // Costs the body's size, not the function's: every latch of a function of
  // many loops asks. The marks live in scratch tables by block (all clear
  // between calls), the worklists in scratch vectors kept across calls (each
  // latch asks twice, so fresh ones were most of this pass's mallocs), and
  // the layout order is layoutPos_ (set by runPhase).
  std::vector<BlockId> bodyOf(BlockId header, BlockId latch, BlockId exit, const CFG &cfg,
                              bool nests, bool &nest,
                              std::vector<std::pair<BlockId, BlockId>> *exits = nullptr) const {
    nest = false;
    size_t maxBlocks = nests ? options_.maxNestSize : options_.maxBodySize;
    if (inBody_.size() < f_.blocks.size()) {
      inBody_.resize(f_.blocks.size(), 0);
      pending_.resize(f_.blocks.size(), 0);
    }
    std::vector<uint8_t> &in = inBody_;
    std::vector<BlockId> &blocks = bodyBlocks_;
    blocks.assign(1, header);
    // Whatever way this returns, the marks of `blocks` go.
    struct Unmark {
      std::vector<uint8_t> &in;
      std::vector<unsigned> &pending;
      const std::vector<BlockId> &blocks;
      ~Unmark() {
        for (BlockId b : blocks)
          in[b] = 0, pending[b] = 0;
      }
    } unmark{in, pending_, blocks};
    in[header] = true;
    std::vector<BlockId> &work = bodyWork_;
    work.clear();
    if (!in[latch]) {
      in[latch] = true;
      blocks.push_back(latch);
      work.push_back(latch);
    }
    while (!work.empty()) {
      BlockId b = work.back();
      work.pop_back();
      for (BlockId p : cfg.preds(b))
        if (!in[p]) {
          if (blocks.size() >= maxBlocks)
            return {};
          in[p] = true;
          blocks.push_back(p);
          work.push_back(p);
        }
    }
    // Exits: only latch -> exit.
    for (BlockId b : blocks)
      for (BlockId s : cfg.succs(b))
        if (!in[s] && !(b == latch && s == exit)) {
          if (!exits)
            return {};
          exits->push_back({b, s});
        }
    // A topological order of the body without the back edge.
    std::vector<unsigned> &pending = pending_;
    for (BlockId b : blocks)
      for (BlockId s : cfg.succs(b))
        if (in[s] && !(b == latch && s == header))
          ++pending[s];
    if (pending[header] != 0)
      return {};
    // The body in layout order; a placed block's mark becomes 2.
    std::vector<BlockId> &byLayout = bodyByLayout_;
    byLayout.assign(blocks.begin(), blocks.end());
    std::sort(byLayout.begin(), byLayout.end(),
              [&](BlockId a, BlockId b) { return layoutPos_[a] < layoutPos_[b]; });
    std::vector<BlockId> order;
    order.reserve(blocks.size());
    while (order.size() < blocks.size()) {
      BlockId next = kNoBlock;
      for (BlockId b : byLayout)
        if (in[b] == 1 && pending[b] == 0) {
          next = b;
          break;
        }
      if (next == kNoBlock) {
        // A cycle inside the body: a nest. Its one copy needs no order
        // but header first and latch last (the copy makes every other
        // fall-through explicit).
        if (!nests)
          return {};
        nest = true;
        order = {header};
        for (BlockId b : byLayout)
          if (b != header && b != latch)
            order.push_back(b);
        order.push_back(latch);
        return order;
      }
      in[next] = 2;
      order.push_back(next);
      if (next != latch)
        for (BlockId s : cfg.succs(next))
          if (in[s])
            --pending[s];
    }
    if (order.front() != header || order.back() != latch)
      return {};
    return order;
  }

  // Every form match() takes goes back along an edge to a block dominating
  // the latch (a `br` label, the `jmp` target or the fall-through): a block
  // with no such edge is no latch, found without fetching its instructions.
  static bool mayBeLatch(BlockId b, const CFG &cfg, const DominatorTree &dom) {
    if (!cfg.reachable(b))
      return false;
    BlockRange succs = cfg.succs(b);
    return std::any_of(succs.begin(), succs.end(), [&](BlockId s) { return dom.dominates(s, b); });
  }

  std::optional<CountedLoop> match(BlockId latch, const CFG &cfg, const DominatorTree &dom,
                                   bool nests) const {
    if (!mayBeLatch(latch, cfg, dom))
      return std::nullopt;
    const Instr *term = f_.block(latch).terminator();
    if (term && term->op == Opcode::Br && term->labels[0] != term->labels[1]) {
      CountedLoop l{};
      l.latch = latch;
      if (dom.dominates(term->labels[0], latch)) {
        l.continueOnTrue = true;
        l.header = term->labels[0];
        l.exit = term->labels[1];
      } else if (dom.dominates(term->labels[1], latch)) {
        l.continueOnTrue = false;
        l.header = term->labels[1];
        l.exit = term->labels[0];
      } else {
        return std::nullopt;
      }
      if (l.header == f_.entry() || !f_.block(l.header).hasLabel())
        return std::nullopt;
      // Speculative chunks also take a loop with other exits (sideExits).
      const bool sideExits = options_.speculative && !nests;
      std::vector<std::pair<BlockId, BlockId>> &exits = matchExits_;
      exits.clear();
      l.body = bodyOf(l.header, latch, l.exit, cfg, nests, l.nest, sideExits ? &exits : nullptr);
      if (l.body.empty() || (l.nest && !exits.empty()))
        return std::nullopt;
      l.test = latch;
      l.stay = l.header;
      BlockId header = l.header;
      std::optional<CountedLoop> m = matchTest(std::move(l), cfg, dom);
      if (m)
        m->sideExits = exits;
      if (!sideExits || (m && m->sideExits.empty()))
        return m;
      // With other exits, the test of another exit may be the count that
      // ends the loop: the one whose exit the profile took most.
      std::optional<CountedLoop> earlier = matchEarlierTest(header, latch, cfg, dom);
      if (m && (!earlier || exitWeight(*m) >= exitWeight(*earlier)))
        return m; // moved, where `c ? m : earlier` copied
      return earlier;
    }
    // Speculative chunks also take a loop whose latch jumps (or falls
    // through) back and whose count is tested in a block that dominates
    // the latch, its other exits leaving the chunk through a commit.
    if (!options_.speculative || nests || (term && term->op != Opcode::Jmp))
      return std::nullopt;
    return matchEarlierTest(term ? term->labels[0] : cfg.fallthrough(latch), latch, cfg, dom);
  }

  // A loop whose count is tested in a block T that strictly dominates the
  // latch (the latch jumps, falls through or branches back to `header`);
  // every other exit is a side exit.
  std::optional<CountedLoop> matchEarlierTest(BlockId header, BlockId latch, const CFG &cfg,
                                              const DominatorTree &dom) const {
    if (!options_.speculative)
      return std::nullopt;
    if (header == kNoBlock || header == f_.entry() || !f_.block(header).hasLabel() ||
        !dom.dominates(header, latch))
      return std::nullopt;
    std::vector<std::pair<BlockId, BlockId>> &exits = earlierExits_;
    exits.clear();
    bool nest = false;
    std::vector<BlockId> body = bodyOf(header, latch, kNoBlock, cfg, false, nest, &exits);
    if (body.empty())
      return std::nullopt;
    // The test block: of the blocks up the latch's dominators whose count
    // test matches, the one whose exit the profile took most (the last one
    // on a tie).
    // The candidates (a branch with one target in the body), then each
    // tried in that order; the last takes the body instead of a copy.
    llvm::SmallVector<std::pair<BlockId, bool>, 4> tests; // (block, continue on true)
    for (BlockId t = latch; t != kNoBlock; t = t == header ? kNoBlock : dom.idom(t)) {
      const Instr *tt = f_.block(t).terminator();
      if (t == latch || !tt || tt->op != Opcode::Br || tt->labels[0] == tt->labels[1])
        continue;
      bool in0 = std::find(body.begin(), body.end(), tt->labels[0]) != body.end();
      bool in1 = std::find(body.begin(), body.end(), tt->labels[1]) != body.end();
      if (in0 != in1)
        tests.push_back({t, in0});
    }
    std::optional<CountedLoop> best;
    for (size_t k = 0; k < tests.size(); ++k) {
      auto [t, in0] = tests[k];
      const Instr *tt = f_.block(t).terminator();
      CountedLoop l{};
      l.header = header;
      l.latch = latch;
      if (k + 1 < tests.size())
        l.body = body;
      else
        l.body = std::move(body);
      l.test = t;
      l.continueOnTrue = in0;
      l.stay = in0 ? tt->labels[0] : tt->labels[1];
      l.exit = in0 ? tt->labels[1] : tt->labels[0];
      if (std::optional<CountedLoop> m = matchTest(std::move(l), cfg, dom)) {
        for (auto &e : exits)
          if (!(e.first == t && e.second == m->exit))
            m->sideExits.push_back(e);
        if (!best || exitWeight(*m) > exitWeight(*best))
          best = std::move(m);
      }
    }
    return best;
  }

  // How often the profile took the loop's count exit (0 without weights).
  double exitWeight(const CountedLoop &l) const {
    return weights_ ? weights_->edge(l.test, l.exit) : 0;
  }

  // The rest of match: `l` has its body, header, latch, test block and exit.
  std::optional<CountedLoop> matchTest(CountedLoop l, const CFG &cfg,
                                       const DominatorTree &dom) const {
    const BlockId latch = l.latch, test = l.test;
    const Block &lblk = f_.block(test);
    l.cond = lblk.terminator()->args[0];
    // The comparison: c defined once in the body, in the test block.
    std::optional<Position> cmp;
    l.size = 0;
    for (BlockId b : l.body) {
      const std::vector<Instr> &instrs = f_.block(b).instrs;
      l.size += instrs.size();
      for (size_t i = 0; i < instrs.size(); ++i) {
        const Instr &in = instrs[i];
        switch (in.op) {
        case Opcode::Speculate: case Opcode::Guard: case Opcode::Commit: case Opcode::Ret:
        case Opcode::Phi: case Opcode::Set: case Opcode::Get:
          return std::nullopt;
        default:
          break;
        }
        if (in.dest == l.cond) {
          if (cmp || b != test)
            return std::nullopt;
          cmp = Position{b, i};
        }
      }
    }
    if (!cmp || l.size > (l.nest ? options_.maxNestSize : options_.maxBodySize))
      return std::nullopt;
    l.cmp = *cmp;
    const Instr &c = lblk.instrs[cmp->index];
    if (c.args.size() != 2 || c.args[0] == c.args[1])
      return std::nullopt;

    // Normalize to "continue while x REL y".
    VarId x, y;
    Relation rel;
    auto set = [&](VarId a, VarId b, Relation r) { x = a; y = b; rel = r; };
    VarId a0 = c.args[0], a1 = c.args[1];
    bool t = l.continueOnTrue;
    switch (c.op) {
    case Opcode::Lt: t ? set(a0, a1, Relation::Less) : set(a1, a0, Relation::LessEq); break;
    case Opcode::Le: t ? set(a0, a1, Relation::LessEq) : set(a1, a0, Relation::Less); break;
    case Opcode::Gt: t ? set(a1, a0, Relation::Less) : set(a0, a1, Relation::LessEq); break;
    case Opcode::Ge: t ? set(a1, a0, Relation::LessEq) : set(a0, a1, Relation::Less); break;
    case Opcode::Eq: if (t) return std::nullopt; set(a0, a1, Relation::NotEqual); break;
    default: return std::nullopt;
    }

    // The induction variable: the one of x, y with an update in the body.
    std::optional<Position> ux = updateOf(l, x), uy = updateOf(l, y);
    if (ux.has_value() == uy.has_value())
      return std::nullopt;
    l.iv = ux ? x : y;
    l.bound = ux ? y : x;
    l.update = ux ? *ux : *uy;
    l.relation = rel;
    const Instr &u = f_.block(l.update.block).instrs[l.update.index];
    VarId other = u.args[0] == l.iv ? u.args[1] : u.args[0];
    std::optional<int64_t> s = knownConstant(other);
    if (!s || *s == 0 || *s > kMaxStep || *s < -kMaxStep)
      return std::nullopt;
    l.step = u.op == Opcode::Sub ? -*s : *s;
    // "x < y" with y the counter holds while the counter is above x: it
    // counts down. Only != runs in either direction.
    if (rel != Relation::NotEqual && (l.iv == x) != l.up())
      return std::nullopt;
    if (l.iv == l.cond || l.bound == l.cond)
      return std::nullopt;
    // The update runs once per iteration, before or after the comparison.
    if (!dom.dominates(l.update.block, latch))
      return std::nullopt;
    if (test != latch && l.update.block != test && !dom.dominates(l.update.block, test) &&
        !dom.dominates(test, l.update.block))
      return std::nullopt;
    // In a nest, the update's block must not be in an inner loop, where it
    // would run more than once per iteration.
    if (l.nest && inInnerCycle(l, l.update.block, cfg))
      return std::nullopt;
    l.updateFirst = l.update.block == test ? l.update.index < l.cmp.index
                                           : dom.dominates(l.update.block, test);

    // n not written in the body; c read by nothing but the branch; does
    // anything but the update and the comparison read i?
    l.ivOnlyCounts = true;
    bool onlyOffsets = true;
    for (BlockId b : l.body) {
      const std::vector<Instr> &instrs = f_.block(b).instrs;
      for (size_t i = 0; i < instrs.size(); ++i) {
        const Instr &in = instrs[i];
        if (in.dest == l.bound)
          return std::nullopt;
        bool isTerm = b == test && i + 1 == instrs.size();
        bool isCmp = b == test && i == l.cmp.index;
        bool isUpdate = b == l.update.block && i == l.update.index;
        bool readsIv = false;
        for (VarId v : in.args) {
          if (v == l.cond && !isTerm)
            return std::nullopt;
          if (v == l.iv && !isCmp && !isUpdate)
            readsIv = true;
        }
        if (!readsIv)
          continue;
        l.ivOnlyCounts = false;
        if (!options_.pointerOffsets)
          onlyOffsets = false;
        else if (std::optional<IndexUse> use = indexUseAt(l, Position{b, i}, dom))
          l.indexUses.push_back(*use);
        else
          onlyOffsets = false;
      }
    }
    if (!onlyOffsets)
      l.indexUses.clear();
    return l;
  }

  // Whether `b` lies on a cycle of l's body that avoids the header.
  bool inInnerCycle(const CountedLoop &l, BlockId b, const CFG &cfg) const {
    std::vector<bool> seen(f_.blocks.size(), false);
    std::vector<BlockId> work;
    for (BlockId s : cfg.succs(b))
      work.push_back(s);
    while (!work.empty()) {
      BlockId x = work.back();
      work.pop_back();
      if (x == b)
        return true;
      if (x == l.header || seen[x] || !l.contains(x))
        continue;
      seen[x] = true;
      for (BlockId s : cfg.succs(x))
        work.push_back(s);
    }
    return false;
  }

  // The IndexUse at `at` when the instruction there is one (see IndexUse).
  std::optional<IndexUse> indexUseAt(const CountedLoop &l, Position at,
                                     const DominatorTree &dom) const {
    const Instr &in = f_.block(at.block).instrs[at.index];
    if (in.op != Opcode::PtrAdd || in.args.size() != 2 || in.args[1] != l.iv ||
        in.args[0] == l.iv || in.dest == l.iv || !dom.dominates(at.block, l.latch))
      return std::nullopt;
    for (BlockId b : l.body)
      for (const Instr &other : f_.block(b).instrs)
        if (other.dest == in.args[0] || (other.dest == in.dest && &other != &in))
          return std::nullopt;
    // Both blocks dominate the latch, so one dominates the other.
    bool after = at.block == l.update.block ? l.update.index < at.index
                                            : dom.dominates(l.update.block, at.block);
    return IndexUse{at, after};
  }

  const IndexUse *indexUseAt(const CountedLoop &l, BlockId b, size_t i) const {
    for (const IndexUse &use : l.indexUses)
      if (use.at.block == b && use.at.index == i)
        return &use;
    return nullptr;
  }

  // The one definition of `v` in the body when it is `v = add v s`, `add s v`
  // or `sub v s`; nullopt otherwise (none, several, or another form).
  std::optional<Position> updateOf(const CountedLoop &l, VarId v) const {
    std::optional<Position> found;
    for (BlockId b : l.body) {
      const std::vector<Instr> &instrs = f_.block(b).instrs;
      for (size_t i = 0; i < instrs.size(); ++i) {
        const Instr &in = instrs[i];
        if (in.dest != v)
          continue;
        if (found)
          return std::nullopt;
        bool add = in.op == Opcode::Add && (in.args[0] == v) != (in.args[1] == v);
        bool sub = in.op == Opcode::Sub && in.args[0] == v && in.args[1] != v;
        if (!add && !sub)
          return std::nullopt;
        found = Position{b, i};
      }
    }
    return found;
  }

  // Instructions unroll(l, k) adds: the test E, the chunk U, the exit R.
  size_t addedSize(const CountedLoop &l, unsigned k) const {
    size_t copied = l.size - 2 - (l.ivOnlyCounts ? 1 : 0);
    size_t test = (l.ivOnlyCounts ? 1 : 0) + (knownConstant(l.bound) ? 2 : 5) + 1;
    return test + k * copied + (l.ivOnlyCounts ? 1 : 0) + 2 + (l.updateFirst ? 2 : 0);
  }

  // A body of several blocks whose every inner branch goes one way at least
  // 1 - speculableShare of the time: superblock formation turns those
  // branches into guards and unrolls the loop trace itself, with counted
  // chunks, better than a chunk here that still branches (and uses up the
  // growth budget it needs).
  bool leftToSpeculation(const CountedLoop &l) const {
    bool anyBranch = false;
    for (BlockId b : l.body) {
      const Instr *term = f_.block(b).terminator();
      if (b == l.latch || !term || term->op != Opcode::Br || term->labels[0] == term->labels[1])
        continue;
      anyBranch = true;
      double n = weights_->block(b);
      double rare = std::min(weights_->edge(b, term->labels[0]), weights_->edge(b, term->labels[1]));
      if (n > 0 && rare > options_.speculableShare * n)
        return false;
    }
    return anyBranch;
  }

  static bool calls(const Block &b) {
    return std::any_of(b.instrs.begin(), b.instrs.end(),
                       [](const Instr &in) { return in.op == Opcode::Call; });
  }

  // A chunk may run under speculation unless the body calls where the
  // profile says it goes (call is an error while speculating). A block that
  // calls and ran at most coldCallShare of the header's count becomes a
  // cold exit of the chunk's copies (see unroll); the header and the latch
  // run every iteration and must not call.
  bool canSpeculate(const CountedLoop &l) const {
    for (BlockId b : l.body) {
      if (!calls(f_.block(b)))
        continue;
      if (!weights_ || b == l.header || b == l.latch || !f_.block(b).hasLabel() ||
          weights_->block(b) > options_.coldCallShare * weights_->block(l.header))
        return false;
    }
    return true;
  }

  // A loop whose count is tested before the latch, or that has other exits,
  // has no branch form here: only speculative chunks take it.
  static bool speculativeOnly(const CountedLoop &l) {
    return !l.sideExits.empty() || l.test != l.latch;
  }

  bool hasColdExits(const CountedLoop &l) const {
    return std::any_of(l.body.begin(), l.body.end(), [&](BlockId b) { return calls(f_.block(b)); });
  }

  // A speculative chunk: `copies` body copies per round, `groups` rounds per
  // chunk (groups > 1: the copies loop inside the chunk, with one test per
  // round against the chunk's limit), so K = copies x groups iterations run
  // between a speculate and its commit.
  struct SpeculativeForm {
    unsigned copies = 0, groups = 1; // copies == 0: none chosen
    bool entryTest = true;           // E tests the first chunk (else U guards every chunk)
    double cost = 0, original = 0;   // per entry of the loop
    double chunks = 0;               // expected chunks per entry
    double overhead = 0;             // speculate/guard/commit/jmp/limit per entry
  };

  // The iterations the range guard covers beyond the first compared value
  // (its span in steps): a single round proves K compared values (the ones
  // after the updates when the update comes first); rounds prove K + 1, so
  // that the chunk's limit i + Kv cannot wrap either.
  static int64_t spanSteps(const CountedLoop &l, unsigned copies, unsigned groups) {
    unsigned k = copies * groups;
    if (groups > 1)
      return k;
    return l.updateFirst ? k : k - 1;
  }

  // Instructions E adds: the stride, the bound (and the span a limit or a
  // variable bound needs), its wrap test, and with entryTest the first
  // chunk's test (and branch).
  size_t entrySize(const CountedLoop &l, bool rounds, bool entryTest) const {
    size_t s = l.ivOnlyCounts ? 1 : 0;
    if (knownConstant(l.bound))
      return s + (rounds ? 1 : 0) + 1 + (entryTest ? 2 : 0);
    return s + (entryTest ? 6 : 4);
  }

  // Instructions the speculative form adds: E, U (speculate, without
  // entryTest the range test and guard, with rounds the chunk's limit), the
  // copies, the stride add (and a round's test and branch), and the chunk's
  // end: commit, with entryTest the next chunk's speculate, range test,
  // guard (and limit), and a jmp.
  size_t addedSpeculativeSize(const CountedLoop &l, unsigned copies, unsigned groups,
                              bool entryTest) const {
    size_t s = l.ivOnlyCounts ? 1 : 0;
    size_t copied = l.size - 2 - s;
    size_t r = groups > 1 ? 1 : 0;
    size_t u = 1 + (entryTest ? 0 : 2) + r;
    size_t end = 2 + (entryTest ? 3 + r : 0);
    return entrySize(l, r, entryTest) + u + copies * copied + s + 2 * r + end;
  }

  // The expected dynamic cost, per entry of the loop, of a speculative form
  // against the original loop (L trips per entry on average, a trip costing
  // what the profile says the body ran). Every entry pays E; when a chunk
  // fits, U's speculate (and limit) and the chunks (their copies, per round
  // the stride add, with rounds a test and branch; at the end commit,
  // speculate, test, guard, (limit,) jmp, of which the last chunk's failing
  // guard skips the rest: the rollback is free) and the remaining trips in
  // the original loop.
  SpeculativeForm speculativeCost(const CountedLoop &l, unsigned copies, unsigned groups,
                                  bool entryTest) const {
    double count = weights_->block(l.header);
    double entries = std::max(1.0, count - weights_->edge(l.latch, l.header));
    double L = count / entries;
    double trip = 0;
    for (BlockId b : l.body)
      trip += weights_->block(b) * double(f_.block(b).instrs.size());
    trip /= std::max(1.0, count);
    // A count tested before the latch: the header also runs the part of
    // an iteration that leaves there, so the chunks can only hold the
    // iterations that came back (the part that left costs its share).
    if (l.test != l.latch) {
      double back = weights_->edge(l.latch, l.header);
      if (back < 1)
        return SpeculativeForm{copies, groups, entryTest, 1e300, L * trip, 0, 0};
      trip *= count / back;
      L = back / entries;
    }
    double s = l.ivOnlyCounts ? 1 : 0;
    double copied = trip - 2 - s;
    double k = double(copies) * groups;
    double chunks = std::floor(std::max(0.0, L - 1 - double(spanSteps(l, copies, groups)) + k) / k);
    double rest = std::max(0.0, L - chunks * k);
    bool rounds = groups > 1;
    double entry = double(entrySize(l, rounds, entryTest));
    double perChunk = rounds ? 6 + groups * (copies * copied + s + 2) : 5 + copies * copied + s;
    // With entryTest, U's speculate (and limit) costs what the last chunk's
    // end skips; without, every entry also pays a failing speculate, test
    // and guard.
    if (!entryTest)
      entry += 3;
    SpeculativeForm c;
    c.copies = copies;
    c.groups = groups;
    c.entryTest = entryTest;
    c.chunks = chunks;
    // An entry that leaves through a side exit pays its stub's commit and
    // jmp.
    double leave = 0;
    for (auto &[b, x] : l.sideExits)
      leave += weights_->edge(b, x);
    leave /= entries;
    c.cost = entry + chunks * perChunk + rest * trip + 2 * leave;
    c.original = L * trip;
    c.overhead = entry + chunks * (rounds ? 6 + 3 * groups : 5) + 2 * leave;
    return c;
  }

  // The expected cost per entry of the branch form chooseFactor would build
  // (the original loop when it builds none).
  double branchFormCost(const CountedLoop &l, double original) const {
    if (l.nest || speculativeOnly(l))
      return original;
    unsigned bk = chooseFactor(l, options_.sizeLimit);
    if (bk < 2)
      return original;
    double count = weights_->block(l.header);
    double entries = std::max(1.0, count - weights_->edge(l.latch, l.header));
    double L = count / entries;
    double trip = original / std::max(1.0, L);
    double copied = trip - 2 - (l.ivOnlyCounts ? 1 : 0);
    double bchunks = std::floor(L / bk);
    return (knownConstant(l.bound) ? 3 : 6) + bchunks * (bk * copied + 2) + (L - bchunks * bk) * trip;
  }

  // The speculative form of least expected cost within the size limit, when
  // it beats the original loop, or costs at most speculationPrice of the
  // loop's work more than the better of the original and the branch form
  // (a small body that cannot be copied K times still runs its K iterations
  // per chunk as rounds of fewer copies). copies == 0 when none qualifies.
  SpeculativeForm chooseSpeculativeForm(const CountedLoop &l) const {
    if (!weights_)
      return l.nest ? SpeculativeForm{1, 4, true, 0, 0, 0, 0}
                    : SpeculativeForm{std::min(options_.maxFactor, options_.maxSpeculativeFactor),
                                      1, true, 0, 0, 0, 0};
    // Every form within the size limit, and the least expected cost; then
    // the smallest form whose cost is within sizeTolerance of the loop's
    // work of that (LoopUnrollOptions).
    std::vector<std::pair<size_t, SpeculativeForm>> forms;
    double bestCost = 0;
    for (unsigned copies = 1; copies <= (l.nest ? 1 : options_.maxSpeculativeFactor);
         copies *= 2) {
      if (functionSize() + addedSpeculativeSize(l, copies, 1, false) >
          options_.speculativeSizeLimit)
        break;
      for (unsigned groups = copies == 1 ? 2 : 1; copies * groups <= options_.maxChunkIterations;
           groups *= 2)
        for (bool entryTest : {true, false}) {
          size_t size = addedSpeculativeSize(l, copies, groups, entryTest);
          if (functionSize() + size > options_.speculativeSizeLimit)
            continue;
          SpeculativeForm c = speculativeCost(l, copies, groups, entryTest);
          if (forms.empty() || c.cost < bestCost)
            bestCost = c.cost;
          forms.push_back({size, c});
        }
    }
    SpeculativeForm best;
    size_t bestSize = 0;
    for (auto &[size, c] : forms)
      if (c.cost <= bestCost + options_.sizeTolerance * c.original &&
          (!best.copies || size < bestSize || (size == bestSize && c.cost < best.cost))) {
        best = c;
        bestSize = size;
      }
    if (!best.copies || best.cost < best.original - 1)
      return best;
    // At a price: the cheapest form that runs at least 90% of the most
    // iterations any form runs under speculation, among those within the
    // price whose chunks carry
    // most of a loop entry's trips (2 chunks per entry: a loop of a few
    // trips per entry pays its entry test for little, and an input with
    // fewer trips pays it for nothing).
    double floor = std::min(best.original, branchFormCost(l, best.original));
    double mostCovered = 0;
    for (auto &[size, c] : forms)
      if (c.chunks >= 2 && c.cost <= floor + options_.speculationPrice * c.original)
        mostCovered = std::max(mostCovered, c.chunks * c.copies * c.groups);
    SpeculativeForm priced;
    for (auto &[size, c] : forms) {
      if (c.chunks < 2 || c.cost > floor + options_.speculationPrice * c.original ||
          c.chunks * c.copies * c.groups < 0.9 * mostCovered)
        continue;
      if (!priced.copies || c.cost < priced.cost)
        priced = c;
    }
    if (priced.copies)
      return priced;
    return {};
  }

  // Fills the expected costs of `r` for the speculative form `sf` (the best
  // one tried, even when refused) and of the branch form.
  void describe(const CountedLoop &l, const SpeculativeForm &sf, UnrolledLoop &r) const {
    double count = weights_->block(l.header);
    double entries = std::max(1.0, count - weights_->edge(l.latch, l.header));
    double L = count / entries;
    SpeculativeForm c = sf.copies ? sf : speculativeCost(l, 2, 1, true);
    r.tripsPerEntry = L;
    r.originalCost = c.original;
    r.speculativeCost = sf.copies ? c.cost : c.original;
    r.overhead = sf.copies ? c.overhead : 0;
    r.redo = 0; // the range guard fails before the chunk does anything
    r.branchCost = branchFormCost(l, c.original);
  }

  // `sizeLimit`: the function's size after (options_.sizeLimit, or the
  // speculative one for a chunk that is part of a speculative nest region).
  unsigned chooseFactor(const CountedLoop &l, size_t sizeLimit) const {
    if (!weights_)
      return options_.maxFactor;
    double count = weights_->block(l.header);
    double entries = count - weights_->edge(l.latch, l.header);
    if (entries <= 0)
      return 1;
    double trips = count / entries;
    if (leftToSpeculation(l))
      return 1;
    for (unsigned k = options_.maxFactor; k >= 2; k /= 2) {
      size_t added = addedSize(l, k);
      if (trips >= options_.minTripsPerFactor * k && functionSize() + added <= sizeLimit)
        return k;
    }
    return 1;
  }

  Instr make(Opcode op, Type type, VarId dest, std::initializer_list<VarId> args) {
    Instr in;
    in.op = op;
    in.type = type;
    in.dest = dest;
    in.args.assign(args.begin(), args.end());
    return in;
  }
  Instr makeConst(VarId dest, int64_t v) {
    Instr in = make(Opcode::Const, Type::intTy(), dest, {});
    in.value = Literal::ofInt(v);
    return in;
  }
  Instr makeBr(VarId c, BlockId t, BlockId e) {
    Instr in = make(Opcode::Br, Type::none(), kNoVar, {c});
    in.labels = {t, e};
    return in;
  }

  // `k` body copies; a speculative chunk of `groups` > 1 runs them `groups`
  // times per chunk (rounds), testing the chunk's limit after each round.
  bool unroll(const CountedLoop &l, unsigned k, bool speculative, unsigned groups = 1,
              bool entryTest = true) {
    // Whatever this returns, the facts of the function are dropped; its size
    // is asked again unless the edit below counts what it added.
    struct SizeChanged {
      LoopUnroller &u;
      std::optional<size_t> added;
      ~SizeChanged() {
        std::optional<size_t> size = u.size_;
        u.sizeChanged();
        if (size && added)
          u.size_ = *size + *added;
      }
    } sizeChanged{*this, std::nullopt};
    // m = n - (K-1)v: "i REL' m" proves the next K compared values pass
    // (speculative, update first: m = n - Kv, the K values after the updates;
    // in rounds m = n - Kv for K = k x groups, see spanSteps).
    const bool rounds = speculative && groups > 1;
    const int64_t span = (speculative ? spanSteps(l, k, groups) : int64_t(k - 1)) *
                         (l.up() ? l.step : -l.step);
    std::optional<int64_t> n = knownConstant(l.bound);
    if (n && (l.up() ? (*n < -kMaxExactLiteral + span || *n > kMaxExactLiteral)
                     : (*n > kMaxExactLiteral - span || *n < -kMaxExactLiteral)))
      return false;

    const std::string name = f_.labelOf(l.header); // a copy: addFreshBlock may move the arena
    BlockId e = f_.addFreshBlock(name + ".unroll.test");
    BlockId u = f_.addFreshBlock(name + ".unroll");
    // Speculative: the first copy's block (where chunks and rounds loop
    // back), and with rounds the commit that ends a chunk.
    BlockId g = speculative ? f_.addFreshBlock(name + ".unroll.chunk") : kNoBlock;
    BlockId cm = rounds ? f_.addFreshBlock(name + ".unroll.commit") : kNoBlock;
    BlockId r = l.updateFirst && !speculative ? f_.addFreshBlock(name + ".unroll.exit") : kNoBlock;
    std::vector<Block> body; // copies: addFreshBlock may move the arena
    for (BlockId b : l.body)
      body.push_back(f_.block(b));
    const Block &testBlock = f_.block(l.test);
    const Instr cmp = testBlock.instrs[l.cmp.index];
    const Instr testBranch = *testBlock.terminator();
    Opcode chunkTest = l.up() ? (l.relation == Relation::LessEq ? Opcode::Le : Opcode::Lt)
                              : (l.relation == Relation::LessEq ? Opcode::Ge : Opcode::Gt);

    VarId m = f_.freshVar("unroll.m");
    VarId t = f_.freshVar("unroll.t");
    std::vector<Instr> test;
    VarId stride = kNoVar, stepVar = kNoVar;
    // Offsets advance per copy when that saves (K - 1 updates dropped, one
    // stride add and a ptradd per offset read after the update added), so
    // that the factor chosen above never buys a larger chunk.
    // Never in a nest: an offset inside an inner loop runs more than once
    // per iteration.
    // A cold exit leaves the chunk mid-way for the original loop, which needs
    // i (and the offsets) as each iteration left them: no update is dropped.
    // So does a side exit (sideExits).
    const bool coldExits = speculative && hasColdExits(l);
    const bool leaves = coldExits || !l.sideExits.empty();
    if (!speculative && (!l.sideExits.empty() || l.test != l.latch))
      return false;
    const bool offsets = !leaves && !l.nest && !l.indexUses.empty() &&
                         k >= 3 + l.offsetsAfterUpdate();
    const bool dropUpdates = !leaves && (l.ivOnlyCounts || offsets);
    if (l.ivOnlyCounts) {
      stride = f_.freshVar("unroll.stride");
      test.push_back(makeConst(stride, int64_t(k) * l.step));
    } else if (offsets) {
      // Once per call where the entry block starts the function only.
      stride = f_.freshVar("unroll.stride");
      stepVar = f_.freshVar("unroll.step");
      std::vector<Instr> &home = entryIsPlain() ? entryConstants_ : test;
      home.push_back(makeConst(stride, int64_t(k) * l.step));
      home.push_back(makeConst(stepVar, l.step));
    }
    // E: the bound, once per entry of the loop (and that it did not wrap),
    // and whether a first chunk fits.
    VarId spanVar = kNoVar;
    if (speculative && !entryTest) {
      // E only computes the bound (for a variable n, leaving for the
      // original loop when n - span wraps); U's guard tests every chunk.
      if (rounds || !n) {
        spanVar = f_.freshVar("unroll.span");
        test.push_back(makeConst(spanVar, span));
      }
      if (n) {
        test.push_back(makeConst(m, l.up() ? *n - span : *n + span));
      } else {
        VarId ok = f_.freshVar("unroll.ok");
        test.push_back(make(l.up() ? Opcode::Sub : Opcode::Add, Type::intTy(), m, {l.bound, spanVar}));
        test.push_back(make(l.up() ? Opcode::Lt : Opcode::Gt, Type::boolTy(), ok, {m, l.bound}));
        test.push_back(makeBr(ok, u, l.header));
      }
    } else if (n) {
      if (rounds) {
        spanVar = f_.freshVar("unroll.span");
        test.push_back(makeConst(spanVar, span));
      }
      test.push_back(makeConst(m, l.up() ? *n - span : *n + span));
      test.push_back(make(chunkTest, Type::boolTy(), t, {l.iv, m}));
    } else {
      spanVar = f_.freshVar("unroll.span");
      VarId ok = f_.freshVar("unroll.ok");
      VarId pass = f_.freshVar("unroll.t");
      test.push_back(makeConst(spanVar, span));
      test.push_back(make(l.up() ? Opcode::Sub : Opcode::Add, Type::intTy(), m, {l.bound, spanVar}));
      test.push_back(make(l.up() ? Opcode::Lt : Opcode::Gt, Type::boolTy(), ok, {m, l.bound}));
      test.push_back(make(chunkTest, Type::boolTy(), pass, {l.iv, m}));
      test.push_back(make(Opcode::And, Type::boolTy(), t, {pass, ok}));
    }
    if (!speculative || entryTest)
      test.push_back(makeBr(t, u, l.header));

    // The chunk: K copies of the body. Copy j's latch flows straight into
    // copy j+1's header (one block); the other blocks get fresh copies with
    // their branches remapped within the copy.
    struct Piece {
      BlockId id;
      std::vector<Instr> instrs;
      BlockId fallsTo = kNoBlock; // the copy it falls through to, if it does
    };
    std::vector<Piece> chunk{Piece{u, {}, kNoBlock}};
    // Speculative: E's test admitted the first chunk, so U only speculates
    // (and with rounds sets the chunk's limit i + Kv, exact since the test
    // proved i + Kv REL n without wrap-around); each chunk's end tests
    // whether the next one fits, as its range guard (see the end below).
    VarId lim = kNoVar;
    auto chunkPreamble = [&](std::vector<Instr> &instrs) {
      if (rounds) {
        lim = lim == kNoVar ? f_.freshVar("unroll.lim") : lim;
        instrs.push_back(
            make(l.up() ? Opcode::Add : Opcode::Sub, Type::intTy(), lim, {l.iv, spanVar}));
      }
    };
    auto rangeGuard = [&](std::vector<Instr> &instrs) {
      instrs.push_back(make(chunkTest, Type::boolTy(), t, {l.iv, m}));
      Instr guard = make(Opcode::Guard, Type::none(), kNoVar, {t});
      guard.labels = {l.header};
      instrs.push_back(std::move(guard));
    };
    if (speculative) {
      chunk[0].instrs.push_back(make(Opcode::Speculate, Type::none(), kNoVar, {}));
      if (!entryTest)
        rangeGuard(chunk[0].instrs); // before every effect of the chunk
      chunkPreamble(chunk[0].instrs);
      chunk.push_back(Piece{g, {}, kNoBlock});
    }
    // A side exit X of a copy leaves through `commit; jmp X` (one stub per
    // X): the copies write the loop's own variables, so the state there is
    // the loop's, and nothing after the chunk's range guard can fail.
    std::vector<std::pair<BlockId, BlockId>> stubs; // X, its stub
    auto stubFor = [&](BlockId x) {
      for (auto &[target, stub] : stubs)
        if (target == x)
          return stub;
      BlockId stub = f_.addFreshBlock(name + ".unroll.leave");
      stubs.push_back({x, stub});
      return stub;
    };
    size_t nb = body.size();
    for (unsigned copy = 0; copy < k; ++copy) {
      std::vector<BlockId> ids(nb, kNoBlock);
      ids[0] = chunk.back().id;
      for (size_t j = 1; j < nb; ++j) {
        const std::string &own = body[j].hasLabel() ? body[j].label : name;
        ids[j] = f_.addFreshBlock(own + ".unroll");
      }
      auto remap = [&](BlockId b) {
        for (size_t j = 0; j < nb; ++j)
          if (l.body[j] == b)
            return ids[j];
        return l.sideExits.empty() ? b : stubFor(b);
      };
      for (size_t j = 0; j < nb; ++j) {
        if (j > 0)
          chunk.push_back(Piece{ids[j], {}, kNoBlock});
        Piece &piece = chunk.back();
        const std::vector<Instr> &instrs = body[j].instrs;
        bool isLatch = j + 1 == nb;
        if (coldExits && calls(body[j])) {
          // A cold exit: the chunk ends here (the speculation so far is
          // kept, nothing after it can fail) and the original block goes
          // on, with the state this copy reached, which is the state the
          // loop has there.
          piece.instrs.push_back(make(Opcode::Commit, Type::none(), kNoVar, {}));
          piece.instrs.push_back(makeJump(l.body[j]));
          continue;
        }
        const bool isTest = l.body[j] == l.test;
        for (size_t i = 0; i < instrs.size(); ++i) {
          if (isTest && i == l.cmp.index)
            continue;
          if (i + 1 == instrs.size() && isTerminator(instrs[i].op)) {
            // The latch's back edge runs into the next copy; the test's
            // branch always stays in the loop. A latch that is not the
            // test and branches: its back edge goes to a fresh block where
            // the next copy (or the chunk's end) begins, its exit leaves.
            if (isLatch && !isTest && instrs[i].op == Opcode::Br) {
              BlockId cont = f_.addFreshBlock(name + ".unroll.next");
              Instr in = instrs[i];
              for (BlockId &target : in.labels)
                target = target == l.header ? cont : remap(target);
              piece.instrs.push_back(std::move(in));
              chunk.push_back(Piece{cont, {}, kNoBlock});
              break;
            }
            if (isLatch)
              continue;
            if (isTest) {
              piece.instrs.push_back(makeJump(remap(l.stay)));
              continue;
            }
          }
          if (dropUpdates && l.body[j] == l.update.block && i == l.update.index)
            continue;
          Instr in = instrs[i];
          for (BlockId &target : in.labels)
            target = remap(target);
          const IndexUse *use = offsets ? indexUseAt(l, l.body[j], i) : nullptr;
          if (use && copy > 0) {
            in.args[0] = in.dest; // copy j-1's d, one step on
            in.args[1] = stepVar;
          } else if (use && use->afterUpdate) {
            piece.instrs.push_back(in); // d from i0, then the step i took first
            in.args[0] = in.dest;
            in.args[1] = stepVar;
          }
          piece.instrs.push_back(std::move(in));
        }
        if (!isLatch && !body[j].terminator())
          piece.fallsTo = remap(fallthroughNow(l.body[j]));
      }
    }
    Piece &last = chunk.back();
    if (dropUpdates)
      last.instrs.push_back(make(Opcode::Add, Type::intTy(), l.iv, {l.iv, stride}));
    // A chunk's end: commit, then the next chunk's range guard right after
    // its speculate, before any of its effects (a failed guard rolls back to
    // the state after the commit, which is H's), and back to its first copy.
    // Without entryTest: commit, and back to U, which guards the next one.
    auto chunkEnd = [&](std::vector<Instr> &instrs) {
      instrs.push_back(make(Opcode::Commit, Type::none(), kNoVar, {}));
      if (!entryTest) {
        instrs.push_back(makeJump(u));
        return;
      }
      instrs.push_back(make(Opcode::Speculate, Type::none(), kNoVar, {}));
      rangeGuard(instrs);
      chunkPreamble(instrs);
      instrs.push_back(makeJump(g));
    };
    if (rounds) {
      // After a round i has taken every update of its copies: another round
      // while i has not reached the chunk's limit.
      VarId more = f_.freshVar("unroll.more");
      last.instrs.push_back(make(l.up() ? Opcode::Lt : Opcode::Gt, Type::boolTy(), more, {l.iv, lim}));
      last.instrs.push_back(makeBr(more, g, cm));
      chunk.push_back(Piece{cm, {}, kNoBlock});
      chunkEnd(chunk.back().instrs);
    } else if (speculative) {
      chunkEnd(last.instrs);
    } else {
      last.instrs.push_back(make(chunkTest, Type::boolTy(), t, {l.iv, m}));
      // Update first: the K-th comparison is still to be made, by R (or the
      // next chunk's test). Comparison first: all K were, L continues.
      last.instrs.push_back(makeBr(t, u, l.updateFirst ? r : l.header));
    }
    // Fall-throughs made explicit where the copy's layout breaks them, and
    // jumps to the block laid out next dropped (jmp costs an instruction).
    for (size_t p = 0; p + 1 < chunk.size(); ++p) {
      std::vector<Instr> &instrs = chunk[p].instrs;
      BlockId next = chunk[p + 1].id;
      if (chunk[p].fallsTo != kNoBlock && chunk[p].fallsTo != next)
        instrs.push_back(makeJump(chunk[p].fallsTo));
      else if (!instrs.empty() && instrs.back().op == Opcode::Jmp && instrs.back().labels[0] == next)
        instrs.pop_back();
    }

    // Every edge into the header from outside the body now enters the test.
    // The blocks that name it are among its sources (labelSources): a walk
    // of the function per loop made functions of many loops quadratic.
    forEachLabelSource(l.header, [&](BlockId b) {
      if (l.contains(b))
        return;
      bool named = false;
      for (Instr &in : f_.block(b).instrs)
        for (BlockId &target : in.labels)
          if (target == l.header) {
            target = e;
            named = true;
          }
      if (named)
        otherSources_[e].push_back(b);
    });

    f_.block(e).instrs = std::move(test);
    std::vector<BlockId> added{e};
    for (Piece &piece : chunk) {
      f_.block(piece.id).instrs = std::move(piece.instrs);
      added.push_back(piece.id);
    }
    if (r != kNoBlock) {
      f_.block(r).instrs = {cmp, testBranch};
      added.push_back(r);
    }
    for (auto &[target, stub] : stubs) {
      f_.block(stub).instrs = {make(Opcode::Commit, Type::none(), kNoVar, {}), makeJump(target)};
      added.push_back(stub);
    }
    // A latch that fell through to H now jumps there: the blocks go in
    // between, and its back edge must not enter E.
    size_t addedSize = 0;
    if (!f_.block(l.latch).terminator()) {
      f_.block(l.latch).instrs.push_back(makeJump(l.header));
      ++addedSize; // the latch already was a source of H (its fall-through)
    }
    for (BlockId b : added) {
      addedSize += f_.block(b).instrs.size();
      for (const Instr &in : f_.block(b).instrs)
        for (BlockId target : in.labels)
          otherSources_[target].push_back(b);
    }
    insertedBefore_[l.header] = added.front();
    // Laid out before the header at the end of the phase (layOutChunks):
    // an insertion into the layout per loop made many loops quadratic.
    pendingLayout_[l.header] = std::move(added);
    sizeChanged.added = addedSize;
    return true;
  }

  // f_.instrCount(), kept between edits: the size tests ask it for every
  // form of every candidate loop (a walk of the function each time made
  // many loops quadratic). Every edit of f_ (unroll, addEntryConstants)
  // calls sizeChanged(), which also drops the facts runPhase keeps.
  mutable std::optional<size_t> size_;
  size_t functionSize() const {
    if (!size_) {
      const_cast<LoopUnroller *>(this)->layOutChunks();
      size_ = f_.instrCount();
    }
    return *size_;
  }
  void sizeChanged() {
    size_.reset();
    analyzed_ = false;
    nestMatches_.reset();
  }
  // The CFG, dominators, definition counts and layout positions of the
  // function since its last edit (runPhase).
  bool analyzed_ = false;
  std::optional<CFG> cfg_;
  std::optional<DominatorTree> dom_;

  Function &f_;
  const FunctionWeights *weights_;
  const LoopUnrollOptions &options_;
  std::vector<UnrolledLoop> *report_;
  // Per variable, how many times the function defines it (2: more than
  // once), and the values of those an int const defines: a byte per variable
  // and a map of the constants, not a count and an optional value per
  // variable (20 bytes each, 30 MB of tables written whole on a function of
  // a million instructions).
  std::vector<uint8_t> defs_;
  llvm::DenseMap<VarId, int64_t> constValue_;
  bool checkedReads_ = false, readsUndefined_ = false;
  // bodyOf's scratch marks by block (zero between calls), and each block's
  // position in the layout while runPhase matches loops.
  mutable std::vector<uint8_t> inBody_;
  mutable std::vector<unsigned> pending_;
  // bodyOf's worklists, kept for their capacity (contents dead between calls).
  mutable std::vector<BlockId> bodyBlocks_, bodyWork_, bodyByLayout_;
  // The exits bodyOf lists for match and for matchEarlierTest (which match
  // calls once done with its own), kept the same way.
  mutable std::vector<std::pair<BlockId, BlockId>> matchExits_, earlierExits_;
  std::vector<unsigned> layoutPos_;
  // The blocks of the layout (in its order) that mayBeLatch: the only ones
  // match() may take, so each scan for loops visits them alone.
  std::vector<BlockId> latches_;
  // What match(b, nests=true) found for the latches_ (in order), kept by
  // planNests for the nest phase until the function changes.
  std::optional<std::vector<CountedLoop>> nestMatches_;
  std::vector<Instr> entryConstants_; // added to the entry block at the end
  // Since cfg_ was built: the blocks (unreachable then, or added or edited
  // since) whose labels name a block, by that block (forEachLabelSource);
  // and the first block each unrolled loop put before its header.
  llvm::DenseMap<BlockId, llvm::SmallVector<BlockId, 2>> otherSources_;
  llvm::DenseMap<BlockId, BlockId> insertedBefore_;
  // The blocks of the chunks built in this phase and not laid out yet, by
  // the header they go before (layOutChunks).
  llvm::DenseMap<BlockId, std::vector<BlockId>> pendingLayout_;

  // Whether no branch leads to the entry block (it runs once per call).
  bool entryIsPlain() const {
    BlockId entry = f_.entry();
    bool plain = true;
    forEachLabelSource(entry, [&](BlockId b) {
      for (const Instr &in : f_.block(b).instrs)
        for (BlockId target : in.labels)
          plain &= target != entry;
    });
    return plain;
  }

  // Puts the blocks of the chunks unroll() built before their loops'
  // headers, as one pass over the layout.
  void layOutChunks() {
    if (pendingLayout_.empty())
      return;
    size_t added = 0;
    for (const auto &[header, blocks] : pendingLayout_)
      added += blocks.size();
    std::vector<BlockId> layout;
    layout.reserve(f_.layout.size() + added);
    for (BlockId b : f_.layout) {
      if (auto it = pendingLayout_.find(b); it != pendingLayout_.end())
        layout.insert(layout.end(), it->second.begin(), it->second.end());
      layout.push_back(b);
    }
    f_.layout = std::move(layout);
    pendingLayout_.clear();
  }

  // The blocks of the layout whose instructions may name `target` as a
  // label (a superset of those that do, each maybe more than once): its
  // predecessors in cfg_, which lists the reachable ones as the phase
  // began, and otherSources_. Exact because a phase's edits only add
  // blocks, add a latch's jump to its own header and retarget a header's
  // labels to the block before it, and record each of those there.
  template <typename F> void forEachLabelSource(BlockId target, F &&fn) const {
    if (target < cfg_->numBlocks())
      for (BlockId b : cfg_->preds(target))
        fn(b);
    if (auto it = otherSources_.find(target); it != otherSources_.end())
      for (BlockId b : it->second)
        fn(b);
  }
  // fallthroughOf(f_, b) for a block b that the phase has not edited,
  // without searching the layout: the block after it as the phase began,
  // or the blocks an unrolled loop put before that one (its header).
  BlockId fallthroughNow(BlockId b) const {
    BlockId next = cfg_->fallthrough(b);
    if (next == kNoBlock)
      return next;
    if (auto it = insertedBefore_.find(next); it != insertedBefore_.end())
      return it->second;
    return next;
  }
};

} // namespace

bool unrollCountedLoops(Function &f, const FunctionWeights *weights,
                        const LoopUnrollOptions &options, std::vector<UnrolledLoop> *report) {
  return LoopUnroller(f, weights, options, report).run();
}

} // namespace brisk
