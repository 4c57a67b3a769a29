#include "ir/NameTable.h"

#include <algorithm>
#include <functional>
#include <limits>

namespace brisk {

uint32_t NameTable::hashOf(std::string_view name) {
  uint64_t h = std::hash<std::string_view>{}(name);
  return uint32_t(h ^ (h >> 32));
}

size_t NameTable::probe(std::string_view name, uint32_t hash) const {
  size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    uint64_t s = slots_[i];
    if (s == 0)
      return i;
    if (uint32_t(s >> 32) == hash && names_[uint32_t(s) - 1] == name)
      return i;
  }
}

std::optional<uint32_t> NameTable::find(std::string_view name) const {
  if (names_.empty())
    return std::nullopt;
  indexBacklog();
  uint64_t s = slots_[probe(name, hashOf(name))];
  if (s == 0)
    return std::nullopt;
  return uint32_t(s) - 1;
}

std::pair<uint32_t, bool> NameTable::insert(std::string_view name) {
  indexBacklog();
  reserveSlots(names_.size() + 1);
  uint32_t hash = hashOf(name);
  size_t i = probe(name, hash);
  if (slots_[i] != 0)
    return {uint32_t(slots_[i]) - 1, false};
  uint32_t id = uint32_t(names_.size());
  names_.emplace_back(name);
  slots_[i] = (uint64_t(hash) << 32) | (id + 1);
  indexed_ = names_.size();
  noteSuffix(name);
  return {id, true};
}

uint32_t NameTable::appendNew(std::string_view name) {
  names_.emplace_back(name);
  return uint32_t(names_.size() - 1);
}

void NameTable::noteSuffix(std::string_view name) {
  // The digits at the end, if a '.' comes right before them.
  size_t i = name.size();
  while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
    --i;
  if (i == name.size() || i == 0 || name[i - 1] != '.')
    return;
  uint64_t n = 0;
  for (char c : name.substr(i)) {
    if (n > (std::numeric_limits<uint64_t>::max() - 9) / 10) {
      n = std::numeric_limits<uint64_t>::max(); // too long to read: no fast path from here on
      break;
    }
    n = n * 10 + uint64_t(c - '0');
  }
  if (n > largestSuffix_)
    largestSuffix_ = n;
}

void NameTable::growSlots(size_t names) const {
  size_t capacity = slots_.empty() ? 16 : slots_.size();
  while (2 * names > capacity)
    capacity *= 2;
  std::vector<uint64_t> old = std::move(slots_);
  slots_.assign(capacity, 0);
  size_t mask = capacity - 1;
  for (uint64_t s : old) {
    if (s == 0)
      continue;
    size_t i = uint32_t(s >> 32) & mask;
    while (slots_[i] != 0)
      i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void NameTable::indexRest() const {
  reserveSlots(names_.size());
  size_t mask = slots_.size() - 1;
  // The names are known to be distinct: each goes to the first empty slot
  // of its probe sequence, no comparisons. Hashes are taken a batch ahead
  // and their slots prefetched, so the cache misses of a batch overlap.
  constexpr size_t kBatch = 16;
  uint32_t hashes[kBatch];
  for (size_t first = indexed_; first < names_.size(); first += kBatch) {
    size_t n = std::min(kBatch, names_.size() - first);
    for (size_t k = 0; k < n; ++k) {
      hashes[k] = hashOf(names_[first + k]);
      __builtin_prefetch(&slots_[hashes[k] & mask], 1);
    }
    for (size_t k = 0; k < n; ++k) {
      size_t i = hashes[k] & mask;
      while (slots_[i] != 0)
        i = (i + 1) & mask;
      slots_[i] = (uint64_t(hashes[k]) << 32) | (first + k + 1);
    }
  }
  indexed_ = names_.size();
}

} // namespace brisk
