#include "transforms/PassScope.h"

#include "analysis/Verifier.h"
#include "backend/TextPrinter.h"
#include "ir/Diagnostics.h"

#include <iostream>

namespace brisk {

bool PassContext::shouldDump(std::string_view pass) const {
  for (const std::string &n : options_.dumpAfter)
    if (n == pass || n == "all")
      return true;
  return false;
}

std::ostream &PassContext::dumpStream() const {
  return options_.dumpStream ? *options_.dumpStream : std::cerr;
}
std::ostream &PassContext::errorStream() const {
  return options_.errorStream ? *options_.errorStream : std::cerr;
}

namespace {

bool verifyAll(const Program &program, const PassContext &ctx, Diagnostics &diags) {
  bool ok = true;
  for (const Function &f : program.functions) {
    VerifyOptions vo;
    vo.ssa = ctx.isSSA(f);
    vo.speculationEffects = ctx.options().speculationEffects;
    ok &= verifyFunction(f, &program, diags, vo);
  }
  return ok;
}

} // namespace

bool verifyInContext(const Program &program, PassContext &ctx, std::string_view heading) {
  Diagnostics diags(std::string{heading});
  if (verifyAll(program, ctx, diags))
    return true;
  diags.print(ctx.errorStream());
  ctx.markFailed();
  return false;
}

PassScope::PassScope(PassContext &ctx, std::string_view name, Program &program)
    : ctx_(ctx), name_(name), program_(program) {
  if (ctx_.options().validate)
    before_ = toText(program_);
}

PassScope::~PassScope() {
  if (ctx_.shouldDump(name_))
    ctx_.dumpStream() << "# IR after " << name_ << "\n" << toText(program_);
  if (!ctx_.options().validate)
    return;
  Diagnostics diags("after pass " + name_);
  if (verifyAll(program_, ctx_, diags))
    return;
  std::ostream &os = ctx_.errorStream();
  os << "error: the verifier failed after pass '" << name_ << "'\n";
  diags.print(os);
  os << "# IR before " << name_ << "\n" << before_ << "# IR after " << name_ << "\n"
     << toText(program_);
  ctx_.markFailed();
}

} // namespace brisk
