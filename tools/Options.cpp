#include "tools/Options.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace brisk {

Options::Options(std::string command, std::string usage, std::string description)
    : command_(std::move(command)), usage_(std::move(usage)),
      description_(std::move(description)) {}

void Options::flag(const std::string &name, const std::string &help) {
  decls_[name] = Decl{"", help, false};
  order_.push_back(name);
}

void Options::value(const std::string &name, const std::string &metavar,
                    const std::string &help, bool repeatable) {
  decls_[name] = Decl{metavar, help, repeatable};
  order_.push_back(name);
}

namespace {

// "-5", "-0.5", "-.5", "-inf": a negative number given as a program
// argument, never an option.
bool isNegativeNumber(const std::string &a) {
  if (a.size() < 2 || a[0] != '-')
    return false;
  char *end = nullptr;
  std::strtod(a.c_str(), &end);
  return end == a.c_str() + a.size();
}

} // namespace

bool Options::parse(const std::vector<std::string> &args) {
  bool optionsDone = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &a = args[i];
    if (optionsDone || a.size() < 2 || a[0] != '-' || isNegativeNumber(a)) {
      positionals_.push_back(a);
      continue;
    }
    if (a == "--") {
      optionsDone = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      std::cout << usage();
      help_ = true;
      return false;
    }
  std::string name = a.substr(a[1] == '-' ? 2 : 1);
    std::optional<std::string> val;
    if (auto eq = name.find('='); eq != std::string::npos) {
      val = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto it = decls_.find(name);
    if (it == decls_.end()) {
      std::cerr << "error: brisk " << command_ << ": unknown option '" << a
                << "' (see brisk " << command_ << " --help)\n";
      return false;
    }
    const Decl &d = it->second;
    if (d.metavar.empty()) {
      if (val) {
        std::cerr << "error: brisk " << command_ << ": option --" << name
                  << " takes no value\n";
        return false;
      }
      values_[name].push_back("");
      continue;
    }
    if (!val) {
      if (i + 1 >= args.size()) {
        std::cerr << "error: brisk " << command_ << ": option --" << name << " needs a value ("
                  << d.metavar << ")\n";
        return false;
      }
      val = args[++i];
    }
    auto &slot = values_[name];
    if (!d.repeatable)
      slot.clear();
    slot.push_back(*val);
  }
  return true;
}

bool Options::has(const std::string &name) const { return values_.count(name) != 0; }

std::optional<std::string> Options::get(const std::string &name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty())
    return std::nullopt;
  return it->second.back();
}

bool Options::getCount(const std::string &name, uint64_t &out, uint64_t max) const {
  std::optional<std::string> text = get(name);
  if (!text)
    return true;
  const char *begin = text->data(), *end = begin + text->size();
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || value > max) {
    std::string range = max == std::numeric_limits<uint64_t>::max()
                            ? "a non-negative integer"
                            : "an integer from 0 to " + std::to_string(max);
    return fail("--" + name + " expects " + range + ", got '" + *text + "'");
  }
  out = value;
  return true;
}

bool Options::getNumber(const std::string &name, double &out, double lo, double hi) const {
  std::optional<std::string> text = get(name);
  if (!text)
    return true;
  char *end = nullptr;
  double value = text->empty() ? 0.0 : std::strtod(text->c_str(), &end);
  if (text->empty() || end != text->c_str() + text->size() || !std::isfinite(value) ||
      value < lo || value > hi) {
    std::ostringstream os;
    os << "--" << name << " expects a number ";
    if (std::isinf(hi))
      os << "of at least " << lo;
    else
      os << "from " << lo << " to " << hi;
    os << ", got '" << *text << "'";
    return fail(os.str());
  }
  out = value;
  return true;
}

bool Options::fail(const std::string &message) const {
  std::cerr << "error: brisk " << command_ << ": " << message << "\n";
  return false;
}

std::string Options::get(const std::string &name, const std::string &fallback) const {
  auto v = get(name);
  return v ? *v : fallback;
}

std::vector<std::string> Options::getAll(const std::string &name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::string Options::usage() const {
  std::ostringstream os;
  os << "usage: brisk " << command_ << " " << usage_ << "\n\n" << description_ << "\n";
  if (!order_.empty())
    os << "\noptions:\n";
  for (const std::string &name : order_) {
    const Decl &d = decls_.at(name);
    // One-letter options read as `-o FILE`, long ones as `--name=VALUE`.
    std::string left = name.size() == 1
                           ? "  -" + name + (d.metavar.empty() ? "" : " " + d.metavar)
                           : "  --" + name + (d.metavar.empty() ? "" : "=" + d.metavar);
    os << left;
    if (left.size() < 28)
      os << std::string(28 - left.size(), ' ');
    else
      os << "\n" << std::string(28, ' ');
    os << d.help << "\n";
  }
  os << "  --help                    show this help\n";
  return os.str();
}

} // namespace brisk
