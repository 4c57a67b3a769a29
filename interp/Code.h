// Code: the compact form the interpreter executes, produced once per run by
// lowerProgram (Lower.h).
//
// All functions' instructions live in one array; a pc is an index into it.
// Operands are frame slot numbers, jump targets are pcs, callees are function
// indices: nothing is looked up by name at run time. Each Bril instruction
// becomes exactly one "real" Inst (which counts as one dynamic instruction).
// The lowering may add "pseudo" Insts that do not count: operand checks for
// values whose type or definedness it could not prove, the implicit return at
// the end of a function, and the profiling probes.
#pragma once

#include "interp/PathNumbering.h"
#include "interp/Value.h"
#include "ir/IR.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace brisk::interp {

// Real ops first (each counts 1), then pseudo ops (count 0).
#define BRISK_INTERP_OPS(X)                                                            \
  X(Const) X(Id) X(Add) X(Mul) X(Sub) X(Div) X(Eq) X(Lt) X(Gt) X(Le) X(Ge) X(Not) X(And) \
  X(Or) X(FAdd) X(FMul) X(FSub) X(FDiv) X(FEq) X(FLt) X(FLe) X(FGt) X(FGe)             \
  X(Float2Bits) X(Bits2Float) X(CEq) X(CLt) X(CLe) X(CGt) X(CGe) X(Char2Int)            \
  X(Int2Char) X(Jmp) X(Br) X(Call) X(Ret) X(RetVoid) X(Print) X(Nop) X(Alloc) X(Free)   \
  X(Store) X(StoreChecked) X(Load) X(PtrAdd) X(Set) X(Get) X(Undef) X(Speculate)        \
  X(Commit) X(Guard) X(Trap)                                                            \
  /* profiling forms of jmp/br (real: they count) */                                    \
  X(ProfJmp) X(ProfJmpBack) X(ProfBr)                                                   \
  /* pseudo ops */                                                                      \
  X(CheckArg) X(ImplicitRet) X(ProfEntry) X(ProfEdge) X(ProfBackEdge) X(ProfExit)

enum class Op : uint8_t {
#define BRISK_X(name) name,
  BRISK_INTERP_OPS(BRISK_X)
#undef BRISK_X
      NumOps
};
inline constexpr Op kFirstPseudoOp = Op::CheckArg;

inline constexpr uint32_t kNoSlot = UINT32_MAX;

// One instruction. Field use per op (slots are frame-relative):
//   value ops        c = dest, a/b = operands
//   Const            c = dest, imm = payload, tag = tag
//   Jmp              b = target pc
//   Br               a = cond, b = true pc, c = false pc
//   Guard            a = cond, b = abort pc
//   Call             imm = call site index
//   Ret              a = value slot
//   Print            b = first entry in Code::argSlots, c = count
//   Alloc            a = count, c = dest, elem = element type
//   Set              a = value, c = shadow slot;  Get: a = shadow slot, c = dest
//   Trap             imm = message index; tag != Unset: check speculation first (call/ret)
//   CheckArg         a = slot, tag = required tag (Unset: only defined), imm = check index
//   ProfJmp          b = target, a = edge counter, imm = path increment
//   ProfJmpBack      b = target, a = edge counter, imm = back edge probe
//   ProfBr           as Br, imm = branch probe (edge counters and increments)
//   ProfEdge         b = target, a = edge counter, imm = path increment
//   ProfBackEdge     b = target, a = edge counter, imm = back edge probe
//   ProfEntry        a = function;  ProfExit: a = function, imm = path increment
struct Inst {
  Op op = Op::Nop;
  Tag tag = Tag::Unset;
  Type elem;
  uint32_t a = kNoSlot, b = kNoSlot, c = kNoSlot;
  int64_t imm = 0;
};

struct FuncCode {
  const Function *fn = nullptr;
  uint32_t entry = 0;        // pc of the first instruction
  uint32_t numVars = 0;      // slots [0, numVars) are the variables (speculation copies these)
  uint32_t numSlots = 0;     // plus shadow slots for set/get
  bool zeroInit = false;     // some read may see an unassigned slot: clear the frame on entry
  bool profiled = false;     // lowered with probes (Code::profiling, and chosen: lowerProgram)
  std::vector<uint32_t> paramSlots;
  std::vector<Type> paramTypes;
  // Its entries in Code::calls and (when profiling) Code::edges: each
  // function's are contiguous, so the profile is gathered in one pass.
  uint32_t callBegin = 0, callEnd = 0;
  uint32_t edgeBegin = 0, edgeEnd = 0;
};

struct CallSite {
  uint32_t callee = 0;
  uint32_t argBegin = 0, numArgs = 0; // into Code::argSlots
  uint32_t dest = kNoSlot;
  Type destType;
  bool checkArgs = false;   // some argument may be undefined or of the wrong type
  bool checkReturn = false; // the return value needs brili's dynamic checks
  // Where the call is, for the profile.
  uint32_t caller = 0;
  BlockId block = 0;
  uint32_t instrIndex = 0;  // index within the block
};

// What a failed CheckArg reports: "undefined variable NAME" (its slot's
// name), else argCheckMessage (Lower.h). Kept to the opcode and the
// operand, the message is only spelled out when it fires; the checks of
// the same opcode and operand share one entry.
struct ArgCheck {
  Opcode op = Opcode::Nop;
  uint32_t index = 0; // which operand
};

// Ball-Larus bookkeeping for one function, filled only when profiling.
struct PathInfo {
  bool enabled = false;
  uint64_t numPaths = 0;
  std::optional<PathNumbering> numbering; // decodes the recorded path numbers
};

struct BackEdgeProbe {
  uint32_t func = 0;
  int64_t endIncrement = 0; // r += this, then record r
  int64_t restart = 0;      // r = this (the dummy entry->header edge)
};

// Both outgoing edges of a profiled br. A back edge is counted by the stub
// its target pc points to, and its counter here is the scratch counter 0.
struct BranchProbe {
  uint32_t edge[2];
  int64_t increment[2];
};

struct Code {
  std::vector<Inst> insts;
  std::vector<FuncCode> funcs;
  std::vector<CallSite> calls;
  std::vector<uint32_t> argSlots;
  std::vector<ArgCheck> checks;
  std::vector<std::string> messages;
  uint32_t mainFunc = UINT32_MAX;
  std::string mainError; // set when main cannot be run ("no function of name main found")

  // Profiling layout (empty unless lowered for profiling).
  bool profiling = false;
  struct Edge {
    uint32_t func;
    BlockId from, to;
  };
  std::vector<Edge> edges;           // counter index -> CFG edge (0: scratch)
  std::vector<BranchProbe> branches;
  std::vector<BackEdgeProbe> backEdges;
  std::vector<PathInfo> paths;       // per function
};

} // namespace brisk::interp
