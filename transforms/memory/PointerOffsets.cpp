#include "transforms/memory/PointerOffsets.h"

#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/MemoryAlias.h"

#include <llvm/ADT/DenseMap.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace brisk {

namespace {

// Neighbours looked at per pointer (a group can be long in unrolled code).
constexpr size_t kMaxNeighbours = 32;
// Differences a new constant may cover (brili reads offsets as doubles).
constexpr int64_t kMaxDifference = int64_t(1) << 31;

class OffsetRebasing {
public:
  // The CFG and dominators serve both sweeps: neither a `const 1` at the
  // entry nor a rewritten ptradd changes the CFG.
  explicit OffsetRebasing(Function &f) : f_(f), cfg_(f), dom_(cfg_) {}

  // One sweep; with `apply` false it only counts the pointers a `const 1`
  // at the entry would let it rewrite.
  unsigned sweep(bool apply, bool &changed) {
    const CFG &cfg = cfg_;
    const DominatorTree &dom = dom_;
    MemoryAlias alias(f_, nullptr, dom);
    size_t n = f_.numVars();
    std::vector<std::pair<BlockId, size_t>> pos(n, {kNoBlock, 0});
    std::vector<std::optional<int64_t>> constant(n);
    std::map<int64_t, std::vector<VarId>> constsOf;
    std::map<std::pair<VarId, VarId>, std::vector<VarId>> group; // (base, index) -> pointers
    for (const Param &p : f_.params) {
      pos[p.var] = {cfg.entry(), 0};
      if (p.type.isPtr())
        group[{alias.location(p.var).base, alias.location(p.var).index}].push_back(p.var);
    }
    for (BlockId b : dom.preorder()) {
      const std::vector<Instr> &instrs = f_.block(b).instrs;
      for (size_t i = 0; i < instrs.size(); ++i) {
        const Instr &in = instrs[i];
        if (!in.hasDest())
          continue;
        pos[in.dest] = {b, i + 1};
        if (in.op == Opcode::Const && in.type.isInt()) {
          constant[in.dest] = in.value.asInt();
          constsOf[in.value.asInt()].push_back(in.dest);
        }
        if (in.type.isPtr()) {
          const MemoryAlias::Location &l = alias.location(in.dest);
          group[{l.base, l.index}].push_back(in.dest);
        }
      }
    }
    // v is defined before (b, i): parameters at position 0 of the entry.
    auto before = [&](VarId v, BlockId b, size_t i) {
      auto [vb, vi] = pos[v];
      if (vb == kNoBlock)
        return false;
      return vb == b ? vi <= i : dom.dominates(vb, b);
    };
    unsigned wantOne = 0;
    for (BlockId b : dom.preorder()) {
      std::vector<Instr> &instrs = f_.block(b).instrs;
      for (size_t i = 0; i < instrs.size(); ++i) {
        Instr &in = instrs[i];
        if (in.op != Opcode::PtrAdd || !in.hasDest())
          continue;
        const MemoryAlias::Location &l = alias.location(in.dest);
        auto g = group.find({l.base, l.index});
        if (g == group.end())
          continue;
        VarId bestFrom = kNoVar, bestBy = kNoVar;
        int64_t bestDiff = 0;
        bool oneWouldDo = false;
        size_t looked = 0;
        for (VarId q : g->second) {
          if (q == in.dest || !before(q, b, i))
            continue;
          if (++looked > kMaxNeighbours)
            break;
          int64_t diff = int64_t(uint64_t(l.offset) - uint64_t(alias.location(q).offset));
          if (diff == 0) {
            bestFrom = q;
            bestBy = kNoVar;
            bestDiff = 0;
            break;
          }
          if (std::llabs(diff) >= kMaxDifference)
            continue;
          if (bestFrom != kNoVar && std::llabs(diff) >= std::llabs(bestDiff))
            continue;
          auto c = constsOf.find(diff);
          VarId by = kNoVar;
          if (c != constsOf.end())
            for (VarId k : c->second)
              if (k != in.args[1] && before(k, b, i)) {
                by = k;
                break;
              }
          if (by == kNoVar) {
            oneWouldDo |= diff == 1;
            continue;
          }
          bestFrom = q;
          bestBy = by;
          bestDiff = diff;
        }
        if (bestFrom == kNoVar) {
          wantOne += oneWouldDo;
          continue;
        }
        // (From x by another constant of the same value gains nothing.)
        if (!apply || (bestFrom == in.args[0] && bestBy != kNoVar && constant[in.args[1]] &&
                       constant[bestBy] == constant[in.args[1]]))
          continue;
        if (bestBy == kNoVar) {
          in.op = Opcode::Id;
          in.args = {bestFrom};
        } else {
          in.args = {bestFrom, bestBy};
        }
        changed = true;
      }
    }
    return wantOne;
  }

  bool run() {
    bool changed = false;
    if (sweep(/*apply=*/false, changed) >= 2) {
      Instr one;
      one.op = Opcode::Const;
      one.type = Type::intTy();
      one.dest = f_.freshVar("one");
      one.value = Literal::ofInt(1);
      std::vector<Instr> &entry = f_.block(f_.entry()).instrs;
      entry.insert(entry.begin(), std::move(one));
      changed = true;
    }
    sweep(/*apply=*/true, changed);
    return changed;
  }

private:
  Function &f_;
  CFG cfg_;
  DominatorTree dom_;
};

} // namespace

bool rebasePointerOffsets(Function &f) {
  // Only a ptradd is rewritten (or wants a `const 1`): without one, no CFG,
  // dominators or alias facts.
  bool hasPtrAdd = false;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      hasPtrAdd |= in.op == Opcode::PtrAdd && in.hasDest();
  if (!hasPtrAdd)
    return false;
  return OffsetRebasing(f).run();
}

} // namespace brisk
