#include "transforms/interprocedural/RecursiveConstants.h"

#include "analysis/CFG.h"
#include "analysis/Uses.h"

#include <llvm/ADT/BitVector.h>
#include <llvm/ADT/StringMap.h>

#include <algorithm>
#include <limits>
#include <optional>

namespace brisk {

namespace {

// Functions this pass leaves alone: out of plain form, or with speculation
// (a call there is not allowed to move).
bool unsupported(const Function &f) { return !isPlainNonSpeculative(f); }

bool isScalar(Type t) { return t.isInt() || t.isBool() || t.isFloat() || t.isChar(); }

// One literal of one type, and the variables that hold only it.
struct ConstantKey {
  Type type;
  int64_t bits = 0;
  std::vector<VarId> vars;      // vars.front() is the representative
  double count = 0;             // executions of its `const`s, by the weights
};

// Who calls whom, kept while the pass splits functions, so that finding the
// calls of one function does not read the whole program: callersOf[name]
// lists the functions (indices, maybe repeated or no longer calling) that
// hold a call of `name`; unsupported() is cached per function. The calls are
// read at the first question (a split asks before it changes anything, so
// what it reads is what add() saw): a program without a self-recursive
// function worth a split asks none, and its code is not read for it.
struct CallIndex {
  llvm::StringMap<std::vector<size_t>> callersOf;
  std::vector<std::optional<bool>> unsupported;
  bool asked = false;              // callers() was: add() reads at once
  const Program *program = nullptr; // before that, functions below `added`
  size_t added = 0;                 // of it are read by the first callers()

  void add(const Program &p, size_t fi) {
    if (unsupported.size() < p.functions.size())
      unsupported.resize(p.functions.size());
    unsupported[fi].reset();
    if (!asked) {
      program = &p;
      added = std::max(added, fi + 1);
      return;
    }
    read(p, fi);
  }
  void read(const Program &p, size_t fi) {
    const Function &f = p.functions[fi];
    for (BlockId b : f.layout)
      for (const Instr &in : f.block(b).instrs)
        if (in.op == Opcode::Call) {
          std::vector<size_t> &callers = callersOf[in.callee];
          if (callers.empty() || callers.back() != fi)
            callers.push_back(fi);
        }
  }
  bool isUnsupported(const Program &p, size_t fi) {
    if (!unsupported[fi])
      unsupported[fi] = brisk::unsupported(p.functions[fi]);
    return *unsupported[fi];
  }
  // The functions that may call `name`, in program order, each once.
  std::vector<size_t> callers(llvm::StringRef name) {
    if (!asked) {
      asked = true;
      for (size_t fi = 0; program && fi < added; ++fi)
        read(*program, fi);
    }
    auto it = callersOf.find(name);
    if (it == callersOf.end())
      return {};
    std::vector<size_t> out = it->second;
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }
};

class Splitter {
public:
  Splitter(Program &program, size_t index, ProgramWeights *weights,
           const RecursiveConstantsOptions &options, CallIndex &calls)
      : program_(program), index_(index), weights_(weights), options_(options), calls_(calls) {}

  std::optional<RecursiveConstantsSplit> run();

private:
  void findConstants();
  void dropUndefinedReads();
  void countExecutions();
  bool choose();
  Function buildWorker(const std::string &name) const;
  Function buildWrapper(const std::string &workerName) const;
  Function buildPeeledWrapper(const std::string &workerName,
                              const std::vector<std::string> &names) const;
  std::string freshFunctionName() const;

  Program &program_;
  size_t index_;
  ProgramWeights *weights_;
  const RecursiveConstantsOptions &options_;
  CallIndex &calls_;

  // Per variable of f: the key it belongs to, or kNone / kBad.
  static constexpr uint32_t kNone = ~0u, kBad = ~0u - 1;
  std::vector<uint32_t> keyOf_;
  std::vector<ConstantKey> keys_;
  std::vector<bool> moved_;     // per key
  double selfCalls_ = 0, external_ = 0, saving_ = 0;
  // Calls to f in other functions that will call the worker directly.
  struct Site {
    size_t fn;
    BlockId block;
    uint32_t index;
  };
  std::vector<Site> sites_;
  double rewritten_ = 0;        // entries through them, by the weights
  double missed_ = 0;           // entries through calls that ran but had no room
  unsigned selfCallSites_ = 0;
  bool peeled_ = false;         // the wrapper keeps f's body (see the header)
  void planSites(unsigned n);
  void rewriteSites(const std::string &workerName, const std::vector<std::string> &names);
};

std::optional<RecursiveConstantsSplit> Splitter::run() {
  const Function &f = program_.functions[index_];
  if (f.name == "main" || f.layout.empty())
    return std::nullopt;
  const FunctionWeights *w = weights_ ? weights_->find(f) : nullptr;
  if (weights_ && (!w || !w->hasData()))
    return std::nullopt;
  // Self-recursion first: most functions are not, and they are then read
  // once, not also for the plain-form test below (every refusal here is the
  // same nullopt, so the order decides nothing).
  bool recursive = false;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.op == Opcode::Call && in.callee == f.name) {
        if (in.args.size() != f.params.size())
          return std::nullopt; // not type-correct: leave it to the checker
        recursive = true;
        ++selfCallSites_;
        selfCalls_ += w ? w->block(b) : 0.0;
      }
  if (!recursive || unsupported(f))
    return std::nullopt;
  if (w)
    external_ = std::max(0.0, w->entryCount - selfCalls_);

  findConstants();
  dropUndefinedReads();
  countExecutions();
  if (!choose())
    return std::nullopt;

  std::string workerName = freshFunctionName();
  std::vector<std::string> names; // of the moved representatives, for the sites
  for (size_t k = 0; k < keys_.size(); ++k)
    if (moved_[k])
      names.push_back(f.varName(keys_[k].vars.front()));
  Function worker = buildWorker(workerName);
  Function wrapper = peeled_ ? buildPeeledWrapper(workerName, names) : buildWrapper(workerName);
  RecursiveConstantsSplit split;
  split.wrapper = f.name;
  split.worker = workerName;
  split.constants = unsigned(std::count(moved_.begin(), moved_.end(), true));
  split.estimatedSaving = saving_;
  if (weights_) {
    const FunctionWeights fw = weights_->of(f); // the worker keeps f's block ids
    double throughWrapper = std::max(0.0, external_ - rewritten_);
    FunctionWeights workerWeights, wrapperWeights;
    if (peeled_) {
      // The wrapper's body is f's, entered throughWrapper times of f's entries.
      double share = fw.entryCount > 0 ? std::min(1.0, throughWrapper / fw.entryCount) : 0.0;
      for (BlockId b : f.layout) {
        workerWeights.setBlock(b, fw.block(b) * (1.0 - share));
        wrapperWeights.setBlock(b, fw.block(b) * share);
        for (auto [to, c] : fw.edgesFrom(b)) {
          workerWeights.setEdge(b, to, c * (1.0 - share));
          wrapperWeights.setEdge(b, to, c * share);
        }
      }
      workerWeights.entryCount = fw.entryCount - throughWrapper;
    } else {
      workerWeights = fw;
      wrapperWeights.setBlock(wrapper.entry(), throughWrapper);
    }
    wrapperWeights.entryCount = throughWrapper;
    weights_->of(worker) = std::move(workerWeights);
    weights_->of(wrapper) = std::move(wrapperWeights);
  }
  program_.functions[index_] = std::move(wrapper);
  program_.functions.push_back(std::move(worker));
  rewriteSites(workerName, names);
  calls_.add(program_, index_);
  calls_.add(program_, program_.functions.size() - 1);
  for (const Site &site : sites_)
    calls_.add(program_, site.fn);
  return split;
}

// The calls to f that ran (all of them without weights), in callers with room
// for n more instructions under options_.sizeLimit.
void Splitter::planSites(unsigned n) {
  const Function &f = program_.functions[index_];
  for (size_t gi : calls_.callers(f.name)) {
    const Function &g = program_.functions[gi];
    if (gi == index_ || calls_.isUnsupported(program_, gi))
      continue;
    const FunctionWeights *w = weights_ ? weights_->find(g) : nullptr;
    if (weights_ && (!w || !w->hasData()))
      continue;
    size_t size = g.instrCount();
    size_t limit = options_.sizeLimit ? options_.sizeLimit(g) : std::numeric_limits<size_t>::max();
    for (BlockId b : g.layout) {
      double count = w ? w->block(b) : 0.0;
      if (w && count <= 0)
        continue; // a cold call keeps calling f, the wrapper
      const std::vector<Instr> &instrs = g.block(b).instrs;
      for (uint32_t i = 0; i < instrs.size(); ++i) {
        if (instrs[i].op != Opcode::Call || instrs[i].callee != f.name ||
            instrs[i].args.size() != f.params.size())
          continue;
        if (size + n > limit) {
          missed_ += count;
          continue;
        }
        sites_.push_back(Site{gi, b, i});
        size += n;
        rewritten_ += count;
      }
    }
  }
}

// Each planned site gets the wrapper's constants right before it and calls
// the worker: what inlining the wrapper there would give.
void Splitter::rewriteSites(const std::string &workerName, const std::vector<std::string> &names) {
  // Last first, so that insertions keep the other sites' indices.
  for (auto it = sites_.rbegin(); it != sites_.rend(); ++it) {
    Function &g = program_.functions[it->fn];
    std::vector<Instr> &instrs = g.block(it->block).instrs;
    std::vector<Instr> consts;
    unsigned j = 0;
    for (size_t k = 0; k < keys_.size(); ++k) {
      if (!moved_[k])
        continue;
      Instr c;
      c.op = Opcode::Const;
      c.type = keys_[k].type;
      c.dest = g.freshVar(names[j++]);
      c.value = Literal::ofInt(keys_[k].bits);
      c.pos = instrs[it->index].pos;
      consts.push_back(c);
    }
    Instr &call = instrs[it->index];
    call.callee = workerName;
    for (const Instr &c : consts)
      call.args.push_back(c.dest);
    instrs.insert(instrs.begin() + it->index, consts.begin(), consts.end());
  }
}

// Variables whose every definition is a `const` of one type and literal,
// grouped by (type, literal) in order of first definition.
void Splitter::findConstants() {
  const Function &f = program_.functions[index_];
  keyOf_.assign(f.numVars(), kNone);
  for (const Param &p : f.params)
    keyOf_[p.var] = kBad;
  std::vector<Type> type(f.numVars());
  std::vector<int64_t> bits(f.numVars());
  std::vector<bool> seen(f.numVars(), false);
  std::vector<VarId> order;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs) {
      if (!in.hasDest() || keyOf_[in.dest] == kBad)
        continue;
      VarId v = in.dest;
      if (in.op != Opcode::Const || !isScalar(in.type) ||
          (seen[v] && (type[v] != in.type || bits[v] != in.value.bits()))) {
        keyOf_[v] = kBad;
        continue;
      }
      if (!seen[v]) {
        seen[v] = true;
        type[v] = in.type;
        bits[v] = in.value.bits();
        order.push_back(v);
      }
    }
  // A constant nothing reads is dead code that DCE removes anyway: as a
  // parameter it would cost the wrapper and stay.
  std::vector<bool> read(f.numVars(), false);
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      forEachUse(in, [&](VarId v) { read[v] = true; });
  for (VarId v : order) {
    if (keyOf_[v] == kBad || !read[v])
      continue;
    auto it = std::find_if(keys_.begin(), keys_.end(), [&](const ConstantKey &k) {
      return k.type == type[v] && k.bits == bits[v];
    });
    if (it == keys_.end()) {
      keys_.push_back(ConstantKey{type[v], bits[v], {}, 0});
      it = keys_.end() - 1;
    }
    keyOf_[v] = uint32_t(it - keys_.begin());
    it->vars.push_back(v);
  }
}

// A variable read where it may be undefined stays as it is: as a parameter
// it would always be defined, and a run that failed would go on. Must-defined
// dataflow over the reachable blocks; what unreachable blocks read never runs.
void Splitter::dropUndefinedReads() {
  const Function &f = program_.functions[index_];
  std::vector<uint32_t> slot(f.numVars(), kNone);
  std::vector<VarId> vars;
  for (VarId v = 0; v < f.numVars(); ++v)
    if (keyOf_[v] < kBad) {
      slot[v] = uint32_t(vars.size());
      vars.push_back(v);
    }
  if (vars.empty())
    return;
  CFG cfg(f);
  size_t m = vars.size();
  std::vector<llvm::BitVector> gen(f.blocks.size(), llvm::BitVector(m));
  std::vector<llvm::BitVector> in(f.blocks.size(), llvm::BitVector(m, true));
  for (BlockId b : cfg.rpo())
    for (const Instr &i : f.block(b).instrs)
      if (i.hasDest() && slot[i.dest] != kNone)
        gen[b].set(slot[i.dest]);
  in[cfg.entry()].reset(); // nothing is defined when the function starts
  for (bool changed = true; changed;) {
    changed = false;
    for (BlockId b : cfg.rpo()) {
      if (b == cfg.entry())
        continue;
      llvm::BitVector meet(m, true);
      for (BlockId p : cfg.preds(b)) {
        llvm::BitVector out = in[p];
        out |= gen[p];
        meet &= out;
      }
      if (meet != in[b]) {
        in[b] = std::move(meet);
        changed = true;
      }
    }
  }
  std::vector<bool> undefinedRead(m, false);
  for (BlockId b : cfg.rpo()) {
    llvm::BitVector defined = in[b];
    for (const Instr &i : f.block(b).instrs) {
      forEachUse(i, [&](VarId v) {
        if (slot[v] != kNone && !defined.test(slot[v]))
          undefinedRead[slot[v]] = true;
      });
      if (i.hasDest() && slot[i.dest] != kNone)
        defined.set(slot[i.dest]);
    }
  }
  for (ConstantKey &k : keys_)
    std::erase_if(k.vars, [&](VarId v) {
      if (!undefinedRead[slot[v]])
        return false;
      keyOf_[v] = kBad;
      return true;
    });
}

// What a key's constants cost per profile: the counts of their blocks, but
// no more than the counts of the blocks that read them, because the scalar
// passes sink a constant read only on a cold path to that path.
void Splitter::countExecutions() {
  const Function &f = program_.functions[index_];
  const FunctionWeights *w = weights_ ? weights_->find(f) : nullptr;
  if (!w)
    return;
  std::vector<double> defs(keys_.size(), 0.0), reads(keys_.size(), 0.0);
  std::vector<bool> readHere(keys_.size());
  for (BlockId b : f.layout) {
    std::fill(readHere.begin(), readHere.end(), false);
    for (const Instr &i : f.block(b).instrs) {
      forEachUse(i, [&](VarId v) {
        if (keyOf_[v] < kBad)
          readHere[keyOf_[v]] = true;
      });
      if (i.hasDest() && keyOf_[i.dest] < kBad)
        defs[keyOf_[i.dest]] += w->block(b);
    }
    for (size_t k = 0; k < keys_.size(); ++k)
      if (readHere[k])
        reads[k] += w->block(b);
  }
  for (size_t k = 0; k < keys_.size(); ++k)
    keys_[k].count = std::min(defs[k], reads[k]);
}

// Which keys move, and whether the split pays (see the header).
bool Splitter::choose() {
  moved_.assign(keys_.size(), false);
  const Function &f = program_.functions[index_];
  unsigned n = 0;
  if (!weights_) {
    for (size_t k = 0; k < keys_.size(); ++k)
      if (!keys_[k].vars.empty()) {
        moved_[k] = true;
        ++n;
      }
    if (n > 0)
      planSites(n);
    return n > 0;
  }
  double gain = 0;
  for (size_t k = 0; k < keys_.size(); ++k)
    if (!keys_[k].vars.empty() && keys_[k].count > external_) {
      moved_[k] = true;
      gain += keys_[k].count - external_;
      ++n;
    }
  if (n == 0)
    return false;
  planSites(n);
  if (missed_ > 0) {
    // A call that ran keeps calling f: f keeps its body, so that such an
    // entry costs what it did, when that fits f's budget.
    peeled_ = true;
    size_t limit = options_.sizeLimit ? options_.sizeLimit(f) : std::numeric_limits<size_t>::max();
    saving_ = gain;
    return f.instrCount() + size_t(n) * selfCallSites_ <= limit && saving_ >= options_.minSaving;
  }
  // Entries through the wrapper pay a call, and a ret unless f returns
  // nothing, besides the constants that every outside entry pays.
  double callRet = f.returnType.isNone() ? 1.0 : 2.0;
  double throughWrapper = std::max(0.0, external_ - rewritten_);
  saving_ = gain - throughWrapper * callRet;
  return saving_ >= options_.minSaving &&
         saving_ >= options_.minSavingPerWrapperCost * throughWrapper * (double(n) + callRet);
}

std::string Splitter::freshFunctionName() const {
  const std::string base = program_.functions[index_].name + ".rec";
  std::string name = base;
  for (unsigned i = 1; program_.findFunction(name); ++i)
    name = base + "." + std::to_string(i);
  return name;
}

Function Splitter::buildWorker(const std::string &name) const {
  const Function &f = program_.functions[index_];
  Function g = f; // the same blocks, ids and variables
  g.name = name;
  auto movedKey = [&](VarId v) { return keyOf_[v] < kBad && moved_[keyOf_[v]]; };
  std::vector<VarId> reps;
  for (size_t k = 0; k < keys_.size(); ++k)
    if (moved_[k]) {
      reps.push_back(keys_[k].vars.front());
      g.params.push_back(Param{keys_[k].vars.front(), keys_[k].type});
    }
  for (BlockId b : g.layout) {
    std::vector<Instr> &instrs = g.block(b).instrs;
    std::erase_if(instrs, [&](const Instr &in) {
      return in.op == Opcode::Const && in.hasDest() && movedKey(in.dest);
    });
    for (Instr &in : instrs) {
      forEachUseRef(in, [&](VarId &v) {
        if (movedKey(v))
          v = keys_[keyOf_[v]].vars.front();
      });
      if (in.op == Opcode::Call && in.callee == f.name) {
        in.callee = name;
        in.args.append(reps.begin(), reps.end());
      }
    }
  }
  return g;
}

// f itself, its recursive calls taking the constants right before them and
// calling the worker: the first activation stays f's.
Function Splitter::buildPeeledWrapper(const std::string &workerName,
                                      const std::vector<std::string> &names) const {
  const Function &f = program_.functions[index_];
  Function w = f;
  for (BlockId b : w.layout) {
    std::vector<Instr> out;
    for (Instr &in : w.block(b).instrs) {
      if (in.op == Opcode::Call && in.callee == f.name) {
        unsigned j = 0;
        for (size_t k = 0; k < keys_.size(); ++k) {
          if (!moved_[k])
            continue;
          Instr c;
          c.op = Opcode::Const;
          c.type = keys_[k].type;
          c.dest = w.freshVar(names[j++]);
          c.value = Literal::ofInt(keys_[k].bits);
          c.pos = in.pos;
          in.args.push_back(c.dest);
          out.push_back(std::move(c));
        }
        in.callee = workerName;
      }
      out.push_back(std::move(in));
    }
    w.block(b).instrs = std::move(out);
  }
  return w;
}

Function Splitter::buildWrapper(const std::string &workerName) const {
  const Function &f = program_.functions[index_];
  Function w;
  w.name = f.name;
  w.returnType = f.returnType;
  w.pos = f.pos;
  Instr call;
  call.op = Opcode::Call;
  call.callee = workerName;
  call.pos = f.pos;
  for (const Param &p : f.params) {
    VarId v = w.var(f.varName(p.var));
    w.params.push_back(Param{v, p.type});
    call.args.push_back(v);
  }
  BlockId entry = w.addBlock();
  w.layout.push_back(entry);
  std::vector<Instr> &body = w.block(entry).instrs;
  for (size_t k = 0; k < keys_.size(); ++k) {
    if (!moved_[k])
      continue;
    Instr c;
    c.op = Opcode::Const;
    c.type = keys_[k].type;
    c.dest = w.var(f.varName(keys_[k].vars.front()));
    c.value = Literal::ofInt(keys_[k].bits); // raw bits, read by the type
    c.pos = f.pos;
    body.push_back(c);
    call.args.push_back(c.dest);
  }
  if (f.returnType.isNone()) {
    body.push_back(std::move(call)); // falls off the end: returns nothing
    return w;
  }
  call.dest = w.lookupVar("r") ? w.freshVar("r") : w.var("r");
  call.type = f.returnType;
  Instr ret;
  ret.op = Opcode::Ret;
  ret.args.push_back(call.dest);
  ret.pos = f.pos;
  body.push_back(std::move(call));
  body.push_back(std::move(ret));
  return w;
}

} // namespace

std::vector<RecursiveConstantsSplit>
passConstantsDownRecursion(Program &program, ProgramWeights *weights,
                           const RecursiveConstantsOptions &options) {
  std::vector<RecursiveConstantsSplit> out;
  std::vector<std::string> names;
  for (const Function &f : program.functions)
    names.push_back(f.name);
  std::sort(names.begin(), names.end());
  if (std::adjacent_find(names.begin(), names.end()) != names.end())
    return out; // calls would be ambiguous; brili rejects such programs when run
  size_t n = program.functions.size(); // not the workers appended below
  CallIndex calls;
  for (size_t i = 0; i < n; ++i)
    calls.add(program, i);
  for (size_t i = 0; i < n; ++i)
    if (auto split = Splitter(program, i, weights, options, calls).run())
      out.push_back(std::move(*split));
  return out;
}

} // namespace brisk
