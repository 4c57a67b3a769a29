#include "tools/Options.h"

#include <charconv>
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

bool Options::parse(const std::vector<std::string> &args) {
  bool optionsDone = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &a = args[i];
    if (optionsDone || a.size() < 2 || a[0] != '-' || a == "-" ||
        (a[1] >= '0' && a[1] <= '9') || a[1] == '.') {
      positionals_.push_back(a);
      if (stopAtPositional_)
        optionsDone = true;
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

bool Options::getCount(const std::string &name, uint64_t &out) const {
  std::optional<std::string> text = get(name);
  if (!text)
    return true;
  const char *begin = text->data(), *end = begin + text->size();
  auto [ptr, ec] = std::from_chars(begin, end, out);
  if (ec != std::errc() || ptr != end) {
    std::cerr << "error: brisk " << command_ << ": --" << name
              << " expects a non-negative integer, got '" << *text << "'\n";
    return false;
  }
  return true;
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
