#include "interp/Interpreter.h"

#include "interp/Code.h"
#include "interp/JsNumbers.h"
#include "interp/Lower.h"
#include "interp/PathNumbering.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <map>

namespace brisk::interp {
namespace {

struct RuntimeError {
  std::string message;
};

[[noreturn, gnu::cold, gnu::noinline]] void fail(std::string message) {
  throw RuntimeError{std::move(message)};
}

// Thrown when RunOptions::maxDynamicInstructions is reached.
struct LimitReached {};
[[noreturn, gnu::cold, gnu::noinline]] void stopAtLimit() { throw LimitReached{}; }

// The frame budget: deep recursion is fine up to this many slots (16 bytes
// each) or frames, then it is a clean error rather than a crash.
constexpr size_t kMaxStackSlots = size_t(1) << 27;
constexpr size_t kMaxFrames = size_t(1) << 25;
// The largest single allocation, in cells.
constexpr int64_t kMaxAllocCells = int64_t(1) << 28;

struct Allocation {
  Slot *data;
  int64_t size; // 0 once freed, so every access bounds-fails
};

struct ReturnRecord {
  const Inst *returnPc;
  size_t fpOffset;
  int64_t pathReg;
  uint32_t func;
  uint32_t callSite;
};

// Counts of Ball-Larus path numbers for one function, bounded in memory:
// functions with few paths get a dense array; others a hash table that,
// when full, drops its less frequent half into `dropped` (per start header).
class PathTable {
public:
  static constexpr uint64_t kDenseLimit = 4096;
  static constexpr size_t kHashCapacity = 8192; // power of two
  static constexpr size_t kHashMaxFill = 4096;

  explicit PathTable(uint64_t numPaths) : dense_(numPaths <= kDenseLimit) {
    if (dense_)
      counts_.assign(numPaths, 0);
    else {
      keys_.assign(kHashCapacity, kEmpty);
      counts_.assign(kHashCapacity, 0);
    }
  }

  void record(uint64_t id, const PathNumbering &numbering) {
    if (dense_) {
      ++counts_[id];
      return;
    }
    size_t mask = kHashCapacity - 1;
    for (size_t i = hash(id) & mask;; i = (i + 1) & mask) {
      if (keys_[i] == id) {
        ++counts_[i];
        return;
      }
      if (keys_[i] == kEmpty) {
        if (used_ >= kHashMaxFill) {
          prune(numbering);
          record(id, numbering);
          return;
        }
        keys_[i] = id;
        counts_[i] = 1;
        ++used_;
        return;
      }
    }
  }

  template <typename F> void forEach(F f) const {
    for (size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i] == 0)
        continue;
      f(dense_ ? uint64_t(i) : keys_[i], counts_[i]);
    }
  }

  const std::map<BlockId, uint64_t> &dropped() const { return dropped_; }
  uint64_t *denseCounts() { return dense_ ? counts_.data() : nullptr; }

private:
  static constexpr uint64_t kEmpty = UINT64_MAX;
  static size_t hash(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return size_t(x);
  }

  void prune(const PathNumbering &numbering) {
    std::vector<uint64_t> counts;
    for (size_t i = 0; i < kHashCapacity; ++i)
      if (keys_[i] != kEmpty)
        counts.push_back(counts_[i]);
    std::nth_element(counts.begin(), counts.begin() + counts.size() / 2, counts.end());
    uint64_t median = counts[counts.size() / 2];
    std::vector<std::pair<uint64_t, uint64_t>> keep;
    for (size_t i = 0; i < kHashCapacity; ++i) {
      if (keys_[i] == kEmpty)
        continue;
      if (counts_[i] > median) {
        keep.emplace_back(keys_[i], counts_[i]);
      } else {
        DecodedPath d = numbering.decode(keys_[i]);
        if (d.start == PathStart::LoopHeader && !d.blocks.empty())
          dropped_[d.blocks[0]] += counts_[i];
      }
    }
    std::fill(keys_.begin(), keys_.end(), kEmpty);
    std::fill(counts_.begin(), counts_.end(), 0);
    used_ = 0;
    size_t mask = kHashCapacity - 1;
    for (auto &[k, c] : keep) {
      size_t i = hash(k) & mask;
      while (keys_[i] != kEmpty)
        i = (i + 1) & mask;
      keys_[i] = k;
      counts_[i] = c;
      ++used_;
    }
  }

  bool dense_;
  std::vector<uint64_t> keys_;
  std::vector<uint64_t> counts_;
  size_t used_ = 0;
  std::map<BlockId, uint64_t> dropped_;
};

// brili compares chars as JavaScript strings: by UTF-16 code units. Map a
// code point to a key with that order (supplementary characters sort with
// their lead surrogate, below U+E000).
inline uint32_t utf16Key(int64_t cp) {
  uint32_t c = uint32_t(cp);
  if (c < 0xD800)
    return c;
  if (c >= 0x10000)
    return c - 0x10000 + 0xD800;
  return c + 0x100000;
}

class Machine {
public:
  Machine(const Program &program, const Code &code, const RunOptions &options)
      : program_(program), code_(code), options_(options) {
    if (code.profiling) {
      entryCounts_.assign(code.funcs.size(), 0);
      edgeCounts_.assign(code.edges.size(), 0);
      callCounts_.assign(code.calls.size(), 0);
      pathTables_.resize(code.funcs.size());
      densePaths_.assign(code.funcs.size(), nullptr);
      for (size_t f = 0; f < code.funcs.size(); ++f) {
        const PathInfo &info = code.paths[f];
        if (info.enabled && info.numPaths <= PathTable::kDenseLimit) {
          pathTables_[f].emplace(info.numPaths);
          densePaths_[f] = pathTables_[f]->denseCounts();
        }
      }
    } else {
      densePaths_.assign(code.funcs.size(), nullptr);
    }
  }

  ~Machine() {
    for (Allocation &a : heap_)
      std::free(a.data);
  }

  void run(const std::vector<std::string> &args);
  void flush() {
    if (!out_.empty())
      std::fwrite(out_.data(), 1, out_.size(), options_.out);
    out_.clear();
    std::fflush(options_.out);
  }
  uint64_t count() const { return count_; }
  SpeculationStats speculationStats() const {
    SpeculationStats s = spec_;
    if (!specMarks_.empty()) // the run failed inside a region
      s.speculativeInstructions += count_ - specStart_;
    return s;
  }
  Profile buildProfile() const;

private:
  void execute(uint32_t mainFunc);

  [[gnu::noinline]] Slot *growStack(size_t needed, Slot *fp);
  [[gnu::noinline]] void checkCallArgs(const CallSite &cs, const Slot *fp);
  [[gnu::noinline]] void checkReturn(const CallSite &cs, bool hasValue, const Slot &value);
  [[gnu::noinline]] void print(const Inst &in, const Slot *fp, uint32_t func);
  [[gnu::noinline, gnu::cold]] void failCheck(const Inst &in, const Slot *fp, uint32_t func);
  [[gnu::noinline, gnu::cold]] void failTrap(const Inst &in);
  [[gnu::noinline]] void storeChecked(const Inst &in, const Slot *fp, uint32_t func);
  [[gnu::noinline]] void alloc(const Inst &in, Slot *fp);
  [[gnu::noinline]] void freePtr(const Slot &p);
  [[gnu::noinline, gnu::cold]] void failHeap(const Slot &p);
  [[gnu::noinline]] void recordPath(uint32_t func, int64_t path);

  const Program &program_;
  const Code &code_;
  const RunOptions &options_;
  std::vector<Slot> stack_;
  std::vector<ReturnRecord> frames_;
  std::vector<Allocation> heap_;
  size_t liveAllocations_ = 0;
  std::vector<Slot> specSaved_;
  std::vector<size_t> specMarks_;
  uint64_t specStart_ = 0; // count before the outermost open `speculate`
  SpeculationStats spec_;
  std::string out_;
  uint64_t count_ = 0;

  std::vector<uint64_t> entryCounts_, edgeCounts_, callCounts_;
  std::vector<std::optional<PathTable>> pathTables_;
  std::vector<uint64_t *> densePaths_; // per function: its dense path counters, if any
};

Slot *Machine::growStack(size_t needed, Slot *fp) {
  size_t fpOffset = size_t(fp - stack_.data());
  if (needed > kMaxStackSlots || frames_.size() >= kMaxFrames)
    fail("call stack too deep (" + std::to_string(frames_.size()) +
         " nested calls): out of interpreter stack");
  size_t size = std::max(needed, stack_.size() * 2);
  stack_.resize(std::min(size, kMaxStackSlots));
  return stack_.data() + fpOffset;
}

void Machine::checkCallArgs(const CallSite &cs, const Slot *fp) {
  const FuncCode &callee = code_.funcs[cs.callee];
  const FuncCode &caller = code_.funcs[cs.caller];
  for (uint32_t i = 0; i < cs.numArgs; ++i) {
    uint32_t slot = code_.argSlots[cs.argBegin + i];
    const Slot &v = fp[slot];
    if (v.tag == Tag::Unset)
      fail("undefined variable " + caller.fn->varName(slot));
    if (!valueMatches(v.tag, callee.paramTypes[i]))
      fail("function argument type mismatch");
  }
}

void Machine::checkReturn(const CallSite &cs, bool hasValue, const Slot &value) {
  Type declared = code_.funcs[cs.callee].fn->returnType;
  std::string noValue =
      "non-void function (type: " + jsTypeName(declared) + ") doesn't return anything";
  if (cs.dest == kNoSlot) {
    if (hasValue)
      fail("unexpected value returned without destination");
    if (!declared.isNone())
      fail(noValue);
    return;
  }
  if (!hasValue)
    fail(noValue);
  if (!valueMatches(value.tag, cs.destType))
    fail("type of value returned by function does not match destination type");
  if (declared.isNone())
    fail("function with void return type used in value call");
  if (!(cs.destType == declared))
    fail("type of value returned by function does not match declaration");
}

void Machine::print(const Inst &in, const Slot *fp, uint32_t func) {
  // brili evaluates every operand before printing, so a failing operand
  // prints nothing of its line.
  size_t lineStart = out_.size();
  for (uint32_t k = 0; k < in.c; ++k) {
    uint32_t slot = code_.argSlots[in.b + k];
    const Slot &v = fp[slot];
    if (k)
      out_ += ' ';
    char buf[32];
    switch (v.tag) {
    case Tag::Int: {
      auto r = std::to_chars(buf, buf + sizeof buf, v.i);
      out_.append(buf, r.ptr);
      break;
    }
    case Tag::Bool:
      out_ += v.i ? "true" : "false";
      break;
    case Tag::Float:
      out_ += formatFloat(v.f);
      break;
    case Tag::Char:
      appendUtf8(out_, uint32_t(v.i));
      break;
    case Tag::Ptr:
      out_ += "[object Object]";
      break;
    case Tag::Undef:
      out_.resize(lineStart);
      fail("print of undefined value");
    case Tag::Unset:
      out_.resize(lineStart);
      fail("undefined variable " + code_.funcs[func].fn->varName(slot));
    }
  }
  out_ += '\n';
  if (out_.size() >= (size_t(1) << 16))
    flush();
}

void Machine::failCheck(const Inst &in, const Slot *fp, uint32_t func) {
  if (fp[in.a].tag == Tag::Unset)
    fail("undefined variable " + code_.funcs[func].fn->varName(in.a));
  fail(argCheckMessage(code_.checks[size_t(in.imm)], in.tag));
}

void Machine::failTrap(const Inst &in) {
  if (in.tag != Tag::Unset && !specMarks_.empty())
    fail(std::string(in.tag == Tag::Int ? "call" : "ret") + " not allowed during speculation");
  fail(code_.messages[size_t(in.imm)]);
}

void Machine::failHeap(const Slot &p) {
  fail("Uninitialized heap location " + std::to_string(p.base) + " and/or illegal offset " +
       std::to_string(p.i));
}

void Machine::storeChecked(const Inst &in, const Slot *fp, uint32_t func) {
  const Slot &p = fp[in.a];
  const Slot &v = fp[in.b];
  if (v.tag == Tag::Unset)
    fail("undefined variable " + code_.funcs[func].fn->varName(in.b));
  if (!valueMatches(v.tag, p.elem))
    fail("store argument 1 must be a " + jsTypeName(p.elem));
  Allocation &a = heap_[p.base];
  if (uint64_t(p.i) >= uint64_t(a.size))
    failHeap(p);
  a.data[p.i] = v;
}

void Machine::alloc(const Inst &in, Slot *fp) {
  int64_t n = fp[in.a].i;
  if (n <= 0)
    fail("must allocate a positive amount of memory: " + std::to_string(n) + " <= 0");
  if (n > kMaxAllocCells)
    fail("cannot allocate " + std::to_string(n) + " entries");
  auto *data = static_cast<Slot *>(std::calloc(size_t(n), sizeof(Slot)));
  if (!data)
    fail("cannot allocate " + std::to_string(n) + " entries");
  if (heap_.size() >= UINT32_MAX)
    fail("too many allocations");
  Slot &d = fp[in.c];
  d.i = 0;
  d.base = uint32_t(heap_.size());
  d.elem = in.elem;
  d.tag = Tag::Ptr;
  heap_.push_back({data, n});
  ++liveAllocations_;
}

void Machine::freePtr(const Slot &p) {
  Allocation &a = heap_[p.base];
  if (p.i != 0 || !a.data)
    fail("Tried to free illegal memory location base: " + std::to_string(p.base) +
         ", offset: " + std::to_string(p.i) + ". Offset must be 0.");
  std::free(a.data);
  a.data = nullptr;
  a.size = 0;
  --liveAllocations_;
}

void Machine::recordPath(uint32_t func, int64_t path) {
  if (!code_.paths[func].enabled)
    return;
  auto &table = pathTables_[func];
  if (!table)
    table.emplace(code_.paths[func].numPaths);
  table->record(uint64_t(path), *code_.paths[func].numbering);
}

void Machine::run(const std::vector<std::string> &args) {
  if (code_.mainFunc == UINT32_MAX)
    fail(code_.mainError);
  const FuncCode &main = code_.funcs[code_.mainFunc];
  if (args.size() != main.paramSlots.size())
    fail("mismatched main argument arity: expected " + std::to_string(main.paramSlots.size()) +
         "; got " + std::to_string(args.size()));
  stack_.assign(std::max<size_t>(size_t(1) << 16, main.numSlots), Slot{});
  for (size_t i = 0; i < args.size(); ++i) {
    std::string error;
    std::optional<Slot> v = parseMainArgument(args[i], main.paramTypes[i], error);
    if (!v)
      fail(error);
    stack_[main.paramSlots[i]] = *v;
  }
  execute(code_.mainFunc);
  if (liveAllocations_ != 0)
    fail("Some memory locations have not been freed by end of execution.");
}

void Machine::execute(uint32_t mainFunc) {
  static const void *const kLabels[] = {
#define BRISK_X(name) &&L_##name,
      BRISK_INTERP_OPS(BRISK_X)
#undef BRISK_X
  };
  static_assert(sizeof(kLabels) / sizeof(kLabels[0]) == size_t(Op::NumOps));

  const Inst *const base = code_.insts.data();
  const Inst *pc = base + code_.funcs[mainFunc].entry;
  Slot *fp = stack_.data();
  uint32_t func = mainFunc;
  uint64_t count = 0;
  const uint64_t limit = options_.maxDynamicInstructions ? options_.maxDynamicInstructions
                                                         : UINT64_MAX;
  int64_t pathReg = 0;
  bool hasValue = false;
  Slot retVal{};

  struct CountSaver { // keeps the count visible when a run-time error unwinds
    uint64_t &dst;
    uint64_t &src;
    ~CountSaver() { dst = src; }
  } saver{count_, count};

#define DISPATCH() goto *kLabels[static_cast<uint8_t>(pc->op)]
// Where control may go backwards: every loop passes one of these.
#define CHECK_LIMIT()                                                                            \
  do {                                                                                           \
    if (count > limit) [[unlikely]]                                                              \
      stopAtLimit();                                                                             \
  } while (0)
#define NEXT()                                                                                   \
  do {                                                                                           \
    ++pc;                                                                                        \
    DISPATCH();                                                                                  \
  } while (0)
#define INT_OP(name, expr)                                                                       \
  L_##name : {                                                                                   \
    ++count;                                                                                     \
    int64_t x = fp[pc->a].i, y = fp[pc->b].i;                                                    \
    Slot &d = fp[pc->c];                                                                         \
    d.i = (expr);                                                                                \
    d.tag = Tag::Int;                                                                            \
    NEXT();                                                                                      \
  }
#define BOOL_OP(name, T, field, expr)                                                            \
  L_##name : {                                                                                   \
    ++count;                                                                                     \
    T x = fp[pc->a].field, y = fp[pc->b].field;                                                  \
    Slot &d = fp[pc->c];                                                                         \
    d.i = (expr);                                                                                \
    d.tag = Tag::Bool;                                                                           \
    NEXT();                                                                                      \
  }
// Most functions have few enough paths for a dense counter array.
#define RECORD_PATH(fn, path)                                                                    \
  do {                                                                                           \
    if (uint64_t *dense = densePaths_[fn])                                                       \
      ++dense[path];                                                                             \
    else                                                                                         \
      recordPath(fn, path);                                                                      \
  } while (0)
#define FLOAT_OP(name, expr)                                                                     \
  L_##name : {                                                                                   \
    ++count;                                                                                     \
    double x = fp[pc->a].f, y = fp[pc->b].f;                                                     \
    Slot &d = fp[pc->c];                                                                         \
    d.f = (expr);                                                                                \
    d.tag = Tag::Float;                                                                          \
    NEXT();                                                                                      \
  }

  DISPATCH();

L_Const : {
  ++count;
  Slot &d = fp[pc->c];
  d.i = pc->imm;
  d.tag = pc->tag;
  NEXT();
}
L_Id:
  ++count;
  fp[pc->c] = fp[pc->a];
  NEXT();
  INT_OP(Add, int64_t(uint64_t(x) + uint64_t(y)))
  INT_OP(Mul, int64_t(uint64_t(x) * uint64_t(y)))
  INT_OP(Sub, int64_t(uint64_t(x) - uint64_t(y)))
L_Div : {
  ++count;
  int64_t x = fp[pc->a].i, y = fp[pc->b].i;
  if (y == 0)
    fail("division by zero");
  Slot &d = fp[pc->c];
  d.i = (y == -1) ? int64_t(0 - uint64_t(x)) : x / y;
  d.tag = Tag::Int;
  NEXT();
}
  BOOL_OP(Eq, int64_t, i, x == y)
  BOOL_OP(Lt, int64_t, i, x < y)
  BOOL_OP(Gt, int64_t, i, x > y)
  BOOL_OP(Le, int64_t, i, x <= y)
  BOOL_OP(Ge, int64_t, i, x >= y)
L_Not : {
  ++count;
  int64_t x = fp[pc->a].i;
  Slot &d = fp[pc->c];
  d.i = !x;
  d.tag = Tag::Bool;
  NEXT();
}
  BOOL_OP(And, int64_t, i, x & y)
  BOOL_OP(Or, int64_t, i, x | y)
  FLOAT_OP(FAdd, x + y)
  FLOAT_OP(FMul, x *y)
  FLOAT_OP(FSub, x - y)
  FLOAT_OP(FDiv, x / y)
  BOOL_OP(FEq, double, f, x == y)
  BOOL_OP(FLt, double, f, x < y)
  BOOL_OP(FLe, double, f, x <= y)
  BOOL_OP(FGt, double, f, x > y)
  BOOL_OP(FGe, double, f, x >= y)
L_Float2Bits : {
  ++count;
  double x = fp[pc->a].f;
  Slot &d = fp[pc->c];
  d.i = std::bit_cast<int64_t>(x);
  d.tag = Tag::Int;
  NEXT();
}
L_Bits2Float : {
  ++count;
  int64_t x = fp[pc->a].i;
  Slot &d = fp[pc->c];
  d.f = std::bit_cast<double>(x);
  d.tag = Tag::Float;
  NEXT();
}
  BOOL_OP(CEq, int64_t, i, x == y)
  BOOL_OP(CLt, int64_t, i, utf16Key(x) < utf16Key(y))
  BOOL_OP(CLe, int64_t, i, utf16Key(x) <= utf16Key(y))
  BOOL_OP(CGt, int64_t, i, utf16Key(x) > utf16Key(y))
  BOOL_OP(CGe, int64_t, i, utf16Key(x) >= utf16Key(y))
L_Char2Int : {
  ++count;
  int64_t x = fp[pc->a].i;
  Slot &d = fp[pc->c];
  d.i = x;
  d.tag = Tag::Int;
  NEXT();
}
L_Int2Char : {
  ++count;
  int64_t x = fp[pc->a].i;
  if (x > 1114111 || x < 0 || (x > 55295 && x < 57344))
    fail("value " + std::to_string(x) + " cannot be converted to char");
  Slot &d = fp[pc->c];
  d.i = x;
  d.tag = Tag::Char;
  NEXT();
}
L_Jmp:
  ++count;
  CHECK_LIMIT();
  pc = base + pc->b;
  DISPATCH();
L_Br:
  ++count;
  CHECK_LIMIT();
  pc = base + (fp[pc->a].i ? pc->b : pc->c);
  DISPATCH();
L_Call : {
  ++count;
  CHECK_LIMIT();
  if (!specMarks_.empty())
    fail("call not allowed during speculation");
  uint32_t site = uint32_t(pc->imm);
  const CallSite &cs = code_.calls[site];
  const FuncCode &callee = code_.funcs[cs.callee];
  if (cs.checkArgs)
    checkCallArgs(cs, fp);
  size_t fpOffset = size_t(fp - stack_.data());
  size_t newOffset = fpOffset + code_.funcs[func].numSlots;
  if (newOffset + callee.numSlots > stack_.size() || frames_.size() >= kMaxFrames)
    fp = growStack(newOffset + callee.numSlots, fp);
  Slot *nfp = fp + code_.funcs[func].numSlots;
  if (callee.zeroInit)
    std::memset(static_cast<void *>(nfp), 0, sizeof(Slot) * callee.numSlots);
  const uint32_t *args = code_.argSlots.data() + cs.argBegin;
  for (uint32_t i = 0; i < cs.numArgs; ++i)
    nfp[callee.paramSlots[i]] = fp[args[i]];
  frames_.push_back({pc + 1, fpOffset, pathReg, func, site});
  if (code_.profiling)
    ++callCounts_[site];
  fp = nfp;
  func = cs.callee;
  pc = base + callee.entry;
  DISPATCH();
}
L_Ret:
  ++count;
  if (!specMarks_.empty())
    fail("ret not allowed during speculation");
  retVal = fp[pc->a];
  hasValue = true;
  goto doReturn;
L_RetVoid:
  ++count;
  if (!specMarks_.empty())
    fail("ret not allowed during speculation");
  hasValue = false;
  goto doReturn;
L_ImplicitRet:
  if (!specMarks_.empty())
    fail("implicit return in speculative state");
  hasValue = false;
doReturn : {
  if (frames_.empty())
    return;
  const ReturnRecord &r = frames_.back();
  const CallSite &cs = code_.calls[r.callSite];
  fp = stack_.data() + r.fpOffset;
  pc = r.returnPc;
  func = r.func;
  pathReg = r.pathReg;
  frames_.pop_back();
  if (cs.checkReturn)
    checkReturn(cs, hasValue, retVal);
  if (cs.dest != kNoSlot)
    fp[cs.dest] = retVal;
  DISPATCH();
}
L_Print:
  ++count;
  print(*pc, fp, func);
  NEXT();
L_Nop:
  ++count;
  NEXT();
L_Alloc:
  ++count;
  alloc(*pc, fp);
  NEXT();
L_Free:
  ++count;
  freePtr(fp[pc->a]);
  NEXT();
L_Store : {
  ++count;
  const Slot &p = fp[pc->a];
  Allocation &a = heap_[p.base];
  if (uint64_t(p.i) >= uint64_t(a.size)) [[unlikely]]
    failHeap(p);
  a.data[p.i] = fp[pc->b];
  NEXT();
}
L_StoreChecked:
  ++count;
  storeChecked(*pc, fp, func);
  NEXT();
L_Load : {
  ++count;
  const Slot &p = fp[pc->a];
  const Allocation &a = heap_[p.base];
  if (uint64_t(p.i) >= uint64_t(a.size)) [[unlikely]]
    failHeap(p);
  const Slot &v = a.data[p.i];
  if (v.tag == Tag::Unset) [[unlikely]]
    fail("Pointer " + code_.funcs[func].fn->varName(pc->a) + " points to uninitialized data");
  fp[pc->c] = v;
  NEXT();
}
L_PtrAdd : {
  ++count;
  Slot p = fp[pc->a];
  p.i = int64_t(uint64_t(p.i) + uint64_t(fp[pc->b].i));
  fp[pc->c] = p;
  NEXT();
}
L_Set:
  ++count;
  fp[pc->c] = fp[pc->a];
  NEXT();
L_Get:
  ++count;
  if (fp[pc->a].tag == Tag::Unset)
    fail("get without corresponding set for " + code_.funcs[func].fn->varName(pc->c));
  fp[pc->c] = fp[pc->a];
  NEXT();
L_Undef:
  ++count;
  fp[pc->c].tag = Tag::Undef;
  NEXT();
L_Speculate : {
  if (specMarks_.empty())
    specStart_ = count;
  ++count;
  ++spec_.speculations;
  uint32_t n = code_.funcs[func].numVars;
  specMarks_.push_back(specSaved_.size());
  specSaved_.insert(specSaved_.end(), fp, fp + n);
  NEXT();
}
L_Commit:
  ++count;
  if (specMarks_.empty())
    fail("commit in non-speculative state");
  ++spec_.commits;
  spec_.speculativeInstructions += count - specStart_;
  specMarks_.clear();
  specSaved_.clear();
  NEXT();
L_Guard : {
  ++count;
  ++spec_.guards;
  if (fp[pc->a].i)
    NEXT();
  if (specMarks_.empty())
    fail("abort in non-speculative state");
  ++spec_.guardFailures;
  CHECK_LIMIT();
  size_t mark = specMarks_.back();
  std::copy(specSaved_.begin() + std::ptrdiff_t(mark), specSaved_.end(), fp);
  specSaved_.resize(mark);
  specMarks_.pop_back();
  if (specMarks_.empty())
    spec_.speculativeInstructions += count - specStart_;
  pc = base + pc->b;
  DISPATCH();
}
L_Trap:
  ++count;
  failTrap(*pc);
L_ProfJmp:
  ++count;
  CHECK_LIMIT();
  ++edgeCounts_[pc->a];
  pathReg += pc->imm;
  pc = base + pc->b;
  DISPATCH();
L_ProfJmpBack : {
  ++count;
  CHECK_LIMIT();
  ++edgeCounts_[pc->a];
  const BackEdgeProbe &probe = code_.backEdges[size_t(pc->imm)];
  RECORD_PATH(probe.func, pathReg + probe.endIncrement);
  pathReg = probe.restart;
  pc = base + pc->b;
  DISPATCH();
}
L_ProfBr : {
  ++count;
  CHECK_LIMIT();
  const BranchProbe &probe = code_.branches[size_t(pc->imm)];
  int k = fp[pc->a].i ? 0 : 1;
  ++edgeCounts_[probe.edge[k]];
  pathReg += probe.increment[k];
  pc = base + (k ? pc->c : pc->b);
  DISPATCH();
}
L_CheckArg : {
  const Slot &v = fp[pc->a];
  if (v.tag == Tag::Unset || (pc->tag != Tag::Unset && v.tag != pc->tag)) [[unlikely]]
    failCheck(*pc, fp, func);
  NEXT();
}
L_ProfEntry:
  ++entryCounts_[pc->a];
  pathReg = 0;
  NEXT();
L_ProfEdge:
  ++edgeCounts_[pc->a];
  pathReg += pc->imm;
  pc = base + pc->b;
  DISPATCH();
L_ProfBackEdge : {
  ++edgeCounts_[pc->a];
  const BackEdgeProbe &probe = code_.backEdges[size_t(pc->imm)];
  RECORD_PATH(probe.func, pathReg + probe.endIncrement);
  pathReg = probe.restart;
  pc = base + pc->b;
  DISPATCH();
}
L_ProfExit:
  RECORD_PATH(pc->a, pathReg + pc->imm);
  NEXT();

#undef DISPATCH
#undef CHECK_LIMIT
#undef NEXT
#undef INT_OP
#undef BOOL_OP
#undef FLOAT_OP
#undef RECORD_PATH
}

Profile Machine::buildProfile() const {
  Profile p;
  p.programHash = options_.profileForFile ? programHash(program_) : 0;
  p.runs = 1;
  for (size_t f = 0; f < code_.funcs.size(); ++f) {
    if (!code_.funcs[f].profiled)
      continue;
    const Function &fn = program_.functions[f];
    FunctionProfile fp;
    fp.name = fn.name;
    fp.entryCount = entryCounts_[f];
    fp.blockCounts.assign(fn.blocks.size(), 0);
    if (options_.profileForFile)
      for (const Block &b : fn.blocks)
        fp.blockLabels.push_back(b.label);
    if (!fn.layout.empty())
      fp.blockCounts[fn.entry()] += fp.entryCount;
    const FuncCode &fc = code_.funcs[f];
    // Sorted by (from, to), the counters of one edge summed (a branch
    // whose two targets are one block has two).
    fp.edges.reserve(fc.edgeEnd - fc.edgeBegin);
    for (size_t e = fc.edgeBegin; e < fc.edgeEnd; ++e) {
      const Code::Edge &edge = code_.edges[e];
      fp.edges.push_back({edge.from, edge.to, edgeCounts_[e]});
      fp.blockCounts[edge.to] += edgeCounts_[e];
    }
    auto key = [](const EdgeCount &e) { return std::pair(e.from, e.to); };
    std::sort(fp.edges.begin(), fp.edges.end(),
              [&](const EdgeCount &a, const EdgeCount &b) { return key(a) < key(b); });
    size_t kept = 0;
    for (size_t e = 0; e < fp.edges.size(); ++e)
      if (kept > 0 && key(fp.edges[kept - 1]) == key(fp.edges[e]))
        fp.edges[kept - 1].count += fp.edges[e].count;
      else
        fp.edges[kept++] = fp.edges[e];
    fp.edges.resize(kept);
    for (size_t s = fc.callBegin; s < fc.callEnd; ++s) {
      const CallSite &cs = code_.calls[s];
      fp.callSites.push_back({cs.block, cs.instrIndex, program_.functions[cs.callee].name,
                              callCounts_[s]});
    }
    std::sort(fp.callSites.begin(), fp.callSites.end(),
              [](const CallSiteCount &a, const CallSiteCount &b) {
                return std::pair(a.block, a.index) < std::pair(b.block, b.index);
              });
    std::map<BlockId, LoopProfile> loops;
    if (pathTables_[f]) {
      const PathNumbering &numbering = *code_.paths[f].numbering;
      pathTables_[f]->forEach([&](uint64_t id, uint64_t count) {
        DecodedPath d = numbering.decode(id);
        if (d.start != PathStart::LoopHeader || d.blocks.empty())
          return;
        LoopProfile &l = loops[d.blocks[0]];
        l.header = d.blocks[0];
        PathProfile pp;
        pp.blocks = std::move(d.blocks);
        pp.endsAtBackEdge = d.end == PathEnd::BackEdge;
        pp.backEdgeTarget = d.backEdgeTarget;
        pp.count = count;
        l.paths.push_back(std::move(pp));
      });
      for (auto &[h, c] : pathTables_[f]->dropped()) {
        loops[h].header = h;
        loops[h].otherPaths += c;
      }
    }
    for (auto &[h, l] : loops) {
      trimLoopPaths(l);
      fp.loops.push_back(std::move(l));
    }
    p.functions.push_back(std::move(fp));
  }
  return p;
}

} // namespace

RunResult runProgram(const Program &program, const RunOptions &options) {
  Code code = lowerProgram(program, options.profile, options.typeFacts, options.profileOnly);
  Machine machine(program, code, options);
  RunResult result;
  try {
    machine.run(options.args);
    result.ok = true;
  } catch (const RuntimeError &e) {
    result.error = e.message;
  } catch (const LimitReached &) {
    result.limitReached = true;
    result.error = "dynamic instruction limit reached";
  }
  machine.flush();
  result.dynamicInstructions = machine.count();
  result.speculation = machine.speculationStats();
  if (options.profile) {
    result.profile = machine.buildProfile();
    result.profile->inputs.push_back(options.args);
  }
  return result;
}

std::optional<Profile> profileRuns(const Program &program,
                                   const std::vector<std::vector<std::string>> &inputs,
                                   std::string *failure, const RunOptions &like) {
  if (inputs.empty())
    return std::nullopt;
  std::FILE *sink = std::fopen("/dev/null", "w");
  if (!sink) {
    if (failure)
      *failure = "cannot open /dev/null";
    return std::nullopt;
  }
  std::optional<Profile> merged;
  for (const auto &args : inputs) {
    RunOptions ro;
    ro.typeFacts = like.typeFacts;
    ro.profileForFile = like.profileForFile;
    ro.profileOnly = like.profileOnly;
    ro.args = args;
    ro.profile = true;
    ro.out = sink;
    RunResult r = runProgram(program, ro);
    if (!r.ok && failure) {
      *failure = r.error;
      merged.reset();
      break;
    }
    std::string error;
    if (!merged)
      merged = std::move(*r.profile);
    else
      merged->merge(*r.profile, error);
  }
  std::fclose(sink);
  return merged;
}

} // namespace brisk::interp
