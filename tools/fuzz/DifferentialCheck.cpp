#include "tools/fuzz/DifferentialCheck.h"

#include "analysis/Verifier.h"
#include "backend/TextPrinter.h"
#include "frontend/TypeChecker.h"
#include "interp/Interpreter.h"

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <sstream>

namespace brisk::fuzz {
namespace {

struct Outcome : RunSummary {
  std::optional<Profile> profile;
};

// Runs with the program's output captured in memory, stopping after `limit`
// instructions.
Outcome runCaptured(const Program &program, const Args &args, bool profile, uint64_t limit) {
  Outcome o;
  char *buffer = nullptr;
  size_t length = 0;
  std::FILE *out = ::open_memstream(&buffer, &length);
  interp::RunOptions ro;
  ro.args = args;
  ro.profile = profile;
  ro.out = out ? out : stdout;
  ro.maxDynamicInstructions = limit;
  interp::RunResult r = interp::runProgram(program, ro);
  if (out) {
    std::fclose(out);
    o.out.assign(buffer, length);
    std::free(buffer);
  }
  o.finished = !r.limitReached;
  o.ok = r.ok;
  o.error = r.limitReached ? std::string() : r.error;
  o.dyn = r.dynamicInstructions;
  o.profile = std::move(r.profile);
  return o;
}

uint64_t satMul(uint64_t a, uint64_t b) {
  uint64_t r;
  return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX / 2 : r;
}

uint64_t optimizedLimit(uint64_t n) {
  return satMul(n, kOptimizedFactor) + kOptimizedSlack;
}

// The first `maxLines` lines of `text`, for reports.
std::string firstLines(const std::string &text, size_t maxLines) {
  size_t pos = 0;
  for (size_t i = 0; i < maxLines && pos < text.size(); ++i) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos)
      return text;
    pos = nl + 1;
  }
  return pos < text.size() ? text.substr(0, pos) + "...\n" : text;
}

std::string describe(const RunSummary &o) {
  std::string s = !o.finished ? "no end within " + std::to_string(o.dyn) + " instructions"
                  : o.ok      ? "ok"
                              : "error: " + o.error;
  s += ", " + std::to_string(o.out.size()) + " bytes of output";
  return s;
}

// Where two outputs first differ, as a line number and both lines.
std::string firstDifference(const std::string &a, const std::string &b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  for (size_t line = 1;; ++line) {
    bool ga = bool(std::getline(sa, la)), gb = bool(std::getline(sb, lb));
    if (!ga && !gb)
      return "outputs differ only in the final newline";
    if (!ga || !gb || la != lb)
      return "first difference at output line " + std::to_string(line) + ": original '" +
             (ga ? la : "<end>") + "', optimized '" + (gb ? lb : "<end>") + "'";
  }
}

} // namespace

std::string errorKind(const std::string &message) {
  // Messages that name a variable: keep the words, drop the name.
  static const char *const kNamed[][2] = {
      {"undefined variable ", ""},
      {"Pointer ", " points to uninitialized data"},
      {"get without corresponding set for ", ""},
  };
  for (const auto &[prefix, suffix] : kNamed) {
    std::string p = prefix, q = suffix;
    if (message.size() >= p.size() + q.size() && message.compare(0, p.size(), p) == 0 &&
        message.compare(message.size() - q.size(), q.size(), q) == 0)
      return p + "_" + q;
  }
  // Heap bases: brili numbers allocations in order, and an allocation that
  // became values (transforms/memory/ScalarReplacement.h) takes no number.
  static const std::regex base(R"((heap location|base:) [0-9]+)");
  return std::regex_replace(message, base, "$1 _");
}

std::optional<std::string> compareRuns(const RunSummary &original,
                                       const RunSummary &optimized) {
  auto both = [&] {
    return "original " + describe(original) + "; optimized " + describe(optimized) + "\n";
  };
  if (!original.finished && !optimized.finished) {
    const std::string &a = original.out, &b = optimized.out;
    size_t n = std::min(a.size(), b.size());
    if (a.compare(0, n, b, 0, n) == 0)
      return std::nullopt;
    return "neither ends, but their outputs so far disagree: " + both() +
           firstDifference(a.substr(0, n), b.substr(0, n)) + "\n";
  }
  if (!original.finished)
    return "the original does not end, the optimized program does: " + both();
  if (!optimized.finished)
    return "the original ends, the optimized program does not: " + both();
  if (original.ok != optimized.ok || errorKind(original.error) != errorKind(optimized.error) ||
      original.out != optimized.out) {
    std::string s = both();
    if (original.out != optimized.out)
      s += firstDifference(original.out, optimized.out) + "\n";
    return s;
  }
  return std::nullopt;
}

std::string mismatchSignature(const RunSummary &original, const RunSummary &optimized) {
  auto kind = [](const RunSummary &r) {
    if (!r.finished)
      return std::string("endless");
    if (r.ok)
      return std::string("ok");
    std::string k = errorKind(r.error);
    std::string s;
    for (char c : k)
      if (!(c >= '0' && c <= '9'))
        s += c;
    return s;
  };
  std::string s = "original: " + kind(original) + "; optimized: " + kind(optimized);
  if (original.out != optimized.out && kind(original) == kind(optimized))
    s += "; outputs differ";
  return s;
}

PipelineVariant defaultVariant() { return PipelineVariant{}; }

PipelineVariant variantFromBits(uint64_t bits) {
  PipelineVariant v;
  SuperblockOptions &so = v.options.superblocks;
  auto field = [&](unsigned shift, unsigned width) {
    return unsigned((bits >> shift) & ((1u << width) - 1));
  };
  switch (field(0, 2)) {
  case 1:
    so.forceSpeculation = true;
    v.flags.push_back("--force-speculation");
    break;
  case 2:
    so.preferSpeculation = false;
    v.flags.push_back("--best-form");
    break;
  case 3:
    if (field(20, 1)) { // no-speculation half as often as the other modes
      so.speculation = false;
      v.flags.push_back("--no-speculation");
    }
    break;
  }
  if (field(2, 3) == 0) {
    v.options.inlining = false;
    v.flags.push_back("--no-inline");
  }
  if (field(5, 3) == 0) {
    v.options.scalarOptimizations = false;
    v.flags.push_back("--no-scalar-opts");
  }
  static const char *seedCounts[] = {nullptr, "4", "2", "1"};
  static const char *edgeProbs[] = {nullptr, "0.5", "0.7", "0.9"};
  static const char *guardFailures[] = {nullptr, "0.2", "0.01", "0.5"};
  static const char *unrolls[] = {nullptr, "1", "2", "4,8"};
  static const char *growths[] = {nullptr, "4", "1.5", "8"};
  if (const char *s = seedCounts[field(8, 2)]) {
    so.trace.minSeedCount = std::atof(s);
    v.flags.push_back(std::string("--min-seed-count=") + s);
  }
  if (const char *s = edgeProbs[field(10, 2)]) {
    so.trace.minEdgeProbability = std::atof(s);
    v.flags.push_back(std::string("--min-edge-prob=") + s);
  }
  if (const char *s = guardFailures[field(12, 2)]) {
    so.maxGuardFailure = std::atof(s);
    v.flags.push_back(std::string("--max-guard-failure=") + s);
  }
  if (const char *s = unrolls[field(14, 2)]) {
    so.unrollFactors.clear();
    so.speculativeUnrollFactors.clear(); // as --unroll does
    std::istringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
      so.unrollFactors.push_back(unsigned(std::atoi(item.c_str())));
    v.flags.push_back(std::string("--unroll=") + s);
  }
  if (const char *s = growths[field(16, 2)]) {
    so.growthLimit = std::atof(s);
    v.flags.push_back(std::string("--growth=") + s);
  }
  return v;
}

static const char *const kKindNames[] = {"none",       "invalid",  "verifier-failed",
                                         "effects-unsafe", "type-error", "mismatch",
                                         "crashed",    "timed-out"};

const char *failureKindName(FailureKind kind) { return kKindNames[int(kind)]; }

FailureKind failureKindFromName(const std::string &name) {
  for (int i = 0; i < int(std::size(kKindNames)); ++i)
    if (name == kKindNames[i])
      return FailureKind(i);
  return FailureKind::Crashed;
}

std::string joinArgs(const Args &args) {
  std::string s;
  for (const std::string &a : args)
    s += (s.empty() ? "" : " ") + a;
  return s;
}

// Format: kind, args, the two counts, the training args, one line each,
// then the detail.
std::string CheckResult::serialize() const {
  std::ostringstream os;
  os << failureKindName(kind) << "\n"
     << joinArgs(failingArgs) << "\n"
     << originalDyn << " " << optimizedDyn << "\n"
     << joinArgs(trainedOn) << "\n"
     << signature << "\n"
     << detail;
  return os.str();
}

CheckResult CheckResult::deserialize(const std::string &text) {
  CheckResult r;
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line)) {
    r.kind = FailureKind::Crashed;
    r.detail = "the check returned nothing";
    return r;
  }
  r.kind = failureKindFromName(line);
  std::getline(in, line);
  std::istringstream argsIn(line);
  for (std::string a; argsIn >> a;)
    r.failingArgs.push_back(a);
  std::getline(in, line);
  std::istringstream counts(line);
  counts >> r.originalDyn >> r.optimizedDyn;
  std::getline(in, line);
  std::istringstream trainIn(line);
  for (std::string a; trainIn >> a;)
    r.trainedOn.push_back(a);
  std::getline(in, r.signature);
  std::ostringstream rest;
  rest << in.rdbuf();
  r.detail = rest.str();
  return r;
}

CheckResult checkOptimizer(const Program &program, const FuzzCase &fuzzCase,
                           const PipelineVariant &variant) {
  CheckResult result;
  std::vector<const Args *> inputs{&fuzzCase.train};
  for (const Args &a : fuzzCase.tests)
    inputs.push_back(&a);
  const uint64_t limit = fuzzCase.maxDyn ? fuzzCase.maxDyn : kDefaultOriginalLimit;

  // The original's behaviour on every input first: the reference to compare
  // with. The profile comes from the first input on which it ends cleanly.
  std::vector<Outcome> expected;
  for (const Args *a : inputs)
    expected.push_back(runCaptured(program, *a, false, limit));
  size_t train = 0;
  while (train < inputs.size() && !(expected[train].finished && expected[train].ok))
    ++train;
  if (train == inputs.size()) {
    result.kind = FailureKind::Invalid;
    result.failingArgs = fuzzCase.train;
    result.detail = "the original ends without error on no input (training input: " +
                    describe(expected[0]) + ")\n";
    return result;
  }
  result.trainedOn = *inputs[train];
  Outcome profiled = runCaptured(program, *inputs[train], true, limit);

  // A program whose own speculation breaks the verifier's rules (a call
  // inside it on some path, a print before its guard) is still a program
  // brili runs; the passes cannot be held to rules their input breaks, so
  // such a program is checked by its behaviour alone.
  bool originalVerifies;
  {
    Diagnostics diags;
    VerifyOptions vo;
    vo.speculationEffects = true;
    originalVerifies = verifyProgram(program, diags, vo);
  }
  Program optimized = program;
  std::ostringstream passErrors;
  PassOptions passOptions;
  passOptions.validate = originalVerifies;
  passOptions.errorStream = &passErrors;
  PassContext ctx(passOptions);
  runSuperblockPipeline(optimized, *profiled.profile, ctx, variant.options, nullptr);
  if (ctx.failed()) {
    result.kind = FailureKind::VerifierFailed;
    result.detail = firstLines(passErrors.str(), 60);
    return result;
  }
  if (originalVerifies) {
    Diagnostics diags;
    VerifyOptions vo;
    vo.speculationEffects = true;
    if (!verifyProgram(optimized, diags, vo)) {
      std::ostringstream os;
      diags.print(os);
      result.kind = FailureKind::EffectsUnsafe;
      result.detail = firstLines(os.str(), 30);
      return result;
    }
  }
  {
    Diagnostics diags;
    if (!typeCheck(optimized, diags)) {
      std::ostringstream os;
      diags.print(os);
      result.kind = FailureKind::TypeError;
      result.detail = firstLines(os.str(), 30);
      return result;
    }
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    Outcome &want = expected[i];
    Outcome got = runCaptured(optimized, *inputs[i], false,
                              optimizedLimit(want.finished ? want.dyn : limit));
    if (!want.finished && got.finished) // merely slow, or really endless?
      want = runCaptured(program, *inputs[i], false, satMul(limit, kConfirmFactor));
    if (want.finished && got.finished) { // a limit is no count
      result.originalDyn += want.dyn;
      result.optimizedDyn += got.dyn;
    }
    if (std::optional<std::string> difference = compareRuns(want, got)) {
      result.kind = FailureKind::Mismatch;
      result.failingArgs = *inputs[i];
      result.detail = "on input '" + joinArgs(*inputs[i]) + "': " + *difference;
      result.signature = mismatchSignature(want, got);
      return result;
    }
  }
  return result;
}

} // namespace brisk::fuzz
