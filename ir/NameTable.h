// NameTable: a set of names, each with a dense id in order of first
// insertion; what Function interns its variable names and block labels in.
//
// It is two flat vectors: the names, and an open-addressing index whose
// slots hold an id and part of the name's hash. Copying or destroying a
// table therefore costs one allocation per name longer than std::string's
// inline buffer, not one per entry as a node-based map would; functions are
// copied whole by the pipeline (to try a transformation and keep the better
// result), so that cost is paid per copy of every function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brisk {

class NameTable {
public:
  // The id of `name`, adding it on first use.
  uint32_t intern(std::string_view name) { return insert(name).first; }
  // The id of `name` and whether this call added it.
  std::pair<uint32_t, bool> insert(std::string_view name);
  std::optional<uint32_t> find(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name).has_value(); }
  const std::string &name(uint32_t id) const { return names_[id]; }
  size_t size() const { return names_.size(); }

private:
  static uint32_t hashOf(std::string_view name);
  // The slot that holds `name`, or the empty slot where it would go.
  size_t probe(std::string_view name, uint32_t hash) const;
  void grow();

  std::vector<std::string> names_;
  // 0: empty; otherwise (hash << 32) | (id + 1). Capacity is a power of two
  // at least twice the number of names.
  std::vector<uint64_t> slots_;
};

} // namespace brisk
