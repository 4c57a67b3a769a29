#include "transforms/PassScope.h"

#include "analysis/AnalysisCache.h"
#include "analysis/Verifier.h"
#include "backend/TextPrinter.h"
#include "ir/Diagnostics.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>

namespace brisk {

PassContext::PassContext(PassOptions options) : options_(std::move(options)) {}
PassContext::~PassContext() = default;

void PassContext::retainFacts(bool on) {
  retaining_ = on;
  facts_.clear();
}

AnalysisCache *PassContext::retainedFacts(const Function &f) {
  if (!retaining_)
    return nullptr;
  Retained &r = facts_[&f];
  const CFG::Guards guards = mayHaveGuards(f) ? CFG::Guards::Scan : CFG::Guards::Absent;
  if (!r.facts || r.facts->guards() != guards)
    r.facts = std::make_unique<AnalysisCache>(f, guards);
  else if (r.changes != changes_)
    r.facts->invalidateInstrs(); // a pass without facts may have edited instructions
  else if (const DefSites *kept = r.facts->builtDefSites();
           kept && options_.validate && !(*kept == DefSites(f))) {
    // Handed on because every pass since said it changed nothing: one of
    // them moved instructions all the same, and did not drop its facts'.
    errorStream() << "error: stale definition sites handed on in @" << f.name
                  << ": a pass that said it changed nothing moved instructions\n";
    markFailed();
    r.facts->invalidateInstrs();
  }
  r.changes = changes_;
  return r.facts.get();
}

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

double cpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

void PassContext::addTime(std::string_view name, double seconds) {
  auto [it, fresh] = timeIndex_.try_emplace(name, times_.size());
  if (fresh)
    times_.push_back(PassTime{std::string(name), 0, 0});
  PassTime &t = times_[it->second];
  t.seconds += seconds;
  ++t.runs;
}

PassTimer::PassTimer(PassContext &ctx, std::string_view name) : ctx_(ctx), name_(name) {
  if (ctx_.timing())
    start_ = cpuSeconds();
}

PassTimer::~PassTimer() {
  if (ctx_.timing())
    ctx_.addTime(name_, cpuSeconds() - start_);
}

void printPassTimes(const PassContext &ctx, double total, std::ostream &os) {
  std::vector<PassTime> rows = ctx.times();
  std::stable_sort(rows.begin(), rows.end(),
                   [](const PassTime &a, const PassTime &b) { return a.seconds > b.seconds; });
  char line[160];
  os << "=== pass timing (CPU seconds; a scope inside another counts in both) ===\n";
  std::snprintf(line, sizeof line, "%10s %6s %6s  %s\n", "seconds", "%", "runs", "pass");
  os << line;
  for (const PassTime &t : rows) {
    std::snprintf(line, sizeof line, "%10.3f %6.1f %6u  %s\n", t.seconds,
                  total > 0 ? 100 * t.seconds / total : 0.0, t.runs, t.name.c_str());
    os << line;
  }
  std::snprintf(line, sizeof line, "%10.3f %6.1f %6s  %s\n", total, 100.0, "", "total");
  os << line;
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
  if (ctx_.timing())
    start_ = cpuSeconds();
  if (ctx_.options().validate)
    before_ = toText(program_);
}

PassScope::~PassScope() {
  if (changed_)
    ctx_.noteChange();
  if (ctx_.timing())
    ctx_.addTime(name_, cpuSeconds() - start_);
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
