#include "analysis/SpeculationRules.h"

#include "analysis/MaySpeculate.h"

#include <vector>

namespace brisk {
namespace {

// The speculation depths a program point may be reached at, as a set over
// {0, 1, 2 or more}; 0 (the empty set) means unreached.
using Depths = uint8_t;
constexpr Depths kOutside = 1, kOne = 2, kNested = 4;

Depths afterSpeculate(Depths d) {
  Depths out = 0;
  if (d & kOutside)
    out |= kOne;
  if (d & (kOne | kNested))
    out |= kNested;
  return out;
}

// The depths a guard's abort target is entered at: one level fewer. The
// depth-0 part is brili's "abort outside speculation" error, not an edge.
Depths afterAbort(Depths d) {
  Depths out = 0;
  if (d & kOne)
    out |= kOutside;
  if (d & kNested)
    out |= kOne | kNested;
  return out;
}

bool certainlyInside(Depths d) { return d != 0 && !(d & kOutside); }

class SpeculationChecker {
public:
  SpeculationChecker(const Function &f, Diagnostics &diags) : f_(f), diags_(diags) {}

  bool run() {
    if (!usesSpeculation(f_))
      return true;
    size_t before = diags_.count();
    position_.assign(f_.blocks.size(), -1);
    for (size_t i = 0; i < f_.layout.size(); ++i)
      position_[f_.layout[i]] = int(i);
    entry_.assign(f_.blocks.size(), 0);
    flow(f_.entry(), kOutside);
    while (!work_.empty()) {
      BlockId b = work_.back();
      work_.pop_back();
      scan(b, /*report=*/false);
    }
    int index = 0;
    firstIndex_.assign(f_.blocks.size(), 0);
    for (BlockId b : f_.layout) {
      firstIndex_[b] = index;
      index += int(f_.block(b).instrs.size());
    }
    for (BlockId b : f_.layout)
      if (entry_[b])
        scan(b, /*report=*/true);
    return diags_.count() == before;
  }

private:
  const Function &f_;
  Diagnostics &diags_;
  std::vector<int> position_;  // per block: index in the layout, -1 if not in it
  std::vector<Depths> entry_;  // per block: depths on entry
  std::vector<BlockId> work_;
  std::vector<int> firstIndex_;

  void flow(BlockId to, Depths d) {
    if (to >= position_.size() || position_[to] < 0)
      return; // an undefined label, reported by the frontend
    Depths merged = entry_[to] | d;
    if (merged == entry_[to])
      return;
    entry_[to] = merged;
    work_.push_back(to);
  }

  Location at(BlockId b, size_t i) const {
    const Instr &in = f_.block(b).instrs[i];
    Location where;
    where.function = f_.name;
    where.block = f_.block(b).hasLabel() ? "." + f_.block(b).label : std::string();
    where.instrIndex = firstIndex_[b] + int(i);
    where.opcode = std::string(spelling(in.op));
    where.pos = in.pos;
    return where;
  }

  // Walks block `b` from its entry depths, passing depths to successors;
  // with `report`, reports the certain violations instead.
  void scan(BlockId b, bool report) {
    const Block &blk = f_.block(b);
    Depths d = entry_[b];
    for (size_t i = 0; i < blk.instrs.size(); ++i) {
      const Instr &in = blk.instrs[i];
      switch (in.op) {
      case Opcode::Speculate: d = afterSpeculate(d); break;
      case Opcode::Commit:
        if (report && d == kOutside)
          diags_.error(at(b, i), "commit outside speculation: no path here has an open "
                                 "speculate, and brili refuses to commit");
        d = kOutside;
        break;
      case Opcode::Guard:
        if (!report)
          for (BlockId t : in.labels)
            flow(t, afterAbort(d));
        break;
      case Opcode::Call:
      case Opcode::Ret:
        if (report && certainlyInside(d))
          diags_.error(at(b, i), std::string(spelling(in.op)) +
                                     " inside speculation: every path here passes a speculate "
                                     "without its commit, and brili refuses " +
                                     std::string(spelling(in.op)) + " while speculating");
        break;
      default: break;
      }
    }
    const Instr *term = blk.terminator();
    if (term) {
      if (!report && term->op != Opcode::Ret)
        for (BlockId t : term->labels)
          flow(t, d);
      return;
    }
    size_t next = size_t(position_[b]) + 1;
    if (next < f_.layout.size()) {
      if (!report)
        flow(f_.layout[next], d);
    } else if (report && certainlyInside(d)) {
      Location where;
      where.function = f_.name;
      where.block = blk.hasLabel() ? "." + blk.label : std::string();
      where.pos = blk.instrs.empty() ? blk.pos : blk.instrs.back().pos;
      if (!blk.instrs.empty()) {
        where.instrIndex = firstIndex_[b] + int(blk.instrs.size()) - 1;
        where.opcode = std::string(spelling(blk.instrs.back().op));
      }
      diags_.error(where, "reaches the end of @" + f_.name +
                              " while speculating (every path here passes a speculate "
                              "without its commit), which brili refuses");
    }
  }
};

} // namespace

bool checkSpeculationRules(const Function &f, Diagnostics &diags) {
  return SpeculationChecker(f, diags).run();
}

} // namespace brisk
