// Helpers shared by the transform tests: run a program in process under the
// interpreter and capture what it prints, its error, its dynamic instruction
// count and (optionally) its profile; split an argument string; the
// verifier's messages for a program; count a function's instructions of one
// opcode.
#pragma once

#include "analysis/Verifier.h"
#include "interp/Interpreter.h"
#include "interp/Profile.h"

#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace brisk::test {

struct Outcome {
  bool ok = false;
  std::string out, error;
  uint64_t dyn = 0;
  std::optional<Profile> profile;
};

inline Outcome run(const Program &p, const std::vector<std::string> &args, bool profile = false) {
  Outcome o;
  std::FILE *tmp = std::tmpfile();
  interp::RunOptions options;
  options.args = args;
  options.profile = profile;
  options.out = tmp;
  interp::RunResult r = interp::runProgram(p, options);
  std::fflush(tmp);
  std::rewind(tmp);
  char buf[4096];
  size_t k;
  while ((k = std::fread(buf, 1, sizeof buf, tmp)) > 0)
    o.out.append(buf, k);
  std::fclose(tmp);
  o.ok = r.ok;
  o.error = r.error;
  o.dyn = r.dynamicInstructions;
  o.profile = std::move(r.profile);
  return o;
}

// "1 2 3" -> {"1", "2", "3"}.
inline std::vector<std::string> splitArgs(const std::string &s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

// The verifier's messages for `p` (empty when it is well formed); with
// `effects`, also the speculation-effects check (E1).
inline std::string verifyMessages(const Program &p, const VerifyOptions &options) {
  Diagnostics diags("t");
  verifyProgram(p, diags, options);
  std::ostringstream os;
  diags.print(os);
  return os.str();
}
inline std::string verifyMessages(const Program &p, bool effects = false) {
  VerifyOptions vo;
  vo.speculationEffects = effects;
  return verifyMessages(p, vo);
}
// With `ssa`: the SSA invariants too.
inline std::string verifySSAMessages(const Program &p, bool ssa) {
  VerifyOptions vo;
  vo.ssa = ssa;
  return verifyMessages(p, vo);
}

inline unsigned countOp(const Function &f, Opcode op) {
  unsigned n = 0;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      n += in.op == op;
  return n;
}

} // namespace brisk::test
