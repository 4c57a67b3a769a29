#include "transforms/FromSSA.h"

#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/Liveness.h"
#include "analysis/Loops.h"
#include "analysis/Uses.h"

#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/StringMap.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

namespace brisk {
namespace {

// "x.12" -> "x"; "x" -> "x". Only one numeric suffix is removed, so a
// program variable really named "x.1" (version "x.1.0") comes back as "x.1".
std::string baseName(const std::string &name) {
  size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == name.size())
    return name;
  for (size_t i = dot + 1; i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9')
      return name;
  return name.substr(0, dot);
}

struct CopyPair {
  VarId dst, src;
};

class SSADestroyer {
public:
  explicit SSADestroyer(Function &f) : f_(f) {}

  bool run() {
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.info().effect == EffectClass::Guard || in.op == Opcode::Set ||
            in.op == Opcode::Get)
          return false;
    collectTypes();
    isolatePhis();
    CFG cfg(f_);
    DominatorTree dom(cfg);
    Liveness live(f_, cfg);
    LoopInfo loops(cfg, dom);
    computeDefs(cfg, dom);
    computeLastUses();
    coalesce(cfg, dom, live, loops);
    rewrite();
    return true;
  }

private:
  Function &f_;
  std::vector<Type> type_;
  // Parallel-copy extents per block, as instruction indices: [0, topEnd_] are
  // the phis and the copies out of them; [endFirst_, endLast_] the copies
  // into successors' phis. -1 / empty when absent.
  std::vector<int> topEnd_, endFirst_, endLast_;
  std::vector<uint8_t> isolationCopy_; // per var: dest of a copy made in step 1
  // Definition site and value of every variable.
  std::vector<BlockId> defBlock_;
  std::vector<int> defPoint_; // -1 for parameters
  std::vector<VarId> value_;
  std::vector<uint8_t> pinned_; // parameters and never-defined variables keep their name
  std::vector<llvm::DenseMap<VarId, int>> lastUse_;
  // Union-find classes.
  std::vector<VarId> parent_;
  std::vector<std::vector<VarId>> members_;
  const Liveness *live_ = nullptr;
  const DominatorTree *dom_ = nullptr;

  void collectTypes() {
    type_.assign(f_.numVars(), Type::none());
    for (const Param &p : f_.params)
      type_[p.var] = p.type;
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.hasDest())
          type_[in.dest] = in.type;
  }

  VarId fresh(VarId like) {
    VarId v = f_.freshVar(baseName(f_.varName(like)));
    type_.resize(f_.numVars(), Type::none());
    isolationCopy_.resize(f_.numVars(), 0);
    type_[v] = type_[like];
    return v;
  }

  bool isUndef(VarId v, const std::vector<uint8_t> &undefs) const {
    return v < undefs.size() && undefs[v];
  }

  static Instr copyInstr(VarId dst, VarId src, Type t) {
    Instr in;
    in.op = Opcode::Id;
    in.type = t;
    in.dest = dst;
    in.args.push_back(src);
    return in;
  }

  // Step 1.
  void isolatePhis() {
    std::vector<uint8_t> undefs(f_.numVars(), 0);
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.op == Opcode::Undef)
          undefs[in.dest] = 1;
    isolationCopy_.assign(f_.numVars(), 0);
    size_t nb = f_.blocks.size();
    std::vector<std::vector<CopyPair>> top(nb), end(nb);
    std::vector<std::vector<VarId>> webs;
    for (BlockId b : f_.layout) {
      for (Instr &phi : f_.block(b).instrs) {
        if (phi.op != Opcode::Phi)
          break;
        VarId x = phi.dest, xi = fresh(x);
        std::vector<VarId> web{xi};
        llvm::SmallVector<VarId, 2> args;
        llvm::SmallVector<BlockId, 2> labels;
        for (size_t k = 0; k < phi.args.size(); ++k) {
          if (isUndef(phi.args[k], undefs))
            continue; // nothing to carry: the value is undefined on that edge
          VarId ai = fresh(x);
          isolationCopy_[ai] = 1;
          end[phi.labels[k]].push_back({ai, phi.args[k]});
          args.push_back(ai);
          labels.push_back(phi.labels[k]);
          web.push_back(ai);
        }
        phi.dest = xi;
        phi.args = std::move(args);
        phi.labels = std::move(labels);
        top[b].push_back({x, xi});
        isolationCopy_[x] = 1;
        webs.push_back(std::move(web));
      }
    }
    topEnd_.assign(nb, -1);
    endFirst_.assign(nb, -1);
    endLast_.assign(nb, -1);
    for (BlockId b : f_.layout) {
      std::vector<Instr> &instrs = f_.block(b).instrs;
      size_t nphi = 0;
      while (nphi < instrs.size() && instrs[nphi].op == Opcode::Phi)
        ++nphi;
      std::vector<Instr> out;
      out.reserve(instrs.size() + top[b].size() + end[b].size());
      for (size_t i = 0; i < nphi; ++i)
        out.push_back(std::move(instrs[i]));
      for (const CopyPair &c : top[b])
        out.push_back(copyInstr(c.dst, c.src, type_[c.dst]));
      topEnd_[b] = int(out.size()) - 1;
      bool hasTerm = !instrs.empty() && instrs.back().isTerminator() && instrs.size() > nphi;
      size_t bodyEnd = hasTerm ? instrs.size() - 1 : instrs.size();
      for (size_t i = nphi; i < bodyEnd; ++i)
        out.push_back(std::move(instrs[i]));
      if (!end[b].empty()) {
        endFirst_[b] = int(out.size());
        for (const CopyPair &c : end[b])
          out.push_back(copyInstr(c.dst, c.src, type_[c.dst]));
        endLast_[b] = int(out.size()) - 1;
      }
      if (hasTerm)
        out.push_back(std::move(instrs.back()));
      instrs = std::move(out);
    }
    parent_.resize(f_.numVars());
    std::iota(parent_.begin(), parent_.end(), 0);
    members_.assign(f_.numVars(), {});
    for (VarId v = 0; v < f_.numVars(); ++v)
      members_[v].push_back(v);
    // A phi and its isolated operands must share a name: the phi vanishes.
    for (const std::vector<VarId> &web : webs)
      for (size_t k = 1; k < web.size(); ++k)
        unite(web[0], web[k]);
  }

  int point(BlockId b, int i) const {
    if (i <= topEnd_[b])
      return topEnd_[b];
    if (endFirst_[b] >= 0 && i >= endFirst_[b] && i <= endLast_[b])
      return endLast_[b];
    return i;
  }

  void computeDefs(const CFG &cfg, const DominatorTree &dom) {
    size_t nv = f_.numVars();
    defBlock_.assign(nv, kNoBlock);
    defPoint_.assign(nv, 0);
    value_.resize(nv);
    std::iota(value_.begin(), value_.end(), 0);
    pinned_.assign(nv, 0);
    for (const Param &p : f_.params) {
      defBlock_[p.var] = f_.entry();
      defPoint_[p.var] = -1;
      pinned_[p.var] = 1;
    }
    // Dominator-tree pre-order sees a copy's source before the copy.
    for (BlockId b : dom.preorder()) {
      const std::vector<Instr> &instrs = f_.block(b).instrs;
      for (int i = 0; i < int(instrs.size()); ++i) {
        const Instr &in = instrs[i];
        if (!in.hasDest())
          continue;
        defBlock_[in.dest] = b;
        defPoint_[in.dest] = point(b, i);
        if (in.op == Opcode::Id && in.args.size() == 1)
          value_[in.dest] = value_[in.args[0]];
      }
    }
    // Read but never (reachably) defined: keep the name, so the read still fails.
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        forEachUse(in, [&](VarId v) {
          if (defBlock_[v] == kNoBlock)
            pinned_[v] = 1;
        });
    (void)cfg;
  }

  void computeLastUses() {
    lastUse_.clear();
    lastUse_.resize(f_.blocks.size());
    for (BlockId b : f_.layout) {
      const std::vector<Instr> &instrs = f_.block(b).instrs;
      for (int i = 0; i < int(instrs.size()); ++i) {
        if (instrs[i].op == Opcode::Phi)
          continue; // a phi reads at the end of its predecessors
        forEachUse(instrs[i], [&](VarId v) { lastUse_[b][v] = i; });
      }
    }
  }

  bool liveAfter(VarId v, BlockId b, int p) const {
    if (live_->isLiveOut(v, b))
      return true;
    auto it = lastUse_[b].find(v);
    return it != lastUse_[b].end() && it->second > p;
  }

  bool interfere(VarId a, VarId b) const {
    if (value_[a] == value_[b])
      return false;
    BlockId ba = defBlock_[a], bb = defBlock_[b];
    if (ba == kNoBlock || bb == kNoBlock)
      return true;
    int pa = defPoint_[a], pb = defPoint_[b];
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

  VarId find(VarId v) {
    while (parent_[v] != v)
      v = parent_[v] = parent_[parent_[v]];
    return v;
  }
  void unite(VarId a, VarId b) {
    a = find(a);
    b = find(b);
    if (a == b)
      return;
    if (members_[a].size() < members_[b].size())
      std::swap(a, b);
    parent_[b] = a;
    members_[a].insert(members_[a].end(), members_[b].begin(), members_[b].end());
    members_[b].clear();
    members_[b].shrink_to_fit();
  }
  bool hasPinned(VarId root) const {
    for (VarId v : members_[root])
      if (pinned_[v])
        return true;
    return false;
  }
  bool canMerge(VarId a, VarId b) {
    a = find(a);
    b = find(b);
    if (a == b)
      return true;
    if (type_[a] != type_[b])
      return false;
    if (hasPinned(a) && hasPinned(b))
      return false;
    for (VarId x : members_[a])
      for (VarId y : members_[b])
        if (interfere(x, y))
          return false;
    return true;
  }

  // Step 2.
  void coalesce(const CFG &cfg, const DominatorTree &dom, const Liveness &live,
                const LoopInfo &loops) {
    live_ = &live;
    dom_ = &dom;
    struct Affinity {
      VarId dst, src;
      int priority; // 0: made by isolation, 1: the program's own id
      unsigned depth;
    };
    std::vector<Affinity> affinities;
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.op == Opcode::Id && in.hasDest() && in.args.size() == 1)
          affinities.push_back({in.dest, in.args[0], isolationCopy_[in.dest] ? 0 : 1,
                                cfg.reachable(b) ? loops.depth(b) : 0});
    std::stable_sort(affinities.begin(), affinities.end(),
                     [](const Affinity &x, const Affinity &y) {
                       if (x.priority != y.priority)
                         return x.priority < y.priority;
                       return x.depth > y.depth;
                     });
    for (const Affinity &a : affinities)
      if (canMerge(a.dst, a.src))
        unite(a.dst, a.src);
  }

  // Step 3.
  void rewrite() {
    size_t nv = f_.numVars();
    // Which variables occur at all; only they need a name.
    std::vector<uint8_t> occurs(nv, 0);
    for (const Param &p : f_.params)
      occurs[p.var] = 1;
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs) {
        if (in.op == Opcode::Phi)
          continue;
        if (in.hasDest())
          occurs[in.dest] = 1;
        for (VarId a : in.args)
          occurs[a] = 1;
      }
    // Class roots in order of their smallest member, pinned classes first so
    // they claim their names.
    std::vector<VarId> roots;
    std::vector<VarId> minMember(nv, kNoVar);
    for (VarId v = 0; v < nv; ++v) {
      if (!occurs[v])
        continue;
      VarId r = find(v);
      if (minMember[r] == kNoVar) {
        minMember[r] = v;
        roots.push_back(r);
      }
    }
    std::stable_partition(roots.begin(), roots.end(), [&](VarId r) { return hasPinned(r); });
    std::vector<VarId> nameOf(nv, kNoVar); // per root
    llvm::StringMap<VarId> taken;          // name -> root
    for (VarId r : roots) {
      VarId pin = kNoVar;
      for (VarId v : members_[r])
        if (pinned_[v])
          pin = v;
      if (pin != kNoVar) {
        nameOf[r] = pin;
        taken[f_.varName(pin)] = r;
        continue;
      }
      std::string base = baseName(f_.varName(minMember[r]));
      auto it = taken.find(base);
      if (it != taken.end()) {
        VarId other = find(it->second);
        if (canMerge(other, r)) {
          unite(other, r);
          VarId merged = find(other);
          nameOf[merged] = nameOf[other];
          it->second = merged;
          continue;
        }
        nameOf[r] = f_.freshVar(base);
        taken[f_.varName(nameOf[r])] = r;
      } else {
        nameOf[r] = f_.var(base);
        taken[base] = r;
      }
    }
    // Names get their class's type only now: a name may be the id of some
    // other class's member, whose type canMerge above still needed.
    std::vector<Type> classType(nv);
    for (VarId r : roots)
      classType[r] = type_[r];
    type_.resize(f_.numVars(), Type::none());
    for (VarId r : roots)
      if (VarId n = nameOf[find(r)]; n != kNoVar)
        type_[n] = classType[r];
    auto rename = [&](VarId v) { return v < nv && occurs[v] ? nameOf[find(v)] : v; };

    std::vector<unsigned> defCount(f_.numVars(), 0), useCount(f_.numVars(), 0);
    for (BlockId b : f_.layout) {
      std::vector<Instr> &instrs = f_.block(b).instrs;
      std::vector<Instr> out;
      out.reserve(instrs.size());
      std::vector<CopyPair> group;
      auto flush = [&] {
        sequentialize(group, out);
        group.clear();
      };
      for (int i = 0; i < int(instrs.size()); ++i) {
        Instr &in = instrs[i];
        if (in.op == Opcode::Phi)
          continue;
        bool inGroup = i <= topEnd_[b] || (endFirst_[b] >= 0 && i >= endFirst_[b] && i <= endLast_[b]);
        if (in.hasDest())
          in.dest = rename(in.dest);
        for (VarId &a : in.args)
          a = rename(a);
        if (inGroup) {
          group.push_back({in.dest, in.args[0]});
          if (i == topEnd_[b] || i == endLast_[b])
            flush();
          continue;
        }
        if (in.op == Opcode::Id && in.args.size() == 1 && in.args[0] == in.dest)
          continue;
        out.push_back(std::move(in));
      }
      flush();
      instrs = std::move(out);
      // sequentialize may have made swap temporaries just now.
      defCount.resize(f_.numVars(), 0);
      useCount.resize(f_.numVars(), 0);
      for (const Instr &in : instrs) {
        if (in.hasDest())
          ++defCount[in.dest];
        forEachUse(in, [&](VarId v) { ++useCount[v]; });
      }
    }
    // An undef whose name is never read, or is also written elsewhere, only
    // costs an executed instruction.
    for (BlockId b : f_.layout) {
      std::vector<Instr> &instrs = f_.block(b).instrs;
      instrs.erase(std::remove_if(instrs.begin(), instrs.end(),
                                  [&](const Instr &in) {
                                    return in.op == Opcode::Undef &&
                                           (useCount[in.dest] == 0 || defCount[in.dest] > 1);
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

  // Emits a parallel copy as sequential ids: a copy whose destination no
  // other pending copy still reads can go; when only cycles remain, one
  // destination is saved in a temporary first.
  void sequentialize(std::vector<CopyPair> pending, std::vector<Instr> &out) {
    std::vector<CopyPair> todo;
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
        out.push_back(copyInstr(todo[ready].dst, todo[ready].src, type_[todo[ready].dst]));
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

bool fromSSA(Function &f) { return SSADestroyer(f).run(); }

} // namespace brisk
