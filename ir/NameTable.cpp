#include "ir/NameTable.h"

#include <functional>

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
  uint64_t s = slots_[probe(name, hashOf(name))];
  if (s == 0)
    return std::nullopt;
  return uint32_t(s) - 1;
}

std::pair<uint32_t, bool> NameTable::insert(std::string_view name) {
  if (2 * (names_.size() + 1) > slots_.size())
    grow();
  uint32_t hash = hashOf(name);
  size_t i = probe(name, hash);
  if (slots_[i] != 0)
    return {uint32_t(slots_[i]) - 1, false};
  uint32_t id = uint32_t(names_.size());
  names_.emplace_back(name);
  slots_[i] = (uint64_t(hash) << 32) | (id + 1);
  return {id, true};
}

void NameTable::grow() {
  std::vector<uint64_t> old = std::move(slots_);
  slots_.assign(old.empty() ? 16 : old.size() * 2, 0);
  size_t mask = slots_.size() - 1;
  for (uint64_t s : old) {
    if (s == 0)
      continue;
    size_t i = uint32_t(s >> 32) & mask;
    while (slots_[i] != 0)
      i = (i + 1) & mask;
    slots_[i] = s;
  }
}

} // namespace brisk
