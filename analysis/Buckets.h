// Buckets: (key, value) pairs of 32-bit ids grouped by key, by a counting
// sort: the values of key k are values[start[k], start[k + 1]), in the order
// the pairs came. Linear, where sorting the pairs was not, and one array for
// all keys rather than an allocation per key (the uses of each variable, the
// blocks each block's sets name, ...).
//
// The values are placed through `start` itself (each entry moves to its
// key's end, which is the next key's start, then all shift back one place),
// not through a second table of cursors: on a function of a million
// instructions that table is fresh memory the size of the keys, a write miss
// per line.
#pragma once

#include <llvm/ADT/ArrayRef.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace brisk {

struct Buckets {
  std::vector<uint32_t> start; // numKeys + 1 entries
  std::vector<uint32_t> values;

  Buckets() = default;
  Buckets(size_t numKeys, llvm::ArrayRef<std::pair<uint32_t, uint32_t>> pairs)
      : start(numKeys + 1, 0), values(pairs.size()) {
    for (const auto &[k, v] : pairs)
      ++start[k + 1];
    for (size_t k = 0; k < numKeys; ++k)
      start[k + 1] += start[k];
    for (const auto &[k, v] : pairs)
      values[start[k]++] = v;
    for (size_t k = numKeys; k > 0; --k)
      start[k] = start[k - 1];
    start[0] = 0;
  }

  llvm::ArrayRef<uint32_t> of(uint32_t k) const {
    return {values.data() + start[k], values.data() + start[k + 1]};
  }
  llvm::MutableArrayRef<uint32_t> of(uint32_t k) {
    return {values.data() + start[k], values.data() + start[k + 1]};
  }
};

} // namespace brisk
