// Options: a small command-line parser for subcommands. Options are declared
// with a help line; `--name=value`, `--name value`, and boolean `--name` are
// accepted anywhere on the line, before or after positionals (`brisk pgo 7
// -o out.json`). Only `--` ends options: everything after it is positional,
// `-p` included. `-` and negative numbers (`-3`, `-.5`) are positionals, so
// a program's arguments need no `--`. `--help` prints the generated usage.
// Unknown options and malformed values are errors; every one is reported as
// `error: brisk COMMAND: ...` and the subcommand exits with kExitError.
#pragma once

#include <cstdint>
#include <limits>
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
  bool getCount(const std::string &name, uint64_t &out,
                uint64_t max = std::numeric_limits<uint64_t>::max()) const;
  // The value of `name` as a finite number from `lo` to `hi` into `out` (left
  // as it is when absent); otherwise prints an error and returns false.
  bool getNumber(const std::string &name, double &out, double lo, double hi) const;
  // Prints "error: brisk COMMAND: MESSAGE" and returns false, for checks of
  // values the parser cannot know (pass names, formats).
  bool fail(const std::string &message) const;
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
};

} // namespace brisk
