#include "transforms/ssa/FromSSA.h"

#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/Liveness.h"
#include "analysis/Loops.h"
#include "analysis/Uses.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/Sequence.h>
#include <llvm/ADT/SmallVector.h>
#include <llvm/ADT/StringMap.h>

#include <algorithm>
#include <cassert>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

namespace brisk {
namespace {

// "x.12" -> "x"; "x" -> "x". Only one numeric suffix is removed, so a
// program variable really named "x.1" (version "x.1.0") comes back as "x.1".
// (The trailing digits first, then the dot before them: one short walk
// from the end, for every name of a large function.)
std::string_view baseNameOf(std::string_view name) {
  size_t i = name.size();
  while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
    --i;
  if (i == name.size() || i < 2 || name[i - 1] != '.')
    return name;
  return name.substr(0, i - 1);
}
std::string baseName(const std::string &name) { return std::string(baseNameOf(name)); }
// baseName into a buffer the caller reuses (no allocation per name).
void assignBaseName(const std::string &name, std::string &out) { out.assign(baseNameOf(name)); }

// A copy of a parallel copy: dst = src, or `dst = const value` when `remat`
// is set (src is then kNoVar: it reads nothing).
struct CopyPair {
  VarId dst, src;
  bool remat = false;
  Literal value;
};

// A static estimate of how often each block runs (no profile is available
// here), for choosing which copies to keep: the entry runs once; a branch
// splits its count evenly, except that edges leaving the innermost loop of a
// block that also stays in it share only 1/8, and otherwise the edges that
// enter a loop (to its header, or to a block that only jumps there: the
// guard of a rotated loop rarely skips it) share 4/5; a loop header runs 8
// times per entry. Retreating edges are not followed (the header factor stands for
// them). Only the comparison of these numbers matters.
std::vector<double> estimateFrequencies(const CFG &cfg, const LoopInfo &loops) {
  constexpr double kTrips = 8, kExit = 1.0 / 8, kEnter = 0.8;
  std::vector<double> freq(cfg.numBlocks(), 0);
  for (BlockId b : cfg.rpo()) {
    if (b == cfg.entry())
      freq[b] = 1;
    if (loops.isHeader(b))
      freq[b] *= kTrips;
    BlockRange succs = cfg.succs(b);
    LoopId l = loops.loopOf(b);
    size_t exits = 0;
    if (l != kNoLoop)
      for (BlockId t : succs)
        exits += !loops.contains(l, t);
    auto entersLoop = [&](BlockId t) {
      BlockId h = t;
      if (!loops.isHeader(h) && cfg.succs(t).size() == 1)
        h = cfg.succs(t)[0];
      return loops.isHeader(h) && !loops.contains(loops.loopOf(h), b);
    };
    size_t entries = 0;
    for (BlockId t : succs)
      entries += entersLoop(t);
    for (BlockId t : succs) {
      if (cfg.rpoIndex(t) <= cfg.rpoIndex(b))
        continue;
      double p = 1.0 / double(succs.size());
      if (exits > 0 && exits < succs.size())
        p = !loops.contains(l, t) ? kExit / double(exits)
                                  : (1 - kExit) / double(succs.size() - exits);
      else if (entries > 0 && entries < succs.size())
        p = entersLoop(t) ? kEnter / double(entries)
                          : (1 - kEnter) / double(succs.size() - entries);
      freq[t] += freq[b] * p;
    }
  }
  return freq;
}

class SSADestroyer {
public:
  SSADestroyer(Function &f, const FromSSAOptions &options) : f_(f), options_(options) {}

  bool run() {
    if (!collectTypes())
      return false;
    splitCriticalEdges();
    isolatePhis();
    // rewrite looks names up, and the first lookup indexes every name made
    // since the last one (isolatePhis', loop rotation's: a hundred thousand
    // on a large function, 4 MB of index at 100,000 instructions): done
    // now, before the analyses and the coalescer's tables are made, and not
    // at from-ssa's memory peak.
    (void)f_.lookupVar(""); // (no variable is named "")
    {
      CFG cfg(f_, CFG::Guards::Absent);
      DominatorTree dom(cfg);
      LoopInfo loops(cfg, dom);
      // scanInstructions' walk also gathers what liveness is built from (one
      // walk over the instructions, not two). (Coalescing asks only what is
      // live out of a block, and only about the variables markAsked finds.)
      SparseLiveness::Facts facts(f_, cfg);
      if (scanInstructions(cfg, estimateFrequencies(cfg, loops), facts))
        materializeEdgeCopies(); // (the liveness below walks the blocks)
      const llvm::BitVector asked = markAsked();
      SparseLiveness live(f_, std::move(facts), SparseLiveness::Sets::OutOnly, &asked);
      live_ = &live;
      dom_ = &dom;
      formWebs();
      buildInterferenceIndex();
      coalesce();
      rewrite(); // still asks canMerge, so inside the analyses' lifetime
      live_ = nullptr;
      dom_ = nullptr;
    }
    placeSplitCopies();
    removeDeadConstants();
    return true;
  }

private:
  Function &f_;
  FromSSAOptions options_;
  std::vector<Type> type_;
  // Parallel-copy extents per block, as instruction indices: [0, topEnd_] are
  // the phis and the copies out of them; [endFirst_, endLast_] the copies
  // into successors' phis. -1 / empty when absent.
  std::vector<int> topEnd_, endFirst_, endLast_;
  // Per variable, what the steps learn about it one bit each, in one byte
  // (one array rather than one per fact: the steps read several facts of a
  // variable together, and on a large function each array read is a miss).
  enum : uint8_t {
    kUndef = 1,         // defined by `undef` (collectTypes)
    kIsolationCopy = 2, // the destination of a copy made in step 1
    kPinned = 4,        // a parameter or never defined: keeps its name
    kConst = 8,         // defined by a `const` (its literal: constants_)
    kOccurs = 16,       // written or read outside a phi (rewrite names only these)
    kRead = 32,         // read by some instruction (scanInstructions' scratch)
    kRootSeen = 64,     // a class root rewrite has listed, unless pinned (its scratch)
    kAsked = 128,       // some interference query can involve it (markAsked)
  };
  std::vector<uint8_t> flags_;
  bool has(VarId v, uint8_t flag) const { return v < flags_.size() && (flags_[v] & flag); }
  // Definition site and value of every variable.
  // (One record per variable, not three arrays: interfere reads all three
  // of two variables, and on a large function each array read is a miss.)
  struct Def {
    BlockId block = kNoBlock;
    int point = 0; // -1 for parameters
    VarId value = kNoVar;
  };
  std::vector<Def> def_;
  // Per block (CSR, sorted by variable): each variable read there by a
  // non-phi instruction and the index of its last such read.
  std::vector<std::pair<uint32_t, uint32_t>> lastUseSpan_;
  std::vector<std::pair<VarId, int>> lastUse_;
  bool unreadConstants_ = true; // rewrite found a `const` nobody reads
  // Union-find classes, kept flat (see find).
  std::vector<VarId> parent_;
  // A class's members, as a list through nextMember_ (kNoVar ends it) that
  // starts at the root (unite appends the smaller class's list to the
  // larger's, whose root stays the root); the root's ClassInfo holds its
  // last member and the class's size. Flat arrays rather than a small vector
  // per variable: most classes stay single, and then a walk of the members
  // touches no memory but the variable itself.
  std::vector<VarId> nextMember_;
  // Per class root: its last member (kNoVar while the root is alone: the
  // records start as one value) and size; and, kept up to date by unite
  // once buildInterferenceIndex has run (`summarized_`): whether a member
  // is pinned; whether some members have no reachable definition (rare:
  // they are listed in undefinedOf_); the one value all members hold, or
  // kNoVar when they differ; and the cost of finding the class's
  // interferences from its side (the sum of enumCost over its members,
  // saturating: it only chooses between two searches that give the same
  // answer). One record per class, not an array per field: canMerge and
  // unite read all of it for two classes, and on a large function each
  // array read is a cache miss. 16 bytes, four to a cache line (there is
  // one per variable, a fifth of them names earlier passes deleted): the
  // rare lists are kept aside, and the members' type is their root's
  // (type_: classes unite only through copies and webs, whose sides have
  // one type, after canMerge compared them).
  struct ClassInfo {
    uint32_t cost = 0;
    VarId lastMember = kNoVar;
    uint32_t size : 30 = 1;
    uint32_t pinned : 1 = 0;
    uint32_t hasUndefined : 1 = 0;
    VarId sameValue = kNoVar;
  };
  static_assert(sizeof(ClassInfo) == 16);
  static void addCost(ClassInfo &c, uint64_t cost) {
    c.cost = uint32_t(std::min<uint64_t>(c.cost + cost, std::numeric_limits<uint32_t>::max()));
  }
  std::vector<ClassInfo> class_;
  bool summarized_ = false;
  // The members of the class rooted at `root`, in the order they joined.
  struct MemberRange {
    const std::vector<VarId> *next;
    VarId first;
    struct iterator {
      const std::vector<VarId> *next;
      VarId v;
      VarId operator*() const { return v; }
      iterator &operator++() {
        v = (*next)[v];
        return *this;
      }
      bool operator!=(const iterator &o) const { return v != o.v; }
    };
    iterator begin() const { return {next, first}; }
    iterator end() const { return {next, kNoVar}; }
  };
  MemberRange members(VarId root) const { return {&nextMember_, root}; }
  // Per class root whose record says hasUndefined: those members.
  llvm::DenseMap<VarId, std::vector<VarId>> undefinedOf_;
  llvm::ArrayRef<VarId> undefined(VarId root) const {
    if (!class_[root].hasUndefined)
      return {};
    return undefinedOf_.find(root)->second;
  }
  // Where a variable v can interfere with another: x interferes with y only
  // if both hold different values and either one has no definition, or the
  // definition block of one is a block where the other is live out or read
  // (liveAfter). Per block (CSR): defsAt_ the variables defined there; per
  // variable: liveOrReadIn_ the blocks where it is live out or read. Those
  // live out of or read in a block are not listed again: the liveness's
  // live-out list and lastUsesIn are them (a copy of both was the largest
  // table here). Only the asked variables (markAsked) are listed, and only
  // they are in the live-out lists.
  std::vector<uint32_t> defsAtStart_, liveOrReadInStart_;
  std::vector<VarId> defsAt_;
  std::vector<BlockId> liveOrReadIn_;
  // A block with more than options_.indexedBlockSize definitions or reads (a long
  // straight line) is indexed, so that interferesFrom visits only the
  // candidates whose live range can reach the other variable's definition,
  // not every definition and read of the block: scanning them all made
  // coalescing quadratic in the block's length (one variable redefined
  // 10,000 times in one block took 1.3 s). Its defsAt_ are in point order;
  // readStab_ holds, per indexed block, its reads that are not live out as
  // intervals (definition point, or INT_MIN when defined elsewhere, to last
  // read) in start order, under a tree of each subrange's latest end.
  struct ReadInterval {
    int start, end;
    VarId var;
  };
  struct ReadStab {
    uint32_t begin = 0, size = 0, leaves = 0; // intervals and tree in the pools
    uint32_t treeBegin = 0;
  };
  std::vector<uint32_t> stabOf_; // per block: index in readStabs_ + 1, or 0
  std::vector<ReadStab> readStabs_;
  std::vector<ReadInterval> readIntervals_;
  std::vector<int> readTree_;
  bool indexed(BlockId b) const { return b < stabOf_.size() && stabOf_[b] != 0; }
  const SparseLiveness *live_ = nullptr;
  const DominatorTree *dom_ = nullptr;
  // Blocks made by splitting a critical edge from -> to that carries a phi
  // argument; see placeSplitCopies.
  struct Split {
    BlockId block, from, to;
    unsigned labelNumber; // see labelFreshBlock: only a block that stays is named
  };
  // The hint the label of a split edge into `to` is made from.
  std::string edgeHint(BlockId to) const {
    return f_.block(to).hasLabel() ? f_.block(to).label + ".edge" : "edge";
  }
  std::vector<Split> splits_;
  // The copies isolatePhis gives the split blocks, kept here and not in the
  // blocks until rewrite knows which remain (usually none: on
  // bench/big_function.py's shape every split edge's copies coalesce away,
  // and as instructions (80 bytes each when this was measured; 64 now) they
  // held 2.9 MB per 100,000 instructions of the function at from-ssa's
  // memory peak). Split block
  // firstSplit_ + k (the split blocks are the last ids) has the copies
  // (destination, source) edgeCopies_[edgeCopyStart_[k],
  // edgeCopyStart_[k + 1]); every step before rewrite reads it as those
  // copies followed by its instructions (its `jmp`). Empty once rewrite, or
  // materializeEdgeCopies, has put them in the blocks.
  BlockId firstSplit_ = 0;
  std::vector<uint32_t> edgeCopyStart_;
  std::vector<std::pair<VarId, VarId>> edgeCopies_;
  llvm::ArrayRef<std::pair<VarId, VarId>> edgeCopiesOf(BlockId b) const {
    if (edgeCopyStart_.empty() || b < firstSplit_)
      return {};
    size_t k = b - firstSplit_;
    return {edgeCopies_.data() + edgeCopyStart_[k], edgeCopies_.data() + edgeCopyStart_[k + 1]};
  }
  std::vector<CopyPair> todo_;               // sequentialize's scratch
  // Per block: its phis (collectTypes counts them). Half the blocks of a
  // large function have none, and splitCriticalEdges and isolatePhis then
  // skip them without reading their instructions (a cache miss each).
  // Blocks added since have none.
  std::vector<uint32_t> phiCount_;
  uint32_t phisIn(BlockId b) const { return b < phiCount_.size() ? phiCount_[b] : 0; }
  // Every reachable `const`'s variable and literal, sorted by variable (a
  // table per variable would be written in full for the few constants
  // rewrite asks about).
  std::vector<std::pair<VarId, Literal>> constants_;
  Literal constValue(VarId v) const {
    auto it = std::lower_bound(constants_.begin(), constants_.end(), v,
                               [](const std::pair<VarId, Literal> &c, VarId x) { return c.first < x; });
    return it->second;
  }

  // The type of every variable and which are defined by `undef`, in one
  // pass over the function (each pass over a large function is mostly cache
  // misses). Returns false, having stopped early, when the function holds
  // speculation or set/get.
  // (So every CFG this pass builds skips the scan for guards' edges.)
  bool collectTypes() {
    type_.assign(f_.numVars(), Type::none());
    flags_.assign(f_.numVars(), 0);
    phiCount_.assign(f_.blocks.size(), 0);
    for (const Param &p : f_.params)
      type_[p.var] = p.type;
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs) {
        if (in.info().effect == EffectClass::Guard || in.op == Opcode::Set ||
            in.op == Opcode::Get)
          return false;
        if (in.hasDest())
          type_[in.dest] = in.type;
        if (in.op == Opcode::Undef)
          flags_[in.dest] |= kUndef;
        phiCount_[b] += in.op == Opcode::Phi; // (phis come first)
        copies_ += in.op == Opcode::Id && in.hasDest() && in.args.size() == 1;
        reads_ += in.op != Opcode::Phi ? in.args.size() : 0;
      }
    return true;
  }

  // A fresh variable of `like`'s type named after `base`, its base name.
  VarId fresh(VarId like, std::string_view base) {
    VarId v = f_.freshVar(base);
    type_.resize(f_.numVars(), Type::none());
    flags_.resize(f_.numVars(), 0);
    type_[v] = type_[like];
    return v;
  }

  bool isUndef(VarId v) const { return has(v, kUndef); }

  static Instr copyInstr(VarId dst, VarId src, Type t) {
    Instr in;
    in.op = Opcode::Id;
    in.type = t;
    in.dest = dst;
    in.args.push_back(src);
    return in;
  }

  // Step 0. Every edge p -> b that carries a phi argument, where p has other
  // successors too, gets a block of its own (ending in `jmp b`), so that its
  // copies run only on that edge and never clobber what the other successors
  // read. placeSplitCopies later undoes the splits that turn out to need no
  // copy, or whose copies are cheap and harmless at the end of p.
  void splitCriticalEdges() {
    CFG cfg(f_, CFG::Guards::Absent);
    const size_t nb = f_.blocks.size(); // (before the split blocks are added)
    firstSplit_ = BlockId(nb);
    for (BlockId b : f_.layout) {
      if (b == f_.entry() || phisIn(b) == 0 || !cfg.reachable(b))
        continue;
      for (BlockId p : cfg.preds(b)) {
        if (cfg.succs(p).size() < 2)
          continue;
        size_t carried = 0;
        for (const Instr &phi : f_.block(b).instrs) {
          if (phi.op != Opcode::Phi)
            break;
          for (size_t k = 0; k < phi.args.size(); ++k)
            carried += phi.labels[k] == p && !isUndef(phi.args[k]);
        }
        if (carried == 0)
          continue;
        // Unnamed for now: most split edges are joined again (a label each
        // would be two strings made for nothing).
        unsigned number = 0;
        BlockId s = f_.addFreshBlockUnlabeled(edgeHint(b), number);
        f_.block(s).instrs.push_back(makeJump(b)); // (its copies: edgeCopies_)
        for (BlockId &t : f_.block(p).terminator()->labels)
          if (t == b)
            t = s;
        for (Instr &phi : f_.block(b).instrs) {
          if (phi.op != Opcode::Phi)
            break;
          for (BlockId &l : phi.labels)
            if (l == p)
              l = s;
        }
        splits_.push_back({s, p, b, number});
      }
    }
    if (splits_.empty())
      return;
    // Per block p, the split blocks that go right after it in the layout,
    // the last made first (as if each were inserted right after p in turn):
    // splits_ grouped by source with a counting sort (stable), read
    // backwards; not a vector per block.
    std::vector<uint32_t> start(nb + 1, 0);
    for (const Split &sp : splits_)
      ++start[sp.from + 1];
    for (size_t b = 0; b < nb; ++b)
      start[b + 1] += start[b];
    std::vector<BlockId> after(splits_.size());
    {
      std::vector<uint32_t> next(start.begin(), start.end() - 1);
      for (const Split &sp : splits_)
        after[next[sp.from]++] = sp.block;
    }
    std::vector<BlockId> layout;
    layout.reserve(f_.layout.size() + splits_.size());
    for (BlockId b : f_.layout) {
      layout.push_back(b);
      if (b < nb)
        for (uint32_t k = start[b + 1]; k > start[b]; --k)
          layout.push_back(after[k - 1]);
    }
    f_.layout = std::move(layout);
  }

  // Step 1.
  void isolatePhis() {
    size_t nb = f_.blocks.size();
    // The copies for the top and the end of each block, in flat lists (a
    // vector per block cost more in allocation than the copies themselves):
    // a block's top copies are made together, so tops holds them in a run
    // from topFirst[b]; the end copies come in any block order and are
    // grouped by block below.
    std::vector<CopyPair> tops;
    std::vector<uint32_t> topFirst(nb, 0);
    std::vector<std::pair<BlockId, CopyPair>> endList;
    std::vector<VarId> &webs = webs_;
    std::vector<uint32_t> &webStart = webStart_;
    webs.clear();
    webStart.clear();
    std::string base; // reused
    for (BlockId b : f_.layout) {
      topFirst[b] = uint32_t(tops.size());
      if (phisIn(b) == 0)
        continue;
      for (Instr &phi : f_.block(b).instrs) {
        if (phi.op != Opcode::Phi)
          break;
        VarId x = phi.dest;
        assignBaseName(f_.varName(x), base); // (a copy: fresh names may move the names)
        VarId xi = fresh(x, base);
        webStart.push_back(uint32_t(webs.size()));
        webs.push_back(xi);
        IdVector args;
        IdVector labels;
        for (size_t k = 0; k < phi.args.size(); ++k) {
          if (isUndef(phi.args[k]))
            continue; // nothing to carry: the value is undefined on that edge
          VarId ai = fresh(x, base);
          flags_[ai] |= kIsolationCopy;
          endList.push_back({phi.labels[k], CopyPair{ai, phi.args[k], false, Literal{}}});
          args.push_back(ai);
          labels.push_back(phi.labels[k]);
          webs.push_back(ai);
        }
        phi.dest = xi;
        phi.args = std::move(args);
        phi.labels = std::move(labels);
        tops.push_back(CopyPair{x, xi, false, Literal{}});
        flags_[x] |= kIsolationCopy;
      }
    }
    webStart.push_back(uint32_t(webs.size()));
    // Block b's end copies: ends[endStart[b], endStart[b + 1]), in the order
    // they were made.
    std::vector<uint32_t> endStart(nb + 1, 0);
    for (const auto &[p, c] : endList)
      ++endStart[p + 1];
    for (size_t i = 0; i < nb; ++i)
      endStart[i + 1] += endStart[i];
    std::vector<CopyPair> ends(endList.size());
    {
      std::vector<uint32_t> next(endStart.begin(), endStart.end() - 1);
      for (const auto &[p, c] : endList)
        ends[next[p]++] = c;
    }
    copies_ += tops.size() + endList.size();
    reads_ += tops.size() + endList.size();
    std::vector<std::pair<BlockId, CopyPair>>().swap(endList);
    topEnd_.assign(nb, -1);
    endFirst_.assign(nb, -1);
    endLast_.assign(nb, -1);
    // The split blocks' copies (the last ids' ends) go to edgeCopies_; the
    // indices below count them in front of the block's `jmp`.
    edgeCopyStart_.clear();
    edgeCopies_.clear();
    if (firstSplit_ < nb) {
      const uint32_t first = endStart[firstSplit_];
      for (size_t b = firstSplit_; b <= nb; ++b)
        edgeCopyStart_.push_back(endStart[b] - first);
      edgeCopies_.reserve(ends.size() - first);
      for (size_t i = first; i < ends.size(); ++i)
        edgeCopies_.push_back({ends[i].dst, ends[i].src});
    }
    std::vector<Instr> copies; // one block's top or end copies, reused
    for (BlockId b : f_.layout) {
      size_t nphi = phisIn(b);
      llvm::ArrayRef<CopyPair> top(tops.data() + topFirst[b], nphi);
      llvm::ArrayRef<CopyPair> end(ends.data() + endStart[b], ends.data() + endStart[b + 1]);
      if (top.empty() && end.empty()) {
        topEnd_[b] = int(nphi) - 1; // nothing to insert: leave the block as it is
        continue;
      }
      if (b >= firstSplit_) { // (no phis: its copies first, in edgeCopies_)
        endFirst_[b] = 0;
        endLast_[b] = int(end.size()) - 1;
        continue;
      }
      std::vector<Instr> &instrs = f_.block(b).instrs;
      const size_t need = instrs.size() + top.size() + end.size();
      if (instrs.capacity() >= need) {
        // Room enough: the copies go in place (the body moves up once), no
        // new array.
        bool hasTerm = !instrs.empty() && instrs.back().isTerminator() && instrs.size() > nphi;
        copies.clear();
        for (const CopyPair &c : top)
          copies.push_back(copyInstr(c.dst, c.src, type_[c.dst]));
        instrs.insert(instrs.begin() + std::ptrdiff_t(nphi), std::make_move_iterator(copies.begin()),
                      std::make_move_iterator(copies.end()));
        topEnd_[b] = int(nphi + top.size()) - 1;
        if (!end.empty()) {
          copies.clear();
          for (const CopyPair &c : end)
            copies.push_back(copyInstr(c.dst, c.src, type_[c.dst]));
          size_t at = instrs.size() - (hasTerm ? 1 : 0);
          instrs.insert(instrs.begin() + std::ptrdiff_t(at), std::make_move_iterator(copies.begin()),
                        std::make_move_iterator(copies.end()));
          endFirst_[b] = int(at);
          endLast_[b] = int(at + end.size()) - 1;
        }
        continue;
      }
      std::vector<Instr> out;
      out.reserve(need);
      for (size_t i = 0; i < nphi; ++i)
        out.push_back(std::move(instrs[i]));
      for (const CopyPair &c : top)
        out.push_back(copyInstr(c.dst, c.src, type_[c.dst]));
      topEnd_[b] = int(out.size()) - 1;
      bool hasTerm = !instrs.empty() && instrs.back().isTerminator() && instrs.size() > nphi;
      size_t bodyEnd = hasTerm ? instrs.size() - 1 : instrs.size();
      for (size_t i = nphi; i < bodyEnd; ++i)
        out.push_back(std::move(instrs[i]));
      if (!end.empty()) {
        endFirst_[b] = int(out.size());
        for (const CopyPair &c : end)
          out.push_back(copyInstr(c.dst, c.src, type_[c.dst]));
        endLast_[b] = int(out.size()) - 1;
      }
      if (hasTerm)
        out.push_back(std::move(instrs.back()));
      instrs = std::move(out);
    }
  }

  // Each phi's web (its result's isolated variable, then its arguments'),
  // one after the other, as isolatePhis made them; webStart_ holds where
  // each begins.
  std::vector<VarId> webs_;
  std::vector<uint32_t> webStart_;

  // Every variable a class of its own, then each web one class: a phi and
  // its isolated operands must share a name (the phi vanishes). Done once
  // the liveness is built, not in isolatePhis: the class records, 4.5 MB
  // at 100,000 instructions, then do not add to the memory the liveness
  // construction takes, where from-ssa's memory peaks.
  // Each table is written in one pass (on a large function class_ alone
  // nearly fills the last-level cache: a second pass misses on every line
  // again).
  void formWebs() {
    const auto ids = llvm::seq<VarId>(0, VarId(f_.numVars()));
    parent_.assign(ids.begin(), ids.end());
    nextMember_.assign(f_.numVars(), kNoVar);
    class_.assign(f_.numVars(), ClassInfo());
    for (size_t w = 0; w + 1 < webStart_.size(); ++w)
      for (uint32_t k = webStart_[w] + 1; k < webStart_[w + 1]; ++k)
        unite(webs_[webStart_[w]], webs_[k]);
    std::vector<VarId>().swap(webs_);
    std::vector<uint32_t>().swap(webStart_);
  }

  int point(BlockId b, int i) const {
    if (i <= topEnd_[b])
      return topEnd_[b];
    if (endFirst_[b] >= 0 && i >= endFirst_[b] && i <= endLast_[b])
      return endLast_[b];
    return i;
  }

  // A copy the coalescer may remove (dst = src), weighted by what it would
  // cost if it stayed: its block's estimated frequency.
  struct Affinity {
    VarId dst, src;
    double weight;
    int priority; // 0: a phi's result, 1: a phi's argument, 2: the program's own id
  };
  std::vector<Affinity> affinities_;
  // How many there will be: the program's own copies (collectTypes counts
  // them) and those isolatePhis makes. (Grown instead, their array had
  // half its 3 MB unused at from-ssa's memory peak on 100,000 instructions.)
  size_t copies_ = 0;
  // At most how many operands non-phi instructions read: the program's
  // (collectTypes counts them) and isolatePhis' copies' (one each).
  // lastUse_ has at most one entry per operand, and nearly that many (87%
  // on bench/big_function.py's shape: few variables are read twice in one
  // block): reserved once, it is not grown and then shrunk (each growth
  // copied it, 16 MB at 1M instructions, and the shrinking once more).
  size_t reads_ = 0;

  // One walk over the instructions, in layout order, for everything the
  // coalescer needs from them (each walk over a large function is mostly
  // cache misses):
  //  - each variable's definition site, constant and value (a copy holds
  //    its source's value), from reachable blocks only;
  //  - per block, each variable read there by a non-phi instruction and the
  //    index of its last such read (lastUsesIn);
  //  - the variables read but never (reachably) defined, pinned: they keep
  //    their name, so the read still fails;
  //  - which variables occur outside phis (rewrite names only those);
  //  - the affinities, in layout order;
  //  - what liveness is built from (liveFacts), from reachable blocks.
  // A split block's copies are read from edgeCopies_, as if in the block.
  // Returns whether some variable has two (reachable) definitions: then
  // liveness walks the instructions again and the caller must first put
  // those copies where the walk sees them.
  bool scanInstructions(const CFG &cfg, const std::vector<double> &freq,
                        SparseLiveness::Facts &liveFacts) {
    size_t nv = f_.numVars(), nb = f_.blocks.size();
    // (def_[v].value holds the source of the copy defining v until the
    // values are resolved below, once every definition is known.)
    def_.assign(nv, Def());
    constants_.clear();
    lastUseSpan_.assign(nb, {0, 0});
    lastUse_.clear();
    lastUse_.reserve(reads_);
    affinities_.clear();
    affinities_.reserve(copies_);
    for (const Param &p : f_.params) {
      def_[p.var].block = f_.entry();
      def_[p.var].point = -1;
      flags_[p.var] |= kPinned | kOccurs;
    }
    std::vector<int> last(nv, -1);
    std::vector<VarId> readHere;
    bool definedTwice = false;
    for (BlockId b : f_.layout) {
      const std::vector<Instr> &instrs = f_.block(b).instrs;
      const bool reachable = cfg.reachable(b);
      const double w = freq[b];
      // Instruction i of the block (in = its copy of edgeCopies_ first).
      auto scan = [&](const Instr &in, int i) {
        const bool copy = in.op == Opcode::Id && in.hasDest() && in.args.size() == 1;
        if (in.hasDest() && reachable) {
          Def &d = def_[in.dest];
          definedTwice |= d.block != kNoBlock;
          d.block = b;
          d.point = point(b, i);
          if (copy)
            d.value = in.args[0];
          if (in.op == Opcode::Const) {
            flags_[in.dest] |= kConst;
            constants_.push_back({in.dest, in.value});
          }
        }
        if (in.op == Opcode::Phi) {
          if (reachable)
            liveFacts.add(b, in);
          // A phi reads at the end of its predecessors: no last use here.
          forEachUse(in, [&](VarId v) { flags_[v] |= kRead; });
          return;
        }
        if (in.hasDest())
          flags_[in.dest] |= kOccurs;
        forEachUse(in, [&](VarId v) {
          if (reachable)
            liveFacts.addRead(b, v);
          flags_[v] |= kRead | kOccurs;
          if (last[v] < 0)
            readHere.push_back(v);
          last[v] = i;
        });
        if (reachable && in.hasDest())
          liveFacts.addDefinition(b, in.dest);
        if (copy)
          affinities_.push_back({in.dest, in.args[0], w,
                                 !(flags_[in.dest] & kIsolationCopy) ? 2
                                 : i <= topEnd_[b]                  ? 0
                                                                    : 1});
      };
      llvm::ArrayRef<std::pair<VarId, VarId>> edge = edgeCopiesOf(b);
      for (size_t k = 0; k < edge.size(); ++k)
        scan(copyInstr(edge[k].first, edge[k].second, type_[edge[k].first]), int(k));
      for (size_t i = 0; i < instrs.size(); ++i)
        scan(instrs[i], int(edge.size() + i));
      std::sort(readHere.begin(), readHere.end());
      lastUseSpan_[b].first = uint32_t(lastUse_.size());
      for (VarId v : readHere) {
        lastUse_.push_back({v, last[v]});
        last[v] = -1;
      }
      lastUseSpan_[b].second = uint32_t(lastUse_.size());
      readHere.clear();
    }
    std::vector<int>().swap(last);
    // (A variable defined twice, possible only outside strict SSA, keeps the
    // literal of its last `const`, as the table per variable this replaces
    // did.)
    std::stable_sort(constants_.begin(), constants_.end(),
                     [](const auto &x, const auto &y) { return x.first < y.first; });
    size_t kept = 0;
    for (size_t i = 0; i < constants_.size(); ++i) {
      if (kept > 0 && constants_[kept - 1].first == constants_[i].first)
        --kept; // the later one wins
      constants_[kept++] = constants_[i];
    }
    constants_.resize(kept);
    // A copy's value is its source's (in strict SSA the source's definition
    // dominates the copy, so the chains end; a variable met again on its own
    // chain ends it too). Each chain is followed once: its members are
    // resolved on the way back.
    std::vector<uint8_t> state(nv, 0); // 0: unresolved, 1: on the chain, 2: resolved
    std::vector<VarId> chain;
    for (VarId v = 0; v < nv; ++v) {
      if (state[v] == 2)
        continue;
      VarId x = v;
      while (state[x] == 0 && def_[x].value != kNoVar) {
        state[x] = 1;
        chain.push_back(x);
        x = def_[x].value;
      }
      VarId value = state[x] == 2 ? def_[x].value : x;
      if (state[x] == 0) {
        def_[x].value = x;
        state[x] = 2;
      }
      for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        def_[*it].value = value;
        state[*it] = 2;
      }
      chain.clear();
    }
    for (VarId v = 0; v < nv; ++v)
      if ((flags_[v] & kRead) && def_[v].block == kNoBlock)
        flags_[v] |= kPinned;
    return definedTwice;
  }

  // Marks kAsked the variables some interference query can involve, and
  // returns them as a mask for the liveness: only they get live sets. A
  // variable of the program live across many blocks (a value computed
  // early and read late) takes a list entry in each, quadratic in a wide
  // function, and is mostly one no query asks about. Queries (interfere,
  // and through it every lookup of live_) are about members of two
  // classes canMerge compares:
  //  - coalesce compares the classes of a copy's two sides, and classes
  //    are only ever united from copies and webs (a phi and its isolated
  //    operands, themselves copy sides): every member of a class canMerge
  //    sees is a copy side, or a class of its own;
  //  - rewrite compares two classes that claim one name: a pinned class
  //    claims its pinned member's name, another the base name of its
  //    first occurring member, and after a refusal a fresh name
  //    "<base>.<n>". So a variable in no copy is asked about only when its
  //    claim (its name when pinned, else its base name) is also some other
  //    occurring variable's, or is spelled like a fresh name.
  // A variable without a definition needs no live set either way
  // (interfere answers for it without one), but is marked like the others
  // when it matches. What the index lists (defsAt_, liveOrReadIn_, the long
  // blocks' intervals) is narrowed to these too: a candidate outside them
  // is in no class canMerge compares.
  llvm::BitVector markAsked() {
    const size_t nv = f_.numVars();
    auto mark = [&](VarId v) { flags_[v] |= kAsked; };
    for (const Affinity &a : affinities_) { // (every web member is one's side)
      mark(a.dst);
      mark(a.src);
    }
    // (A claim counts each occurring variable once; an asked variable's
    // claim counts too, as its class's may be it.) The names are read in
    // this one walk: each is a 32-byte string in the function's table, tens
    // of megabytes on a large function, so a walk over them is mostly cache
    // misses. Each occurring variable's claim is kept as a number (claim_),
    // which the second loop and rewrite's naming read instead.
    claimNumbers_.clear();
    claimNames_.clear();
    claim_.assign(nv, 0);
    std::vector<uint32_t> count;       // per claim: the occurring variables making it
    std::vector<uint8_t> spelledFresh; // per claim: spelled like a fresh name
    for (VarId v = 0; v < nv; ++v) {
      if (!(flags_[v] & kOccurs))
        continue;
      std::string_view name = f_.varName(v);
      std::string_view claim = (flags_[v] & kPinned) ? name : baseNameOf(name);
      auto [it, added] = claimNumbers_.try_emplace(claim, uint32_t(claimNames_.size()));
      if (added) {
        claimNames_.push_back(std::string_view(it->first().data(), it->first().size()));
        count.push_back(0);
        spelledFresh.push_back(baseNameOf(claim) != claim);
      }
      ++count[it->second];
      claim_[v] = it->second;
    }
    llvm::BitVector keep(static_cast<unsigned>(nv));
    for (VarId v = 0; v < nv; ++v) {
      if ((flags_[v] & kOccurs) && !(flags_[v] & kAsked) &&
          (count[claim_[v]] > 1 || spelledFresh[claim_[v]]))
        mark(v);
      if (flags_[v] & kAsked)
        keep.set(v);
    }
    return keep;
  }
  // The claims markAsked found: per occurring variable its claim's number
  // (an unpinned variable's claim is its base name, the one rewrite names
  // its class by), and per number the claim (a key of claimNumbers_).
  llvm::StringMap<uint32_t> claimNumbers_;
  std::vector<std::string_view> claimNames_;
  std::vector<uint32_t> claim_;
  bool asked(VarId v) const { return has(v, kAsked); }

  // Puts the split blocks' copies (edgeCopies_) in the blocks, at the
  // indices every step has read them at.
  void materializeEdgeCopies() {
    for (BlockId b = firstSplit_; b < f_.blocks.size(); ++b) {
      std::vector<Instr> &instrs = f_.block(b).instrs;
      llvm::ArrayRef<std::pair<VarId, VarId>> edge = edgeCopiesOf(b);
      instrs.insert(instrs.begin(), edge.size(), Instr());
      for (size_t k = 0; k < edge.size(); ++k)
        instrs[k] = copyInstr(edge[k].first, edge[k].second, type_[edge[k].first]);
    }
    std::vector<uint32_t>().swap(edgeCopyStart_);
    std::vector<std::pair<VarId, VarId>>().swap(edgeCopies_);
  }

  llvm::ArrayRef<std::pair<VarId, int>> lastUsesIn(BlockId b) const {
    return {lastUse_.data() + lastUseSpan_[b].first, lastUse_.data() + lastUseSpan_[b].second};
  }

  // The index of v's last non-phi read in b, INT_MIN when b has none.
  int lastReadIn(VarId v, BlockId b) const {
    llvm::ArrayRef<std::pair<VarId, int>> uses = lastUsesIn(b);
    auto it = std::lower_bound(uses.begin(), uses.end(), v,
                               [](const std::pair<VarId, int> &u, VarId x) { return u.first < x; });
    return it != uses.end() && it->first == v ? it->second : std::numeric_limits<int>::min();
  }

  bool liveAfter(VarId v, BlockId b, int p) const {
    assert(asked(v) && "no live set was built for it (markAsked)");
    return live_->isLiveOut(v, b) || lastReadIn(v, b) > p;
  }

  bool interfere(VarId a, VarId b) const {
    if (def_[a].value == def_[b].value)
      return false;
    BlockId ba = def_[a].block, bb = def_[b].block;
    if (ba == kNoBlock || bb == kNoBlock)
      return true;
    int pa = def_[a].point, pb = def_[b].point;
    if (ba == bb) {
      if (pa == pb)
        return liveAfter(a, ba, pa) && liveAfter(b, bb, pb);
      return pa < pb ? liveAfter(a, bb, pb) : liveAfter(b, ba, pa);
    }
    if (dom_->dominates(ba, bb))
      return liveAfter(a, bb, pb);
    if (dom_->dominates(bb, ba))
      return liveAfter(b, ba, pa);
    return false;
  }

  // Every member's parent_ is its class's root (unite points the smaller
  // class's members at the larger's root, which stays): find is one load,
  // the inner step of canMerge's search.
  VarId find(VarId v) const { return parent_[v]; }
  void unite(VarId a, VarId b) {
    a = find(a);
    b = find(b);
    if (a == b)
      return;
    if (class_[a].size < class_[b].size)
      std::swap(a, b);
    for (VarId m : members(b))
      parent_[m] = a;
    ClassInfo &ca = class_[a], &cb = class_[b];
    nextMember_[ca.lastMember != kNoVar ? ca.lastMember : a] = b;
    ca.lastMember = cb.lastMember != kNoVar ? cb.lastMember : b;
    ca.size += cb.size;
    if (!summarized_)
      return;
    ca.pinned |= cb.pinned;
    if (cb.hasUndefined) {
      auto it = undefinedOf_.find(b);
      std::vector<VarId> from = std::move(it->second);
      undefinedOf_.erase(it);
      std::vector<VarId> &into = undefinedOf_[a];
      into.insert(into.end(), from.begin(), from.end());
      ca.hasUndefined = 1;
      cb.hasUndefined = 0;
    }
    if (ca.sameValue != cb.sameValue)
      ca.sameValue = kNoVar;
    addCost(ca, cb.cost);
  }

  // The tables behind canMerge's search (see defsAt_), and the per-class
  // summaries. After scanInstructions, with live_ set.
  void buildInterferenceIndex() {
    size_t nv = parent_.size(), nb = f_.blocks.size();
    std::vector<uint8_t> inLayout(nb, 0);
    for (BlockId b : f_.layout)
      inLayout[b] = 1;
    // Calls visit(v) for each variable live out of b or read in it, once
    // (both lists are sorted: one merge, not a search per read).
    auto forEachLiveOrRead = [&](BlockId b, auto &&visit) {
      if (!inLayout[b])
        return;
      llvm::ArrayRef<VarId> out = live_->liveOut(b);
      for (VarId v : out)
        visit(v);
      size_t j = 0;
      for (const auto &[v, last] : lastUsesIn(b)) {
        if (!asked(v))
          continue;
        while (j < out.size() && out[j] < v)
          ++j;
        if (j == out.size() || out[j] != v)
          visit(v);
      }
    };
    // (Filled through `start` itself, each entry moving to its row's end,
    // the next one's start, then shifted back one place: no copy of it,
    // fresh memory the size of the variables.)
    auto toCSR = [](std::vector<uint32_t> &start, size_t n, auto &&count, auto &&fill) {
      start.assign(n + 1, 0);
      count([&](size_t i) { ++start[i + 1]; });
      for (size_t i = 0; i < n; ++i)
        start[i + 1] += start[i];
      fill([&](size_t i) { return start[i]++; });
      for (size_t i = n; i > 0; --i)
        start[i] = start[i - 1];
      start[0] = 0;
    };
    toCSR(liveOrReadInStart_, nv,
          [&](auto &&add) {
            for (BlockId b = 0; b < nb; ++b)
              forEachLiveOrRead(b, [&](VarId v) {
                if (v < nv)
                  add(v);
              });
          },
          [&](auto &&slot) {
            liveOrReadIn_.resize(liveOrReadInStart_[nv]);
            for (BlockId b = 0; b < nb; ++b)
              forEachLiveOrRead(b, [&](VarId v) {
                if (v < nv)
                  liveOrReadIn_[slot(v)] = b;
              });
          });
    toCSR(defsAtStart_, nb,
          [&](auto &&add) {
            for (VarId v = 0; v < nv; ++v)
              if (def_[v].block != kNoBlock && asked(v))
                add(def_[v].block);
          },
          [&](auto &&slot) {
            defsAt_.resize(defsAtStart_[nb]);
            for (VarId v = 0; v < nv; ++v)
              if (def_[v].block != kNoBlock && asked(v))
                defsAt_[slot(def_[v].block)] = v;
          });
    buildLongBlockIndex();
    // The candidates interferesFrom visits for v.
    auto enumCost = [&](VarId v) {
      uint64_t cost = 1;
      if (def_[v].block == kNoBlock)
        return cost;
      BlockId d = def_[v].block;
      cost += live_->liveOut(d).size() +
              (indexed(d) ? countLiveAcross(d, def_[v].point) : lastUsesIn(d).size());
      for (uint32_t k = liveOrReadInStart_[v]; k < liveOrReadInStart_[v + 1]; ++k) {
        BlockId t = liveOrReadIn_[k];
        if (indexed(t)) {
          auto [lo, hi] = defsWhereLive(v, t);
          cost += hi - lo;
        } else {
          cost += defsAtStart_[t + 1] - defsAtStart_[t];
        }
      }
      return cost;
    };
    undefinedOf_.clear();
    for (VarId r = 0; r < nv; ++r) {
      // A variable that occurs nowhere (the function's table keeps the
      // names earlier passes deleted: a sixth of them on a large function)
      // is in no class canMerge is asked about: a summary of it would be
      // an undefined list of its own, for nothing.
      if (find(r) != r || (class_[r].size == 1 && !(flags_[r] & kOccurs)))
        continue;
      ClassInfo &c = class_[r];
      c.sameValue = def_[r].value; // (the root is its class's first member)
      for (VarId v : members(r)) {
        c.pinned |= (flags_[v] & kPinned) != 0;
        if (def_[v].block == kNoBlock) {
          c.hasUndefined = 1;
          undefinedOf_[r].push_back(v);
        }
        if (def_[v].value != c.sameValue)
          c.sameValue = kNoVar;
        addCost(c, enumCost(v));
      }
    }
    summarized_ = true;
  }

  // Whether some member of class `from` interferes with some member of class
  // `other` (both roots; every member of both has a definition's block here,
  // undefined members are checked by the caller). Visits only the pairs
  // interfere can answer true for: for each y in `from`, the variables
  // defined where y is live out or read, and those live out of or read in
  // y's own block.
  //
  // In an indexed block the visit is narrower, and still sees every pair
  // interfere answers true for (x of `other`, y of `from`, y defined at
  // point p of block d):
  //  - x defined in a block t where y is live out or read: if x is defined
  //    after y in d, or in another block, the pair can interfere only if y is
  //    live after x's definition, so only the definitions of t before y's
  //    last read there (all of them when y is live out) count
  //    (defsWhereLive); every other x must be live after p in d;
  //  - x live after p in d: live out of d, or read in d after p; of those
  //    read, the ones defined after p in d are the first case's, so only the
  //    intervals that hold p are visited (forEachLiveAcross).
  // An x without a definition never answers true here: canMerge found its
  // value to be every member of `from`'s.
  bool interferesFrom(VarId from, VarId other) {
    auto hits = [&](VarId x, VarId y) { return find(x) == other && interfere(x, y); };
    for (VarId y : members(from)) {
      BlockId d = def_[y].block;
      if (d == kNoBlock)
        continue;
      for (uint32_t k = liveOrReadInStart_[y]; k < liveOrReadInStart_[y + 1]; ++k) {
        BlockId t = liveOrReadIn_[k];
        auto [lo, hi] = indexed(t) ? defsWhereLive(y, t)
                                   : std::pair(defsAtStart_[t], defsAtStart_[t + 1]);
        for (uint32_t j = lo; j < hi; ++j)
          if (hits(defsAt_[j], y))
            return true;
      }
      for (VarId x : live_->liveOut(d))
        if (x < parent_.size() && hits(x, y))
          return true;
      if (indexed(d)) {
        if (forEachLiveAcross(d, def_[y].point, [&](VarId x) { return hits(x, y); }))
          return true;
        continue;
      }
      // (A read that is also live out is visited twice: cheaper than asking.)
      for (const auto &[x, last] : lastUsesIn(d))
        if (hits(x, y))
          return true;
    }
    return false;
  }

  // The index of the long blocks (see stabOf_). After defsAt_.
  void buildLongBlockIndex() {
    size_t nb = f_.blocks.size();
    stabOf_.assign(nb, 0);
    readStabs_.clear();
    readIntervals_.clear();
    readTree_.clear();
    for (BlockId b : f_.layout) {
      uint32_t defs = defsAtStart_[b + 1] - defsAtStart_[b];
      uint32_t reads = lastUseSpan_[b].second - lastUseSpan_[b].first;
      if (defs <= options_.indexedBlockSize && reads <= options_.indexedBlockSize)
        continue;
      std::stable_sort(defsAt_.begin() + defsAtStart_[b], defsAt_.begin() + defsAtStart_[b + 1],
                       [&](VarId x, VarId y) { return def_[x].point < def_[y].point; });
      ReadStab stab;
      stab.begin = uint32_t(readIntervals_.size());
      for (const auto &[v, last] : lastUsesIn(b))
        if (asked(v) && !live_->isLiveOut(v, b))
          readIntervals_.push_back(
              {def_[v].block == b ? def_[v].point : std::numeric_limits<int>::min(), last, v});
      stab.size = uint32_t(readIntervals_.size()) - stab.begin;
      std::stable_sort(readIntervals_.begin() + stab.begin, readIntervals_.end(),
                       [](const ReadInterval &x, const ReadInterval &y) { return x.start < y.start; });
      stab.leaves = 1;
      while (stab.leaves < stab.size)
        stab.leaves *= 2;
      stab.treeBegin = uint32_t(readTree_.size());
      readTree_.resize(readTree_.size() + 2 * size_t(stab.leaves), std::numeric_limits<int>::min());
      int *tree = readTree_.data() + stab.treeBegin;
      for (uint32_t i = 0; i < stab.size; ++i)
        tree[stab.leaves + i] = readIntervals_[stab.begin + i].end;
      for (uint32_t i = stab.leaves - 1; i >= 1; --i)
        tree[i] = std::max(tree[2 * i], tree[2 * i + 1]);
      readStabs_.push_back(stab);
      stabOf_[b] = uint32_t(readStabs_.size());
    }
  }

  // The slice of indexed block t's defsAt_ (in point order) that interfere
  // can pair with y through y's liveness in t: defined before y's last read
  // in t (anywhere when y is live out of t) and, in y's own block, after y.
  std::pair<uint32_t, uint32_t> defsWhereLive(VarId y, BlockId t) const {
    auto begin = defsAt_.begin();
    auto first = begin + defsAtStart_[t], last = begin + defsAtStart_[t + 1];
    if (def_[y].block == t)
      first = std::upper_bound(first, last, def_[y].point,
                               [&](int p, VarId x) { return p < def_[x].point; });
    // liveAfter(y, t, px) needs y's last read in t after px.
    if (!live_->isLiveOut(y, t))
      last = std::lower_bound(first, last, lastReadIn(y, t),
                              [&](VarId x, int p) { return def_[x].point < p; });
    return {uint32_t(first - begin), uint32_t(last - begin)};
  }

  // Calls visit(x) for each variable read in indexed block d, not live out
  // of it, defined at or before point p (or elsewhere) and read after p,
  // until visit returns true; returns whether it did.
  template <typename Visit> bool forEachLiveAcross(BlockId d, int p, Visit &&visit) const {
    const ReadStab &stab = readStabs_[stabOf_[d] - 1];
    const ReadInterval *iv = readIntervals_.data() + stab.begin;
    const int *tree = readTree_.data() + stab.treeBegin;
    // Intervals [0, n) start at or before p.
    uint32_t n = uint32_t(std::upper_bound(iv, iv + stab.size, p,
                                           [](int q, const ReadInterval &r) { return q < r.start; }) -
                          iv);
    // Depth-first over the tree, skipping every subtree that ends by p or
    // starts after the first n.
    struct Node {
      uint32_t node, first, width;
    };
    llvm::SmallVector<Node, 32> stack{{1, 0, stab.leaves}};
    while (!stack.empty()) {
      Node at = stack.pop_back_val();
      if (at.first >= n || tree[at.node] <= p)
        continue;
      if (at.width == 1) {
        if (VarId x = iv[at.first].var; x < parent_.size() && visit(x))
          return true;
        continue;
      }
      uint32_t half = at.width / 2;
      stack.push_back({2 * at.node + 1, at.first + half, half});
      stack.push_back({2 * at.node, at.first, half});
    }
    return false;
  }
  uint64_t countLiveAcross(BlockId d, int p) const {
    uint64_t n = 0;
    forEachLiveAcross(d, p, [&](VarId) {
      ++n;
      return false;
    });
    return n;
  }

  // Whether no member of a's class interferes with one of b's: the same
  // answer as testing every pair, found by whichever is cheaper, every pair
  // or the candidates interferesFrom visits from one side (a class of many
  // members against a small one is then linear in the small one's live
  // ranges, not in the large one's size).
  bool canMerge(VarId a, VarId b) {
    a = find(a);
    b = find(b);
    if (a == b)
      return true;
    if (type_[a] != type_[b])
      return false;
    const ClassInfo &ca = class_[a], &cb = class_[b];
    if (ca.pinned && cb.pinned)
      return false;
    // A member without a definition interferes with every member of another
    // value.
    for (VarId x : undefined(a))
      if (cb.sameValue != def_[x].value)
        return false;
    for (VarId y : undefined(b))
      if (ca.sameValue != def_[y].value)
        return false;
    uint64_t pairs = uint64_t(ca.size) * cb.size;
    if (pairs <= std::min(ca.cost, cb.cost)) {
      for (VarId x : members(a))
        for (VarId y : members(b))
          if (interfere(x, y))
            return false;
      return true;
    }
    return cb.cost <= ca.cost ? !interferesFrom(b, a) : !interferesFrom(a, b);
  }

  // Step 2. Greedy by what a copy would cost if it stayed: its block's
  // estimated frequency. A phi's result copy (at the top of its block) runs
  // on every incoming edge, so it outweighs each argument copy and is tried
  // first; then the isolation copies before the program's own ids.
  void coalesce() {
    std::vector<Affinity> &affinities = affinities_;
    std::stable_sort(affinities.begin(), affinities.end(),
                     [](const Affinity &x, const Affinity &y) {
                       if ((x.priority == 2) != (y.priority == 2))
                         return y.priority == 2;
                       if (x.weight != y.weight)
                         return x.weight > y.weight;
                       return x.priority < y.priority;
                     });
    for (const Affinity &a : affinities)
      if (canMerge(a.dst, a.src))
        unite(a.dst, a.src);
    std::vector<Affinity>().swap(affinities_);
  }

  // Step 3.
  void rewrite() {
    const size_t nv = f_.numVars();
    // Class roots in order of their smallest member, each with that member,
    // pinned classes first so they claim their names: roots[0, pinnedEnd).
    // Only the variables that occur at all (scanInstructions saw them) need
    // a name. A class is pinned when a member is: the walk sees that in
    // flags_, and the pinned classes' roots (the parameters', usually) lose
    // their kRootSeen mark after it, so the partition reads a byte per root
    // rather than its class record (one per variable, 30 MB at 1M
    // instructions: a miss per root, and the loop below read it again).
    std::vector<std::pair<VarId, VarId>> roots;
    std::vector<VarId> pinnedRoots;
    for (VarId v = 0; v < nv; ++v) {
      if (!(flags_[v] & kOccurs))
        continue;
      VarId r = find(v);
      if (!(flags_[r] & kRootSeen)) {
        flags_[r] |= kRootSeen;
        roots.push_back({r, v});
      }
      if (flags_[v] & kPinned)
        pinnedRoots.push_back(r);
    }
    for (VarId r : pinnedRoots)
      flags_[r] &= uint8_t(~kRootSeen);
    const size_t pinnedEnd = size_t(
        std::stable_partition(
            roots.begin(), roots.end(),
            [&](const std::pair<VarId, VarId> &r) { return !(flags_[r.first] & kRootSeen); }) -
        roots.begin());
    assert(std::all_of(roots.begin(), roots.end(), [&](const std::pair<VarId, VarId> &r) {
      return bool(class_[r.first].pinned) == (size_t(&r - roots.data()) < pinnedEnd);
    }));
    std::vector<VarId> nameOf(nv, kNoVar); // per root
    // The root that took each name: not a map of strings, which cost an
    // allocation and a hash per class, hundreds of thousands on a large
    // function; nor a table per variable, when the names are few (the
    // classes share few base names; pinned and fresh names are rare).
    llvm::DenseMap<VarId, VarId> takenBy;
    auto taken = [&](VarId name) {
      auto it = takenBy.find(name);
      return it == takenBy.end() ? kNoVar : it->second;
    };
    // Per claim (markAsked), f_.var(claim) once asked: an unpinned class
    // is named after its smallest member's claim, its base name, which
    // markAsked has read already (a name read again is a cache miss on a
    // large function); the classes share few base names.
    std::vector<VarId> claimVar(claimNames_.size(), kNoVar);
    for (size_t k = 0; k < roots.size(); ++k) {
      auto [r, minMember] = roots[k];
      VarId pin = kNoVar;
      if (k < pinnedEnd) // (not a walk of every class's members)
        for (VarId v : members(r))
          if (flags_[v] & kPinned)
            pin = v;
      if (pin != kNoVar) {
        nameOf[r] = pin;
        takenBy[pin] = r;
        continue;
      }
      // (A name some root took is a variable's already: var() adds nothing
      // then, and otherwise adds what the base name's class gets.)
      const uint32_t claim = claim_[minMember];
      std::string_view base = claimNames_[claim];
      if (claimVar[claim] == kNoVar)
        claimVar[claim] = f_.var(base);
      VarId named = claimVar[claim];
      if (VarId owner = taken(named); owner != kNoVar) {
        VarId other = find(owner);
        if (canMerge(other, r)) {
          unite(other, r);
          VarId merged = find(other);
          nameOf[merged] = nameOf[other];
          takenBy[named] = merged;
          continue;
        }
        nameOf[r] = f_.freshVar(base);
        takenBy[nameOf[r]] = r;
      } else {
        nameOf[r] = named;
        takenBy[named] = r;
      }
    }
    std::vector<uint32_t>().swap(claim_);
    claimNames_.clear();
    claimNumbers_.clear();
    // Names get their class's type only now: a name may be the id of some
    // other class's member, whose type canMerge above still needed.
    {
      std::vector<Type> classType(roots.size());
      for (size_t k = 0; k < roots.size(); ++k)
        classType[k] = type_[roots[k].first];
      type_.resize(f_.numVars(), Type::none());
      for (size_t k = 0; k < roots.size(); ++k)
        if (VarId n = nameOf[find(roots[k].first)]; n != kNoVar)
          type_[n] = classType[k];
    }
    // Each variable's new name, in place of its class root (no more classes
    // are asked about from here): renaming an operand is one load, not
    // three (occurs, root, the root's name). Variables made from here on
    // (swap temporaries) keep theirs.
    for (VarId v = 0; v < nv; ++v)
      parent_[v] = (flags_[v] & kOccurs) ? nameOf[parent_[v]] : v;
    std::vector<VarId>().swap(nameOf);
    const std::vector<VarId> &newName = parent_;
    auto rename = [&](VarId v) { return v < nv ? newName[v] : v; };

    // Per name: read at all, written once, written more than once (only
    // these answers are asked below: one byte, not two counters).
    enum : uint8_t { kUsed = 1, kDefined = 2, kDefinedTwice = 4 };
    std::vector<uint8_t> counts(f_.numVars(), 0);
    std::vector<BlockId> withUndef; // the blocks the loop below looks at again
    std::vector<VarId> constants;   // the names `const`s write
    bool hasUndef = false;          // in the block at hand
    // What the steps below learn of an instruction that stays: its names'
    // counts, an `undef`, a `const`'s name.
    auto note = [&](const Instr &in) {
      if (in.hasDest()) {
        uint8_t &c = counts[in.dest];
        c |= (c & kDefined) ? kDefinedTwice : kDefined;
      }
      forEachUse(in, [&](VarId v) { counts[v] |= kUsed; });
      hasUndef |= in.op == Opcode::Undef;
      if (in.op == Opcode::Const)
        constants.push_back(in.dest);
    };
    auto renameOperands = [&](Instr &in) {
      if (in.hasDest())
        in.dest = rename(in.dest);
      for (VarId &a : in.args)
        a = rename(a);
    };
    // Reused from block to block: the parallel copy being gathered, and its
    // sequential copies. A block is rewritten in place: what it keeps moves
    // down over its phis and its parallel copies' old instructions, and a
    // parallel copy's sequential copies take the slots its old copies freed
    // (they are as many, plus one per cycle, which the phis' slots usually
    // cover). Only when they do not fit does the block grow there. (No new
    // array per block, and each instruction moves at most once.)
    std::vector<CopyPair> group;
    std::vector<Instr> seq;
    for (BlockId b : f_.layout) {
      std::vector<Instr> &instrs = f_.block(b).instrs;
      hasUndef = false;
      if (llvm::ArrayRef<std::pair<VarId, VarId>> edge = edgeCopiesOf(b); !edge.empty()) {
        // A split block: its parallel copy (edgeCopies_) as below, and what
        // sequentialize makes of it (usually nothing) goes before its jump.
        for (auto [dst, src] : edge) {
          VarId d = rename(dst), s = rename(src);
          if (has(src, kConst) && d != s)
            group.push_back({d, kNoVar, true, constValue(src)});
          else
            group.push_back(CopyPair{d, s, false, Literal{}});
        }
        seq.clear();
        sequentialize(group, seq);
        group.clear();
        for (Instr &in : instrs)
          renameOperands(in);
        instrs.insert(instrs.begin(), std::make_move_iterator(seq.begin()),
                      std::make_move_iterator(seq.end()));
        counts.resize(f_.numVars(), 0);
        for (const Instr &in : instrs)
          note(in);
        if (hasUndef)
          withUndef.push_back(b);
        continue;
      }
      if (topEnd_[b] < 0 && endFirst_[b] < 0) {
        // No phi and no parallel copy: rename in place, dropping the copies
        // that became self-copies (no new vector of moved instructions),
        // and count what stays in the same visit.
        std::erase_if(instrs, [&](Instr &in) {
          renameOperands(in);
          if (in.op == Opcode::Id && in.args.size() == 1 && in.args[0] == in.dest)
            return true;
          note(in);
          return false;
        });
        if (hasUndef)
          withUndef.push_back(b);
        continue;
      }
      // instrs[0, kept) is the rewritten block so far; the original
      // instruction i now stands at i + shift (shift grows when a parallel
      // copy needs more slots than it freed).
      size_t kept = 0, shift = 0;
      auto flush = [&](size_t readNext) { // readNext: the first slot not yet read
        seq.clear();
        sequentialize(group, seq);
        group.clear();
        if (seq.size() > readNext - kept) {
          size_t extra = seq.size() - (readNext - kept);
          instrs.insert(instrs.begin() + std::ptrdiff_t(readNext), extra, Instr());
          shift += extra;
        }
        for (Instr &c : seq)
          instrs[kept++] = std::move(c);
      };
      const int n = int(instrs.size());
      for (int i = 0; i < n; ++i) {
        Instr &in = instrs[size_t(i) + shift];
        if (in.op == Opcode::Phi)
          continue;
        bool inGroup = i <= topEnd_[b] || (endFirst_[b] >= 0 && i >= endFirst_[b] && i <= endLast_[b]);
        VarId source = in.args.empty() ? kNoVar : in.args[0];
        renameOperands(in);
        if (inGroup) {
          // A constant that could not share the phi's name is written again
          // on the edge rather than copied: the copy costs the same, and the
          // original `const` may then have no reader left.
          if (i > topEnd_[b] && has(source, kConst) && in.dest != in.args[0])
            group.push_back({in.dest, kNoVar, true, constValue(source)});
          else
            group.push_back(CopyPair{in.dest, in.args[0], false, Literal{}});
          if (i == topEnd_[b] || i == endLast_[b])
            flush(size_t(i) + shift + 1);
          continue;
        }
        if (in.op == Opcode::Id && in.args.size() == 1 && in.args[0] == in.dest)
          continue;
        if (kept != size_t(i) + shift)
          instrs[kept] = std::move(in);
        ++kept;
      }
      flush(size_t(n) + shift);
      instrs.erase(instrs.begin() + std::ptrdiff_t(kept), instrs.end());
      // sequentialize may have made swap temporaries just now.
      counts.resize(f_.numVars(), 0);
      for (const Instr &in : instrs)
        note(in);
      if (hasUndef)
        withUndef.push_back(b);
    }
    std::vector<uint32_t>().swap(edgeCopyStart_); // (all in the blocks now)
    std::vector<std::pair<VarId, VarId>>().swap(edgeCopies_);
    // Whether step 5 has anything to delete: placeSplitCopies only moves
    // copies or merges equal ones, so a name read now is read then.
    unreadConstants_ = std::any_of(constants.begin(), constants.end(),
                                   [&](VarId c) { return !(counts[c] & kUsed); });
    // An undef whose name is never read, or is also written elsewhere, only
    // costs an executed instruction.
    for (BlockId b : withUndef) {
      std::vector<Instr> &instrs = f_.block(b).instrs;
      instrs.erase(std::remove_if(instrs.begin(), instrs.end(),
                                  [&](const Instr &in) {
                                    return in.op == Opcode::Undef &&
                                           (!(counts[in.dest] & kUsed) || (counts[in.dest] & kDefinedTwice));
                                  }),
                   instrs.end());
    }
    // toSSA's fresh entry, if nothing landed in it.
    if (f_.layout.size() > 1) {
      const Block &entry = f_.block(f_.entry());
      if (!entry.hasLabel() && entry.instrs.empty()) {
        f_.blocks[f_.entry()].dead = true;
        f_.layout.erase(f_.layout.begin());
      }
    }
  }

  // The layout as a doubly linked list while placeSplitCopies removes and
  // moves blocks (a search of the vector per split edge was quadratic).
  // kNoBlock ends it; inLayout_ says which blocks are in it.
  std::vector<BlockId> prev_, next_;
  std::vector<uint8_t> inLayout_;
  BlockId head_ = kNoBlock;

  void linkLayout() {
    size_t nb = f_.blocks.size();
    prev_.assign(nb, kNoBlock);
    next_.assign(nb, kNoBlock);
    inLayout_.assign(nb, 0);
    head_ = f_.layout.empty() ? kNoBlock : f_.layout.front();
    for (size_t i = 0; i < f_.layout.size(); ++i) {
      BlockId b = f_.layout[i];
      inLayout_[b] = 1;
      if (i > 0)
        prev_[b] = f_.layout[i - 1];
      if (i + 1 < f_.layout.size())
        next_[b] = f_.layout[i + 1];
    }
  }
  void unlink(BlockId b) {
    if (!inLayout_[b])
      return;
    inLayout_[b] = 0;
    (prev_[b] != kNoBlock ? next_[prev_[b]] : head_) = next_[b];
    if (next_[b] != kNoBlock)
      prev_[next_[b]] = prev_[b];
    prev_[b] = next_[b] = kNoBlock;
  }
  void linkBefore(BlockId b, BlockId at) {
    inLayout_[b] = 1;
    prev_[b] = prev_[at];
    next_[b] = at;
    (prev_[at] != kNoBlock ? next_[prev_[at]] : head_) = b;
    prev_[at] = b;
  }
  void storeLayout() {
    f_.layout.clear();
    for (BlockId b = head_; b != kNoBlock; b = next_[b])
      f_.layout.push_back(b);
  }

  // Sends s's source straight to its target again; the caller takes s's
  // block out of the layout. The block keeps its id but not its
  // instructions: most split edges are joined again, and their arrays would
  // otherwise stay allocated (and be copied with the function) to the end.
  void unsplit(const Split &s) {
    for (BlockId &t : f_.block(s.from).terminator()->labels)
      if (t == s.block)
        t = s.to;
    f_.blocks[s.block].dead = true;
    std::vector<Instr>().swap(f_.blocks[s.block].instrs);
  }

  // The block before `b` in the linked layout, or kNoBlock when b is first
  // or not in it.
  BlockId layoutBefore(BlockId b) const { return inLayout_[b] ? prev_[b] : kNoBlock; }

  // Whether the split block for s can sit right before its target and fall
  // into it: the block now there must not fall or jump into the target
  // itself (that jump would then stay, where block placement could remove it).
  bool canFallInto(const Split &s) const {
    BlockId before = layoutBefore(s.to);
    if (before == kNoBlock)
      return false;
    const Instr *term = f_.block(before).terminator();
    return term && std::find(term->labels.begin(), term->labels.end(), s.to) == term->labels.end();
  }

  // Step 4. A split edge whose copies all coalesced away is joined again. One
  // that keeps copies either gives them to the end of its source block, when
  // no other successor of the source reads what they write and the estimated
  // cost there (every execution of the source) is no higher than on the edge
  // (the copies plus, unless the block can fall into its target, a jump); or
  // stays, placed to fall into its target when it can.
  void placeSplitCopies() {
    std::vector<Split> kept;
    std::vector<uint8_t> joined(f_.blocks.size(), 0);
    for (const Split &s : splits_) {
      if (f_.block(s.block).instrs.size() == 1) {
        unsplit(s);
        joined[s.block] = 1;
      } else {
        kept.push_back(s);
      }
    }
    std::erase_if(f_.layout, [&](BlockId b) { return joined[b] != 0; });
    if (kept.empty())
      return;
    CFG cfg(f_, CFG::Guards::Absent);
    DominatorTree dom(cfg);
    LoopInfo loops(cfg, dom);
    SparseLiveness live(f_, cfg, SparseLiveness::Sets::InOnly); // (only live-in is asked)
    std::vector<double> freq = estimateFrequencies(cfg, loops);
    hoistSharedCopies(kept, cfg, live, freq);
    std::vector<uint8_t> hoisted(f_.blocks.size(), 0);
    linkLayout();
    for (const Split &s : kept) {
      std::vector<Instr> &copies = f_.block(s.block).instrs;
      if (copies.size() == 1) {
        unsplit(s);
        unlink(s.block);
        continue;
      }
      size_t n = copies.size() - 1;
      const Instr *branch = f_.block(s.from).terminator();
      bool harmless = !hoisted[s.from] && cfg.reachable(s.block);
      for (size_t i = 0; harmless && i < n; ++i) {
        VarId d = copies[i].dest;
        harmless &= std::find(branch->args.begin(), branch->args.end(), d) == branch->args.end();
        for (BlockId t : cfg.succs(s.from))
          harmless &= t == s.block || !live.isLiveIn(d, t);
      }
      if (harmless) {
        double atSource = freq[s.from], onEdge = freq[s.block];
        double jump = canFallInto(s) ? 0 : 1;
        if (double(n) * atSource <= (double(n) + jump) * onEdge) {
          std::vector<Instr> &dst = f_.block(s.from).instrs;
          dst.insert(dst.end() - 1, std::make_move_iterator(copies.begin()),
                     std::make_move_iterator(copies.begin() + n));
          copies.erase(copies.begin(), copies.begin() + n);
          hoisted[s.from] = 1;
          unsplit(s);
          unlink(s.block);
          continue;
        }
      }
      if (canFallInto(s) || takeFallThrough(s, freq)) {
        copies.pop_back();
        unlink(s.block);
        linkBefore(s.block, s.to);
      }
    }
    for (const Split &s : kept)
      if (!f_.block(s.block).dead)
        f_.labelFreshBlock(s.block, edgeHint(s.to), s.labelNumber);
    storeLayout();
  }

  // When the block before s's target falls into it but runs less often than
  // the split edge (a loop's preheader against its back edge), that block
  // gets the jump instead: `jmp` once per loop entry rather than once per
  // iteration. Adds the jump and returns true when it pays.
  bool takeFallThrough(const Split &s, const std::vector<double> &freq) {
    BlockId before = layoutBefore(s.to);
    if (before == kNoBlock)
      return false;
    if (before == s.block || f_.block(before).terminator() || freq[before] >= freq[s.block])
      return false;
    f_.block(before).instrs.push_back(makeJump(s.to));
    return true;
  }

  static bool sameCopy(const Instr &a, const Instr &b) {
    return a.op == b.op && a.dest == b.dest && a.args == b.args && a.value == b.value;
  }

  // Index of a copy like `c` in `block` that may run first, before the rest
  // of its block (no other instruction there reads what it writes or writes
  // what it reads), or -1.
  int extractable(const std::vector<Instr> &block, const Instr &c) const {
    int at = -1;
    for (int i = 0; i < int(block.size()); ++i)
      if (at < 0 && sameCopy(block[i], c))
        at = i;
    if (at < 0)
      return -1;
    for (int i = 0; i < int(block.size()); ++i) {
      if (i == at)
        continue;
      const Instr &o = block[i];
      if (std::find(o.args.begin(), o.args.end(), c.dest) != o.args.end())
        return -1;
      if (o.hasDest() && std::find(c.args.begin(), c.args.end(), o.dest) != c.args.end())
        return -1;
    }
    return at;
  }

  // A copy that several split edges out of one block all make (typically one
  // value entering a loop and also bypassing it to the same join) runs once
  // at the end of that block instead, when the edges without it do not read
  // its destination and the block runs no more often than those edges.
  void hoistSharedCopies(const std::vector<Split> &kept, const CFG &cfg, const SparseLiveness &live,
                         const std::vector<double> &freq) {
    std::vector<std::vector<BlockId>> splitsFrom(f_.blocks.size());
    for (const Split &s : kept)
      if (cfg.reachable(s.block))
        splitsFrom[s.from].push_back(s.block);
    for (BlockId p = 0; p < splitsFrom.size(); ++p) {
      const std::vector<BlockId> &ss = splitsFrom[p];
      if (ss.size() < 2)
        continue;
      for (BlockId first : ss) {
        for (size_t ci = 0; ci + 1 < f_.block(first).instrs.size(); ++ci) {
          Instr c = f_.block(first).instrs[ci];
          const Instr *branch = f_.block(p).terminator();
          if (std::find(branch->args.begin(), branch->args.end(), c.dest) != branch->args.end())
            continue;
          llvm::SmallVector<std::pair<BlockId, int>, 4> holders;
          double onEdges = 0;
          for (BlockId s : ss)
            if (int at = extractable(f_.block(s).instrs, c); at >= 0) {
              holders.push_back({s, at});
              onEdges += freq[s];
            }
          bool harmless = holders.size() > 1 && freq[p] <= onEdges;
          for (BlockId t : cfg.succs(p)) {
            bool holds = false;
            for (auto [s, at] : holders)
              holds |= s == t;
            harmless &= holds || !live.isLiveIn(c.dest, t);
          }
          if (!harmless)
            continue;
          for (auto [s, at] : holders)
            f_.block(s).instrs.erase(f_.block(s).instrs.begin() + at);
          std::vector<Instr> &into = f_.block(p).instrs;
          into.insert(into.end() - 1, std::move(c));
          ci = size_t(-1); // `first` changed: look at it again from the start
        }
      }
    }
  }

  // Step 5. A `const` whose result nobody reads (rematerialized copies above
  // can leave the original so) only costs an executed instruction.
  void removeDeadConstants() {
    if (!unreadConstants_)
      return; // (no walk over the function to find none)
    std::vector<unsigned> uses(f_.numVars(), 0);
    std::vector<BlockId> withConst; // only these are looked at again
    for (BlockId b : f_.layout) {
      bool hasConst = false;
      for (const Instr &in : f_.block(b).instrs) {
        forEachUse(in, [&](VarId v) { ++uses[v]; });
        hasConst |= in.op == Opcode::Const;
      }
      if (hasConst)
        withConst.push_back(b);
    }
    for (BlockId b : withConst)
      std::erase_if(f_.block(b).instrs,
                    [&](const Instr &in) { return in.op == Opcode::Const && uses[in.dest] == 0; });
  }

  // Emits a parallel copy as sequential ids: a copy whose destination no
  // other pending copy still reads can go; when only cycles remain, one
  // destination is saved in a temporary first.
  void sequentialize(const std::vector<CopyPair> &pending, std::vector<Instr> &out) {
    std::vector<CopyPair> &todo = todo_;
    todo.clear();
    for (const CopyPair &c : pending) {
      if (c.dst == c.src)
        continue;
      bool dup = false;
      for (const CopyPair &d : todo)
        dup |= d.dst == c.dst; // coalescing proved both sources equal
      if (!dup)
        todo.push_back(c);
    }
    while (!todo.empty()) {
      size_t ready = todo.size();
      for (size_t i = 0; i < todo.size() && ready == todo.size(); ++i) {
        bool read = false;
        for (size_t j = 0; j < todo.size(); ++j)
          read |= j != i && todo[j].src == todo[i].dst;
        if (!read)
          ready = i;
      }
      if (ready != todo.size()) {
        const CopyPair &c = todo[ready];
        if (c.remat) {
          Instr k;
          k.op = Opcode::Const;
          k.type = type_[c.dst];
          k.dest = c.dst;
          k.value = c.value;
          out.push_back(std::move(k));
        } else {
          out.push_back(copyInstr(c.dst, c.src, type_[c.dst]));
        }
        todo.erase(todo.begin() + ready);
        continue;
      }
      VarId d = todo.front().dst;
      VarId tmp = f_.freshVar(baseName(f_.varName(d)) + ".swap");
      type_.resize(f_.numVars(), Type::none());
      type_[tmp] = type_[d];
      out.push_back(copyInstr(tmp, d, type_[d]));
      for (CopyPair &c : todo)
        if (c.src == d)
          c.src = tmp;
    }
  }
};

} // namespace

bool fromSSA(Function &f, const FromSSAOptions &options) {
  return SSADestroyer(f, options).run();
}

} // namespace brisk
