#include "transforms/AggressiveDCE.h"

#include "analysis/Uses.h"

#include <optional>
#include <vector>

namespace brisk {

namespace {

class AggressiveDCE {
public:
  explicit AggressiveDCE(Function &f)
      : f_(f), def_(f.numVars(), nullptr), constant_(f.numVars()), live_(f.numVars(), false) {}

  bool run() {
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.hasDest()) {
          def_[in.dest] = &in;
          if (in.op == Opcode::Const)
            constant_[in.dest] = in.value.asInt();
        }
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (isRoot(in))
          markOperands(in);
    while (!work_.empty()) {
      const Instr *in = work_.back();
      work_.pop_back();
      markOperands(*in);
    }
    bool changed = false;
    for (BlockId b : f_.layout) {
      auto &ins = f_.block(b).instrs;
      size_t before = ins.size();
      std::erase_if(ins, [&](const Instr &in) {
        return !isRoot(in) && (!in.hasDest() || !live_[in.dest]);
      });
      changed |= ins.size() != before;
    }
    return changed;
  }

private:
  bool isConstant(VarId v, int64_t *out) const {
    // Not through def_: the sweep asks this while it moves instructions.
    if (!constant_[v])
      return false;
    *out = *constant_[v];
    return true;
  }

  bool isRoot(const Instr &in) const {
    switch (in.info().effect) {
    case EffectClass::Pure:
      return false;
    case EffectClass::MayTrap: {
      int64_t c;
      if (in.op == Opcode::Div)
        return !(isConstant(in.args[1], &c) && c != 0);
      if (in.op == Opcode::Int2Char)
        return !(isConstant(in.args[0], &c) && c >= 0 && c <= 1114111 &&
                 !(c > 55295 && c < 57344));
      return true;
    }
    default:
      return true;
    }
  }

  void markOperands(const Instr &in) {
    forEachUse(in, [&](VarId v) {
      if (live_[v])
        return;
      live_[v] = true;
      if (const Instr *d = def_[v])
        work_.push_back(d);
    });
  }

  Function &f_;
  std::vector<const Instr *> def_;
  std::vector<std::optional<int64_t>> constant_;
  std::vector<bool> live_;
  std::vector<const Instr *> work_;
};

} // namespace

bool eliminateDeadCodeAggressively(Function &f) { return AggressiveDCE(f).run(); }

} // namespace brisk
