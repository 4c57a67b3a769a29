// NameTable: a set of names, each with a dense id in order of first
// insertion; what Function interns its variable names and block labels in.
//
// It is two flat vectors: the names, and an open-addressing index whose
// slots hold an id and part of the name's hash. Copying or destroying a
// table therefore costs one allocation per name longer than std::string's
// inline buffer, not one per entry as a node-based map would; functions are
// copied whole by the pipeline (to try a transformation and keep the better
// result), so that cost is paid per copy of every function.
//
// The index may lag behind the names: appendNew() adds a name its caller
// knows is new without touching the index, and the next lookup indexes
// every name added so. On a function of a million instructions the index is
// tens of megabytes and each insertion into it a cache miss; passes that
// make fresh variables by the hundred thousand (out of SSA, loop rotation)
// and never look a name up again then pay none of them, and a lookup that
// does come indexes the backlog in one sweep. find() is const but may index
// that backlog (the index is a cache of the names): a table is not to be
// read from two threads at once.
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
  // Adds `name`, which the caller knows is in no table slot yet (see
  // largestSuffix()), and returns its id.
  uint32_t appendNew(std::string_view name);
  // Adds `name`, which the caller knows the table lacks, and returns its id:
  // insert() without the lookup (it waits, like appendNew()'s names, for the
  // next lookup to index it). Unlike appendNew(), any name will do: its
  // ending counts for largestSuffix().
  uint32_t insertNew(std::string_view name) {
    noteSuffix(name);
    return appendNew(name);
  }
  std::optional<uint32_t> find(std::string_view name) const;
  // Room for `n` names in all (the index grows at the next lookup, to fit).
  void reserve(size_t n) { names_.reserve(n); }
  bool contains(std::string_view name) const { return find(name).has_value(); }
  const std::string &name(uint32_t id) const { return names_[id]; }
  size_t size() const { return names_.size(); }

  // The largest N such that a name added through insert()/intern() ends in
  // "." followed by digits reading N (UINT64_MAX when too long to read);
  // 0 when there is none. A name "H.M" with M larger than this cannot be in
  // the table unless appendNew() put it there: what lets Function::freshVar
  // skip the lookup for names made with a counter that only grows.
  uint64_t largestSuffix() const { return largestSuffix_; }

private:
  static uint32_t hashOf(std::string_view name);
  // The slot that holds `name`, or the empty slot where it would go.
  size_t probe(std::string_view name, uint32_t hash) const;
  // Indexes the names appendNew() added since the last lookup.
  void indexBacklog() const {
    if (indexed_ != names_.size())
      indexRest();
  }
  void indexRest() const;
  // Room in the index for `names` names at most half full.
  void reserveSlots(size_t names) const {
    if (2 * names > slots_.size())
      growSlots(names);
  }
  void growSlots(size_t names) const;
  void noteSuffix(std::string_view name);

  std::vector<std::string> names_;
  // 0: empty; otherwise (hash << 32) | (id + 1). Capacity is a power of two
  // at least twice the number of indexed names. Names [0, indexed_) are in
  // it; the rest wait for the next lookup.
  mutable std::vector<uint64_t> slots_;
  mutable size_t indexed_ = 0;
  uint64_t largestSuffix_ = 0;
};

} // namespace brisk
