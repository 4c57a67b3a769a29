#include "frontend/TypeChecker.h"

#include "ir/Typing.h"

#include <llvm/ADT/StringMap.h>

#include <optional>
#include <vector>

namespace brisk {
namespace {

std::string quoted(Type t) { return t.toString(); }

// Each function's first definition by name (later duplicates are reported),
// so a call resolves in constant time: Program::findFunction is a linear scan,
// which made checking a program with many functions and calls quadratic.
using FunctionTable = llvm::StringMap<const Function *>;

class FunctionChecker {
public:
  FunctionChecker(const FunctionTable &functions, const Function &fn, Diagnostics &diags)
      : functions_(functions), fn_(fn), diags_(diags), varType_(fn.numVars()),
        isShadow_(fn.numVars(), false) {}

  void run() {
    collectDeclarations();
    int index = 0;
    for (BlockId b : fn_.layout) {
      const Block &block = fn_.block(b);
      for (const Instr &in : block.instrs)
        checkInstr(block, in, index++);
    }
  }

private:
  const FunctionTable &functions_;
  const Function &fn_;
  Diagnostics &diags_;
  std::vector<std::optional<Type>> varType_; // by VarId; nullopt: never defined
  std::vector<bool> isShadow_;               // by VarId: the dest of some `get`
  // The instruction being checked; its Location is built only for an error,
  // since nearly every instruction has none.
  const Block *whereBlock_ = nullptr;
  const Instr *whereInstr_ = nullptr;
  int whereIndex_ = 0;

  void error(std::string message) {
    diags_.error(locate(*whereBlock_, *whereInstr_, whereIndex_), std::move(message));
  }

  Location locate(const Block &block, const Instr &in, int index) const {
    Location where;
    where.function = fn_.name;
    where.block = block.hasLabel() ? "." + block.label : "";
    where.instrIndex = index;
    where.opcode = std::string(spelling(in.op));
    where.pos = in.pos;
    return where;
  }

  // Every variable gets one type per function: the parameters' and the
  // destinations' declarations must agree.
  void collectDeclarations() {
    for (const Param &p : fn_.params) {
      if (varType_[p.var]) {
        Location where;
        where.function = fn_.name;
        where.pos = fn_.pos;
        diags_.error(where, "duplicate parameter " + fn_.varName(p.var));
        continue;
      }
      varType_[p.var] = p.type;
    }
    int index = 0;
    for (BlockId b : fn_.layout) {
      const Block &block = fn_.block(b);
      for (const Instr &in : block.instrs) {
        int here = index++;
        if (!in.hasDest())
          continue;
        if (in.op == Opcode::Get)
          isShadow_[in.dest] = true;
        std::optional<Type> &known = varType_[in.dest];
        if (!known) {
          known = in.type;
        } else if (*known != in.type) {
          diags_.error(locate(block, in, here),
                       "variable " + fn_.varName(in.dest) + " is declared " + quoted(in.type) +
                           " here but " + quoted(*known) + " elsewhere in @" + fn_.name);
        }
      }
    }
  }

  void checkDefined(const Instr &in) {
    for (size_t i = 0; i < in.args.size(); ++i) {
      if (in.op == Opcode::Set && i == 0)
        continue; // the shadow variable; SetRule reports it
      if (!varType_[in.args[i]])
        error("undefined variable " + fn_.varName(in.args[i]));
    }
  }

  bool checkCounts(const Instr &in) {
    const OpcodeInfo &info = in.info();
    bool ok = true;
    if (info.numArgs >= 0 && int(in.args.size()) != info.numArgs) {
      error(std::string(info.spelling) + " takes " + std::to_string(info.numArgs) +
            " argument(s), got " + std::to_string(in.args.size()));
      ok = false;
    }
    if (info.numLabels >= 0 && int(in.labels.size()) != info.numLabels) {
      error(std::string(info.spelling) + " takes " + std::to_string(info.numLabels) +
            " label(s), got " + std::to_string(in.labels.size()));
      ok = false;
    }
    return ok;
  }

  void checkInstr(const Block &block, const Instr &in, int index) {
    whereBlock_ = &block;
    whereInstr_ = &in;
    whereIndex_ = index;
    checkDefined(in);
    if (!checkCounts(in))
      return;
    if (in.op == Opcode::Phi && in.args.size() != in.labels.size()) {
      error("phi has " + std::to_string(in.args.size()) + " argument(s) but " +
            std::to_string(in.labels.size()) + " label(s)");
      return;
    }
    // Named: TypingContext holds function_refs, which do not own them.
    auto typeOf = [&](VarId v) { return varType_[v]; };
    auto isShadow = [&](VarId v) { return bool(isShadow_[v]); };
    auto findFunction = [&](std::string_view name) -> const Function * {
      auto found = functions_.find(name);
      return found == functions_.end() ? nullptr : found->second;
    };
    TypingContext ctx{fn_, typeOf, isShadow, findFunction};
    checkInstrTyping(in, ctx, [&](std::string message) { error(std::move(message)); });
  }
};

} // namespace

bool typeCheck(const Program &program, Diagnostics &diags) {
  size_t before = diags.count();
  FunctionTable functions;
  for (const Function &fn : program.functions)
    functions.try_emplace(fn.name, &fn);
  for (const Function &fn : program.functions) {
    Location where;
    where.function = fn.name;
    where.pos = fn.pos;
    if (const Function *firstDef = functions.find(fn.name)->second; firstDef != &fn) {
      SourcePos first = firstDef->pos;
      diags.error(where, "duplicate function @" + fn.name +
                             (first.known() ? " (first defined at line " +
                                                  std::to_string(first.row) + ")"
                                            : ""));
    }
    if (fn.name == "main" && !fn.returnType.isNone())
      diags.error(where, "@main must not have a return type (it has " +
                             fn.returnType.toString() + ")");
    FunctionChecker(functions, fn, diags).run();
  }
  // At the storage cap new errors are only counted, so treat a full log as failure.
  return diags.count() == before && before < Diagnostics::kMaxStored;
}

} // namespace brisk
