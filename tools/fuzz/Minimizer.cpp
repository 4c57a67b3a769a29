#include "tools/fuzz/Minimizer.h"

#include "frontend/Loader.h"
#include "frontend/TypeChecker.h"
#include "tools/fuzz/ChildProcess.h"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <optional>
#include <sstream>

namespace brisk::fuzz {
namespace {

std::vector<std::string> splitLines(const std::string &text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

std::string joinLines(const std::vector<std::string> &lines,
                      const std::vector<bool> &keep) {
  std::string s;
  for (size_t i = 0; i < lines.size(); ++i)
    if (keep[i])
      s += lines[i] + "\n";
  return s;
}

bool isHeader(const std::string &line) { return !line.empty() && line[0] == '@'; }
bool isClosing(const std::string &line) { return line == "}"; }
bool isComment(const std::string &line) {
  size_t p = line.find_first_not_of(" \t");
  return p != std::string::npos && line[p] == '#';
}

class Minimizer {
public:
  Minimizer(const std::string &text, const std::function<bool(const std::string &)> &stillFails,
            size_t maxChecks)
      : lines_(splitLines(text)), keep_(lines_.size(), true), stillFails_(stillFails),
        maxChecks_(maxChecks) {
    for (size_t i = 0; i < lines_.size(); ++i)
      if (isComment(lines_[i]))
        keep_[i] = false;
  }

  std::string run(MinimizeStats *stats) {
    size_t before = keptCount();
    for (bool progress = true; progress && budgetLeft();) {
      progress = dropFunctions();
      progress |= ddminBodyLines();
      progress |= simplifyLines();
    }
    if (stats) {
      stats->checks = checks_;
      stats->linesBefore = before;
      stats->linesAfter = keptCount();
    }
    return joinLines(lines_, keep_);
  }

private:
  bool budgetLeft() const { return checks_ < maxChecks_; }
  size_t keptCount() const { return size_t(std::count(keep_.begin(), keep_.end(), true)); }

  // Tries the current text with `lines_`/`keep_` as they are now.
  bool test() {
    ++checks_;
    return stillFails_(joinLines(lines_, keep_));
  }

  // Tries dropping `indices`; keeps the drop when the failure stays.
  bool tryDrop(const std::vector<size_t> &indices) {
    if (indices.empty() || !budgetLeft())
      return false;
    for (size_t i : indices)
      keep_[i] = false;
    if (test())
      return true;
    for (size_t i : indices)
      keep_[i] = true;
    return false;
  }

  bool dropFunctions() {
    bool progress = false;
    for (size_t i = 0; i < lines_.size() && budgetLeft(); ++i) {
      if (!keep_[i] || !isHeader(lines_[i]) || lines_[i].rfind("@main", 0) == 0)
        continue;
      std::vector<size_t> range;
      size_t j = i;
      for (; j < lines_.size(); ++j) {
        if (keep_[j])
          range.push_back(j);
        if (isClosing(lines_[j]))
          break;
      }
      progress |= tryDrop(range);
    }
    return progress;
  }

  std::vector<size_t> bodyLines() const {
    std::vector<size_t> body;
    for (size_t i = 0; i < lines_.size(); ++i)
      if (keep_[i] && !isHeader(lines_[i]) && !isClosing(lines_[i]))
        body.push_back(i);
    return body;
  }

  bool ddminBodyLines() {
    bool progress = false;
    std::vector<size_t> body = bodyLines();
    size_t chunk = std::max<size_t>(1, body.size() / 2);
    while (budgetLeft() && !body.empty()) {
      bool dropped = false;
      for (size_t start = 0; start < body.size() && budgetLeft();) {
        size_t end = std::min(body.size(), start + chunk);
        std::vector<size_t> part(body.begin() + long(start), body.begin() + long(end));
        if (tryDrop(part)) {
          body.erase(body.begin() + long(start), body.begin() + long(end));
          dropped = progress = true;
        } else {
          start = end;
        }
      }
      if (chunk == 1 && !dropped)
        break;
      if (!dropped)
        chunk = std::max<size_t>(1, chunk / 2);
    }
    return progress;
  }

  // Replacements for one line that keep its destination and type.
  static std::vector<std::string> simplerForms(const std::string &line) {
    std::vector<std::string> forms;
    size_t indent = line.find_first_not_of(' ');
    if (indent == std::string::npos)
      return forms;
    std::string pre = line.substr(0, indent), body = line.substr(indent);
    if (body.rfind("br ", 0) == 0) {
      std::istringstream in(body.substr(3));
      std::string cond, a, b;
      in >> cond >> a >> b;
      if (!b.empty() && b.back() == ';')
        b.pop_back();
      if (!a.empty() && !b.empty()) {
        forms.push_back(pre + "jmp " + a + ";");
        forms.push_back(pre + "jmp " + b + ";");
      }
      return forms;
    }
    size_t colon = body.find(": ");
    size_t eq = body.find(" = ");
    if (colon == std::string::npos || eq == std::string::npos || colon > eq)
      return forms;
    std::string type = body.substr(colon + 2, eq - colon - 2);
    std::string rhs = body.substr(eq + 3);
    if (rhs.rfind("const ", 0) == 0)
      return forms;
    std::string dest = body.substr(0, colon);
    const char *zero = type == "int" ? "0" : type == "bool" ? "false" : type == "float" ? "0.0"
                                                                                     : nullptr;
    if (zero)
      forms.push_back(pre + dest + ": " + type + " = const " + zero + ";");
    return forms;
  }

  bool simplifyLines() {
    bool progress = false;
    for (size_t i : bodyLines()) {
      if (!budgetLeft())
        break;
      std::string original = lines_[i];
      for (const std::string &form : simplerForms(original)) {
        lines_[i] = form;
        if (test()) {
          progress = true;
          break;
        }
        lines_[i] = original;
      }
    }
    return progress;
  }

  std::vector<std::string> lines_;
  std::vector<bool> keep_;
  const std::function<bool(const std::string &)> &stillFails_;
  size_t maxChecks_;
  size_t checks_ = 0;
};

} // namespace

std::string minimizeProgramText(const std::string &text,
                                const std::function<bool(const std::string &)> &stillFails,
                                size_t maxChecks, MinimizeStats *stats) {
  return Minimizer(text, stillFails, maxChecks).run(stats);
}

CheckResult checkTextInChild(const std::string &text, const FuzzCase &fuzzCase,
                             const PipelineVariant &variant, unsigned timeoutMs, int *signal) {
  ChildResult child = runInChild(
      [&] {
        Diagnostics diags;
        std::optional<Program> program = loadProgram(text, diags);
        CheckResult r;
        if (!program || !typeCheck(*program, diags)) {
          r.kind = FailureKind::Invalid;
          r.detail = "the program does not load or type-check\n";
          return r.serialize();
        }
        return checkOptimizer(*program, fuzzCase, variant).serialize();
      },
      timeoutMs);
  if (signal)
    *signal = child.signal;
  if (child.status == ChildResult::Status::Finished)
    return CheckResult::deserialize(child.payload);
  CheckResult r;
  if (child.status == ChildResult::Status::TimedOut) {
    r.kind = FailureKind::TimedOut;
    r.detail = "no result after " + std::to_string(timeoutMs) + " ms\n";
  } else {
    r.kind = FailureKind::Crashed;
    r.detail = (child.signal ? "killed by signal " + std::to_string(child.signal) + " (" +
                                   strsignal(child.signal) + ")"
                             : std::string("exited without a result")) +
               "\n" + child.stderrText;
  }
  return r;
}

std::function<bool(const std::string &)> failurePredicate(const FuzzCase &fuzzCase,
                                                          const PipelineVariant &variant,
                                                          FailureKind kind, int signal,
                                                          unsigned timeoutMs,
                                                          const std::string &signature) {
  return [=](const std::string &text) {
    int sig = 0;
    CheckResult r = checkTextInChild(text, fuzzCase, variant, timeoutMs, &sig);
    if (r.kind != kind || (!signature.empty() && r.signature != signature))
      return false;
    return kind != FailureKind::Crashed || sig == signal;
  };
}

} // namespace brisk::fuzz
