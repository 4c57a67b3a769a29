// The dataflow (see RedundantLoads.h). A fact is (pointer, value): the cell
// `pointer` names holds `value`. States are sorted vectors of facts, capped
// at kMaxFacts (forgetting a fact is always sound). Blocks are visited in
// reverse post-order until no state shrinks: a block's input is the
// intersection of its visited predecessors' outputs, and a block's output
// only ever shrinks (each new one is intersected with the last), so the walk
// ends even where the cap makes the transfer non-monotone.
//
// Why no fact outlives its variables: in SSA a fact (p, v) is made by an
// instruction that the definitions of p and v dominate, so on any path that
// runs a definition again without the instruction after it, the fact was
// never made before that definition either (its first run has no earlier
// one), and the intersection drops it.
#include "transforms/memory/RedundantLoads.h"

#include "analysis/CFG.h"
#include "analysis/MemoryAlias.h"

#include <algorithm>
#include <tuple>
#include <vector>

namespace brisk {

namespace {

constexpr size_t kMaxFacts = 64;

struct Fact {
  VarId pointer;
  VarId value;
  friend bool operator==(const Fact &, const Fact &) = default;
  friend bool operator<(const Fact &a, const Fact &b) {
    return std::tie(a.pointer, a.value) < std::tie(b.pointer, b.value);
  }
};

using State = std::vector<Fact>;

State intersect(const State &a, const State &b) {
  State out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

class LoadForwarding {
public:
  LoadForwarding(Function &f, const llvm::StringSet<> *writers)
      : f_(f), cfg_(f), alias_(f, writers) {}

  bool run() {
    size_t n = f_.blocks.size();
    out_.assign(n, {});
    seen_.assign(n, false);
    for (bool changed = true; changed;) {
      changed = false;
      for (BlockId b : cfg_.rpo()) {
        State s = input(b);
        transfer(b, s, /*rewrite=*/false);
        if (seen_[b])
          s = intersect(s, out_[b]);
        if (!seen_[b] || s != out_[b]) {
          seen_[b] = true;
          out_[b] = std::move(s);
          changed = true;
        }
      }
    }
    bool rewrote = false;
    for (BlockId b : cfg_.rpo()) {
      State s = input(b);
      rewrote |= transfer(b, s, /*rewrite=*/true);
    }
    return rewrote;
  }

private:
  Function &f_;
  CFG cfg_;
  MemoryAlias alias_;
  std::vector<State> out_;
  std::vector<bool> seen_;

  State input(BlockId b) const {
    if (b == cfg_.entry())
      return {};
    bool first = true;
    State s;
    for (BlockId p : cfg_.preds(b)) {
      if (!seen_[p])
        continue;
      s = first ? out_[p] : intersect(s, out_[p]);
      first = false;
    }
    return s;
  }

  template <typename Pred> static void forget(State &s, Pred &&pred) {
    s.erase(std::remove_if(s.begin(), s.end(), pred), s.end());
  }

  void remember(State &s, VarId pointer, VarId value) {
    Fact fact{pointer, value};
    auto at = std::lower_bound(s.begin(), s.end(), fact);
    if (at != s.end() && *at == fact)
      return;
    if (s.size() >= kMaxFacts)
      return;
    s.insert(at, fact);
  }

  // Runs block b's instructions over s; with `rewrite`, turns loads whose
  // cell is held into `id`s. Returns whether it rewrote any.
  bool transfer(BlockId b, State &s, bool rewrite) {
    bool rewrote = false;
    for (Instr &in : f_.block(b).instrs) {
      switch (in.op) {
      case Opcode::Load: {
        VarId p = in.args[0];
        auto held = std::find_if(s.begin(), s.end(),
                                 [&](const Fact &x) { return alias_.mustAlias(x.pointer, p); });
        if (held != s.end()) {
          if (rewrite) {
            in.op = Opcode::Id;
            in.args[0] = held->value;
            rewrote = true;
          }
        } else {
          remember(s, p, in.dest);
        }
        break;
      }
      case Opcode::Store: {
        VarId q = in.args[0];
        forget(s, [&](const Fact &x) { return alias_.mayAlias(x.pointer, q); });
        remember(s, q, in.args[1]);
        break;
      }
      case Opcode::Free: {
        VarId q = in.args[0];
        forget(s, [&](const Fact &x) { return alias_.maySameObject(x.pointer, q); });
        break;
      }
      case Opcode::Call:
        forget(s, [&](const Fact &x) { return alias_.callMayWrite(in, x.pointer); });
        break;
      default:
        // Nothing else writes memory; set/get and speculation do not occur
        // in SSA form.
        break;
      }
    }
    return rewrote;
  }
};

} // namespace

bool eliminateRedundantLoads(Function &f, const llvm::StringSet<> *memoryWriters) {
  // Without a load there is nothing to forward to: no CFG, alias facts or
  // dataflow states for the function's blocks.
  bool hasLoad = false;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      hasLoad |= in.op == Opcode::Load;
  if (!hasLoad)
    return false;
  return LoadForwarding(f, memoryWriters).run();
}

} // namespace brisk
