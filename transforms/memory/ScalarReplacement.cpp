#include "transforms/memory/ScalarReplacement.h"

#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/Uses.h"

#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/StringSet.h>

#include <algorithm>
#include <string>
#include <vector>

namespace brisk {

namespace {

// Offsets stay far from where brili's doubles (it adds offsets as Numbers)
// would round.
constexpr int64_t kMaxOffset = int64_t(1) << 40;
// Allocations examined per function: the analysis is one forward pass over
// the blocks each alloc reaches, per alloc.
constexpr size_t kMaxCandidates = 256;

constexpr unsigned kNone = ~0u;

// What one instruction does to one allocation, in block order.
struct Event {
  enum Kind : uint8_t { Alloc, Free, Load, Store };
  size_t index; // in the block
  Kind kind;
  int64_t offset;
};

// The must-analysis state of one allocation at a program point.
struct State {
  enum Kind : uint8_t { Unvisited, Dead, Live, Conflict };
  Kind kind = Unvisited;
  uint64_t written = 0; // cells stored since the alloc ran, when Live

  friend bool operator==(State, State) = default;
  static State join(State a, State b) {
    if (a.kind == Unvisited)
      return b;
    if (b.kind == Unvisited)
      return a;
    if (a.kind != b.kind)
      return {Conflict, 0};
    return {a.kind, a.written & b.written};
  }
};

struct Candidate {
  BlockId block = kNoBlock; // of the alloc
  VarId pointer = kNoVar;   // the alloc's result
  int64_t size = 0;
  Type cellType;
  unsigned firstCell = kNone;
  bool escapes = false;
  std::vector<VarId> owned; // the pointer and every value derived from it
  // Events by block, in instruction order.
  llvm::DenseMap<BlockId, llvm::SmallVector<Event, 2>> events;
};

class ScalarReplacer {
public:
  explicit ScalarReplacer(Function &f)
      : f_(f), cfg_(f), def_(f.numVars(), nullptr), defCount_(f.numVars(), 0),
        owner_(f.numVars(), kNone), offset_(f.numVars(), 0) {}

  bool run() {
    // A phi at the entry could not name the edge from the function's start.
    if (!cfg_.preds(cfg_.entry()).empty())
      return false;
    collectDefinitionsAndUses();
    findCandidates();
    std::vector<size_t> accepted;
    for (size_t c = 0; c < cands_.size(); ++c)
      if (!cands_[c].escapes && neverFails(cands_[c]))
        accepted.push_back(c);
    if (accepted.empty())
      return false;
    for (size_t c : accepted) {
      Candidate &cand = cands_[c];
      cand.firstCell = unsigned(cellCand_.size());
      for (int64_t k = 0; k < cand.size; ++k) {
        cellCand_.push_back(unsigned(c));
        cellType_.push_back(cand.cellType);
      }
    }
    for (const Candidate &c : cands_)
      if (c.firstCell == kNone)
        for (VarId v : c.owned)
          owner_[v] = kNone;
    replace();
    return true;
  }

private:
  Function &f_;
  CFG cfg_;
  std::vector<const Instr *> def_;
  std::vector<unsigned> defCount_; // a parameter counts as a definition
  // Where each pointer variable is read (block, index); other variables
  // have no entry.
  llvm::DenseMap<VarId, llvm::SmallVector<std::pair<BlockId, size_t>, 2>> uses_;
  // Per variable: the candidate whose pointer it holds (kNone if none) and
  // the constant offset from that allocation's start.
  std::vector<unsigned> owner_;
  std::vector<int64_t> offset_;
  std::vector<Candidate> cands_;
  // Per cell of an accepted candidate: its candidate and type.
  std::vector<unsigned> cellCand_;
  std::vector<Type> cellType_;

  void collectDefinitionsAndUses() {
    std::vector<bool> pointer(f_.numVars(), false);
    for (const Param &p : f_.params) {
      ++defCount_[p.var];
      pointer[p.var] = p.type.isPtr();
    }
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.hasDest()) {
          def_[in.dest] = &in;
          ++defCount_[in.dest];
          pointer[in.dest] = in.type.isPtr();
        }
    for (BlockId b : f_.layout) {
      const auto &instrs = f_.block(b).instrs;
      for (size_t i = 0; i < instrs.size(); ++i)
        forEachUse(instrs[i], [&](VarId v) {
          if (!pointer[v])
            return;
          auto &at = uses_[v];
          if (at.empty() || at.back() != std::make_pair(b, i))
            at.push_back({b, i});
        });
    }
  }

  std::optional<int64_t> constantInt(VarId v) const {
    const Instr *d = def_[v];
    if (!d || defCount_[v] != 1 || d->op != Opcode::Const || !d->type.isInt())
      return std::nullopt;
    return d->value.asInt();
  }

  void findCandidates() {
    for (BlockId b : cfg_.rpo()) {
      const auto &instrs = f_.block(b).instrs;
      for (size_t i = 0; i < instrs.size() && cands_.size() < kMaxCandidates; ++i) {
        const Instr &in = instrs[i];
        if (in.op != Opcode::Alloc || !in.type.isPtr())
          continue;
        std::optional<int64_t> size = constantInt(in.args[0]);
        if (!size || *size < 1 || *size > kMaxScalarReplacementCells)
          continue;
        Candidate c;
        c.block = b;
        c.pointer = in.dest;
        c.size = *size;
        c.cellType = in.type.pointee();
        c.events[b].push_back({i, Event::Alloc, 0});
        unsigned id = unsigned(cands_.size());
        cands_.push_back(std::move(c));
        followPointer(id, in.dest, 0);
        for (auto &[block, evs] : cands_[id].events)
          std::sort(evs.begin(), evs.end(),
                    [](const Event &a, const Event &b) { return a.index < b.index; });
      }
    }
  }

  // Marks every value derived from `v` and records what each use does.
  void followPointer(unsigned id, VarId root, int64_t rootOffset) {
    std::vector<std::pair<VarId, int64_t>> work{{root, rootOffset}};
    while (!work.empty() && !cands_[id].escapes) {
      auto [v, off] = work.back();
      work.pop_back();
      if (defCount_[v] != 1 || owner_[v] != kNone) {
        cands_[id].escapes = true; // not SSA: the analysis does not hold
        break;
      }
      owner_[v] = id;
      offset_[v] = off;
      cands_[id].owned.push_back(v);
      auto used = uses_.find(v);
      if (used == uses_.end())
        continue;
      for (auto [b, i] : used->second) {
        Candidate &c = cands_[id];
        const Instr &in = f_.block(b).instrs[i];
        if (!cfg_.reachable(b)) {
          c.escapes = true;
          break;
        }
        bool asAddress = in.args[0] == v && std::count(in.args.begin(), in.args.end(), v) == 1;
        std::optional<int64_t> k;
        switch (in.op) {
        case Opcode::PtrAdd:
          k = asAddress ? constantInt(in.args[1]) : std::nullopt;
          if (!k || *k > kMaxOffset || *k < -kMaxOffset || off + *k > kMaxOffset ||
              off + *k < -kMaxOffset)
            c.escapes = true;
          else
            work.push_back({in.dest, off + *k});
          break;
        case Opcode::Id:
          work.push_back({in.dest, off});
          break;
        case Opcode::Load:
          c.events[b].push_back({i, Event::Load, off});
          break;
        case Opcode::Store:
          if (asAddress)
            c.events[b].push_back({i, Event::Store, off});
          else
            c.escapes = true;
          break;
        case Opcode::Free:
          c.events[b].push_back({i, Event::Free, off});
          break;
        default:
          c.escapes = true;
        }
        if (c.escapes)
          break;
      }
    }
  }

  // One block's effect on the candidate's state; false when an event would
  // fail (or leak) in the original program.
  static bool transfer(const Candidate &c, const llvm::SmallVector<Event, 2> *evs, State &s) {
    if (!evs)
      return true;
    for (const Event &e : *evs) {
      bool inBounds = e.offset >= 0 && e.offset < c.size;
      switch (e.kind) {
      case Event::Alloc:
        if (s.kind != State::Dead)
          return false;
        s = {State::Live, 0};
        break;
      case Event::Free:
        if (s.kind != State::Live || e.offset != 0)
          return false;
        s = {State::Dead, 0};
        break;
      case Event::Load:
        if (s.kind != State::Live || !inBounds || !(s.written >> e.offset & 1))
          return false;
        break;
      case Event::Store:
        if (s.kind != State::Live || !inBounds)
          return false;
        s.written |= uint64_t(1) << e.offset;
        break;
      }
    }
    return true;
  }

  // The forward must-analysis of the header over the blocks the alloc
  // reaches; every other block sees no live allocation of it.
  bool neverFails(const Candidate &c) {
    std::vector<char> region(cfg_.numBlocks(), 0);
    std::vector<BlockId> stack{c.block};
    region[c.block] = 1;
    while (!stack.empty()) {
      BlockId b = stack.back();
      stack.pop_back();
      for (BlockId s : cfg_.succs(b))
        if (!region[s]) {
          region[s] = 1;
          stack.push_back(s);
        }
    }
    std::vector<BlockId> order;
    for (BlockId b : cfg_.rpo())
      if (region[b])
        order.push_back(b);
    std::vector<State> out(cfg_.numBlocks());
    for (bool changed = true; changed;) {
      changed = false;
      for (BlockId b : order) {
        State in;
        if (b == cfg_.entry())
          in = {State::Dead, 0};
        for (BlockId p : cfg_.preds(b))
          in = State::join(in, region[p] ? out[p] : State{State::Dead, 0});
        if (in.kind == State::Unvisited)
          continue;
        auto it = c.events.find(b);
        if (!transfer(c, it == c.events.end() ? nullptr : &it->second, in))
          return false;
        // Leaving the function (ret or the end of its last block).
        if (cfg_.succs(b).empty() && in.kind != State::Dead)
          return false;
        if (!(in == out[b])) {
          out[b] = in;
          changed = true;
        }
      }
    }
    return true;
  }

  // --- the rewrite: SSA construction for the cells -----------------------

  // A name for cell `k` of the allocation in `pointer` that no variable has
  // as its original (fromSSA groups versions by that name).
  std::string cellName(VarId pointer, int64_t k, llvm::StringSet<> &originals) {
    if (originals.empty())
      for (VarId v = 0; v < f_.numVars(); ++v)
        originals.insert(originalName(f_.varName(v)));
    std::string base = originalName(f_.varName(pointer)) + "_" + std::to_string(k);
    std::string name = base;
    for (unsigned n = 1; originals.count(name); ++n)
      name = base + "_" + std::to_string(n);
    originals.insert(name);
    return name;
  }

  static std::string originalName(const std::string &name) {
    size_t dot = name.rfind('.');
    if (dot == std::string::npos || dot + 1 == name.size() ||
        !std::all_of(name.begin() + dot + 1, name.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
      return name;
    return name.substr(0, dot);
  }

  unsigned cellOf(VarId address) const {
    return cands_[owner_[address]].firstCell + unsigned(offset_[address]);
  }

  // True when `in` is the alloc, pointer arithmetic or free of an accepted
  // allocation (the rewrite drops it).
  bool dropped(const Instr &in) const {
    switch (in.op) {
    case Opcode::Alloc:
    case Opcode::PtrAdd:
    case Opcode::Id:
      return owner_[in.dest] != kNone;
    case Opcode::Free:
      return owner_[in.args[0]] != kNone;
    default:
      return false;
    }
  }

  void replace() {
    size_t cells = cellCand_.size();
    llvm::StringSet<> originals;
    names_.resize(cells);
    for (size_t c = 0; c < cands_.size(); ++c)
      if (cands_[c].firstCell != kNone)
        for (int64_t k = 0; k < cands_[c].size; ++k)
          names_[cands_[c].firstCell + k] = cellName(cands_[c].pointer, k, originals);
    DominatorTree dom(cfg_);
    placePhis(dom);
    rename(dom);
  }

  std::vector<std::string> names_;
  llvm::DenseMap<VarId, unsigned> phiCell_; // phi destination -> cell
  std::vector<std::vector<VarId>> stack_;
  std::vector<VarId> undefOf_;
  std::vector<Instr> undefs_;

  // Phis at the iterated dominance frontier of each cell's stores, where the
  // cell is live (pruned SSA). The alloc kills the cell: what was stored
  // before it is never read after it.
  void placePhis(const DominatorTree &dom) {
    size_t cells = cellCand_.size();
    std::vector<llvm::SmallVector<BlockId, 4>> defBlocks(cells), exposed(cells);
    std::vector<llvm::SmallVector<BlockId, 4>> kills(cells);
    std::vector<BlockId> seen(cells, kNoBlock); // b: stored or allocated above, in b
    for (BlockId b : cfg_.rpo()) {
      for (const Instr &in : f_.block(b).instrs) {
        if (in.op == Opcode::Alloc && owner_[in.dest] != kNone) {
          const Candidate &c = cands_[owner_[in.dest]];
          for (int64_t k = 0; k < c.size; ++k) {
            seen[c.firstCell + k] = b;
            kills[c.firstCell + k].push_back(b);
          }
        } else if (in.op == Opcode::Store && owner_[in.args[0]] != kNone) {
          unsigned cell = cellOf(in.args[0]);
          seen[cell] = b;
          if (defBlocks[cell].empty() || defBlocks[cell].back() != b)
            defBlocks[cell].push_back(b);
          kills[cell].push_back(b);
        } else if (in.op == Opcode::Load && owner_[in.args[0]] != kNone) {
          unsigned cell = cellOf(in.args[0]);
          if (seen[cell] != b &&
              (exposed[cell].empty() || exposed[cell].back() != b))
            exposed[cell].push_back(b);
        }
      }
    }
    DominanceFrontier df(cfg_, dom);
    size_t n = cfg_.numBlocks();
    std::vector<unsigned> killed(n, kNone), live(n, kNone), hasPhi(n, kNone), queued(n, kNone);
    std::vector<std::vector<Instr>> phis(n);
    for (unsigned cell = 0; cell < cells; ++cell) {
      // Live-in blocks: backwards from the upward-exposed loads, stopping at
      // blocks that store the cell or run its alloc.
      for (BlockId b : kills[cell])
        killed[b] = cell;
      std::vector<BlockId> work(exposed[cell].begin(), exposed[cell].end());
      for (BlockId b : work)
        live[b] = cell;
      while (!work.empty()) {
        BlockId b = work.back();
        work.pop_back();
        for (BlockId p : cfg_.preds(b))
          if (killed[p] != cell && live[p] != cell) {
            live[p] = cell;
            work.push_back(p);
          }
      }
      work.assign(defBlocks[cell].begin(), defBlocks[cell].end());
      for (BlockId b : work)
        queued[b] = cell;
      while (!work.empty()) {
        BlockId b = work.back();
        work.pop_back();
        for (BlockId y : df.frontier(b)) {
          if (hasPhi[y] == cell || live[y] != cell)
            continue;
          hasPhi[y] = cell;
          Instr phi;
          phi.op = Opcode::Phi;
          phi.type = cellType_[cell];
          phi.dest = f_.freshVar(names_[cell]);
          phiCell_[phi.dest] = cell;
          phis[y].push_back(std::move(phi));
          if (queued[y] != cell) {
            queued[y] = cell;
            work.push_back(y);
          }
        }
      }
    }
    for (BlockId b : f_.layout) {
      if (phis[b].empty())
        continue;
      auto &instrs = f_.block(b).instrs;
      auto at = std::find_if(instrs.begin(), instrs.end(),
                             [](const Instr &in) { return in.op != Opcode::Phi; });
      instrs.insert(at, std::make_move_iterator(phis[b].begin()),
                    std::make_move_iterator(phis[b].end()));
    }
  }

  VarId current(unsigned cell) {
    if (!stack_[cell].empty())
      return stack_[cell].back();
    if (undefOf_[cell] == kNoVar) {
      Instr u;
      u.op = Opcode::Undef;
      u.type = cellType_[cell];
      u.dest = undefOf_[cell] = f_.freshVar(names_[cell]);
      undefs_.push_back(std::move(u));
    }
    return undefOf_[cell];
  }

  void rename(const DominatorTree &dom) {
    stack_.assign(cellCand_.size(), {});
    undefOf_.assign(cellCand_.size(), kNoVar);
    struct Frame {
      BlockId block;
      unsigned nextChild;
      llvm::SmallVector<unsigned, 4> pushed;
    };
    std::vector<Frame> frames;
    frames.push_back({cfg_.entry(), 0, {}});
    renameBlock(frames.back().block, frames.back().pushed);
    while (!frames.empty()) {
      Frame &top = frames.back();
      BlockRange kids = dom.children(top.block);
      if (top.nextChild < kids.size()) {
        BlockId c = kids[top.nextChild++];
        frames.push_back({c, 0, {}});
        renameBlock(c, frames.back().pushed);
        continue;
      }
      for (unsigned cell : top.pushed)
        stack_[cell].pop_back();
      frames.pop_back();
    }
    auto &entry = f_.block(cfg_.entry()).instrs;
    auto at = std::find_if(entry.begin(), entry.end(),
                           [](const Instr &in) { return in.op != Opcode::Phi; });
    entry.insert(at, std::make_move_iterator(undefs_.begin()),
                 std::make_move_iterator(undefs_.end()));
    sortPhiEntries();
  }

  void renameBlock(BlockId b, llvm::SmallVector<unsigned, 4> &pushed) {
    auto &instrs = f_.block(b).instrs;
    std::vector<Instr> kept;
    kept.reserve(instrs.size());
    for (Instr &in : instrs) {
      if (in.op == Opcode::Phi) {
        auto it = phiCell_.find(in.dest);
        if (it != phiCell_.end()) {
          stack_[it->second].push_back(in.dest);
          pushed.push_back(it->second);
        }
      } else if (dropped(in)) {
        continue;
      } else if (in.op == Opcode::Store && owner_[in.args[0]] != kNone) {
        unsigned cell = cellOf(in.args[0]);
        stack_[cell].push_back(in.args[1]);
        pushed.push_back(cell);
        continue;
      } else if (in.op == Opcode::Load && owner_[in.args[0]] != kNone) {
        unsigned cell = cellOf(in.args[0]);
        in.op = Opcode::Id;
        in.args[0] = current(cell);
      }
      kept.push_back(std::move(in));
    }
    instrs = std::move(kept);
    for (BlockId s : cfg_.succs(b))
      for (Instr &phi : f_.block(s).instrs) {
        if (phi.op != Opcode::Phi)
          break;
        auto it = phiCell_.find(phi.dest);
        if (it == phiCell_.end())
          continue;
        phi.args.push_back(current(it->second));
        phi.labels.push_back(b);
      }
  }

  // Phi entries in the order of the block's predecessors, like toSSA's.
  void sortPhiEntries() {
    for (BlockId b : cfg_.rpo()) {
      BlockRange preds = cfg_.preds(b);
      for (Instr &phi : f_.block(b).instrs) {
        if (phi.op != Opcode::Phi)
          break;
        if (!phiCell_.count(phi.dest))
          continue;
        IdVector args;
        IdVector labels;
        for (BlockId p : preds)
          for (size_t k = 0; k < phi.labels.size(); ++k)
            if (phi.labels[k] == p) {
              args.push_back(phi.args[k]);
              labels.push_back(p);
              break;
            }
        phi.args = std::move(args);
        phi.labels = std::move(labels);
      }
    }
  }
};

} // namespace

bool replaceAllocationsByScalars(Function &f) {
  bool allocates = false;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      switch (in.op) {
      case Opcode::Speculate:
      case Opcode::Guard:
      case Opcode::Commit:
      case Opcode::Set:
      case Opcode::Get:
        return false; // a failed guard rolls back variables, not the heap
      case Opcode::Alloc:
        allocates = true;
        break;
      default:
        break;
      }
  if (!allocates)
    return false;
  return ScalarReplacer(f).run();
}

} // namespace brisk
