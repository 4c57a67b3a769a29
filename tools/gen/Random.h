// Random: the generator's source of randomness. Every draw goes through here
// so that a seed means the same program on every platform and standard
// library: std::mt19937_64 is fully specified by the standard, but the
// std::*_distribution classes are not, so ranges are reduced by hand.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace brisk::gen {

// SplitMix64's finaliser: derives independent seeds for separate streams
// (the program, its argument vectors) from one user seed.
inline uint64_t mixSeed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Random {
public:
  explicit Random(uint64_t seed) : engine_(seed) {}

  uint64_t next() { return engine_(); }
  // Uniform in [0, n); n must be positive. The modulo bias is below 2^-40
  // for every n the generator uses, which no test can observe.
  uint64_t below(uint64_t n) { return engine_() % n; }
  // Uniform in [lo, hi], inclusive.
  int64_t range(int64_t lo, int64_t hi) {
    return lo + int64_t(below(uint64_t(hi - lo) + 1));
  }
  // True with probability percent/100.
  bool chance(unsigned percent) { return below(100) < percent; }
  // Uniform in [0, 1).
  double unit() { return double(engine_() >> 11) * 0x1.0p-53; }

  template <class T> const T &pick(const std::vector<T> &items) {
    return items[below(items.size())];
  }
  // An index in [0, n) biased towards n-1: the generator prefers recently
  // defined variables, which gives short def-use chains like real code.
  size_t recentIndex(size_t n) {
    if (n == 0 || chance(40))
      return n == 0 ? 0 : size_t(below(n));
    size_t back = 0;
    while (back + 1 < n && chance(50))
      ++back;
    return n - 1 - back;
  }

private:
  std::mt19937_64 engine_;
};

} // namespace brisk::gen
