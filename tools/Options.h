// Options: a small command-line parser for subcommands. Options are declared
// with a help line; `--name=value`, `--name value`, and boolean `--name` are
// accepted, `--` ends options, `-` is a positional (stdin/stdout), and
// `--help` prints the generated usage. Unknown options are errors.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace brisk {

class Options {
public:
  Options(std::string command, std::string usage, std::string description);

  // A flag without a value.
  void flag(const std::string &name, const std::string &help);
  // An option with a value; `repeatable` collects every occurrence.
  void value(const std::string &name, const std::string &metavar, const std::string &help,
             bool repeatable = false);
  // Some subcommands (run, pgo) pass everything after the first positional
  // straight to the program: `brisk run -p 5 -3 < prog`. With this set,
  // options are recognised only before the first positional, and a
  // negative number is never taken for an option.
  void stopAtFirstPositional() { stopAtPositional_ = true; }

  // Parses; on error prints a message to stderr and returns false. On --help
  // prints usage to stdout, sets helpRequested() and returns false.
  bool parse(const std::vector<std::string> &args);
  bool helpRequested() const { return help_; }

  bool has(const std::string &name) const;
  std::optional<std::string> get(const std::string &name) const;
  std::string get(const std::string &name, const std::string &fallback) const;
  std::vector<std::string> getAll(const std::string &name) const;
  // The value of `name` as a non-negative integer into `out` (left as it is
  // when the option is absent). On a malformed value prints
  // "error: brisk COMMAND: --name expects a non-negative integer" and returns false.
  bool getCount(const std::string &name, uint64_t &out) const;
  const std::vector<std::string> &positionals() const { return positionals_; }

  std::string usage() const;

private:
  struct Decl {
    std::string metavar; // empty for flags
    std::string help;
    bool repeatable = false;
  };
  std::string command_, usage_, description_;
  std::map<std::string, Decl> decls_;
  std::vector<std::string> order_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
  bool help_ = false;
  bool stopAtPositional_ = false;
};

} // namespace brisk
