#include "transforms/superblocks/DeadCode.h"

#include "analysis/CFG.h"
#include "analysis/DefiniteAssignment.h"
#include "analysis/Dominators.h"
#include "analysis/Liveness.h"
#include "analysis/Uses.h"
#include "transforms/superblocks/ThreadScratch.h"

#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/DenseSet.h>
#include <llvm/ADT/SmallVector.h>

#include <algorithm>
#include <memory>
#include <optional>

namespace brisk {

namespace {

uint64_t site(BlockId b, size_t i) { return (uint64_t(b) << 32) | uint64_t(i); }

// Hashes a site by all of its bits. DenseMapInfo<uint64_t> multiplies by 37
// and keeps the low 32 bits, which drops the block: every guard at the same
// index of its block collided, and a region of many guards (or a whole
// function of them) probed quadratically.
struct SiteInfo {
  static uint64_t getEmptyKey() { return ~uint64_t(0); }
  static uint64_t getTombstoneKey() { return ~uint64_t(0) - 1; }
  static unsigned getHashValue(uint64_t s) {
    s *= 0x9E3779B97F4A7C15ull;
    return unsigned(s >> 32) ^ unsigned(s);
  }
  static bool isEqual(uint64_t a, uint64_t b) { return a == b; }
};

// A set of variables for one backward walk through a block: dense marks,
// cleared in O(1) by moving to the next epoch, so that a walk costs the
// block's length plus the sets it reads, never the number of variables.
class WalkSet {
public:
  void reset(size_t numVars) {
    if (mark_.size() < numVars)
      mark_.resize(numVars, 0);
    if (++epoch_ == 0) { // wrapped: forget every old mark
      std::fill(mark_.begin(), mark_.end(), 0);
      epoch_ = 1;
    }
    added_.clear();
  }
  bool test(VarId v) const { return mark_[v] == epoch_; }
  void insert(VarId v) {
    if (mark_[v] != epoch_) {
      mark_[v] = epoch_;
      added_.push_back(v);
    }
  }
  void erase(VarId v) { mark_[v] = 0; }
  void insertAll(llvm::ArrayRef<VarId> vs) {
    for (VarId v : vs)
      insert(v);
  }
  // The members, sorted, into `out`; ends the walk (the marks are spent).
  void take(std::vector<VarId> &out) {
    out.clear();
    for (VarId v : added_)
      if (mark_[v] == epoch_) {
        out.push_back(v);
        mark_[v] = 0;
      }
    std::sort(out.begin(), out.end());
  }

private:
  std::vector<uint32_t> mark_;
  uint32_t epoch_ = 0;
  std::vector<VarId> added_;
};

// A list per block in one shared pool: rewritten in place when it fits,
// else copied to the end (its old room is left unused until the next
// reset). One allocation for all blocks instead of one per block: on a
// large function the per-block vectors cost more than the sets they held.
template <typename T> class ListPool {
public:
  void reset(size_t n) {
    slots_.assign(n, Slot{});
    items_.clear();
  }
  llvm::ArrayRef<T> operator[](size_t i) const {
    const Slot &s = slots_[i];
    return {items_.data() + s.begin, s.size};
  }
  // `xs` must not point into the pool.
  void set(size_t i, llvm::ArrayRef<T> xs) {
    Slot &s = slots_[i];
    if (xs.size() > s.cap) {
      s.begin = uint32_t(items_.size());
      s.cap = uint32_t(xs.size());
      items_.insert(items_.end(), xs.begin(), xs.end());
    } else {
      std::copy(xs.begin(), xs.end(), items_.begin() + s.begin);
    }
    s.size = uint32_t(xs.size());
  }
  size_t items() const { return items_.size(); }
  size_t capacityBytes() const {
    return slots_.capacity() * sizeof(Slot) + items_.capacity() * sizeof(T);
  }

private:
  struct Slot {
    uint32_t begin = 0, size = 0, cap = 0;
  };
  std::vector<Slot> slots_;
  std::vector<T> items_;
};

// What one run allocates, kept from run to run on the thread: the region
// scratch of every trace candidate is cleaned up here, and allocating the
// sets afresh each time cost more than computing them. Cleared, not freed.
struct DeadCodeBuffers {
  std::vector<BlockId> next;
  std::vector<uint32_t> succBegin; // normal successors, per block: succList from here
  std::vector<BlockId> succList;
  std::vector<uint8_t> special;    // the block holds a speculate or a guard
  std::vector<uint8_t> inLayout;
  std::vector<std::pair<BlockId, size_t>> speculates;
  std::vector<uint32_t> readerBegin; // per block: readerList from here
  std::vector<BlockId> readerList, readerLast;
  std::vector<uint32_t> readerFill;
  ListPool<VarId> in;
  std::vector<uint64_t> rows, cur; // computeLivenessDense: live-in rows, one walk
  std::vector<uint32_t> walkMark;  // walk(): blocks seen, by epoch
  uint32_t walkEpoch = 0;
  std::vector<std::pair<BlockId, size_t>> walkWork;
  ListPool<uint32_t> doomed;
  std::vector<uint32_t> doomedNow; // one walk's
  WalkSet walk;
  std::vector<VarId> taken;
  std::vector<BlockId> work;
  std::vector<uint32_t> position; // computeLiveness: a block's in the layout
  std::vector<uint8_t> queued;
  // Each variable's defining block (kNone, kMany; a parameter's is the
  // entry): found by computeSegments' look at the instructions, for
  // settle(). Also from that look: per variable, whether some read follows
  // a definition of it in the same block (a parameter's is at the top of
  // the entry); and the other reads, as (variable, block), each pair once
  // in a row.
  std::vector<uint32_t> defBlock;
  std::vector<uint8_t> readAfterDef;
  std::vector<std::pair<VarId, BlockId>> otherReads;
};

class DeadCodeEliminator {
public:
  // `plain`: f has no speculate, guard, phi, set or get (the caller saw).
  explicit DeadCodeEliminator(Function &f, bool plain = false)
      : f_(f), buffers_(), buf_(*buffers_), next_(buf_.next), in_(buf_.in),
        doomed_(buf_.doomed), scratch_(buf_.walk), plain_(plain) {}
  ~DeadCodeEliminator() {
    if (!buffers_.shared())
      return;
    // What a whole large function needed is not kept for the next scratch.
    if (buf_.readerBegin.size() > kKeptBlocks || buf_.in.items() > kKeptBlocks ||
        buf_.doomed.items() > kKeptBlocks || buf_.rows.size() > kKeptBlocks ||
        buf_.walkMark.size() > kKeptBlocks || buf_.defBlock.size() > kKeptBlocks ||
        buf_.otherReads.size() > kKeptBlocks)
      buf_ = DeadCodeBuffers();
  }
  static constexpr size_t kKeptBlocks = 1 << 14;
  static constexpr uint32_t kNone = ~0u, kMany = ~0u - 1; // DeadCodeBuffers::defBlock

  LiveSets liveIn() {
    computeSegments();
    computeLiveness();
    LiveSets out;
    const size_t n = f_.blocks.size();
    if (dense_) {
      std::vector<VarId> &vars = buf_.taken;
      for (BlockId b = 0; b < n; ++b) {
        vars.clear();
        for (size_t w = 0; w < words_; ++w)
          for (uint64_t bits = buf_.rows[b * words_ + w]; bits; bits &= bits - 1)
            vars.push_back(VarId(w * 64 + size_t(__builtin_ctzll(bits))));
        out.push(vars);
      }
      return out;
    }
    size_t total = 0;
    for (BlockId b = 0; b < n; ++b)
      total += in_[b].size();
    out.reserve(n, total);
    for (BlockId b = 0; b < n; ++b)
      out.push(in_[b]);
    return out;
  }

  bool run() {
    bool changed = false;
    mayLeaveOut_ = true;
    for (int round = 0; round < 16; ++round) {
      computeSegments();
      if (hasPhis_)
        return false; // (found by computeSegments' look at the instructions)
      computeLiveness();
      if (!sweep())
        break;
      changed = true;
    }
    return changed;
  }

  // removeUnreachableBlocks, after run(): the normal successors and the
  // blocks that hold a guard are as its last computeSegments found them
  // (sweep removes pure instructions only, never a terminator or a guard),
  // so only the blocks with a guard are looked into, not every block's
  // instructions again.
  bool removeUnreachable() {
    if (f_.layout.empty())
      return false;
    std::vector<uint8_t> &reached = buf_.queued;
    reached.assign(f_.blocks.size(), 0);
    std::vector<BlockId> &work = buf_.work;
    work.assign(1, f_.layout[0]);
    reached[f_.layout[0]] = 1;
    auto reach = [&](BlockId t) {
      if (!reached[t]) {
        reached[t] = 1;
        work.push_back(t);
      }
    };
    while (!work.empty()) {
      BlockId b = work.back();
      work.pop_back();
      if (!buf_.inLayout[b])
        continue; // off the layout: no edges
      for (BlockId s : normalSuccs(b))
        reach(s);
      if (buf_.special[b])
        for (const Instr &in : f_.block(b).instrs)
          if (in.op == Opcode::Guard)
            for (BlockId t : in.labels)
              reach(t);
    }
    std::vector<BlockId> kept;
    kept.reserve(f_.layout.size());
    bool changed = false;
    for (BlockId b : f_.layout) {
      if (reached[b]) {
        kept.push_back(b);
      } else {
        f_.block(b).dead = true;
        changed = true;
      }
    }
    f_.layout = std::move(kept);
    return changed;
  }

private:
  // The targets of b's terminator (each once; none for ret), else its
  // fall-through successor: as computeSegments last found them.
  llvm::ArrayRef<BlockId> normalSuccs(BlockId b) const {
    return {buf_.succList.data() + buf_.succBegin[b], buf_.succBegin[b + 1] - buf_.succBegin[b]};
  }

  // For each speculate, the labels of the guards it governs; marks those
  // guards as claimed. Also which blocks read the live-in sets of which
  // (normal successors, and the labels a speculate or unclaimed guard
  // brings in), reversed, for the worklist.
  //
  // Every block's normal successors are found once per round instead of at
  // every visit of a block (the worklist visits a block several times), in
  // the same look at the block as its speculates and guards: on a large
  // function each block's instructions are a cache miss of their own.
  void computeSegments() {
    const size_t n = f_.blocks.size();
    // Fall-through from the layout alone; a block that ends in a
    // terminator drops it below.
    next_.assign(n, kNoBlock);
    std::vector<uint8_t> &inLayout = buf_.inLayout;
    inLayout.assign(n, 0);
    for (size_t i = 0; i < f_.layout.size(); ++i) {
      inLayout[f_.layout[i]] = 1;
      if (i + 1 < f_.layout.size())
        next_[f_.layout[i]] = f_.layout[i + 1];
    }
    specLabels_.clear();
    claimed_.clear();
    // Which blocks hold a speculate or a guard (the only instructions below
    // that are more than their block's successors), and the speculates.
    std::vector<uint8_t> &special = buf_.special;
    special.assign(n, 0);
    std::vector<std::pair<BlockId, size_t>> &speculates = buf_.speculates;
    speculates.clear();
    buf_.succBegin.resize(n + 1);
    buf_.succList.clear();
    instrs_ = 0;
    // The definitions and reads settle() needs, in the same look at the
    // instructions (its own walks over them were a cache miss per
    // instruction on a large function, every round). The blocks go by id
    // here, not by the layout: only a variable with one definition is
    // settled, and neither its index nor which reads follow it in its
    // block depend on the order (a block's instructions go in order: a
    // read finds its variable's definition in its block only if that comes
    // first).
    const bool defs = mayLeaveOut_;
    std::vector<uint8_t> &readAfterDef = buf_.readAfterDef;
    std::vector<std::pair<VarId, BlockId>> &otherReads = buf_.otherReads;
    std::vector<uint32_t> &defBlock = buf_.defBlock;
    auto define = [&](VarId v, BlockId b) { defBlock[v] = defBlock[v] == kNone ? b : kMany; };
    if (defs) {
      defBlock.assign(f_.numVars(), kNone);
      readAfterDef.assign(f_.numVars(), 0);
      otherReads.clear();
      if (!f_.layout.empty())
        for (const Param &p : f_.params)
          define(p.var, f_.entry());
    }
    for (BlockId b = 0; b < n; ++b) {
      buf_.succBegin[b] = uint32_t(buf_.succList.size());
      // A block off the layout has no edges (nothing asks for them): its
      // header and terminator, cold on a large function with many removed
      // blocks, are not read.
      if (!inLayout[b])
        continue;
      const size_t first = buf_.succList.size();
      const auto &ins = f_.block(b).instrs;
      instrs_ += ins.size();
      if (const Instr *t = f_.block(b).terminator()) {
        next_[b] = kNoBlock;
        if (t->op != Opcode::Ret)
          for (BlockId l : t->labels)
            if (std::find(buf_.succList.begin() + std::ptrdiff_t(first), buf_.succList.end(), l) ==
                buf_.succList.end())
              buf_.succList.push_back(l);
      } else if (BlockId nx = next_[b]; nx != kNoBlock) {
        buf_.succList.push_back(nx);
      }
      // Of a plain function without settle()'s definitions to find, the
      // instructions hold nothing more to look for: the liveness walk is
      // the first to read them (a walk of its own was a cache miss per
      // instruction on a large function).
      if (plain_ && !defs)
        continue;
      for (size_t i = 0; i < ins.size(); ++i) {
        if (defs) {
          // (A read before the instruction's own definition: `x = add x x`
          // reads the x of before.)
          // A read of a variable defined twice already, or already read
          // after a definition in its block, is not listed: it cannot
          // change what settle() decides.
          forEachUse(ins[i], [&](VarId v) {
            if (defBlock[v] == b)
              readAfterDef[v] = 1;
            else if (defBlock[v] != kMany && !readAfterDef[v] &&
                     (otherReads.empty() || otherReads.back() != std::pair(v, b)))
              otherReads.push_back({v, b});
          });
          if (ins[i].hasDest())
            define(ins[i].dest, b);
        }
        if (ins[i].op == Opcode::Speculate) {
          special[b] = 1;
          speculates.push_back({b, i});
        } else if (ins[i].op == Opcode::Guard) {
          special[b] = 1;
        } else if (ins[i].op == Opcode::Phi || ins[i].op == Opcode::Set ||
                   ins[i].op == Opcode::Get) {
          hasPhis_ = true;
        }
      }
    }
    buf_.succBegin[n] = uint32_t(buf_.succList.size());
    for (auto [b, i] : speculates)
      specLabels_[site(b, i)] = walk(b, i + 1);
    // The readers, reversed, in one flat table (a counting sort: once to
    // count, once to fill), each reader once per block it reads.
    std::vector<uint32_t> &begin = buf_.readerBegin;
    std::vector<BlockId> &list = buf_.readerList, &last = buf_.readerLast;
    begin.assign(n + 1, 0);
    auto forEachRead = [&](auto &&visit) {
      last.assign(n, kNoBlock);
      for (BlockId b : f_.layout) {
        auto read = [&](BlockId from) {
          if (last[from] != b) {
            last[from] = b;
            visit(from, b);
          }
        };
        for (BlockId s : normalSuccs(b))
          read(s);
        if (!special[b])
          continue;
        const auto &ins = f_.block(b).instrs;
        for (size_t i = 0; i < ins.size(); ++i)
          if (ins[i].op == Opcode::Speculate) {
            for (BlockId l : labelsOf(b, i))
              read(l);
          } else if (ins[i].op == Opcode::Guard && !claimed_.contains(site(b, i))) {
            for (BlockId l : ins[i].labels)
              read(l);
          }
      }
    };
    forEachRead([&](BlockId from, BlockId) { ++begin[from + 1]; });
    for (size_t b = 0; b < n; ++b)
      begin[b + 1] += begin[b];
    list.resize(begin[n]);
    std::vector<uint32_t> &fill = buf_.readerFill;
    fill.assign(begin.begin(), begin.end() - 1);
    forEachRead([&](BlockId from, BlockId b) { list[fill[from]++] = b; });
  }

  // The blocks whose live-in reads b's (computeSegments).
  llvm::ArrayRef<BlockId> readersOf(BlockId b) const {
    return {buf_.readerList.data() + buf_.readerBegin[b],
            buf_.readerBegin[b + 1] - buf_.readerBegin[b]};
  }

  // The labels of the guards the speculate at (b, i) governs (by
  // reference: lookup() would copy the list at every walk of the block).
  const std::vector<BlockId> &labelsOf(BlockId b, size_t i) const {
    static const std::vector<BlockId> none;
    auto it = specLabels_.find(site(b, i));
    return it == specLabels_.end() ? none : it->second;
  }

  std::vector<BlockId> walk(BlockId b0, size_t i0) {
    std::vector<BlockId> labels;
    // Blocks seen by this walk: marked with its own epoch (no set to clear).
    std::vector<uint32_t> &mark = buf_.walkMark;
    if (mark.size() < f_.blocks.size())
      mark.resize(f_.blocks.size(), 0);
    if (++buf_.walkEpoch == 0) {
      std::fill(mark.begin(), mark.end(), 0);
      buf_.walkEpoch = 1;
    }
    const uint32_t epoch = buf_.walkEpoch;
    auto firstSeen = [&](BlockId s) {
      if (mark[s] == epoch)
        return false;
      mark[s] = epoch;
      return true;
    };
    std::vector<std::pair<BlockId, size_t>> &work = buf_.walkWork;
    work.assign(1, {b0, i0});
    while (!work.empty()) {
      auto [b, start] = work.back();
      work.pop_back();
      const auto &ins = f_.block(b).instrs;
      bool stopped = false;
      for (size_t i = start; i < ins.size(); ++i) {
        if (ins[i].op == Opcode::Commit || ins[i].op == Opcode::Speculate) {
          stopped = true;
          break;
        }
        if (ins[i].op == Opcode::Guard) {
          claimed_.insert(site(b, i));
          for (BlockId l : ins[i].labels)
            if (std::find(labels.begin(), labels.end(), l) == labels.end())
              labels.push_back(l);
        }
      }
      if (stopped)
        continue;
      for (BlockId s : normalSuccs(b))
        if (firstSeen(s))
          work.push_back({s, 0});
    }
    return labels;
  }

  // The live-out of `b`: the union of its normal successors' live-in.
  void liveOut(BlockId b, WalkSet &live) {
    live.reset(f_.numVars());
    for (BlockId s : normalSuccs(b))
      live.insertAll(in_[s]);
  }

  // Backward transfer of one block; `live` enters as live-out.
  template <typename OnInstr>
  void transfer(BlockId b, WalkSet &live, OnInstr &&onInstr) {
    const auto &ins = f_.block(b).instrs;
    for (size_t i = ins.size(); i-- > 0;) {
      const Instr &in = ins[i];
      onInstr(i, in, live);
      if (in.hasDest())
        live.erase(in.dest);
      forEachUse(in, [&](VarId v) {
        if (!settled(v))
          live.insert(v);
      });
      if (!buf_.special[b])
        continue;
      if (in.op == Opcode::Speculate) {
        for (BlockId l : labelsOf(b, i))
          live.insertAll(in_[l]);
      } else if (in.op == Opcode::Guard && !claimed_.contains(site(b, i))) {
        for (BlockId l : in.labels)
          live.insertAll(in_[l]);
      }
    }
  }

  // The least fixpoint, by a worklist over the blocks, latest in the layout
  // first: a block is walked again only when a set it reads grew. Sets
  // are sorted variable lists, so the cost follows what is live, not
  // blocks x variables; but where blocks x variables is small for the
  // function's size (chooseLivenessForm's rule, as for the other passes'
  // live sets) they are rows of bits (computeLivenessDense), the same
  // fixpoint by word operations.
  void computeLiveness() {
    words_ = (f_.numVars() + 63) / 64;
    dense_ = chooseLivenessForm(f_.blocks.size(), f_.numVars(), instrs_) == LivenessForm::Dense;
    settled_.clear();
    if (dense_) {
      computeLivenessDense();
      return;
    }
    settle();
    in_.reset(f_.blocks.size());
    doomed_.reset(f_.blocks.size());
    // The queue is a max-heap of layout positions: the walk goes backward
    // through the layout, and a block queued again (a loop's blocks after
    // its header's set grew) is a little later in the layout than where the
    // walk is, so it comes next, while its instructions are still in the
    // cache. (A FIFO walked the whole function before coming back to it:
    // on a function of a million instructions every loop block then cost
    // its instructions' cache misses once more per lap.) The fixpoint and
    // each block's last walk, which sees its successors' final sets, do
    // not depend on the order.
    std::vector<uint32_t> &work = buf_.work;
    std::vector<uint32_t> &position = buf_.position;
    std::vector<uint8_t> &queued = buf_.queued;
    const std::vector<BlockId> &layout = f_.layout;
    position.resize(f_.blocks.size());
    queued.assign(f_.blocks.size(), 0);
    work.resize(layout.size());
    for (uint32_t i = 0; i < layout.size(); ++i) {
      position[layout[i]] = i;
      queued[layout[i]] = 1;
      work[layout.size() - 1 - i] = i; // descending: already a max-heap
    }
    std::vector<VarId> &live = buf_.taken;
    while (!work.empty()) {
      std::pop_heap(work.begin(), work.end());
      BlockId b = layout[work.back()];
      work.pop_back();
      // On a large function a block's header and instructions are cache
      // misses of their own (blocks sit in the arena by id): those of the
      // block that is next unless this one queues another, and the header
      // of the one before it in the layout, are asked for ahead.
      if (!work.empty()) {
        const auto &ins = f_.block(layout[work.front()]).instrs;
        const char *p = reinterpret_cast<const char *>(ins.data());
        const char *end = reinterpret_cast<const char *>(ins.data() + ins.size());
        for (; p < end; p += 64)
          __builtin_prefetch(p);
        if (work.front() > 0)
          __builtin_prefetch(&f_.block(layout[work.front() - 1]));
      }
      queued[b] = 0;
      liveOut(b, scratch_);
      // The dead pure instructions as this walk finds them: a block's last
      // walk saw its successors' final sets (a later change to one would
      // have queued it again), so sweep() needs no walk of its own.
      std::vector<uint32_t> &doomed = buf_.doomedNow;
      doomed.clear();
      transfer(b, scratch_, [&](size_t i, const Instr &in, WalkSet &l) {
        // (isPure looks up the opcode table: asked last, of dead results only.)
        if (in.hasDest() && !l.test(in.dest) && !settled(in.dest) && in.op != Opcode::Phi &&
            isPure(in.op))
          doomed.push_back(uint32_t(i));
      });
      if (!doomed.empty() || !doomed_[b].empty())
        doomed_.set(b, doomed);
      scratch_.take(live);
      if (llvm::ArrayRef<VarId>(live) == in_[b])
        continue;
      in_.set(b, live);
      for (BlockId r : readersOf(b))
        if (!queued[r]) {
          queued[r] = 1;
          work.push_back(position[r]);
          std::push_heap(work.begin(), work.end());
        }
    }
  }

  // Variables whose liveness a round need not compute (sparse form only,
  // in eliminateDeadCode's rounds, on a function without speculation): a
  // variable with one definition (a parameter counts as one at the top of
  // the entry) and a read that definition reaches for sure, later in its
  // block or in a block it strictly dominates. Nothing else defines it, so
  // it is live after its definition on every round that still holds that
  // read; its definition stays, and no set lists it. Left out, a value
  // computed at the top of a large function and read at its end no longer
  // costs a list entry in every block between (N such values over N
  // blocks made the sets N x N). The others, with their exact sets, decide
  // as before: the same instructions are removed.
  void settle() {
    settled_.clear();
    if (!mayLeaveOut_ || f_.layout.empty() ||
        std::any_of(buf_.special.begin(), buf_.special.end(), [](uint8_t s) { return s != 0; }))
      return;
    const size_t nv = f_.numVars();
    const std::vector<uint32_t> &defBlock = buf_.defBlock;
    // The rounds remove pure instructions only, never an edge: one CFG and
    // dominator tree serve every round.
    if (!settleCfg_) {
      settleCfg_ = std::make_unique<CFG>(f_, CFG::Guards::Absent);
      settleDom_ = std::make_unique<DominatorTree>(*settleCfg_);
    }
    const CFG &cfg = *settleCfg_;
    const DominatorTree &dom = *settleDom_;
    // From computeSegments' record of the reads: a read that follows the
    // one definition in its block (then the definition's block is the
    // read's), else one in a block the definition's strictly dominates.
    // A read in a block off the layout was not recorded; one in an
    // unreachable block decides nothing.
    auto single = [&](VarId v) {
      BlockId d = defBlock[v];
      return d != kNone && d != kMany && cfg.reachable(d);
    };
    settled_.assign(nv, 0);
    for (VarId v = 0; v < nv; ++v)
      settled_[v] = buf_.readAfterDef[v] && single(v);
    for (auto [v, b] : buf_.otherReads)
      if (!settled_[v] && single(v) && defBlock[v] != b && cfg.reachable(b) &&
          dom.dominates(defBlock[v], b))
        settled_[v] = 1;
  }
  bool settled(VarId v) const { return v < settled_.size() && settled_[v]; }

  void computeLivenessDense() {
    const size_t n = f_.blocks.size(), W = words_;
    std::vector<uint64_t> &rows = buf_.rows, &cur = buf_.cur;
    rows.assign(n * W, 0);
    cur.assign(W, 0);
    doomed_.reset(n);
    auto orRow = [&](BlockId s) {
      const uint64_t *row = rows.data() + s * W;
      for (size_t w = 0; w < W; ++w)
        cur[w] |= row[w];
    };
    auto test = [&](VarId v) { return (cur[v / 64] >> (v % 64)) & 1; };
    std::vector<BlockId> &work = buf_.work;
    std::vector<uint8_t> &queued = buf_.queued;
    const size_t cap = f_.layout.size() + 1;
    work.resize(cap);
    queued.assign(n, 0);
    size_t head = 0, tail = 0;
    for (auto it = f_.layout.rbegin(); it != f_.layout.rend(); ++it) {
      work[tail++] = *it;
      queued[*it] = 1;
    }
    while (head != tail) {
      BlockId b = work[head];
      head = head + 1 == cap ? 0 : head + 1;
      queued[b] = 0;
      for (size_t w = 0; w < W; ++w) // (a row is a word or two: no memset call)
        cur[w] = 0;
      for (BlockId s : normalSuccs(b))
        orRow(s);
      const bool special = buf_.special[b];
      // As transfer(), and the dead pure instructions as computeLiveness
      // records them.
      std::vector<uint32_t> &doomed = buf_.doomedNow;
      doomed.clear();
      const auto &ins = f_.block(b).instrs;
      for (size_t i = ins.size(); i-- > 0;) {
        const Instr &in = ins[i];
        if (in.hasDest()) {
          if (!test(in.dest) && in.op != Opcode::Phi && isPure(in.op))
            doomed.push_back(uint32_t(i));
          cur[in.dest / 64] &= ~(uint64_t(1) << (in.dest % 64));
        }
        forEachUse(in, [&](VarId v) { cur[v / 64] |= uint64_t(1) << (v % 64); });
        if (!special)
          continue;
        if (in.op == Opcode::Speculate) {
          for (BlockId l : labelsOf(b, i))
            orRow(l);
        } else if (in.op == Opcode::Guard && !claimed_.contains(site(b, i))) {
          for (BlockId l : in.labels)
            orRow(l);
        }
      }
      if (!doomed.empty() || !doomed_[b].empty())
        doomed_.set(b, doomed);
      uint64_t *row = rows.data() + b * W;
      bool same = true;
      for (size_t w = 0; w < W; ++w)
        same &= row[w] == cur[w];
      if (same)
        continue;
      for (size_t w = 0; w < W; ++w)
        row[w] = cur[w];
      for (BlockId r : readersOf(b))
        if (!queued[r]) {
          queued[r] = 1;
          work[tail] = r;
          tail = tail + 1 == cap ? 0 : tail + 1;
        }
    }
  }

  // Whether instruction i of b may read an unassigned variable: such a
  // read fails under brili and stays even when its result is dead. Asked
  // of DefiniteAssignment once per call (the first time a round finds a
  // dead instruction), and carried across the rounds' deletions: deleting
  // a pure instruction whose result is dead on every path takes no
  // definition away from any read (a read it reached would have kept it
  // live), so the answer for the instructions that stay does not change.
  void findUndefinedReads() {
    if (undefinedKnown_)
      return;
    undefinedKnown_ = true;
    // settle()'s CFG, when it made one (no speculate or guard: the rounds
    // remove pure instructions only, never an edge, so it is current);
    // else one that looks for guards' edges only if computeSegments saw a
    // guard. (Each CFG whose build walks every instruction is a cache miss
    // per instruction on a function of a million.)
    std::optional<CFG> own;
    const CFG *cfg = settleCfg_.get();
    if (!cfg) {
      bool special = std::any_of(buf_.special.begin(), buf_.special.end(),
                                 [](uint8_t s) { return s != 0; });
      cfg = &own.emplace(f_, special ? CFG::Guards::Scan : CFG::Guards::Absent);
    }
    DefiniteAssignment assigned(f_, *cfg);
    for (const PossiblyUndefinedRead &r : assigned.possiblyUndefinedReads()) {
      std::vector<bool> &flags = undefinedReads_[r.block];
      flags.resize(f_.block(r.block).instrs.size(), false);
      flags[r.instr] = true;
    }
  }
  bool mayReadUndefined(BlockId b, size_t i) const {
    auto it = undefinedReads_.find(b);
    return it != undefinedReads_.end() && it->second[i];
  }

  bool sweep() {
    // Dead pure instructions, by block (computeLiveness found them); then,
    // if there are any, which of them may read an unassigned variable.
    bool any = false;
    for (BlockId b : f_.layout)
      any |= !doomed_[b].empty();
    if (!any)
      return false;
    findUndefinedReads();
    bool changed = false;
    for (BlockId b : f_.layout) {
      llvm::ArrayRef<uint32_t> doomed = doomed_[b];
      if (doomed.empty())
        continue;
      std::vector<bool> drop(f_.block(b).instrs.size(), false);
      for (size_t i : doomed)
        if (!mayReadUndefined(b, i))
          drop[i] = changed = true;
      auto &ins = f_.block(b).instrs;
      auto flags = undefinedReads_.find(b);
      size_t w = 0;
      for (size_t i = 0; i < ins.size(); ++i) {
        if (drop[i])
          continue;
        if (w != i) {
          ins[w] = std::move(ins[i]);
          if (flags != undefinedReads_.end())
            flags->second[w] = flags->second[i];
        }
        ++w;
      }
      ins.resize(w);
      if (flags != undefinedReads_.end())
        flags->second.resize(w);
    }
    return changed;
  }

  Function &f_;
  ThreadScratch<DeadCodeBuffers> buffers_; // the thread's, unless a caller has them
  DeadCodeBuffers &buf_;
  std::vector<BlockId> &next_;   // fall-through successor, kNoBlock after a terminator
  llvm::DenseMap<uint64_t, std::vector<BlockId>, SiteInfo> specLabels_;
  llvm::DenseSet<uint64_t, SiteInfo> claimed_;
  ListPool<VarId> &in_;           // live-in, per block
  ListPool<uint32_t> &doomed_;    // per block, by the last walk (sweep)
  WalkSet &scratch_;
  bool plain_;           // no speculate, guard, phi, set or get (the caller saw)
  bool undefinedKnown_ = false;
  bool hasPhis_ = false; // a phi, set or get in the layout: run() leaves f alone
  bool dense_ = false;
  bool mayLeaveOut_ = false;     // run(), not liveIn(): settle() may leave variables out
  std::vector<uint8_t> settled_; // by settle(), per variable; empty: none
  std::unique_ptr<CFG> settleCfg_; // settle()'s, made at its first round
  std::unique_ptr<DominatorTree> settleDom_;
  size_t words_ = 0;  // per dense row
  size_t instrs_ = 0; // in the layout, counted by computeSegments
  llvm::DenseMap<BlockId, std::vector<bool>> undefinedReads_; // by instruction, kept in step
};

} // namespace

bool eliminateDeadCode(Function &f) {
  // (A function with phis, sets or gets is left alone: run() finds them in
  // its first look at the instructions, not in a walk of its own.)
  return DeadCodeEliminator(f).run();
}

bool eliminateDeadAndUnreachableCode(Function &f) {
  DeadCodeEliminator eliminator(f);
  bool changed = eliminator.run();
  return eliminator.removeUnreachable() || changed;
}

LiveSets speculativeLiveIn(const Function &f, bool plain) {
  // The eliminator only writes in sweep(), which liveIn() does not run.
  return DeadCodeEliminator(const_cast<Function &>(f), plain).liveIn();
}
bool removeUnreachableBlocks(Function &f) {
  if (f.layout.empty())
    return false;
  // Reachable from the entry along the CFG's edges (analysis/CFG.h: the
  // terminator's labels, else the fall-through; every guard's label), by a
  // walk that allocates two arrays instead of the CFG's lists: the region
  // scratch of every trace candidate ends here.
  constexpr uint8_t kInLayout = 1, kReached = 2;
  static thread_local std::vector<uint8_t> state; // kept for the next scratch
  static thread_local std::vector<BlockId> fall, work;
  state.assign(f.blocks.size(), 0);
  fall.assign(f.blocks.size(), kNoBlock);
  for (size_t i = 0; i < f.layout.size(); ++i) {
    state[f.layout[i]] = kInLayout;
    if (i + 1 < f.layout.size())
      fall[f.layout[i]] = f.layout[i + 1];
  }
  work.assign(1, f.layout[0]);
  state[f.layout[0]] |= kReached;
  auto reach = [&](BlockId t) {
    if (!(state[t] & kReached)) {
      state[t] |= kReached;
      work.push_back(t);
    }
  };
  while (!work.empty()) {
    BlockId b = work.back();
    work.pop_back();
    if (!(state[b] & kInLayout))
      continue; // off the layout: no edges
    const Block &blk = f.block(b);
    if (const Instr *term = blk.terminator()) {
      for (BlockId t : term->labels)
        reach(t);
    } else if (fall[b] != kNoBlock) {
      reach(fall[b]);
    }
    for (const Instr &in : blk.instrs)
      if (in.op == Opcode::Guard)
        for (BlockId t : in.labels)
          reach(t);
  }
  std::vector<BlockId> kept;
  kept.reserve(f.layout.size());
  bool changed = false;
  for (BlockId b : f.layout) {
    if (state[b] & kReached) {
      kept.push_back(b);
    } else {
      f.block(b).dead = true;
      changed = true;
    }
  }
  f.layout = std::move(kept);
  if (state.size() > (1 << 14)) { // not kept after a large function
    state = {};
    fall = {};
    work = {};
  }
  return changed;
}

bool removeJumpsToNext(Function &f) {
  bool changed = false;
  for (size_t i = 0; i + 1 < f.layout.size(); ++i) {
    auto &ins = f.block(f.layout[i]).instrs;
    if (!ins.empty() && ins.back().op == Opcode::Jmp && ins.back().labels[0] == f.layout[i + 1]) {
      ins.pop_back();
      changed = true;
    }
  }
  return changed;
}

} // namespace brisk
